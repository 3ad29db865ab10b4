"""Hybrid retrieval: dense (FAISS) + lexical (FTS5 BM25), fused, boosted by metadata the question names,
near-duplicates collapsed. Reads one consistent snapshot of the index."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

import numpy as np

from ingest import index as index_dir
from ingest import sentence_vectors, store, vectors
from ingest.store import StoredChunk, StoredDocument
from service import answer, aspects, dedup, lexical, query_hints
from service.filters import Filters
from service.fusion import convex_fusion, reciprocal_rank_fusion

# How far down each list fusion looks; deep enough that a passage ranked low by one signal but high by
# the other still meets, shallow enough to stay fast on large indexes.
CANDIDATES = 100
SOURCE_BOOST = 1.0  # a named outlet doubles a passage's fused score
DATE_BOOST = 0.5


FUSION = "convex"
DENSE_WEIGHT = 0.5
# Passages are re-scored by their best single sentence's IDF-weighted coverage of the question: a passage
# whose evidence sits in one sentence beats one that merely shares scattered words (0 turns it off).
# Measured on both dev sets: gains grow from 0.5 to 4 and flatten after (docs/quality.md). A question of
# several claims is covered by no single sentence, so there a passage is re-scored by its best-supported
# claim instead (`aspects.Aspect.support`: words and meaning, within the claim's outlet and date).
SENTENCE_WEIGHT = 4.0
RERANK_POOL = 30
# A question with several parts (`aspects`) gets candidates of each part's own: a search within each named
# outlet adds this many, and each part's best-supported few of all fused candidates (ties in fused order)
# join the re-scored pool, so that a part the whole question's search ranks low can still reach the top
# (docs/quality.md).
ASPECT_CANDIDATES = 30
ASPECT_POOL = 10


def fuse(dense: list[tuple[int, float]], lexical_hits: list[tuple[int, float]]) -> dict[int, float]:
    if FUSION == "rrf":
        return reciprocal_rank_fusion({"dense": [i for i, _ in dense], "lexical": [i for i, _ in lexical_hits]})
    return convex_fusion({"dense": dict(dense), "lexical": dict(lexical_hits)},
                         weights={"dense": DENSE_WEIGHT, "lexical": 1 - DENSE_WEIGHT})


@dataclass
class Hit:
    chunk: StoredChunk
    document: StoredDocument
    score: float
    dense: float | None
    lexical: float | None
    also_in: list[str] = field(default_factory=list)
    embedding: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class RetrievalOptions:
    k: int
    filters: Filters = field(default_factory=Filters)
    candidates: int = CANDIDATES


def _allowed_ids(db: sqlite3.Connection, filters: Filters) -> np.ndarray | None:
    if filters.is_empty():
        return None
    clause, params = filters.where()
    rows = db.execute(f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE {clause}", params)
    return np.array([row[0] for row in rows], dtype=np.int64)


def _documents(db: sqlite3.Connection, doc_ids: set[str]) -> dict[str, StoredDocument]:
    return {doc_id: found for doc_id in doc_ids if (found := store.get_document_meta(db, doc_id))}


def _of_date(document: StoredDocument, dates: Sequence[query_hints.DateMention]) -> bool:
    return any(mention.matches(document.date) for mention in dates)


def _boost(
    document: StoredDocument, sources: AbstractSet[str], dates: Sequence[query_hints.DateMention]
) -> float:
    factor = 1.0
    if document.source in sources:
        factor += SOURCE_BOOST
    if _of_date(document, dates):
        factor += DATE_BOOST
    return factor


def named_report(
    document: StoredDocument, sources: AbstractSet[str], dates: Sequence[query_hints.DateMention]
) -> bool | None:
    """Whether the document is a report the question names, by the outlets and report dates it names:
    None where the document's own outlet or date is unknown and the rest does not rule it out. Every
    document is, for a question that names neither."""
    checks: list[bool | None] = []
    if sources:
        checks.append(None if document.source is None else document.source in sources)
    if dates:
        checks.append(None if document.date is None else _of_date(document, dates))
    if False in checks:
        return False
    return None if None in checks else True


def _unique(hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """First score per id: an aspect's own search may find a passage the main search already scored."""
    first: dict[int, float] = {}
    for row_id, score in hits:
        first.setdefault(row_id, score)
    return list(first.items())


def _per_source_filters(filters: Filters, sources: set[str]) -> list[Filters]:
    """A filter per named outlet, within the request's own filters (an outlet they exclude is dropped)."""
    allowed = {source.lower() for source in filters.sources}
    return [
        replace(filters, sources=(source,))
        for source in sorted(sources)
        if not allowed or source.lower() in allowed
    ]


def known_sources(db: sqlite3.Connection) -> list[str]:
    return [row[0] for row in db.execute("SELECT DISTINCT source FROM documents WHERE source IS NOT NULL")]


def latest_year(db: sqlite3.Connection) -> int | None:
    """The year of the index's most recent dated report (dates are stored as ISO strings)."""
    latest = db.execute("SELECT max(date) FROM documents WHERE date IS NOT NULL").fetchone()[0]
    return int(latest[:4]) if latest else None


def _candidates(
    db: sqlite3.Connection,
    index: index_dir.Index,
    content: str,
    query_vector: np.ndarray,
    options: RetrievalOptions,
    parts: list[aspects.Aspect],
) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """Dense and lexical candidates of the question's content, plus the same search within each named
    outlet (a passage that the whole question's search also found keeps that score). A lexical search per
    clause was measured too and added nothing (docs/quality.md)."""
    dense = vectors.search(index.vectors, query_vector, options.candidates, allowed=_allowed_ids(db, options.filters))
    lexical_hits = lexical.search(db, content, options.candidates, options.filters)
    for source_filters in _per_source_filters(options.filters, {part.source for part in parts if part.source}):
        allowed = _allowed_ids(db, source_filters)
        dense += vectors.search(index.vectors, query_vector, ASPECT_CANDIDATES, allowed=allowed)
        lexical_hits += lexical.search(db, content, ASPECT_CANDIDATES, source_filters)
    return _unique(dense), _unique(lexical_hits)


def _with_dense_scores(
    db: sqlite3.Connection,
    index: index_dir.Index,
    query_vector: np.ndarray,
    dense: list[tuple[int, float]],
    lexical_hits: list[tuple[int, float]],
) -> list[tuple[int, float]]:
    """The dense list with a score for every lexical candidate too: its stored embedding's real cosine.

    Fusion would otherwise read a missing dense score as the list's lowest, the same for a passage just past
    the dense search's depth as for one wholly unrelated. Reading ~80 stored embeddings costs ~0.5 ms.
    Measured on MultiHop-RAG dev: MAP@10 0.4424 -> 0.4478 (docs/quality.md). Completing the lexical list
    the same way (BM25 of the dense-only candidates) added nothing beyond noise for ~28 ms, an FTS5 query.
    """
    found = {row_id for row_id, _ in dense}
    missing = [row_id for row_id, _ in lexical_hits if row_id not in found]
    if not missing:
        return dense
    cosines = store.get_embeddings(db, missing, index.dimension) @ query_vector.reshape(-1)
    return dense + [(row_id, float(cosine)) for row_id, cosine in zip(missing, cosines, strict=True)]


def retrieve(
    index: index_dir.Index,
    hints: query_hints.QuestionHints,
    query_vector: np.ndarray,
    options: RetrievalOptions,
    term_weights: Mapping[str, float],
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> list[Hit]:
    """The top `options.k` passages. `query_vector` embeds the question's content (`hints.content`),
    `term_weights` are its terms' IDF (`lexical.idf_weights`) and `embed` embeds a multi-part question's
    clauses (without it, or in an index without sentence vectors, clauses are matched by their words alone;
    a one-claim question is matched by `query_vector` where sentence vectors are stored)."""
    question, sources, dates = hints.question, hints.sources, hints.dates
    with index_dir.reading(index) as db:
        parts = aspects.question_aspects(question, term_weights, sources, dates, year=hints.year)
        has_sentences = sentence_vectors.stored_in(index.manifest)
        if embed is not None and has_sentences:
            parts = aspects.with_vectors(parts, embed)
        clauses_embedded = any(part.vector is not None for part in parts)
        dense, lexical_hits = _candidates(db, index, hints.content, query_vector, options, parts)
        dense = _with_dense_scores(db, index, query_vector, dense, lexical_hits)
        fused = fuse(dense, lexical_hits)
        chunks = store.get_chunks(db, fused)
        documents = _documents(db, {chunk.doc_id for chunk in chunks.values()})

        @functools.cache
        def sentences_of(row_id: int) -> np.ndarray | None:
            # Read per passage as support is first asked of it (the aspects' pools ask it of every fused
            # candidate, ~180; one indexed row costs ~30 µs, one bulk read of them all ~8 ms).
            found = store.get_sentence_vectors(db, [row_id], index.dimension).get(row_id) if has_sentences else None
            return found.vectors if found is not None else None

        @functools.cache
        def support(row_id: int) -> list[float]:
            chunk = chunks[row_id]
            vectors = sentences_of(row_id) if clauses_embedded else None
            return [part.support(chunk.text, documents[chunk.doc_id], vectors) for part in parts]

        scored = {
            row_id: score * _boost(documents[chunks[row_id].doc_id], sources, dates)
            for row_id, score in fused.items()
            if row_id in chunks
        }
        by_score = sorted(scored, key=lambda row_id: (-scored[row_id], row_id))
        ranked = by_score[: max(options.k * 3, RERANK_POOL)]
        for position in range(len(parts)):
            supported = (r for r in by_score if support(r)[position] > 0)
            own = sorted(supported, key=lambda r: -support(r)[position])[:ASPECT_POOL]  # stable: fused order
            ranked += [r for r in own if r not in ranked]
        if SENTENCE_WEIGHT:
            claims_at = [position for position, part in enumerate(parts) if part.is_clause]
            # A question that makes one claim is that claim: read the way a clause is (word coverage and the
            # nearest sentence's closeness to the question's content), so that a passage restating it in
            # other words still counts.
            whole = None if claims_at else aspects.Aspect(
                question, answer.evidence_weights(question, term_weights), is_clause=True,
                vector=query_vector.reshape(-1) if has_sentences else None,
            )

            def evidence(row_id: int) -> float:
                if whole is None:
                    return max(support(row_id)[position] for position in claims_at)
                chunk = chunks[row_id]
                return whole.support(chunk.text, documents[chunk.doc_id], sentences_of(row_id))

            for row_id in ranked:
                scored[row_id] *= 1 + SENTENCE_WEIGHT * evidence(row_id)
            ranked = sorted(ranked, key=lambda row_id: (-scored[row_id], row_id))
        if parts:
            claims = frozenset(position for position, part in enumerate(parts) if part.is_clause)

            def article(row_id: int) -> str:
                return chunks[row_id].doc_id

            ranked = aspects.diversify(ranked, scored, support, depth=options.k * 3, article=article, claims=claims)
        ranked = ranked[: options.k * 3]
        embeddings = store.get_embeddings(db, ranked, index.dimension)
    dense_scores, lexical_scores = dict(dense), dict(lexical_hits)
    hits = [
        Hit(
            chunk=chunks[row_id],
            document=documents[chunks[row_id].doc_id],
            score=scored[row_id],
            dense=dense_scores.get(row_id),
            lexical=lexical_scores.get(row_id),
            embedding=embeddings[position],
        )
        for position, row_id in enumerate(ranked)
    ]
    return _collapsed(hits)[: options.k]


def _collapsed(hits: list[Hit]) -> list[Hit]:
    if not hits:
        return []
    embeddings = np.stack([hit.embedding for hit in hits if hit.embedding is not None])
    groups = dedup.collapse([hit.chunk.doc_id for hit in hits], embeddings, [hit.chunk.text for hit in hits])
    kept = []
    for position, folded in groups:
        hit = hits[position]
        hit.also_in = sorted({hits[other].chunk.doc_id for other in folded} - {hit.chunk.doc_id})
        kept.append(hit)
    return kept
