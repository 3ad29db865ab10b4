"""run_eval and compare_runs end to end against the real service over a tiny real index.

Three short documents, each one passage, ingested with the real model: the questions are easy enough that
the expected rankings below are the service's actual behaviour, which these tests pin down.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from eval import outputs
from eval.command import compare_runs, parse_bars, run_eval
from eval.errors import OptionError
from ingest.encoder import Encoder
from ingest.pipeline import ingest
from ingest.records import SourceDocument
from tests.live_server import app_client

DOCS = {
    "kz/a": "The CSTO sent 2,500 troops to Kazakhstan. General Serdyukov commanded the contingent.",
    "kz/b": "Fuel prices rose to 120 tenge per litre. Protests began on January 2 in Zhanaozen.",
    "kz/c": "Belarus, Armenia and Tajikistan sent units. The football season was postponed.",
}
QUESTIONS: list[dict[str, Any]] = [
    {"id": "q1", "question": "How many troops did the CSTO send to Kazakhstan?", "answers": ["2,500"],
     "type": "fact", "evidence": ["The CSTO sent 2,500 troops to Kazakhstan."]},
    {"id": "q2", "question": "Who commanded the contingent?", "answers": ["Serdyukov"], "type": "fact"},
    {"id": "q3", "question": "Which countries sent units?", "all_of": ["Belarus", "Armenia"], "type": "list"},
    {"id": "q4", "question": "What did fuel cost per litre?", "answers": ["120 tenge"], "type": "fact"},
    {"id": "q5", "question": "Which team won the 2030 chess olympiad final?", "answerable": False,
     "type": "null_query"},
    {"id": "q6", "question": "x" * 2100, "answers": ["never"], "type": "fact"},  # over the limit: HTTP 422
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[TestClient]:
    index = tmp_path_factory.mktemp("eval-command") / "index"
    ingest(index, [SourceDocument(id=doc_id, text=text) for doc_id, text in DOCS.items()], encoder=encoder)
    with app_client(index, encoder) as served:
        yield served


@pytest.fixture
def qa_file(tmp_path: Path) -> Path:
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


def test_run_writes_outputs_in_question_order(client: TestClient, qa_file: Path, tmp_path: Path) -> None:
    said: list[str] = []
    code = run_eval(client, qa_file, k=5, concurrency=3, out_dir=tmp_path / "run", echo=said.append)
    assert code == 1  # q6 got an HTTP 422: a run with request errors fails
    assert any("1 questions got an error reply" in line for line in said)
    summary, records = outputs.read(tmp_path / "run")
    assert [r["id"] for r in records] == [q["id"] for q in QUESTIONS]
    assert records[5]["error"].startswith("HTTP 422") and records[5]["scores"]["hits@1"] == 0
    assert records[0]["rule"] == "evidence" and records[2]["rule"] == "answer" and records[4]["rule"] is None
    assert "all-MiniLM-L6-v2" in summary["manifest"]["model"] and summary["manifest"]["service_version"]
    assert summary["metrics"]["offset_validity"] == 1.0  # doc ids with "/" resolve through the URL quoting
    assert summary["counts"]["rules"] == {"answer": 4, "evidence": 1}
    assert set(summary["by_type"]) == {"fact", "list", "null_query"}
    for name in ("report.md", "report.png", "run.trec", "qrels.trec"):
        assert (tmp_path / "run" / name).stat().st_size > 0


def test_answer_and_abstention_scores(client: TestClient, qa_file: Path, tmp_path: Path) -> None:
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


def test_runs_are_reproducible_and_compare(client: TestClient, qa_file: Path, tmp_path: Path) -> None:
    for name, concurrency in (("a", 1), ("b", 4)):
        run_eval(client, qa_file, k=5, concurrency=concurrency, out_dir=tmp_path / name, echo=lambda _: None)
    (a, _), (b, _) = outputs.read(tmp_path / "a"), outputs.read(tmp_path / "b")
    assert (a["metrics"], a["by_type"], a["counts"]) == (b["metrics"], b["by_type"], b["counts"])
    said: list[str] = []
    assert compare_runs(tmp_path / "a", tmp_path / "b", echo=said.append) == 0
    assert "| hits@1 | 5 |" in said[-1] and "+0.0000 | 1.0000 |" in said[-1]


def test_fail_under(client: TestClient, qa_file: Path, tmp_path: Path) -> None:
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
