"""Aggregate per-question records into summary.json.

`metrics`, `support`, `counts` and `by_type` depend only on the replies, so the same index and files give
the same values run after run. Timing lives apart, under `latency`, and provenance under `manifest`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from eval import metrics


def summarize(records: Sequence[Mapping[str, Any]], *, manifest: Mapping[str, Any],
              wall_s: float) -> dict[str, Any]:
    means, support = metrics.aggregate(r["scores"] for r in records)
    return {
        "metrics": means,
        "support": support,
        "counts": counts(records),
        "by_type": {kind: _type_block(group) for kind, group in by_type(records).items()},
        "latency": latency(records, wall_s=wall_s),
        "manifest": dict(manifest),
    }


def counts(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    rules = Counter(str(r["rule"]) for r in records if r["rule"] is not None)
    return {
        "questions": len(records),
        "answerable": sum(1 for r in records if r["answerable"]),
        "unanswerable": sum(1 for r in records if not r["answerable"]),
        "answered": sum(1 for r in records if r["answer"] is not None),
        "abstained": sum(1 for r in records if r["judgments"]["abstained"]),
        "errors": sum(1 for r in records if r["error"] is not None),
        "rules": dict(sorted(rules.items())),
    }


def by_type(records: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        groups.setdefault(str(record["type"]), []).append(record)
    return dict(sorted(groups.items()))


def latency(records: Sequence[Mapping[str, Any]], *, wall_s: float) -> dict[str, Any]:
    """Client round-trip and server `took_ms` percentiles, overall and per type, and throughput."""
    return {
        "client_ms": _client_ms(records),
        "server_ms": metrics.percentiles([r["took_ms"] for r in records if r["took_ms"] is not None]),
        "wall_s": wall_s,
        "throughput_qps": len(records) / wall_s if wall_s > 0 else None,
        "by_type": {kind: _client_ms(group) for kind, group in by_type(records).items()},
    }


def _type_block(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    means, support = metrics.aggregate(r["scores"] for r in records)
    return {"questions": len(records), "metrics": means, "support": support}


def _client_ms(records: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    return metrics.percentiles([r["latency_ms"] for r in records])
