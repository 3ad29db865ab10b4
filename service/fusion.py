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
