"""TREC files of a run: run.trec (the ranking of every question) and qrels.trec (our judgments).

Ranked items are passage ids, or document ids for BEIR (qrels by document). trec_eval sorts by score, so
the score column is a strictly decreasing stand-in (n, n-1, ...) that reproduces the service's order;
the service's own scores are in results.jsonl.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any


def run_lines(records: Sequence[Mapping[str, Any]], *, tag: str = "citeqa") -> Iterator[str]:
    for record in records:
        ranking = record["ranking"]
        for rank, key in enumerate(ranking, start=1):
            yield f"{_token(record['id'])} Q0 {_token(key)} {rank} {len(ranking) - rank + 1} {_token(tag)}"


def qrels_lines(records: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    """Judged relevance, placeholders for unretrieved gold included (see `relevance.PLACEHOLDER`)."""
    for record in records:
        for key, grade in record["qrels"].items():
            yield f"{_token(record['id'])} 0 {_token(key)} {grade}"


def _token(value: object) -> str:
    """TREC columns are whitespace-separated: whitespace inside an id becomes `_`."""
    return "_".join(str(value).split()) or "-"
