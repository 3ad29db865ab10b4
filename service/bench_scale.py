"""Vector search at 10k / 100k / 1M passages with synthetic vectors shaped like real ones.

Real passage embeddings are the seeds; each synthetic vector is a seed plus a bit of a second seed plus
Gaussian noise, normalised. That keeps the topical clustering of real embeddings (uniform random vectors
would be a worst case no real corpus has). Queries are real question embeddings. For each size: the spec
`ingest.vectors.spec_for` picks, its build time, file size, single-query latency through
`ingest.vectors.search` and recall@10 against exact search; exact flat search next to it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest import store, vectors
from ingest.encoder import Encoder, load_encoder
from service.bench_stats import own_peak_rss_mb, percentiles, timed

K = 10
QUERIES = 200
NOISE = 0.5  # norm of the noise added to each seed; cosine to its seed ends up ~0.85


def seed_vectors(index_dir: Path | None, encoder: Encoder, questions: Sequence[str]) -> np.ndarray:
    if index_dir is not None and (index_dir / store.DB_NAME).is_file():
        db = store.connect(index_dir, read_only=True)
        _, stored = store.all_embeddings(db, encoder.info.dimension)
        db.close()
        return stored
    return encoder.encode(list(questions))


def synthetic(seeds: np.ndarray, count: int, *, seed: int = 7, block: int = 100_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dimension = seeds.shape[1]
    out = np.empty((count, dimension), dtype=np.float32)
    for begin in range(0, count, block):
        n = min(block, count - begin)
        first, second = seeds[rng.integers(0, len(seeds), n)], seeds[rng.integers(0, len(seeds), n)]
        mix = rng.uniform(0, 0.5, (n, 1)).astype(np.float32)
        noise = rng.standard_normal((n, dimension)).astype(np.float32) * (NOISE / np.sqrt(dimension))
        rows = first + mix * second + noise
        out[begin : begin + n] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def _file_mb(index: Any) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        return round(vectors.save(index, Path(scratch), 0).stat().st_size / 2**20, 1)


def _latency(index: Any, queries: np.ndarray) -> tuple[dict[str, float], list[set[int]]]:
    samples, found = [], []
    for query in queries:
        with timed() as watch:
            hits = vectors.search(index, query, K)
        samples.append(watch.wall * 1000)
        found.append({i for i, _ in hits})
    return percentiles(samples), found


def measure_size(data: np.ndarray, queries: np.ndarray) -> dict[str, Any]:
    ids = np.arange(len(data), dtype=np.int64)
    dimension = data.shape[1]
    with timed() as flat_build:
        flat = vectors.build(dimension, vectors.DEFAULT_SPEC, ids, data)
    flat_latency, truth = _latency(flat, queries)  # exact top-10 of every query, and its cost
    spec = vectors.spec_for(len(data))
    if spec == vectors.DEFAULT_SPEC:  # show what the approximate spec would do here too
        spec = f"IVF{vectors.ivf_lists(len(data))},SQ8"
    del flat
    with timed() as build:
        approximate = vectors.build(dimension, spec, ids, data)
    latency, found = _latency(approximate, queries)
    recall = float(np.mean([len(f & t) / K for f, t in zip(found, truth, strict=True)]))
    return {
        "chosen_spec": vectors.spec_for(len(data)),
        "spec": spec,
        "build_s": round(build.wall, 1),
        "build_cpu_s": round(build.cpu, 1),
        "index_mb": _file_mb(approximate),
        "p50_ms": latency["p50"],
        "p95_ms": latency["p95"],
        "recall_at_10": round(recall, 4),
        "exact_p50_ms": flat_latency["p50"],
        "exact_p95_ms": flat_latency["p95"],
        "exact_build_s": round(flat_build.wall, 1),
        "exact_index_mb": round(len(data) * dimension * 4 / 2**20, 1),
        "peak_rss_mb_so_far": own_peak_rss_mb(),
    }


def run_vectors(
    sizes: Sequence[int], questions: Sequence[str], *, seeds_from: Path | None = None
) -> dict[str, Any]:
    encoder = load_encoder()
    seeds = seed_vectors(seeds_from, encoder, questions)
    queries = encoder.encode(list(questions[:QUERIES]))
    data = synthetic(seeds, max(sizes))
    results = {str(size): measure_size(data[:size], queries) for size in sorted(sizes)}
    return {"seeds": len(seeds), "queries": len(queries), "noise": NOISE, "sizes": results}
