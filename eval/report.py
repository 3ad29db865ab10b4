"""report.md: the summary as tables a person reads (values printed from summary.json, 4 decimals)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eval import metrics

NOT_MEASURED = "—"
LATENCY_COLUMNS = ("p50", "p95", "p99", "mean", "max")


def markdown(summary: Mapping[str, Any]) -> str:
    parts = ["# citeqa evaluation", _header(summary), "## Metrics", metrics_table(summary, types=True),
             _notes(), "## Latency", "Timing is kept out of the reproducible metrics.", latency_table(summary)]
    return "\n\n".join(parts) + "\n"


def console(summary: Mapping[str, Any]) -> str:
    """What `citeqa eval` prints: the overall metrics and the latency headline."""
    timing = summary["latency"]
    client = timing["client_ms"]
    qps = timing["throughput_qps"]
    return (metrics_table(summary, types=False) + f"\n\nlatency p50 {_ms(client['p50'])} ms, "
            f"p95 {_ms(client['p95'])} ms, p99 {_ms(client['p99'])} ms; "
            f"{_ms(qps)} questions/s over {_ms(timing['wall_s'])} s")


def metrics_table(summary: Mapping[str, Any], *, types: bool) -> str:
    """One row per measured metric: n (questions it applies to), the overall mean, then one column per
    question type when there is more than one."""
    kinds = list(summary["by_type"]) if types and len(summary["by_type"]) > 1 else []
    rows = [["metric", "n", "all", *kinds], ["---", "---:", "---:", *("---:" for _ in kinds)],
            ["questions", "", str(summary["counts"]["questions"]),
             *(str(summary["by_type"][kind]["questions"]) for kind in kinds)]]
    for name in metrics.METRICS:
        if summary["support"].get(name):
            rows.append([name, str(summary["support"][name]), fmt(summary["metrics"][name]),
                         *(fmt(summary["by_type"][kind]["metrics"].get(name)) for kind in kinds)])
    return _table(rows)


def latency_table(summary: Mapping[str, Any]) -> str:
    timing = summary["latency"]
    rows = [["ms", *LATENCY_COLUMNS], ["---", *("---:" for _ in LATENCY_COLUMNS)],
            _latency_row("client round trip", timing["client_ms"]),
            _latency_row("server took_ms", timing["server_ms"])]
    if len(timing["by_type"]) > 1:
        rows += [_latency_row(f"client, {kind}", values) for kind, values in timing["by_type"].items()]
    concurrency = summary["manifest"].get("parameters", {}).get("concurrency")
    return (_table(rows) + f"\n\nThroughput: {_ms(timing['throughput_qps'])} questions/s "
            f"({summary['counts']['questions']} questions in {_ms(timing['wall_s'])} s, "
            f"concurrency {concurrency}).")


def fmt(value: float | None) -> str:
    return NOT_MEASURED if value is None else f"{value:.4f}"


def _header(summary: Mapping[str, Any]) -> str:
    manifest, counts = summary["manifest"], summary["counts"]
    dataset = manifest.get("dataset", {})
    index_counts = manifest.get("index", {}).get("counts", {})
    params = ", ".join(f"{key}={value}" for key, value in manifest.get("parameters", {}).items())
    rules = ", ".join(f"{rule} {n}" for rule, n in counts["rules"].items()) or "none"
    return "\n".join([
        f"- dataset: `{dataset.get('path')}` (sha256 {str(dataset.get('sha256'))[:12]}): "
        f"{counts['questions']} questions, {counts['answerable']} answerable, "
        f"{counts['unanswerable']} unanswerable; relevance rules: {rules}",
        f"- service {manifest.get('service_version')}, model {manifest.get('model')} "
        f"(sha256 {str(manifest.get('model_sha256'))[:12]}), index of {index_counts.get('documents')} "
        f"documents / {index_counts.get('chunks')} chunks",
        f"- parameters: {params}",
        f"- answered {counts['answered']}, abstained {counts['abstained']}, request errors {counts['errors']}",
        f"- git commit {manifest.get('git_commit')}, started {manifest.get('started_at')}",
    ])


def _notes() -> str:
    return (
        "Means over the `n` questions each metric applies to (— = none). Relevance: gold `evidence` "
        "contained in the passage with spaces and newlines removed (MultiHop-RAG's official rule; its "
        "MAP@10 definition too), else BEIR qrels by document id, else a gold answer string in the passage. "
        "Unanswerable questions are excluded from retrieval metrics and count for abstention. "
        "Cutoffs above `k` see only `k` passages."
    )


def _latency_row(label: str, values: Mapping[str, float | None]) -> list[str]:
    return [label, *(_ms(values[column]) for column in LATENCY_COLUMNS)]


def _ms(value: float | None) -> str:
    return NOT_MEASURED if value is None else f"{value:.1f}"


def _table(rows: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)
