"""An open index directory: SQLite rows, the FAISS vectors of the same generation, and the manifest."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ingest import manifest as manifest_file
from ingest import store, vectors
from ingest.errors import IndexFormatError


@dataclass
class Index:
    directory: Path
    db: sqlite3.Connection
    vectors: faiss.Index
    manifest: dict[str, Any]
    # Guards `db` and `vectors` within a process: readers and the one writer share them.
    guard: threading.RLock = field(default_factory=threading.RLock)

    @property
    def generation(self) -> int:
        return int(self.manifest["generation"])

    @property
    def dimension(self) -> int:
        return int(self.manifest["embedding_model"]["dimension"])

    def close(self) -> None:
        self.db.close()


def _read_manifest(db: sqlite3.Connection, directory: Path) -> dict[str, Any]:
    manifest = store.get_meta(db, "manifest")
    if manifest is None:
        raise IndexFormatError(
            f"{directory} holds no citeqa index; build one with `citeqa ingest PATH --index {directory}`"
        )
    manifest_file.check_format(manifest, directory)
    return dict(manifest)


def open_index(directory: Path) -> Index:
    """Open an existing index for reading (and for writes made through `commit`)."""
    if not (directory / store.DB_NAME).is_file():
        raise IndexFormatError(f"no index at {directory}; build one with `citeqa ingest PATH --index {directory}`")
    db = store.connect(directory)
    manifest = _read_manifest(db, directory)
    return Index(
        directory=directory, db=db, vectors=vectors.load(directory, int(manifest["generation"])), manifest=manifest
    )


def create_index(directory: Path, manifest: dict[str, Any]) -> Index:
    """Create an empty index with `manifest` (generation 0) and commit it."""
    directory.mkdir(parents=True, exist_ok=True)
    db = store.connect(directory)
    index = vectors.new_index(int(manifest["embedding_model"]["dimension"]), manifest["index_spec"])
    vectors.save(index, directory, 0)
    with store.transaction(db):
        store.set_meta(db, "manifest", manifest)
        store.set_meta(db, "generation", 0)
    manifest_file.export(manifest, directory)
    return Index(directory=directory, db=db, vectors=index, manifest=manifest)


def refresh(index: Index) -> bool:
    """Pick up a state committed by another process; True when something changed. Call under `guard`."""
    generation = store.get_meta(index.db, "generation")
    if generation is None or generation == index.generation:
        return False
    index.manifest = _read_manifest(index.db, index.directory)
    index.vectors = vectors.load(index.directory, index.generation)
    return True


@contextmanager
def reading(index: Index) -> Iterator[sqlite3.Connection]:
    """A consistent snapshot: SQLite rows and FAISS vectors of the same generation, for one query."""
    with index.guard:
        index.db.execute("BEGIN")
        try:
            refresh(index)
            yield index.db
        finally:
            index.db.execute("COMMIT")


@dataclass
class PendingWrite:
    """Vector changes that accompany the open SQLite transaction of a write."""

    db: sqlite3.Connection
    removed: list[int] = field(default_factory=list)
    added_ids: list[int] = field(default_factory=list)
    added_vectors: list[np.ndarray] = field(default_factory=list)
    rebuild: bool = False


def _next_vectors(index: Index, pending: PendingWrite) -> faiss.Index:
    if pending.rebuild:
        updated = vectors.new_index(index.dimension, index.manifest["index_spec"])
    else:
        updated = faiss.clone_index(index.vectors)
        vectors.remove(updated, pending.removed)
    if pending.added_ids:
        vectors.add(updated, pending.added_ids, np.vstack(pending.added_vectors))
    return updated


@contextmanager
def writing(index: Index) -> Iterator[PendingWrite]:
    """One atomic write: rows go into a transaction on a private connection, then the next vectors file
    is written, then SQLite commits (the commit point), then this process switches to the new state.

    Call under the write lock. A crash before the commit leaves the old state; after it, the new one.
    """
    db = store.connect(index.directory)
    pending = PendingWrite(db=db)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield pending
        refresh_under_lock(index)
        updated = _next_vectors(index, pending)
        manifest = {
            **index.manifest,
            "generation": index.generation + 1,
            "counts": store.counts(db),
            "versions": manifest_file.library_versions(),
        }
        vectors.save(updated, index.directory, manifest["generation"])
        store.set_meta(db, "manifest", manifest)
        store.set_meta(db, "generation", manifest["generation"])
        with index.guard:
            db.execute("COMMIT")
            index.vectors, index.manifest = updated, manifest
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.close()
    manifest_file.export(index.manifest, index.directory)
    vectors.sweep_stale(index.directory, index.generation)


def refresh_under_lock(index: Index) -> None:
    with index.guard:
        refresh(index)


def integrity_problems(index: Index) -> list[str]:
    """Disagreements between the manifest, SQLite and FAISS; empty when the index is sound."""
    counted = store.counts(index.db)
    problems = []
    if counted != index.manifest["counts"]:
        problems.append(f"manifest counts {index.manifest['counts']} but SQLite holds {counted}")
    if index.vectors.ntotal != counted["chunks"]:
        problems.append(f"FAISS holds {index.vectors.ntotal} vectors but SQLite holds {counted['chunks']} chunks")
    return problems


def rebuild_vectors(index: Index) -> None:
    """Rebuild the FAISS file and manifest counts from the embeddings stored in SQLite (repair)."""
    with writing(index) as pending:
        ids, stored = store.all_embeddings(pending.db, index.dimension)
        pending.rebuild = True
        pending.added_ids.extend(ids.tolist())
        pending.added_vectors.append(stored)
