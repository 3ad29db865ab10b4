"""Rank fusion of several ranked lists (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 60  # Cormack et al. 2009: damps the head of each list; robust without tuning


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[int]], *, weights: Mapping[str, float] | None = None, k: int = RRF_K
) -> dict[int, float]:
    """Sum over lists of weight / (k + rank), ranks starting at 1."""
    fused: dict[int, float] = {}
    for name, ranking in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def _min_max(scores: Mapping[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {item: (score - low) / span if span > 0 else 1.0 for item, score in scores.items()}


def convex_fusion(
    scores: Mapping[str, Mapping[int, float]], *, weights: Mapping[str, float]
) -> dict[int, float]:
    """Weighted sum of min-max normalised scores; an item missing from a list scores 0 there.

    Unlike RRF it keeps how *much* better one candidate is than the next (Bruch et al. 2023 find such
    convex combinations at least as good as RRF once each score is normalised).
    """
    fused: dict[int, float] = {}
    for name, named_scores in scores.items():
        weight = weights.get(name, 1.0)
        for item, score in _min_max(named_scores).items():
            fused[item] = fused.get(item, 0.0) + weight * score
    return fused
