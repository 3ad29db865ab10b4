"""Metric names, per-question retrieval measures, and the statistics that aggregate per-question scores.

Standard measures come from ir-measures (pytrec_eval underneath): hits@k = Success@k, mrr@10 = RR@10,
ndcg@10 = nDCG@10, and for BEIR qrels map@10 = AP@10, recall@k = R@k. Only the benchmark definitions are
ours:
- map@10 for passage-level rules is the official MultiHop-RAG MAP@10 (`official_map_at_10`). It differs
  from AP@10: at each relevant rank it adds (gold units found there for the first time) / rank, not
  precision@rank, and divides by min(#gold units, 10), not by the number of relevant items. Passage-level
  qrels cannot give AP's denominator anyway: relevant passages that were not retrieved are unknown.
- recall@k for passage-level rules is the share of gold units (evidence sentences, `all_of` strings, or the
  one "any answer" unit) contained in the top k passages (`unit_recall`).
Every per-question score is a number; a metric that does not apply to a question is absent, and a mean
over no questions is None ("not measured"), never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import ir_measures
import numpy as np
from ir_measures import AP, RR, R, Success, nDCG

from eval.relevance import Judged

CUTOFFS = (1, 3, 4, 5, 10)
RETRIEVAL = (
    *(f"hits@{c}" for c in CUTOFFS), "mrr@10", "map@10", "ndcg@10", *(f"recall@{c}" for c in CUTOFFS),
)
ANSWERS = (
    *(f"answer_recall@{c}" for c in CUTOFFS), "answer_accuracy", "citation_validity", "offset_validity",
    "abstention_precision", "abstention_recall",
)
METRICS = RETRIEVAL + ANSWERS

_STANDARD = {**{f"hits@{c}": Success @ c for c in CUTOFFS}, "mrr@10": RR @ 10, "ndcg@10": nDCG @ 10}
_DOCUMENT_ONLY = {"map@10": AP @ 10, **{f"recall@{c}": R @ c for c in CUTOFFS}}


def retrieval_scores(judged: Judged) -> dict[str, float]:
    """All retrieval metrics of one judged ranking, in `RETRIEVAL` order."""
    measures = {**_STANDARD, **(_DOCUMENT_ONLY if judged.rule == "qrels" else {})}
    names = {str(measure): name for name, measure in measures.items()}
    # ir-measures orders a run by score; strictly decreasing synthetic scores keep the service's ranks.
    run = {key: float(len(judged.keys) - i) for i, key in enumerate(judged.keys)}
    scores = dict.fromkeys(measures, 0.0)  # a query with an empty run gets no rows from ir-measures
    for row in ir_measures.iter_calc(list(measures.values()), {"q": judged.qrels}, {"q": run}):
        scores[names[str(row.measure)]] = float(row.value)
    if judged.rule != "qrels":
        scores["map@10"] = official_map_at_10(judged.grades, judged.covers, units=judged.units)
        for c in CUTOFFS:
            scores[f"recall@{c}"] = unit_recall(judged.covers, units=judged.distinct_units, cutoff=c)
    return {name: scores[name] for name in RETRIEVAL}


def official_map_at_10(grades: Sequence[int], covers: Sequence[frozenset[int]], *, units: int) -> float:
    """MultiHop-RAG MAP@10 (yixuantt/MultiHop-RAG retrieval_evaluate.py, `calculate_metrics`)."""
    found: set[int] = set()
    total = 0.0
    for rank, (grade, covered) in enumerate(zip(grades[:10], covers[:10], strict=True), start=1):
        if grade > 0:
            new = covered - found
            found |= new
            total += len(new) / rank
    return total / min(units, 10)


def unit_recall(covers: Sequence[frozenset[int]], *, units: int, cutoff: int) -> float:
    found = set().union(*covers[:cutoff])
    return len(found) / units


def aggregate(scores: Iterable[Mapping[str, float]]) -> tuple[dict[str, float | None], dict[str, int]]:
    """Mean of each metric over the questions it applies to, and how many those were (METRICS order)."""
    values: dict[str, list[float]] = {name: [] for name in METRICS}
    for row in scores:
        for name, value in row.items():
            values.setdefault(name, []).append(value)
    means = {name: (math.fsum(v) / len(v) if v else None) for name, v in values.items()}
    return means, {name: len(v) for name, v in values.items()}


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99 (linear interpolation), mean and max; all None when there are no values."""
    if not values:
        return dict.fromkeys(("p50", "p95", "p99", "mean", "max"))
    array = np.asarray(values, dtype=float)
    p50, p95, p99 = (float(v) for v in np.percentile(array, [50, 95, 99]))
    return {"p50": p50, "p95": p95, "p99": p99, "mean": float(array.mean()), "max": float(array.max())}
