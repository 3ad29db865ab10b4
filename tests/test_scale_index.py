"""The sized FAISS index: spec chosen by size, approximate search checked against exact search, and
incremental add/delete on the non-flat spec. Small sizes; the 1M figures come from `citeqa bench`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest import vectors

DIM = 64


def clustered(count: int, *, seed: int, centers: int = 40) -> np.ndarray:
    """Unit vectors around a few centres: the shape real embeddings have (topics), unlike uniform noise."""
    rng = np.random.default_rng(seed)
    middle = rng.standard_normal((centers, DIM)).astype(np.float32)
    points = middle[rng.integers(0, centers, count)] + 0.6 * rng.standard_normal((count, DIM)).astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def exact_top(data: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> set[int]:
    return {int(i) for i in ids[np.argsort(-(data @ query))[:k]]}


@pytest.mark.parametrize(
    ("count", "current", "expected"),
    [
        (10, None, vectors.DEFAULT_SPEC),
        (vectors.FLAT_MAX, None, vectors.DEFAULT_SPEC),
        (1_000_000, None, "IVF2048,SQ8"),
        (vectors.FLAT_MAX + 1, vectors.DEFAULT_SPEC, "IVF512,SQ8"),
        (vectors.FLAT_MAX - 1, "IVF1024,SQ8", "IVF1024,SQ8"),  # hysteresis: stays IVF down to half
        (vectors.FLAT_MAX // 2, "IVF1024,SQ8", vectors.DEFAULT_SPEC),
        (1_000_000, "IVF1024,SQ8", "IVF1024,SQ8"),
        (64_000_000, "IVF2048,SQ8", "IVF16384,SQ8"),
    ],
)
def test_spec_for_size(count: int, current: str | None, expected: str) -> None:
    assert vectors.spec_for(count, current=current) == expected


def test_every_chosen_spec_builds_and_supports_remove() -> None:
    for count in (10, 1_000_000):
        index = vectors.new_index(DIM, vectors.spec_for(count))
        assert hasattr(index, "remove_ids")


def test_ivf_recall_against_exact_search() -> None:
    data = clustered(5000, seed=1)
    ids = np.arange(1000, 6000, dtype=np.int64)
    index = vectors.build(DIM, "IVF64,SQ8", ids, data)
    queries = clustered(50, seed=2)
    found = [{i for i, _ in vectors.search(index, q, 10)} for q in queries]
    recall = np.mean([len(f & exact_top(data, ids, q, 10)) / 10 for f, q in zip(found, queries, strict=True)])
    assert recall >= 0.95, recall


def test_ivf_add_and_delete_keep_external_ids() -> None:
    data = clustered(5000, seed=3)
    ids = np.arange(5000, dtype=np.int64) * 7 + 3  # sparse, like SQLite row ids after deletions
    index = vectors.build(DIM, "IVF64,SQ8", ids[:4000], data[:4000])
    vectors.add(index, ids[4000:], data[4000:])  # incremental add after training
    assert index.ntotal == 5000
    target = 4500
    assert vectors.search(index, data[target], 1)[0][0] == ids[target]
    vectors.remove(index, ids[4400:4600])
    assert index.ntotal == 4800
    assert ids[target] not in {i for i, _ in vectors.search(index, data[target], 10)}
    assert vectors.search(index, data[100], 1)[0][0] == ids[100]


def test_ivf_search_respects_a_selective_filter() -> None:
    data = clustered(5000, seed=4)
    ids = np.arange(5000, dtype=np.int64)
    index = vectors.build(DIM, "IVF64,SQ8", ids, data)
    allowed = np.array([17, 2500, 4999], dtype=np.int64)
    hits = vectors.search(index, data[0], 10, allowed=allowed)
    # Few allowed ids are spread over many lists: all of them must still come back, and nothing else.
    assert {i for i, _ in hits} == {17, 2500, 4999}


def test_ivf_round_trips_through_a_file(tmp_path: Path) -> None:
    folder = tmp_path
    data = clustered(3000, seed=5)
    index = vectors.build(DIM, "IVF32,SQ8", np.arange(3000, dtype=np.int64), data)
    vectors.save(index, folder, 1)
    loaded = vectors.load(folder, 1)
    assert vectors.search(loaded, data[42], 3) == vectors.search(index, data[42], 3)
