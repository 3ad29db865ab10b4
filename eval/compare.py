"""Compare two runs question by question: metric deltas with a paired randomization test, and flips.

The test is the paired (sign-flip) randomization test: under "no difference" each question's score
difference is as likely to have either sign, so the p-value is the share of random sign assignments whose
mean difference is at least as large in magnitude as the observed one (two-sided, add-one smoothed).
Seeded, so the same two runs always give the same p-values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eval import metrics

FLIP_METRICS = ("hits@1", "hits@10", "answer_recall@3", "answer_accuracy", "citation_validity",
                "abstention_recall")
ROUNDS = 10_000
LISTED = 15  # flipped questions listed per metric and direction


@dataclass(frozen=True, slots=True)
class Delta:
    metric: str
    a: float  # mean over the questions both runs scored on this metric
    b: float
    n: int
    p_value: float

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass(frozen=True, slots=True)
class Flip:
    metric: str
    gained: list[str]  # question ids scoring 0 in run A and 1 in run B
    lost: list[str]


def deltas(records_a: Sequence[Mapping[str, Any]], records_b: Sequence[Mapping[str, Any]], *,
           rounds: int = ROUNDS, seed: int = 0) -> list[Delta]:
    found = []
    for metric in metrics.METRICS:
        pairs = _pairs(records_a, records_b, metric)
        if pairs:
            a, b = (np.array(side, dtype=float) for side in zip(*pairs, strict=True))
            found.append(Delta(metric, float(a.mean()), float(b.mean()), len(pairs),
                               randomization_test(a, b, rounds=rounds, seed=seed)))
    return found


def randomization_test(a: np.ndarray, b: np.ndarray, *, rounds: int = ROUNDS, seed: int = 0) -> float:
    """Two-sided paired sign-flip randomization test of mean(b - a) == 0."""
    diff = b - a
    observed = abs(float(diff.mean()))
    if observed == 0.0:
        return 1.0
    rng = np.random.default_rng(seed)
    extreme, done = 0, 0
    while done < rounds:  # in blocks, so memory stays small for large query sets
        block = min(1000, rounds - done)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(block, diff.size))
        extreme += int(np.count_nonzero(np.abs(signs @ diff) / diff.size >= observed * (1 - 1e-9)))
        done += block
    return (extreme + 1) / (rounds + 1)


def flips(records_a: Sequence[Mapping[str, Any]], records_b: Sequence[Mapping[str, Any]]) -> list[Flip]:
    result = []
    for metric in FLIP_METRICS:
        pairs = _pairs(records_a, records_b, metric, with_ids=True)
        gained = [qid for qid, a, b in pairs if a < 0.5 <= b]
        lost = [qid for qid, a, b in pairs if b < 0.5 <= a]
        if gained or lost:
            result.append(Flip(metric, gained, lost))
    return result


def markdown(found: Sequence[Delta], flipped: Sequence[Flip], *, names: tuple[str, str],
             questions: Mapping[str, str]) -> str:
    rows = ["| metric | n | A | B | Δ (B−A) | p |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    rows += [f"| {d.metric} | {d.n} | {d.a:.4f} | {d.b:.4f} | {d.delta:+.4f} | {d.p_value:.4f}"
             f"{' *' if d.p_value < 0.05 and d.delta else ''} |" for d in found]
    parts = [f"# A = {names[0]}\n# B = {names[1]}", "\n".join(rows),
             f"p: paired randomization test ({ROUNDS} sign flips); * p < 0.05."]
    for flip in flipped:
        parts.append(f"## {flip.metric}: {len(flip.gained)} gained, {len(flip.lost)} lost")
        for label, ids in (("gained (0 → 1)", flip.gained), ("lost (1 → 0)", flip.lost)):
            lines = [f"- {qid}: {questions.get(qid, '')[:100]}" for qid in ids[:LISTED]]
            more = [f"- … and {len(ids) - LISTED} more"] if len(ids) > LISTED else []
            if ids:
                parts.append("\n".join([f"{label}:", *lines, *more]))
    return "\n\n".join(parts)


def _pairs(records_a: Sequence[Mapping[str, Any]], records_b: Sequence[Mapping[str, Any]], metric: str,
           *, with_ids: bool = False) -> list[Any]:
    """(a, b) scores, or (id, a, b), for questions both runs scored on `metric`, in run B's order."""
    scored_a = {r["id"]: r["scores"][metric] for r in records_a if metric in r["scores"]}
    pairs = [(r["id"], scored_a[r["id"]], r["scores"][metric])
             for r in records_b if r["id"] in scored_a and metric in r["scores"]]
    return pairs if with_ids else [(a, b) for _, a, b in pairs]
