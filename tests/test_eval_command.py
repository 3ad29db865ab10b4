"""run_eval and compare_runs end to end against a tiny fake service speaking the public HTTP API.

The fake is an `httpx.MockTransport` handler (a stand-in *service*, not a mock of eval code): it splits three
documents into sentence passages, ranks them by word overlap and answers with the top passage.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from eval import outputs
from eval.command import compare_runs, parse_bars, run_eval
from eval.errors import OptionError

DOCS = {
    "kz/a": "The CSTO sent 2,500 troops to Kazakhstan. General Serdyukov commanded the contingent.",
    "kz/b": "Fuel prices rose to 120 tenge per litre. Protests began on January 2 in Zhanaozen.",
    "kz/c": "Belarus, Armenia and Tajikistan sent units. The football season was postponed.",
}
QUESTIONS: list[dict[str, Any]] = [
    {"id": "q1", "question": "How many troops did the CSTO send?", "answers": ["2,500"], "type": "fact",
     "evidence": ["The CSTO sent 2,500 troops to Kazakhstan."]},
    {"id": "q2", "question": "Who commanded the contingent?", "answers": ["Serdyukov"], "type": "fact"},
    {"id": "q3", "question": "Which countries sent units?", "all_of": ["Belarus", "Armenia"], "type": "list"},
    {"id": "q4", "question": "What did fuel cost?", "answers": ["120 tenge"], "type": "fact"},
    {"id": "q5", "question": "Who won the 2030 election?", "answerable": False, "type": "null_query"},
    {"id": "q6", "question": "x" * 600, "answers": ["never"], "type": "fact"},  # the fake refuses: 422
]


def passages_of() -> list[dict[str, Any]]:
    found = []
    for doc_id, text in DOCS.items():
        for match in re.finditer(r"[^.]+\.", text):
            start = match.start() + (len(match.group()) - len(match.group().lstrip()))
            found.append({"id": f"{doc_id}#{start}", "doc_id": doc_id, "title": None, "date": None,
                          "source": None, "text": text[start:match.end()], "start": start, "end": match.end()})
    return found


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def fake_service(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/healthz":
        return httpx.Response(200, json={"status": "ok", "version": "9.9", "manifest": {
            "embedding_model": {"name": "fake-model", "sha256": "f" * 64}, "counts": {"documents": 3}}})
    if path.startswith("/v1/documents/"):
        doc_id = unquote(path.removeprefix("/v1/documents/"))
        if doc_id not in DOCS:
            return httpx.Response(404, json={"detail": f"no document {doc_id}"})
        return httpx.Response(200, json={"id": doc_id, "text": DOCS[doc_id]})
    body = json.loads(request.content)
    if len(body["question"]) > 500:
        return httpx.Response(422, json={"detail": "question too long"})
    asked = words(body["question"])
    ranked = sorted(passages_of(), key=lambda p: (-len(asked & words(str(p["text"]))), str(p["id"])))
    ranked = [{**p, "rank": i, "score": 1.0 / i} for i, p in enumerate(ranked[: body["k"]], start=1)]
    overlap = len(asked & words(str(ranked[0]["text"])))
    answer = {"text": ranked[0]["text"], "citations": [0], "confidence": 0.9} if overlap >= 3 else None
    return httpx.Response(200, json={"question": body["question"], "answer": answer, "passages": ranked,
                                     "took_ms": 1.5})


@pytest.fixture
def client() -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(fake_service), base_url="http://fake")


@pytest.fixture
def qa_file(tmp_path: Path) -> Path:
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


def test_run_writes_outputs_in_question_order(client: httpx.Client, qa_file: Path, tmp_path: Path) -> None:
    said: list[str] = []
    code = run_eval(client, qa_file, k=5, concurrency=3, out_dir=tmp_path / "run", echo=said.append)
    assert code == 1  # q6 got an HTTP 422: a run with request errors fails
    assert any("1 questions got an error reply" in line for line in said)
    summary, records = outputs.read(tmp_path / "run")
    assert [r["id"] for r in records] == [q["id"] for q in QUESTIONS]
    assert records[5]["error"] == "HTTP 422: question too long" and records[5]["scores"]["hits@1"] == 0
    assert records[0]["rule"] == "evidence" and records[2]["rule"] == "answer" and records[4]["rule"] is None
    assert summary["manifest"]["model"] == "fake-model" and summary["manifest"]["service_version"] == "9.9"
    assert summary["metrics"]["offset_validity"] == 1.0  # doc ids with "/" resolve through the URL quoting
    assert summary["counts"]["rules"] == {"answer": 4, "evidence": 1}
    assert set(summary["by_type"]) == {"fact", "list", "null_query"}
    for name in ("report.md", "report.png", "run.trec", "qrels.trec"):
        assert (tmp_path / "run" / name).stat().st_size > 0


def test_answer_and_abstention_scores(client: httpx.Client, qa_file: Path, tmp_path: Path) -> None:
    run_eval(client, qa_file, k=5, limit=5, out_dir=tmp_path, echo=lambda _: None)
    summary, records = outputs.read(tmp_path)
    scores = {r["id"]: r["scores"] for r in records}
    assert scores["q1"]["hits@1"] == 1 and scores["q1"]["map@10"] == 1
    assert scores["q1"]["answer_accuracy"] == 1 and scores["q1"]["citation_validity"] == 1
    assert scores["q3"]["answer_recall@1"] == 1  # "Belarus, Armenia and Tajikistan sent units."
    assert "hits@1" not in scores["q5"]  # unanswerable: no retrieval metrics
    assert scores["q5"]["abstention_recall"] == 1 and scores["q5"]["abstention_precision"] == 1
    abstained = [r for r in records if r["judgments"]["abstained"]]
    precision = sum(not r["answerable"] for r in abstained) / len(abstained)
    assert summary["metrics"]["abstention_precision"] == pytest.approx(precision)


def test_runs_are_reproducible_and_compare(client: httpx.Client, qa_file: Path, tmp_path: Path) -> None:
    for name, concurrency in (("a", 1), ("b", 4)):
        run_eval(client, qa_file, k=5, concurrency=concurrency, out_dir=tmp_path / name, echo=lambda _: None)
    (a, _), (b, _) = outputs.read(tmp_path / "a"), outputs.read(tmp_path / "b")
    assert (a["metrics"], a["by_type"], a["counts"]) == (b["metrics"], b["by_type"], b["counts"])
    said: list[str] = []
    assert compare_runs(tmp_path / "a", tmp_path / "b", echo=said.append) == 0
    assert "| hits@1 | 5 |" in said[-1] and "+0.0000 | 1.0000 |" in said[-1]


def test_fail_under(client: httpx.Client, qa_file: Path, tmp_path: Path) -> None:
    said: list[str] = []
    ok = run_eval(client, qa_file, limit=5, out_dir=tmp_path / "ok", fail_under=["hits@10=0.5"],
                  echo=said.append)
    assert ok == 0
    code = run_eval(client, qa_file, limit=5, out_dir=tmp_path / "no", fail_under=["answer_recall@3=1.01"],
                    echo=said.append)
    assert code == 1 and "FAIL: answer_recall@3" in said[-1]


@pytest.mark.parametrize("options, message", [
    ({"fail_under": ["hits@7=0.5"]}, "expected METRIC=VALUE"),
    ({"fail_under": ["hits@10=high"]}, "is not a number"),
    ({"k": 0}, "-k 0"),
    ({"filter_type": "nope"}, "no questions of type 'nope'"),
])
def test_bad_options_exit_2_before_asking(qa_file: Path, tmp_path: Path, options: dict[str, object],
                                         message: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    said: list[str] = []
    client = httpx.Client(transport=httpx.MockTransport(refuse), base_url="http://fake")
    assert run_eval(client, qa_file, out_dir=tmp_path, echo=said.append, **options) == 2  # type: ignore[arg-type]
    assert message in said[0]


def test_unreachable_service_and_missing_inputs_exit_2(qa_file: Path, tmp_path: Path) -> None:
    said: list[str] = []
    down = httpx.Client(base_url="http://127.0.0.1:9", timeout=2)
    assert run_eval(down, qa_file, out_dir=tmp_path, echo=said.append) == 2
    assert "cannot reach the citeqa service" in said[-1]
    assert run_eval(down, tmp_path / "nope.jsonl", echo=said.append) == 2
    assert compare_runs(tmp_path / "x", tmp_path / "y", echo=said.append) == 2
    assert "not a finished eval run" in said[-1]


def test_parse_bars() -> None:
    assert parse_bars(["hits@10=0.6", " mrr@10=0.5"]) == {"hits@10": 0.6, "mrr@10": 0.5}
    with pytest.raises(OptionError):
        parse_bars(["hits@10"])
