"""The SQLite side of an index directory: documents, chunks (with embeddings), FTS5 and metadata.

SQLite is the source of truth: every chunk's embedding is stored with it, so the FAISS file can always be
rebuilt (`citeqa doctor --repair`). All writes of one ingest run happen in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.records import Chunk, SourceDocument
from ingest.sentence_vectors import SentenceVectors, from_blobs, to_blobs

DB_NAME = "citeqa.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, title TEXT, date TEXT, source TEXT, url TEXT, origin TEXT NOT NULL,
    content_hash TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    model_tokens INTEGER NOT NULL, llm_tokens INTEGER NOT NULL, embedding BLOB NOT NULL,
    UNIQUE (doc_id, ordinal));
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vocab USING fts5vocab(chunk_fts, 'row');
CREATE TABLE IF NOT EXISTS chunk_sentences (
    chunk_id INTEGER PRIMARY KEY, spans BLOB NOT NULL, vectors BLOB NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    origin: str
    content_hash: str
    chunks: int


@dataclass(frozen=True, slots=True)
class StoredChunk:
    row_id: int
    doc_id: str
    ordinal: int
    start: int
    end: int
    text: str
    model_tokens: int
    llm_tokens: int


def connect(index_dir: Path, *, read_only: bool = False) -> sqlite3.Connection:
    path = index_dir / DB_NAME
    uri = f"file:{path}?mode={'ro' if read_only else 'rwc'}"
    db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30)
    db.execute("PRAGMA journal_mode = WAL") if not read_only else None
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA busy_timeout = 30000")
    if not read_only:
        db.executescript(_SCHEMA)
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def get_meta(db: sqlite3.Connection, key: str) -> Any:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def set_meta(db: sqlite3.Connection, key: str, value: Any) -> None:
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value, sort_keys=True)),
    )


def content_hashes(db: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """id -> (content hash, origin) of every stored document."""
    return {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, content_hash, origin FROM documents")}


def chunk_row_ids(db: sqlite3.Connection, doc_ids: Sequence[str]) -> list[int]:
    ids: list[int] = []
    for doc_id in doc_ids:
        ids.extend(row[0] for row in db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,)))
    return ids


def delete_documents(db: sqlite3.Connection, doc_ids: Sequence[str]) -> list[int]:
    """Delete documents with their chunks and FTS rows; return the removed chunk row ids."""
    removed = chunk_row_ids(db, doc_ids)
    db.executemany("DELETE FROM chunk_fts WHERE rowid = ?", [(i,) for i in removed])
    delete_sentence_vectors(db, removed)
    db.executemany("DELETE FROM chunks WHERE doc_id = ?", [(d,) for d in doc_ids])
    db.executemany("DELETE FROM documents WHERE id = ?", [(d,) for d in doc_ids])
    return removed


def insert_document(
    db: sqlite3.Connection,
    document: SourceDocument,
    content_hash: str,
    chunks: Sequence[Chunk],
    embeddings: np.ndarray,
) -> list[int]:
    """Insert one document and its chunks; return the new chunk row ids in chunk order."""
    db.execute(
        "INSERT INTO documents(id, title, date, source, url, origin, content_hash, text) VALUES (?,?,?,?,?,?,?,?)",
        (
            document.id,
            document.title,
            document.date,
            document.source,
            document.url,
            document.origin,
            content_hash,
            document.text,
        ),
    )
    row_ids = []
    for chunk, vector in zip(chunks, embeddings, strict=True):
        cursor = db.execute(
            "INSERT INTO chunks(doc_id, ordinal, start, end, text, model_tokens, llm_tokens, embedding) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (
                chunk.doc_id,
                chunk.ordinal,
                chunk.start,
                chunk.end,
                chunk.text,
                chunk.model_tokens,
                chunk.llm_tokens,
                np.asarray(vector, dtype=np.float32).tobytes(),
            ),
        )
        row_id = int(cursor.lastrowid or 0)
        db.execute(
            "INSERT INTO chunk_fts(rowid, title, body) VALUES (?, ?, ?)", (row_id, document.title or "", chunk.text)
        )
        row_ids.append(row_id)
    return row_ids


def insert_sentence_vectors(
    db: sqlite3.Connection, row_ids: Sequence[int], sentences: Sequence[SentenceVectors]
) -> None:
    db.executemany(
        "INSERT INTO chunk_sentences(chunk_id, spans, vectors) VALUES (?, ?, ?)",
        [(row_id, *to_blobs(found)) for row_id, found in zip(row_ids, sentences, strict=True)],
    )


def sentence_row_gaps(db: sqlite3.Connection) -> tuple[list[int], list[int]]:
    """Chunks that have no sentence row, and sentence rows whose chunk is gone (both by row id)."""
    missing = db.execute(
        "SELECT c.id FROM chunks c LEFT JOIN chunk_sentences s ON s.chunk_id = c.id WHERE s.chunk_id IS NULL "
        "ORDER BY c.id"
    )
    orphaned = db.execute(
        "SELECT s.chunk_id FROM chunk_sentences s LEFT JOIN chunks c ON c.id = s.chunk_id WHERE c.id IS NULL "
        "ORDER BY s.chunk_id"
    )
    return [row[0] for row in missing], [row[0] for row in orphaned]


def delete_sentence_vectors(db: sqlite3.Connection, row_ids: Sequence[int]) -> None:
    db.executemany("DELETE FROM chunk_sentences WHERE chunk_id = ?", [(i,) for i in row_ids])


def get_sentence_vectors(db: sqlite3.Connection, row_ids: Iterable[int], dimension: int) -> dict[int, SentenceVectors]:
    """The stored sentence vectors of those chunks that have them."""
    ids = list(row_ids)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"SELECT chunk_id, spans, vectors FROM chunk_sentences WHERE chunk_id IN ({marks})", ids)
    return {row_id: from_blobs(spans, vectors, dimension) for row_id, spans, vectors in rows}


def counts(db: sqlite3.Connection) -> dict[str, int]:
    documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    return {"documents": int(documents), "chunks": int(chunks)}


def all_embeddings(db: sqlite3.Connection, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """(row ids, vectors) of every chunk, for rebuilding the FAISS file."""
    rows = db.execute("SELECT id, embedding FROM chunks ORDER BY id").fetchall()
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(-1, dimension)
    return ids, vectors


_DOC_COLUMNS = "d.id, d.title, d.date, d.source, d.url, d.origin, d.content_hash"
_DOC_COUNT = "(SELECT count(*) FROM chunks c WHERE c.doc_id = d.id)"


def list_documents(db: sqlite3.Connection) -> list[StoredDocument]:
    rows = db.execute(f"SELECT {_DOC_COLUMNS}, {_DOC_COUNT} FROM documents d ORDER BY d.id")
    return [StoredDocument(*row) for row in rows]


def get_document(db: sqlite3.Connection, doc_id: str) -> tuple[StoredDocument, str] | None:
    row = db.execute(
        f"SELECT {_DOC_COLUMNS}, {_DOC_COUNT}, d.text FROM documents d WHERE d.id = ?", (doc_id,)
    ).fetchone()
    return None if row is None else (StoredDocument(*row[:-1]), row[-1])


def get_chunks(db: sqlite3.Connection, row_ids: Iterable[int]) -> dict[int, StoredChunk]:
    ids = list(row_ids)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"SELECT id, doc_id, ordinal, start, end, text, model_tokens, llm_tokens FROM chunks WHERE id IN ({marks})",
        ids,
    )
    return {row[0]: StoredChunk(*row) for row in rows}


def get_embeddings(db: sqlite3.Connection, row_ids: Sequence[int], dimension: int) -> np.ndarray:
    marks = ",".join("?" * len(row_ids))
    rows = dict(db.execute(f"SELECT id, embedding FROM chunks WHERE id IN ({marks})", list(row_ids)).fetchall())
    return (
        np.stack([np.frombuffer(rows[i], dtype=np.float32) for i in row_ids])
        if row_ids
        else np.zeros((0, dimension), dtype=np.float32)
    )


def get_document_meta(db: sqlite3.Connection, doc_id: str) -> StoredDocument | None:
    row = db.execute(f"SELECT {_DOC_COLUMNS}, {_DOC_COUNT} FROM documents d WHERE d.id = ?", (doc_id,)).fetchone()
    return None if row is None else StoredDocument(*row)
