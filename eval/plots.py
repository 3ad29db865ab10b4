"""report.png: hits@k curves, per-type bars and the latency histogram (matplotlib, no pyplot state)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from eval import metrics

CURVES = (("hits@{}", "hits@k (relevant passage)", "o", "-"), ("recall@{}", "recall@k (gold units)", "s", "--"),
          ("answer_recall@{}", "answer recall@k", "^", ":"))
BARS = ("hits@10", "mrr@10", "answer_recall@3", "answer_accuracy", "citation_validity", "abstention_recall")


def save(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]], path: Path) -> None:
    figure = Figure(figsize=(17, 5.2), layout="constrained")
    left, middle, right = figure.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1.5, 1]})
    _curves(left, summary["metrics"])
    _bars(middle, summary)
    _latency(right, [float(r["latency_ms"]) for r in records], summary["latency"]["client_ms"])
    dataset = Path(str(summary["manifest"].get("dataset", {}).get("path", ""))).name
    figure.suptitle(f"citeqa eval: {dataset} ({summary['counts']['questions']} questions)", fontsize=13)
    figure.savefig(path, dpi=110)


def _curves(axes: Any, values: Mapping[str, float | None]) -> None:
    for pattern, label, marker, style in CURVES:  # distinct markers and dashes: curves often coincide
        points = [(c, values.get(pattern.format(c))) for c in metrics.CUTOFFS]
        shown = [(c, v) for c, v in points if v is not None]
        if shown:
            axes.plot(*zip(*shown, strict=True), marker=marker, linestyle=style, markersize=7, alpha=0.85,
                      label=label)
    axes.set(title="Retrieval by cutoff k", xlabel="k (passages)", ylabel="share of questions",
             ylim=(0, 1.05), xticks=list(metrics.CUTOFFS))
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize=9)


def _bars(axes: Any, summary: Mapping[str, Any]) -> None:
    groups = {"all": summary["metrics"]}
    if len(summary["by_type"]) > 1:
        groups.update({kind: block["metrics"] for kind, block in summary["by_type"].items()})
    names = [n for n in BARS if summary["metrics"].get(n) is not None]
    width = 0.8 / max(len(groups), 1)
    for i, (group, values) in enumerate(groups.items()):
        heights = [values.get(n) or 0.0 for n in names]
        bars = axes.bar(np.arange(len(names)) + (i - (len(groups) - 1) / 2) * width, heights, width, label=group)
        if len(groups) <= 2:
            axes.bar_label(bars, fmt="%.2f", fontsize=8)
    axes.set_xticks(np.arange(len(names)), names, rotation=20, ha="right", fontsize=9)
    title = "Metrics by question type" if len(groups) > 1 else "Answer and citation metrics"
    axes.set(title=title, ylabel="mean", ylim=(0, 1.18))
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8, ncols=min(len(groups), 5), loc="upper center")


def _latency(axes: Any, values: Sequence[float], stats: Mapping[str, float | None]) -> None:
    axes.hist(values, bins=min(40, max(len(values) // 3, 5)), color="tab:gray")
    for key, color in (("p50", "tab:blue"), ("p95", "tab:orange"), ("p99", "tab:red")):
        if stats[key] is not None:
            axes.axvline(stats[key], color=color, linestyle="--", label=f"{key} {stats[key]:.0f} ms")
    axes.set(title="Client latency per question", xlabel="ms", ylabel="questions")
    axes.legend(fontsize=9)
