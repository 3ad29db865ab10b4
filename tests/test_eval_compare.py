"""Paired comparison of two runs: deltas, the randomization test, flipped questions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from eval import compare


def record(qid: str, **scores: float) -> dict[str, Any]:
    return {"id": qid, "question": f"question {qid}?", "scores": scores}


def test_deltas_pair_questions_by_id() -> None:
    a = [record("1", **{"hits@1": 0.0}), record("2", **{"hits@1": 1.0}), record("3", **{"hits@1": 1.0})]
    b = [record("2", **{"hits@1": 1.0}), record("1", **{"hits@1": 1.0}), record("4", **{"hits@1": 0.0})]
    (delta,) = compare.deltas(a, b)
    assert (delta.metric, delta.n, delta.a, delta.b) == ("hits@1", 2, 0.5, 1.0)
    assert delta.delta == 0.5


def test_randomization_test_exact_small_case() -> None:
    # differences (1, 1, 1): of the 8 sign patterns only (+,+,+) and (-,-,-) reach |mean| = 1 -> p ≈ 1/4
    p = compare.randomization_test(np.zeros(3), np.ones(3), rounds=20_000, seed=1)
    assert p == pytest.approx(0.25, abs=0.01)
    assert compare.randomization_test(np.ones(4), np.ones(4)) == 1.0


def test_randomization_test_is_seeded_and_detects_a_clear_difference() -> None:
    rng = np.random.default_rng(0)
    a = rng.random(200)
    b = a + 0.2
    assert compare.randomization_test(a, b) == compare.randomization_test(a, b)
    assert compare.randomization_test(a, b) < 0.001
    assert compare.randomization_test(a, a + rng.normal(0, 0.01, 200)) > 0.01


def test_flips_and_markdown() -> None:
    a = [record("1", **{"hits@10": 0.0}), record("2", **{"hits@10": 1.0}), record("3", **{"hits@10": 1.0})]
    b = [record("1", **{"hits@10": 1.0}), record("2", **{"hits@10": 0.0}), record("3", **{"hits@10": 1.0})]
    (flip,) = compare.flips(a, b)
    assert (flip.metric, flip.gained, flip.lost) == ("hits@10", ["1"], ["2"])
    text = compare.markdown(compare.deltas(a, b), [flip], names=("A", "B"),
                            questions={"1": "question 1?", "2": "question 2?"})
    assert "| hits@10 | 3 | 0.6667 | 0.6667 | +0.0000 | 1.0000 |" in text
    assert "- 1: question 1?" in text and "- 2: question 2?" in text
