"""The lexical side at 10k / 100k / 1M passages: real news text, repeated under varied ids.

Passages are 150-word windows of the corpus documents (no model needed, so 1M rows build in minutes);
each repetition of the corpus gets new document ids. Rows go in through `ingest.store` (with empty
embeddings: the vector side is measured by `bench_scale`), and queries run what the engine runs per
question on the lexical side: the FTS5 BM25 search and the IDF lookup.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ingest import store
from ingest.records import Chunk, SourceDocument
from service import lexical
from service.bench_ingest import documents, write_subset
from service.bench_stats import directory_mb, percentiles, timed
from service.filters import Filters

WORDS_PER_PASSAGE = 150
CANDIDATES = 100
_WORD = re.compile(r"\S+")


def windows(document: SourceDocument) -> list[Chunk]:
    spans = [match.span() for match in _WORD.finditer(document.text)]
    chunks = []
    for ordinal, begin in enumerate(range(0, len(spans), WORDS_PER_PASSAGE)):
        start, end = spans[begin][0], spans[min(begin + WORDS_PER_PASSAGE, len(spans)) - 1][1]
        text = document.text[start:end]
        chunks.append(Chunk(document.id, ordinal, start, end, text, WORDS_PER_PASSAGE, WORDS_PER_PASSAGE))
    return chunks


def repeated(docs: Sequence[SourceDocument]) -> Iterator[tuple[SourceDocument, list[Chunk]]]:
    """The corpus over and over, each round under new ids."""
    for round_no in itertools.count():
        for doc in docs:
            copy = replace(doc, id=f"{doc.id}-r{round_no}")
            yield copy, [replace(chunk, doc_id=copy.id) for chunk in windows(copy)]


def _fill(db: Any, source: Iterator[tuple[SourceDocument, list[Chunk]]], rows: int) -> int:
    """Insert documents until `rows` more passages are in; return how many went in."""
    added = 0
    with store.transaction(db):
        while added < rows:
            doc, chunks = next(source)
            store.insert_document(db, doc, "bench", chunks, np.zeros((len(chunks), 0), dtype=np.float32))
            added += len(chunks)
    return added


def _query_latency(db: Any, questions: Sequence[str]) -> dict[str, float]:
    samples = []
    for question in questions:
        with timed() as watch:
            lexical.search(db, question, CANDIDATES, Filters())
            lexical.idf_weights(db, lexical.query_terms(question))
        samples.append(watch.wall * 1000)
    return percentiles(samples)


def run(corpus: Path, workdir: Path, questions: Sequence[str], *, sizes: Sequence[int]) -> dict[str, Any]:
    docs = documents(write_subset(corpus, workdir / "lexical-corpus.jsonl", limit_docs=None))
    folder = workdir / "lexical-index"
    folder.mkdir(parents=True, exist_ok=True)
    db = store.connect(folder)
    source, total, results = repeated(docs), 0, {}
    for size in sorted(sizes):
        with timed() as build:
            added = _fill(db, source, size - total)
        total += added
        asked = [f"{q}" for q in questions[: min(len(questions), 200)]]
        _query_latency(db, asked[:5])  # warm the page cache, as a serving process would be
        latency = _query_latency(db, asked)
        results[str(size)] = {
            "passages": total,
            "insert_s": round(build.wall, 1),
            "insert_rows_per_s": round(added / max(build.wall, 1e-9)),
            "p50_ms": latency["p50"],
            "p95_ms": latency["p95"],
            "p99_ms": latency["p99"],
            "db_mb": directory_mb(folder),
        }
    db.close()
    return {"words_per_passage": WORDS_PER_PASSAGE, "candidates": CANDIDATES, "sizes": results}
