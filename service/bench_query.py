"""Query latency against the physical limit: the same questions through a bare baseline (query embedding,
a flat inner-product search, a list lookup), through `QueryEngine.query` in-process, and over HTTP from a
real `citeqa serve` child process at concurrency 1 and 8, plus the batch endpoint.

Every phase gets questions that no earlier phase asked (the query-vector cache would make repeats free);
cached repeats are measured on their own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ingest import store, vectors
from ingest.encoder import Backend, Encoder
from service.app import load_state
from service.bench_stats import latencies_ms, median, peak_rss_mb, percentiles, variants
from service.engine import QueryEngine, QueryRequest
from service.settings import Settings

K = 10


def bare_baseline(index_dir: Path, encoder: Encoder) -> Callable[[str], list[str]]:
    """The least a dense retriever must do: embed, scan every vector, look the texts up in a list."""
    db = store.connect(index_dir, read_only=True)
    ids, stored = store.all_embeddings(db, encoder.info.dimension)
    chunks = store.get_chunks(db, ids.tolist())
    db.close()
    texts = [chunks[int(i)].text for i in ids]
    flat = vectors.new_index(encoder.info.dimension, "Flat")
    flat.add(stored)

    def answer(question: str) -> list[str]:
        vector = encoder.model.encode([question], normalize_embeddings=True, convert_to_numpy=True)[0]
        return [texts[position] for position, _ in vectors.search(flat, vector, K)]

    return answer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(index_dir: Path, *, backend: str) -> Iterator[tuple[str, int]]:
    """A real `citeqa serve` on 127.0.0.1 in a child process; yields (base URL, pid)."""
    port = _free_port()
    env = {**os.environ, "CITEQA_BACKEND": backend, "CITEQA_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "service.cli", "serve", "--index", str(index_dir), "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, timeout_s=180)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_ready(url: str, process: subprocess.Popen[bytes], *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"citeqa serve exited with code {process.returncode} before it was ready")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"citeqa serve at {url} was not ready after {timeout_s:.0f}s")


@dataclass
class HttpPhase:
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # a benchmark reports failed requests, never hides them
    rate: float = 0.0


def _ask(client: httpx.Client, question: str, phase: HttpPhase) -> None:
    started = time.perf_counter()
    try:
        status = client.post("/v1/query", json={"question": question, "k": K}).status_code
    except httpx.TransportError as error:
        phase.failures.append(type(error).__name__)
        return
    if status == 200:
        phase.latencies_ms.append((time.perf_counter() - started) * 1000)
    else:
        phase.failures.append(f"HTTP {status}")


def http_phase(url: str, questions: Sequence[str], *, concurrency: int) -> HttpPhase:
    """Per-request latencies (ms), failures and questions per second at `concurrency` requests in flight."""
    phase = HttpPhase()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(base_url=url, timeout=60, limits=limits) as client:
        _ask(client, "warm-up question about the connection", HttpPhase())
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda question: _ask(client, question, phase), questions))
        phase.rate = len(phase.latencies_ms) / (time.perf_counter() - started)
    return phase


def batch_phase(url: str, questions: Sequence[str], *, size: int = 64) -> float:
    """Questions per second through `POST /v1/query/batch`, `size` questions a request."""
    with httpx.Client(base_url=url, timeout=300) as client:
        started = time.perf_counter()
        for begin in range(0, len(questions), size):
            body = {"queries": [{"question": q, "k": K} for q in questions[begin : begin + size]]}
            client.post("/v1/query/batch", json=body).raise_for_status()
        return len(questions) / (time.perf_counter() - started)


def _in_process(engine: QueryEngine) -> Callable[[str], Any]:
    return lambda question: engine.query(QueryRequest(question=question, k=K))


def run(
    index_dir: Path, questions: Sequence[str], *, backend: Backend, per_phase: int, repeats: int
) -> dict[str, Any]:
    state = load_state(Settings(index=index_dir, backend=backend))
    engine = state.engine
    bare = bare_baseline(index_dir, engine.encoder)
    bare(questions[0]), _in_process(engine)(questions[0])  # warm-up: first calls pay one-time costs
    samples: dict[str, list[float]] = {name: [] for name in ("bare", "in_process", "cached", "http_c1", "http_c8")}
    rates: dict[str, list[float]] = {"http_c1": [], "http_c8": [], "batch": []}
    failures: dict[str, list[str]] = {"http_c1": [], "http_c8": []}
    with served(index_dir, backend=backend) as (url, pid):
        for r in range(repeats):
            asked = variants(questions, per_phase, round_no=1 + r)
            samples["bare"] += latencies_ms(bare, asked)
            samples["in_process"] += latencies_ms(_in_process(engine), asked)
            samples["cached"] += latencies_ms(_in_process(engine), asked)
            for concurrency in (1, 8):
                phase = variants(questions, per_phase, round_no=100 * concurrency + r)
                measured = http_phase(url, phase, concurrency=concurrency)
                samples[f"http_c{concurrency}"] += measured.latencies_ms
                rates[f"http_c{concurrency}"].append(measured.rate)
                failures[f"http_c{concurrency}"] += measured.failures
            rates["batch"].append(batch_phase(url, variants(questions, per_phase, round_no=1000 + r)))
        serve_rss = peak_rss_mb(pid)
    result: dict[str, Any] = {name: percentiles(values) for name, values in samples.items()}
    result["throughput_qps"] = {name: median(values) for name, values in rates.items()}
    result["serve_peak_rss_mb"] = serve_rss
    result["http_failures"] = {name: dict(Counter(values)) for name, values in failures.items()}
    result["chunks"] = engine.index.manifest["counts"]["chunks"]
    bare_p50 = result["bare"]["p50"]
    result["in_process_over_bare"] = round(result["in_process"]["p50"] / bare_p50, 2)
    result["http_c1_minus_bare_ms"] = round(result["http_c1"]["p50"] - bare_p50, 2)
    result["http_c1_minus_in_process_ms"] = round(result["http_c1"]["p50"] - result["in_process"]["p50"], 2)
    engine.index.close()
    return result
