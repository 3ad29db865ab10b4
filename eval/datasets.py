"""Load evaluation questions: QA JSONL files (design.md format) and BEIR folders."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.errors import DatasetError


@dataclass(frozen=True, slots=True)
class Question:
    """One question with its gold data; fields a dataset does not carry stay empty."""

    id: str
    question: str
    answerable: bool = True
    answers: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    type: str | None = None
    qrels: Mapping[str, int] | None = None  # BEIR: graded relevance by document id


def load(path: Path) -> list[Question]:
    """A QA .jsonl file, or a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)."""
    if path.is_dir():
        return load_beir(path)
    if not path.is_file():
        raise DatasetError(f"{path} does not exist; pass a QA .jsonl file or a BEIR folder")
    return load_qa(path)


def select(questions: Sequence[Question], *, filter_type: str | None = None,
           limit: int | None = None) -> list[Question]:
    """Keep questions of `filter_type` (if given), then the first `limit` of them, in file order."""
    kept = [q for q in questions if filter_type is None or q.type == filter_type]
    return kept if limit is None else kept[:limit]


def load_qa(path: Path) -> list[Question]:
    questions = [_qa_question(row, f"{path}:{line}") for line, row in _read_jsonl(path)]
    _check_unique(questions, path)
    return questions


def load_beir(folder: Path, *, split: str = "test") -> list[Question]:
    """BEIR queries that have qrels in `split`, in queries.jsonl order; relevance is by document id."""
    qrels = _read_qrels(folder / "qrels" / f"{split}.tsv")
    questions = []
    for line, row in _read_jsonl(folder / "queries.jsonl"):
        query_id = _string(row, "_id", f"{folder / 'queries.jsonl'}:{line}")
        if query_id in qrels:
            judged = qrels[query_id]
            questions.append(Question(
                id=query_id, question=_string(row, "text", f"{folder / 'queries.jsonl'}:{line}"),
                doc_ids=tuple(doc for doc, grade in judged.items() if grade > 0), qrels=judged,
            ))
    missing = set(qrels) - {q.id for q in questions}
    if missing:
        raise DatasetError(f"{folder}: {len(missing)} qrels queries are not in queries.jsonl "
                           f"(e.g. {sorted(missing)[0]!r}); is the folder complete?")
    return questions


def _qa_question(row: dict[str, Any], where: str) -> Question:
    kind = row.get("type")
    if kind is not None and not isinstance(kind, str):
        raise DatasetError(f"{where}: `type` must be a string or null")
    answerable = row.get("answerable", True)
    if not isinstance(answerable, bool):
        raise DatasetError(f"{where}: `answerable` must be true or false")
    return Question(
        id=_string(row, "id", where), question=_string(row, "question", where), answerable=answerable,
        answers=_strings(row, "answers", where), all_of=_strings(row, "all_of", where),
        doc_ids=_strings(row, "doc_ids", where), evidence=_strings(row, "evidence", where), type=kind,
    )


def _string(row: dict[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise DatasetError(f"{where}: `{key}` must be a non-empty string")
    return value


def _strings(row: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = row.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DatasetError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise DatasetError(f"{path} does not exist")
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as error:
                raise DatasetError(f"{path}:{line}: not JSON ({error.msg})") from error
            if not isinstance(row, dict):
                raise DatasetError(f"{path}:{line}: expected a JSON object")
            yield line, row


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """BEIR `query-id corpus-id score` (tab-separated, with header); TREC 4-column lines also work."""
    if not path.is_file():
        raise DatasetError(f"{path} does not exist; a BEIR folder needs qrels/test.tsv")
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, fields in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not fields or (line == 1 and fields[0] == "query-id"):
                continue
            if len(fields) == 1:
                fields = fields[0].split()
            if len(fields) not in (3, 4):
                raise DatasetError(f"{path}:{line}: expected `query-id corpus-id score`")
            query_id, doc_id, grade = fields[0], fields[-2], fields[-1]
            try:
                qrels.setdefault(query_id, {})[doc_id] = int(grade)
            except ValueError as error:
                raise DatasetError(f"{path}:{line}: score {grade!r} is not an integer") from error
    return qrels


def _check_unique(questions: Sequence[Question], path: Path) -> None:
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise DatasetError(f"{path}: question id {q.id!r} appears twice; ids must be unique")
        seen.add(q.id)
