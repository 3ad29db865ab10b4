"""Whether the retrieved passages support an answer at all, as a calibrated confidence (pure)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from service import answer_type
from service.answer import SentenceScore, coverage, stems_of

if TYPE_CHECKING:
    from service.retrieval import Hit

# A class-balanced logistic regression of "the corpus answers this" on the support features, fitted with
# `python -m eval.calibrate` on eval runs of both dev sets (Kazakhstan sample and MultiHop-RAG, 91
# unanswerable among 663 questions). THRESHOLD is the probability cut; balanced classes make it weigh a
# withheld answer and a made-up one alike. Refit whenever the features or the retriever change, and keep a
# refit only if the question sets it never sees do not get worse (the last two did: docs/quality.md,
# Abstention, and the closest-clause reading of "semantic").
WEIGHTS = {"dense": 5.539, "coverage": 4.364, "sentence": 3.581, "semantic": 4.949}
BIAS = -7.422
THRESHOLD = 0.5


def support_features(hits: Sequence[Hit], best: SentenceScore | None, weights: Mapping[str, float]) -> dict[str, float]:
    if not hits or best is None:
        return {"dense": 0.0, "coverage": 0.0, "sentence": 0.0, "semantic": 0.0}
    passage = hits[best.passage].chunk.text
    document_title = hits[best.passage].document.title or ""
    return {
        "dense": max((hit.dense or 0.0) for hit in hits),
        "coverage": coverage(weights, stems_of(passage + " " + document_title)),
        "sentence": best.coverage,
        "semantic": best.similarity or 0.0,
    }


# An extractive answer to "how many ..." or "on what date ..." has to hold a number or a date. A span
# without one cannot answer, however closely it matches: such a question about a well-covered event
# ("How many troops did Belarus send?" where the reports name Belarus among the contingents) is the kind of
# unanswerable question that word overlap and embedding similarity both score high.
TYPES_AN_ANSWER_HOLDS = ("number", "date")


def typed_feature(question: str, span: str | None) -> dict[str, float]:
    """{"typed": 1.0 or 0.0}: whether the span holds a candidate of the number or date the question asks
    for; empty when the question asks for neither."""
    kind = answer_type.expected_type(question)
    if kind not in TYPES_AN_ANSWER_HOLDS:
        return {}
    return {"typed": float(span is not None and answer_type.offers_answer(question, kind, span))}


def answers(features: Mapping[str, float]) -> bool:
    """The decision: confident enough, and not missing the number or date the question asks for."""
    return features["confidence"] >= THRESHOLD and features.get("typed", 1.0) > 0


def confidence(features: Mapping[str, float]) -> float:
    z = BIAS + sum(WEIGHTS[name] * features.get(name, 0.0) for name in WEIGHTS)
    return 1.0 / (1.0 + math.exp(-z))
