"""Sentence vectors: stored at ingest for every chunk (real model, SQLite), kept in step with writes, absent
from indexes built before them, and used to judge which sentence states a question's claim."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from ingest import store
from ingest.encoder import Encoder
from ingest.index import integrity_problems, open_index
from ingest.manifest import MANIFEST_NAME
from ingest.pipeline import ingest
from ingest.records import SourceDocument
from ingest.repair import check_index
from ingest.sentence_vectors import from_blobs
from ingest.sentences import sentence_spans
from ingest.store import StoredDocument
from service import aspects
from service.engine import QueryEngine, QueryRequest
from tests.live_server import run_cli


def _rows(index: Path) -> tuple[dict[int, str], dict[int, tuple[bytes, bytes]]]:
    db = sqlite3.connect(index / store.DB_NAME)
    try:
        chunks = dict(db.execute("SELECT id, text FROM chunks"))
        rows = db.execute("SELECT chunk_id, spans, vectors FROM chunk_sentences")
        stored = {row[0]: (row[1], row[2]) for row in rows}
    finally:
        db.close()
    return chunks, stored


def test_every_chunk_stores_the_vectors_of_its_own_sentences(kz_index: Path, encoder: Encoder) -> None:
    index = open_index(kz_index)
    try:
        assert "sentence_vectors" in index.manifest
        doc_ids = [document.id for document in store.list_documents(index.db)]
        chunks = store.get_chunks(index.db, store.chunk_row_ids(index.db, doc_ids))
        found = store.get_sentence_vectors(index.db, chunks, index.dimension)
    finally:
        index.close()
    assert chunks and set(found) == set(chunks)
    for row_id, chunk in chunks.items():
        sentences = found[row_id]
        assert [tuple(span) for span in sentences.spans.tolist()] == sentence_spans(chunk.text)
        assert np.allclose(np.linalg.norm(sentences.vectors, axis=1), 1.0, atol=2e-3)
    # The stored (float16) vectors are the model's vectors of exactly those sentences, each in its place
    # (a sentence that overlapping chunks share is embedded once and stored with each).
    texts = [chunk.text[start:end] for row_id, chunk in chunks.items() for start, end in found[row_id].spans.tolist()]
    assert len(set(texts)) < len(texts)
    stored = np.concatenate([found[row_id].vectors for row_id in chunks])
    assert np.sum(encoder.encode(texts) * stored, axis=1).min() > 0.999


def test_replacing_and_deleting_documents_keeps_sentence_vectors_in_step(kz_index_copy: Path, encoder: Encoder) -> None:
    with closing(sqlite3.connect(kz_index_copy / store.DB_NAME)) as db:
        first_id = db.execute("SELECT min(doc_id) FROM chunks").fetchone()[0]
    replacement = SourceDocument(id=first_id, text="The harbour reopened on Monday. Ferries ran all day.",
                                 title="Harbour reopens", source="Test Wire")
    ingest(kz_index_copy, [replacement], encoder=encoder)
    chunks, stored = _rows(kz_index_copy)
    assert set(stored) == set(chunks)
    ingest(kz_index_copy, [], encoder=encoder, delete_ids=[first_id])
    chunks, stored = _rows(kz_index_copy)
    assert set(stored) == set(chunks) and len(chunks) > 0


def _as_built_before_sentence_vectors(index: Path) -> None:
    """Make `index` look like one ingested before sentence vectors existed."""
    db = sqlite3.connect(index / store.DB_NAME)
    try:
        manifest = json.loads(db.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()[0])
        del manifest["sentence_vectors"]
        with db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'manifest'", (json.dumps(manifest),))
            db.execute("DROP TABLE chunk_sentences")
    finally:
        db.close()
    (index / MANIFEST_NAME).write_text(json.dumps(manifest))


def test_an_index_built_before_sentence_vectors_still_answers_and_gets_none(
    kz_index_copy: Path, encoder: Encoder
) -> None:
    _as_built_before_sentence_vectors(kz_index_copy)
    question = "Did the reports say that Tokayev asked the CSTO for help, while troops arrived in Almaty?"
    engine = QueryEngine.create(open_index(kz_index_copy), encoder)
    try:
        result = engine.query(QueryRequest(question, k=5))
    finally:
        engine.index.close()
    assert result.passages
    ingest(kz_index_copy, [SourceDocument(id="new", text="Ferries ran all day on Monday.", source="Test Wire")],
           encoder=encoder)
    chunks, stored = _rows(kz_index_copy)
    assert len(chunks) > 0 and stored == {}


def test_a_clause_is_supported_more_by_the_sentence_that_states_it(encoder: Encoder) -> None:
    document = StoredDocument(id="d", title=None, date=None, source="Valley Post", url=None, origin="test",
                              content_hash="0", chunks=1)
    clause = "the ferry company stopped its crossings for the winter"
    weights = {"ferry": 1.0, "company": 1.0, "stopped": 1.0, "crossings": 1.0, "winter": 1.0}
    # Both name the ferry company and nothing else of the claim; only the first says it.
    states = "The ferry company will not sail between the islands again until March."
    unrelated = "The ferry company has opened a cafe selling local cheese at the terminal."
    vector = encoder.encode([clause])[0]
    words_only = aspects.Aspect(clause, weights=weights, is_clause=True)
    with_meaning = aspects.Aspect(clause, weights=weights, is_clause=True, vector=vector)
    assert words_only.support(states, document) == pytest.approx(words_only.support(unrelated, document))
    supports = [with_meaning.support(text, document, encoder.encode([text])) for text in (states, unrelated)]
    assert supports[0] > supports[1]
    # The vectors only ever add to the words' share: no vectors, no change.
    assert with_meaning.support(states, document, None) == words_only.support(states, document)


def test_doctor_reports_missing_and_orphaned_sentence_rows_and_repair_restores_them(
    kz_index_copy: Path, encoder: Encoder
) -> None:
    chunks, original = _rows(kz_index_copy)
    dropped = sorted(chunks)[:2]
    with closing(sqlite3.connect(kz_index_copy / store.DB_NAME)) as db, db:
        db.executemany("DELETE FROM chunk_sentences WHERE chunk_id = ?", [(i,) for i in dropped])
        db.execute("INSERT INTO chunk_sentences VALUES (?, ?, ?)", (max(chunks) + 100, *original[dropped[0]]))
    checked = run_cli(["doctor", "--index", str(kz_index_copy)])
    assert checked.returncode == 1
    assert "2 chunks have no sentence vectors" in checked.stdout
    assert "1 sentence-vector rows belong to no chunk" in checked.stdout
    # A chunk without its row still ranks, so a server still starts on such an index.
    index = open_index(kz_index_copy)
    try:
        assert integrity_problems(index) == []
    finally:
        index.close()

    repaired = check_index(kz_index_copy, repair=True, load_encoder=lambda: encoder)
    assert len(repaired) == 2
    assert check_index(kz_index_copy) == []
    after, stored = _rows(kz_index_copy)
    assert after == chunks and set(stored) == set(chunks)
    for row_id in dropped:
        before = from_blobs(*original[row_id], encoder.info.dimension)
        now = from_blobs(*stored[row_id], encoder.info.dimension)
        assert np.array_equal(before.spans, now.spans)
        assert np.sum(before.vectors * now.vectors, axis=1).min() > 0.999
