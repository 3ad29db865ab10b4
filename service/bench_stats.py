"""Small measuring tools for `citeqa bench`: timers, percentiles, medians, memory and disk figures."""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Stopwatch:
    """Wall and CPU seconds of one block. CPU time is the steadier figure on a shared, loaded machine."""

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def timed() -> Iterator[Stopwatch]:
    watch = Stopwatch()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield watch
    finally:
        watch.wall, watch.cpu = time.perf_counter() - wall, time.process_time() - cpu


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    if not samples_ms:
        return {"n": 0}
    values = np.asarray(samples_ms, dtype=np.float64)
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"n": len(values), "p50": round(p50, 2), "p95": round(p95, 2), "p99": round(p99, 2)}


def latencies_ms(call: Callable[[str], Any], questions: Sequence[str]) -> list[float]:
    samples = []
    for question in questions:
        started = time.perf_counter()
        call(question)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 2) if values else float("nan")


def own_peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident memory of a running process (VmHWM), None where /proc does not say."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def wait_peak_rss_mb(pid: int) -> tuple[int, float]:
    """Wait for a child; return (exit status, its peak resident memory in MiB)."""
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), round(usage.ru_maxrss / 1024, 1)


def directory_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 2)


def variants(questions: Sequence[str], count: int, *, round_no: int) -> list[str]:
    """`count` distinct questions; later rounds add a marker so the query-vector cache cannot answer them."""
    base = list(questions)
    picked = [base[i % len(base)] for i in range(count)]
    return picked if round_no == 0 else [f"{q} (variant {round_no})" for q in picked]
