"""`citeqa bench`: run the chosen benchmark parts, print one table, write every figure as JSON.

Parts: `ingest` (throughput next to the bare encode, per backend), `query` (latency next to a bare
baseline, in-process and over HTTP, batch throughput), `scale` (1M synthetic vectors through the sized
FAISS index), `lexical` (FTS5 growth with corpus size), `load` (8 clients mixing queries, uploads and
deletes against a real server, with a lost/duplicated-document check afterwards). These are measurements,
not tests: the machines are shared, so figures are medians over rounds and the table shows ratios next to
absolute numbers.
"""

from __future__ import annotations

import json
import platform
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.encoder import Backend

PARTS = ("ingest", "query", "scale", "lexical", "load")


@dataclass(frozen=True, slots=True)
class BenchOptions:
    corpus: Path
    questions: Path
    out: Path
    parts: Sequence[str] = ("ingest", "query")
    backends: Sequence[Backend] = ("torch",)
    limit_docs: int | None = 100
    repeats: int = 3
    per_phase: int = 100
    scale_sizes: Sequence[int] = (10_000, 100_000, 1_000_000)
    load_clients: int = 8
    load_seconds: float = 60.0
    workdir: Path | None = None
    sentence_vectors: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _questions(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def _machine() -> dict[str, Any]:
    import os

    return {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2), "python": platform.python_version()}


def run(options: BenchOptions, *, echo: Callable[[str], None] = print) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="citeqa-bench-", dir=options.workdir) as scratch:
        work = Path(scratch)
        report: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine()}
        report["options"] = {"limit_docs": options.limit_docs, "repeats": options.repeats,
                             "per_phase": options.per_phase, "backends": list(options.backends),
                             "sentence_vectors": options.sentence_vectors}
        if "ingest" in options.parts or "query" in options.parts:
            from service import bench_ingest

            echo(f"ingest: {options.corpus} (first {options.limit_docs or 'all'} documents)")
            report["ingest"] = bench_ingest.run(options.corpus, work, limit_docs=options.limit_docs,
                                                backends=options.backends, repeats=options.repeats,
                                                sentence_vectors=options.sentence_vectors)
        if "query" in options.parts:
            from service import bench_query

            index_dir = work / f"ingest-{_runtime(options.backends[0])}"
            echo(f"query: {len(_questions(options.questions))} questions, {options.per_phase} per phase")
            report["query"] = bench_query.run(index_dir, _questions(options.questions),
                                              backend=options.backends[0], per_phase=options.per_phase,
                                              repeats=options.repeats)
        if "scale" in options.parts:
            from service import bench_scale

            echo(f"scale: synthetic vectors at {', '.join(map(str, options.scale_sizes))}")
            seeds = work / f"ingest-{_runtime(options.backends[0])}"
            report["scale"] = bench_scale.run_vectors(options.scale_sizes, _questions(options.questions),
                                                      seeds_from=seeds if seeds.is_dir() else None)
        if "lexical" in options.parts:
            from service import bench_lexical

            echo(f"lexical: FTS5 at {', '.join(map(str, options.scale_sizes))} passages")
            report["lexical"] = bench_lexical.run(options.corpus, work, _questions(options.questions),
                                                  sizes=options.scale_sizes)
        if "load" in options.parts:
            from service import bench_load

            index_dir = _load_index(options, work)
            echo(f"load: {options.load_clients} clients for {options.load_seconds:g} s against {index_dir}")
            report["load"] = bench_load.run(index_dir, _questions(options.questions), clients=options.load_clients,
                                            seconds=options.load_seconds, backend=options.backends[0])
        report["machine_after"] = _machine()
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    echo(table(report))
    echo(f"\nwrote {options.out}")
    return report


def _load_index(options: BenchOptions, work: Path) -> Path:
    """The index the load part writes to: a copy of the ingest part's, else a fresh one of the corpus."""
    import shutil

    built = work / f"ingest-{_runtime(options.backends[0])}"
    target = work / "load-index"
    if built.is_dir():
        shutil.copytree(built, target)
        return target
    from ingest.encoder import load_encoder
    from ingest.pipeline import ingest
    from ingest.readers import read_inputs

    encoder = load_encoder(backend=options.backends[0])
    documents = read_inputs([options.corpus])
    if options.limit_docs:
        import itertools

        documents = itertools.islice(documents, options.limit_docs)
    ingest(target, documents, encoder=encoder)
    return target


def _runtime(backend: str) -> str:
    runtime, _, quantization = backend.partition("-")
    return f"{runtime}-{quantization or 'none'}"


def table(report: dict[str, Any]) -> str:
    rows: list[tuple[str, str]] = []
    for backend, figures in report.get("ingest", {}).items():
        rows += [
            (f"ingest {backend} passages/s (wall)",
             f"{figures['ingest_passages_per_s']} vs bare encode {figures['bare_encode_passages_per_s']} "
             f"= {figures['ratio_wall']}x"),
            (f"ingest {backend} passages/CPU-s",
             f"{figures['ingest_passages_per_cpu_s']} vs bare {figures['bare_encode_passages_per_cpu_s']} "
             f"= {figures['ratio_cpu']}x"),
            (f"ingest {backend} peak RSS / index size",
             f"{figures['peak_rss_mb']} MiB / {figures['index_mb_per_1k_passages']} MiB per 1k passages"),
        ]
        if "ingest_speedup_vs_torch" in figures:
            rows.append((f"ingest {backend} speed-up over torch", f"{figures['ingest_speedup_vs_torch']}x"))
    query = report.get("query")
    if query:
        for name in ("bare", "in_process", "cached", "http_c1", "http_c8"):
            q = query[name]
            rows.append((f"query {name} ms p50/p95/p99", f"{q['p50']} / {q['p95']} / {q['p99']}  (n={q['n']})"))
        rates = query["throughput_qps"]
        rows += [
            ("query in-process p50 / bare p50", f"{query['in_process_over_bare']}x"),
            ("query HTTP c1 p50 - bare p50", f"{query['http_c1_minus_bare_ms']} ms"),
            ("throughput q/s c1 / c8 / batch64", f"{rates['http_c1']} / {rates['http_c8']} / {rates['batch']}"),
            ("serve peak RSS", f"{query['serve_peak_rss_mb']} MiB"),
        ]
    for size, figures in report.get("scale", {}).get("sizes", {}).items():
        rows.append((f"vectors {size} {figures['spec']}",
                     f"p50 {figures['p50_ms']} ms, recall@10 {figures['recall_at_10']}, "
                     f"build {figures['build_s']} s, {figures['index_mb']} MiB"))
    for size, figures in report.get("lexical", {}).get("sizes", {}).items():
        rows.append((f"lexical FTS5 {size} passages",
                     f"p50 {figures['p50_ms']} ms p95 {figures['p95_ms']} ms, db {figures['db_mb']} MiB"))
    load = report.get("load")
    if load:
        latency = load["all_latency_ms"]
        rows += [
            (f"load {load['clients']} clients {load['seconds']} s",
             f"{load['requests']} requests, {load['throughput_rps']} req/s, {load['errors']} errors, "
             f"{len(load['consistency_problems'])} consistency problems"),
            ("load latency ms p50/p95 (all ops)", f"{latency.get('p50')} / {latency.get('p95')}"),
        ]
        for op, figures in load["latency_ms"].items():
            rows.append((f"load {op} ms p50/p95", f"{figures['p50']} / {figures['p95']}  (n={figures['n']})"))
    width = max((len(name) for name, _ in rows), default=10)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)
