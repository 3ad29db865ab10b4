"""Mixed load: concurrent clients querying, uploading and deleting against a real server on 127.0.0.1.

Each client owns its own document ids, so after the run the exact set of documents that must exist is
known: the benchmark checks it against `GET /v1/documents` (nothing lost, nothing duplicated, nothing
left half-deleted) and against the chunk count the server reports. Errors are any reply that is not
the expected success; an error-free run is the pass mark, latency and throughput are the figures.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from service.bench_query import served
from service.bench_stats import percentiles

# Share of each operation in a client's loop; queries dominate, as in real use.
MIX = (("query", 0.7), ("upload", 0.2), ("delete", 0.1))


@dataclass
class ClientLog:
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op, _ in MIX})
    errors: list[str] = field(default_factory=list)
    alive: set[str] = field(default_factory=set)  # documents this client uploaded and did not delete


def _article(client_no: int, serial: int, rng: random.Random, words: Sequence[str]) -> dict[str, Any]:
    body = " ".join(rng.choice(words) for _ in range(rng.randint(80, 400)))
    return {
        "id": f"load/{client_no}-{serial}",
        "title": f"Load test report {client_no}-{serial}",
        "date": "2022-01-07",
        "source": "Load Wire",
        "text": f"Load test report {client_no}-{serial}.\n\n{body}.",
    }


def _client_loop(url: str, client_no: int, deadline: float, questions: Sequence[str], words: Sequence[str],
                 log: ClientLog) -> None:
    rng = random.Random(client_no)  # each client's sequence is reproducible
    operations = [op for op, _ in MIX]
    weights = [weight for _, weight in MIX]
    serial = 0
    with httpx.Client(base_url=url, timeout=120) as http:
        while time.monotonic() < deadline:
            op = rng.choices(operations, weights)[0]
            if op == "delete" and not log.alive:
                op = "upload"
            started = time.perf_counter()
            try:
                if op == "query":
                    reply = http.post("/v1/query", json={"question": rng.choice(questions), "k": 5})
                    ok = reply.status_code == 200
                elif op == "upload":
                    serial += 1
                    document = _article(client_no, serial, rng, words)
                    reply = http.post("/v1/documents", json=document)
                    ok = reply.status_code == 201
                    if ok:
                        log.alive.add(document["id"])
                else:
                    doc_id = sorted(log.alive)[rng.randrange(len(log.alive))]
                    reply = http.delete(f"/v1/documents/{doc_id}")
                    ok = reply.status_code == 204
                    if ok:
                        log.alive.discard(doc_id)
                if not ok:
                    log.errors.append(f"{op}: HTTP {reply.status_code} {reply.text[:200]}")
            except httpx.HTTPError as error:
                log.errors.append(f"{op}: {type(error).__name__}: {error}")
                continue
            log.latencies_ms[op].append((time.perf_counter() - started) * 1000)


def _check_documents(url: str, baseline: set[str], expected: set[str]) -> list[str]:
    problems = []
    listing = httpx.get(f"{url}/v1/documents", timeout=60).json()
    ids = [document["id"] for document in listing["documents"]]
    duplicated = [doc_id for doc_id, n in Counter(ids).items() if n > 1]
    stored = set(ids)
    if duplicated:
        problems.append(f"duplicated documents: {duplicated[:5]}")
    if lost := (expected | baseline) - stored:
        problems.append(f"{len(lost)} documents lost, e.g. {sorted(lost)[:5]}")
    if extra := stored - expected - baseline:
        problems.append(f"{len(extra)} documents that should be gone, e.g. {sorted(extra)[:5]}")
    if listing["count"] != len(ids):
        problems.append(f"count {listing['count']} but {len(ids)} listed")
    counts = httpx.get(f"{url}/healthz", timeout=60).json()["manifest"].get("counts", {})
    listed_chunks = sum(document["chunks"] for document in listing["documents"])
    if counts.get("documents") != len(ids) or counts.get("chunks") != listed_chunks:
        problems.append(f"manifest counts {counts} disagree with {len(ids)} documents / {listed_chunks} chunks")
    return problems


def run(index_dir: Path, questions: Sequence[str], *, clients: int = 8, seconds: float = 60.0,
        backend: str = "torch") -> dict[str, Any]:
    """Drive the server over `index_dir` (it is written to: pass a scratch copy) and report figures."""
    words = sorted({word.strip(".,?\"'") for question in questions for word in question.split()} - {""})
    with served(index_dir, backend=backend) as (url, _pid):
        baseline = {d["id"] for d in httpx.get(f"{url}/v1/documents", timeout=60).json()["documents"]}
        logs = [ClientLog() for _ in range(clients)]
        deadline = time.monotonic() + seconds
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            for number, log in enumerate(logs):
                pool.submit(_client_loop, url, number, deadline, questions, words, log)
        wall = time.perf_counter() - started
        expected = set().union(*(log.alive for log in logs))
        problems = _check_documents(url, baseline, expected)
    errors = [error for log in logs for error in log.errors]
    by_op = {op: [ms for log in logs for ms in log.latencies_ms[op]] for op, _ in MIX}
    total = sum(len(samples) for samples in by_op.values())
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": total,
        "throughput_rps": round(total / wall, 1),
        "errors": len(errors),
        "error_examples": errors[:5],
        "consistency_problems": problems,
        "documents_after": len(baseline | expected),
        "latency_ms": {op: percentiles(samples) for op, samples in by_op.items() if samples},
        "all_latency_ms": percentiles([ms for samples in by_op.values() for ms in samples]),
    }


