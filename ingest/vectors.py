"""FAISS vector files of an index directory; the only owner of faiss.

Each committed state of the index has its own `vectors-<generation>.faiss`. The SQLite database names
the generation that matches its rows, so the commit of a write is the SQLite commit alone: a crash
before it leaves the old file in charge, a crash after it the new one. Stale files are swept by writers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import faiss
import numpy as np

from ingest.errors import IndexFormatError

DEFAULT_SPEC = "IDMap2,Flat"
_PATTERN = "vectors-*.faiss"


def new_index(dimension: int, spec: str = DEFAULT_SPEC) -> faiss.Index:
    return faiss.index_factory(dimension, spec, faiss.METRIC_INNER_PRODUCT)


def vectors_path(index_dir: Path, generation: int) -> Path:
    return index_dir / f"vectors-{generation:08d}.faiss"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(index: faiss.Index, index_dir: Path, generation: int) -> Path:
    """Durably write `index` as the file of `generation` (temporary sibling, fsync, rename)."""
    target = vectors_path(index_dir, generation)
    temporary = target.with_suffix(".faiss.tmp")
    faiss.write_index(index, str(temporary))
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    fsync_dir(index_dir)
    return target


def load(index_dir: Path, generation: int) -> faiss.Index:
    path = vectors_path(index_dir, generation)
    if not path.is_file():
        raise IndexFormatError(
            f"{path.name} is missing from {index_dir}; run `citeqa doctor --repair --index {index_dir}` "
            "to rebuild the vectors from the stored embeddings"
        )
    return faiss.read_index(str(path))


def sweep_stale(index_dir: Path, keep_generation: int) -> None:
    """Remove files of uncommitted or superseded generations (writers only, under the write lock)."""
    keep = vectors_path(index_dir, keep_generation).name
    for path in index_dir.glob(_PATTERN + "*"):
        if path.name != keep:
            path.unlink(missing_ok=True)


def add(index: faiss.Index, ids: Iterable[int], vectors: np.ndarray) -> None:
    id_array = np.fromiter(ids, dtype=np.int64)
    if len(id_array):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), id_array)


def remove(index: faiss.Index, ids: Iterable[int]) -> None:
    id_array = np.fromiter(ids, dtype=np.int64)
    if len(id_array):
        index.remove_ids(id_array)


def search(
    index: faiss.Index, query: np.ndarray, limit: int, *, allowed: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """Top `limit` (id, inner product) for one query vector, optionally only among `allowed` ids."""
    if index.ntotal == 0 or limit <= 0:
        return []
    params = None
    if allowed is not None:
        if len(allowed) == 0:
            return []
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
    scores, ids = index.search(query.reshape(1, -1).astype(np.float32), min(limit, index.ntotal), params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]
