"""Loading QA files and BEIR folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import datasets
from eval.errors import DatasetError
from tests.conftest import KZ_CORPUS, KZ_QA, MULTIHOP, REPO, SHARED


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_qa_file_fields(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "qa.jsonl", [
        {"id": "a", "question": "Q?", "answerable": True, "answers": ["x"], "all_of": [], "doc_ids": ["d"],
         "evidence": ["e"], "type": "t"},
        {"id": "b", "question": "R?", "answerable": False},
    ])
    first, second = datasets.load(path)
    assert first == datasets.Question("a", "Q?", True, ("x",), (), ("d",), ("e",), "t")
    assert second.answerable is False and second.answers == () and second.type is None


@pytest.mark.parametrize("row, problem", [
    ({"question": "Q?"}, "`id`"),
    ({"id": "a", "question": "Q?", "answers": "x"}, "`answers`"),
    ({"id": "a", "question": "Q?", "answerable": "yes"}, "`answerable`"),
])
def test_qa_file_errors_name_the_line(tmp_path: Path, row: dict[str, object], problem: str) -> None:
    path = write_jsonl(tmp_path / "qa.jsonl", [{"id": "ok", "question": "Q?"}, row])
    with pytest.raises(DatasetError, match=rf"qa.jsonl:2: {problem}"):
        datasets.load(path)


def test_duplicate_ids_and_missing_files(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "qa.jsonl", [{"id": "a", "question": "Q?"}] * 2)
    with pytest.raises(DatasetError, match="appears twice"):
        datasets.load(path)
    with pytest.raises(DatasetError, match="does not exist"):
        datasets.load(tmp_path / "missing.jsonl")


def test_beir_folder(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "corpus.jsonl", [{"_id": "d1", "title": "", "text": "t"}])
    write_jsonl(tmp_path / "queries.jsonl", [{"_id": "q2", "text": "two?"}, {"_id": "q9", "text": "no qrels"},
                                             {"_id": "q1", "text": "one?"}])
    (tmp_path / "qrels").mkdir()
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\nq2\td3\t2\n")
    questions = datasets.load(tmp_path)
    assert [q.id for q in questions] == ["q2", "q1"]  # queries.jsonl order, only queries with qrels
    assert questions[1].qrels == {"d1": 1, "d2": 0} and questions[1].doc_ids == ("d1",)


def test_select_filters_then_limits() -> None:
    qs = [datasets.Question(str(i), "?", type="a" if i % 2 else "b") for i in range(6)]
    assert [q.id for q in datasets.select(qs, filter_type="a", limit=2)] == ["1", "3"]
    assert len(datasets.select(qs)) == 6


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared")
def test_shared_dev_sets_load() -> None:
    multihop = datasets.load(MULTIHOP / "queries.dev.jsonl")
    assert len(multihop) == 639 and sum(not q.answerable for q in multihop) == 89
    assert len(datasets.load(KZ_QA)) == 24


def test_team_question_set_is_separate_from_the_dev_set_and_answerable_from_the_corpus() -> None:
    """The quality gate's second set (`eval/data`) must not repeat a dev question, and each gold answer must
    be in the sample corpus, or its bars would measure nothing."""
    team = datasets.load(REPO / "eval" / "data" / "kazakhstan-2022.team.jsonl")
    dev = datasets.load(KZ_QA)
    corpus = " ".join(p.read_text(encoding="utf-8") for p in KZ_CORPUS.iterdir())
    corpus = " ".join(corpus.lower().split())

    assert len({q.id for q in team}) == len(team)
    assert not {q.question.lower() for q in team} & {q.question.lower() for q in dev}
    assert sum(not q.answerable for q in team) >= 3
    for question in (q for q in team if q.answerable):
        assert question.answers or question.all_of, question.id
        assert all(item.lower() in corpus for item in question.all_of), question.id
        assert not question.answers or any(item.lower() in corpus for item in question.answers), question.id
