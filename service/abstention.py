"""Whether the retrieved passages support an answer at all, as a calibrated confidence (pure)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from service.answer import SentenceScore, coverage, stems_of

if TYPE_CHECKING:
    from service.retrieval import Hit

# Logistic calibration of the support features (see `confidence`); THRESHOLD is the probability cut.
WEIGHTS = {"dense": 6.0, "coverage": 6.0, "sentence": 2.0}
BIAS = -6.5
THRESHOLD = 0.5


def support_features(hits: Sequence[Hit], best: SentenceScore | None, weights: Mapping[str, float]) -> dict[str, float]:
    if not hits or best is None:
        return {"dense": 0.0, "coverage": 0.0, "sentence": 0.0}
    passage = hits[best.passage].chunk.text
    document_title = hits[best.passage].document.title or ""
    return {
        "dense": max((hit.dense or 0.0) for hit in hits),
        "coverage": coverage(weights, stems_of(passage + " " + document_title)),
        "sentence": best.coverage,
    }


def confidence(features: Mapping[str, float]) -> float:
    z = BIAS + sum(WEIGHTS[name] * features.get(name, 0.0) for name in WEIGHTS)
    return 1.0 / (1.0 + math.exp(-z))
