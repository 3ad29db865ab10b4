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
# Exact search up to here: a flat scan of 100k × 384 floats is ~150 MB per query, which is where it stops
# fitting a 20 ms budget on two cores (see docs/performance.md). Above it: IVF with 8-bit scalar codes,
# which keeps recall@10 against exact search above 0.95 at 1/4 of the memory. IVF carries external ids
# itself, so add_with_ids and remove_ids work as they do on IDMap2,Flat (IDMap2 over IVF would not:
# its remove_ids assumes the inner index renumbers like Flat does). HNSW is out: it cannot remove ids.
FLAT_MAX = 100_000
IVF_PROBE_FRACTION = 32  # probe 1/32 of the lists, at least MIN_PROBE
MIN_PROBE = 16
TRAIN_POINTS_PER_LIST = 40  # faiss asks for at least 39 points per centroid


def new_index(dimension: int, spec: str = DEFAULT_SPEC) -> faiss.Index:
    return faiss.index_factory(dimension, spec, faiss.METRIC_INNER_PRODUCT)


def ivf_lists(count: int) -> int:
    """A power of two near 2·sqrt(count): lists of ~500 vectors at 1M. Fewer lists than the textbook
    4·sqrt(n) halve the cost of training and of assigning every vector, which dominates a 2-core build."""
    return int(2 ** round(np.log2(max(2 * np.sqrt(max(count, 1)), 256))))


def spec_for(count: int, *, current: str | None = None) -> str:
    """The index spec for `count` vectors. With `current` (an IVF spec), keep it unless the size has moved
    well away from it: hysteresis, so an index hovering at a boundary is not rebuilt on every write."""
    wanted = DEFAULT_SPEC if count <= FLAT_MAX else f"IVF{ivf_lists(count)},SQ8"
    if current is None or current in (wanted, DEFAULT_SPEC):
        return wanted
    if wanted == DEFAULT_SPEC:
        return wanted if count <= FLAT_MAX // 2 else current
    lists_now, lists_wanted = _lists_of(current), ivf_lists(count)
    return current if lists_now and lists_wanted / 4 <= lists_now <= lists_wanted * 2 else wanted


def _lists_of(spec: str) -> int | None:
    head = spec.split(",", 1)[0]
    return int(head[3:]) if head.startswith("IVF") and head[3:].isdigit() else None


def build(dimension: int, spec: str, ids: np.ndarray, vectors: np.ndarray, *, seed: int = 0) -> faiss.Index:
    """A new index of `spec` holding `vectors` under `ids`; trained on a sample of them when it needs it."""
    index = new_index(dimension, spec)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if not index.is_trained:
        ivf = faiss.extract_index_ivf(index)
        ivf.cp.niter = 10  # k-means converges well enough for search; 25 iterations cost 2.5x the time
        sample = min(len(vectors), TRAIN_POINTS_PER_LIST * ivf.nlist)
        chosen = np.random.default_rng(seed).choice(len(vectors), size=sample, replace=False)
        index.train(vectors[np.sort(chosen)])
    add(index, ids, vectors)
    return index


def _search_parameters(index: faiss.Index, allowed: np.ndarray | None) -> faiss.SearchParameters | None:
    selector = None if allowed is None else faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
    try:
        ivf = faiss.extract_index_ivf(index)
    except RuntimeError:  # not an IVF index: exact search
        return None if selector is None else faiss.SearchParameters(sel=selector)
    nprobe = max(MIN_PROBE, ivf.nlist // IVF_PROBE_FRACTION)
    if allowed is not None:
        # A filter leaves fewer candidates per list: probe proportionally more lists.
        nprobe = int(nprobe * index.ntotal / max(len(allowed), 1))
    params = faiss.SearchParametersIVF(nprobe=min(nprobe, ivf.nlist))
    if selector is not None:
        params.sel = selector
    return params


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
    if index.ntotal == 0 or limit <= 0 or (allowed is not None and len(allowed) == 0):
        return []
    params = _search_parameters(index, allowed)
    scores, ids = index.search(query.reshape(1, -1).astype(np.float32), min(limit, index.ntotal), params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]
