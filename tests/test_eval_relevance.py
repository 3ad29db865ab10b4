"""Relevance rules and per-question retrieval metrics on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from eval import metrics, relevance
from eval.datasets import Question


def passages(*texts: str, docs: tuple[str, ...] = ()) -> list[dict[str, object]]:
    return [{"rank": i, "id": f"c{i}", "doc_id": docs[i - 1] if docs else f"d{i}", "text": text}
            for i, text in enumerate(texts, start=1)]


def dcg(grades: list[int]) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(grades, start=1))


def test_rule_follows_the_gold_data() -> None:
    assert relevance.rule_for(Question("q", "?", evidence=("e",), answers=("a",))) == "evidence"
    assert relevance.rule_for(Question("q", "?", qrels={"d": 1})) == "qrels"
    assert relevance.rule_for(Question("q", "?", qrels={"d": 0})) is None
    assert relevance.rule_for(Question("q", "?", answers=("a",))) == "answer"
    assert relevance.rule_for(Question("q", "?", all_of=("a", "b"))) == "answer"
    assert relevance.rule_for(Question("q", "?", answerable=False, evidence=("e",))) is None
    assert relevance.rule_for(Question("q", "?")) is None


def test_evidence_rule_ignores_spaces_and_newlines_only() -> None:
    q = Question("q", "?", evidence=("Alpha beta gamma.",))
    judged = relevance.judge(q, passages("x Alpha  beta\ngamma. y", "alpha beta gamma.", "Alpha\tbeta gamma."))
    assert judged is not None
    assert judged.grades == (1, 0, 0)  # case and tabs matter, as in the official scorer


def test_evidence_metrics_hand_computed() -> None:
    q = Question("q", "?", evidence=("Alpha beta gamma.", "Delta epsilon."))
    ranked = passages("nothing here", "xx Alpha  beta\ngamma. yy", "Alpha beta gamma. again", "Delta epsilon.",
                      "zzz")
    judged = relevance.judge(q, ranked)
    assert judged is not None and judged.grades == (0, 1, 1, 1, 0)
    scores = metrics.retrieval_scores(judged)
    assert [scores[f"hits@{c}"] for c in metrics.CUTOFFS] == [0, 1, 1, 1, 1]
    assert scores["mrr@10"] == pytest.approx(1 / 2)
    # rank 2 finds evidence 0 (1/2), rank 3 finds nothing new (0/3), rank 4 finds evidence 1 (1/4); / min(2, 10)
    assert scores["map@10"] == pytest.approx((1 / 2 + 0 / 3 + 1 / 4) / 2)
    assert [scores[f"recall@{c}"] for c in metrics.CUTOFFS] == [0, 0.5, 1, 1, 1]
    assert scores["ndcg@10"] == pytest.approx(dcg([0, 1, 1, 1, 0]) / dcg([1, 1, 1]))


def test_unretrieved_evidence_lowers_ndcg_through_placeholders() -> None:
    q = Question("q", "?", evidence=("one.", "two.", "three."))
    judged = relevance.judge(q, passages("one.", "nope"))
    assert judged is not None
    assert sum(judged.qrels.values()) == 3  # the retrieved one + two never-retrieved evidence sentences
    scores = metrics.retrieval_scores(judged)
    assert scores["ndcg@10"] == pytest.approx(dcg([1]) / dcg([1, 1, 1]))
    assert scores["map@10"] == pytest.approx(1 / 3)
    assert scores["recall@10"] == pytest.approx(1 / 3)


def test_answer_rule_any_answer_case_insensitive() -> None:
    q = Question("q", "?", answers=("2,500", "Serdyukov"))
    judged = relevance.judge(q, passages("none", "General SERDYUKOV led", "sent 2,500 troops"))
    assert judged is not None and judged.grades == (0, 1, 1)
    scores = metrics.retrieval_scores(judged)
    assert (scores["hits@1"], scores["hits@3"], scores["mrr@10"]) == (0, 1, 0.5)
    assert scores["map@10"] == pytest.approx(1 / 2)  # one unit: "any answer", first found at rank 2
    assert scores["recall@1"] == 0 and scores["recall@3"] == 1
    assert scores["ndcg@10"] == pytest.approx(dcg([0, 1, 1]) / dcg([1, 1]))


def test_all_of_needs_every_string_in_one_passage_for_relevance() -> None:
    q = Question("q", "?", all_of=("Belarus", "Armenia"))
    ranked = passages("Belarus and", "armenia", "Belarus, Armenia")
    judged = relevance.judge(q, ranked)
    assert judged is not None and judged.grades == (0, 0, 1)
    scores = metrics.retrieval_scores(judged)
    assert scores["mrr@10"] == pytest.approx(1 / 3)
    assert scores["recall@1"] == 0.5 and scores["recall@3"] == 1
    assert scores["map@10"] == pytest.approx((2 / 3) / 2)
    texts = [str(p["text"]) for p in ranked]
    assert not relevance.answer_in_passages(texts[:1], q)
    assert relevance.answer_in_passages(texts[:2], q)  # answer recall lets the strings spread over passages


def test_nothing_relevant_and_nothing_retrieved_score_zero() -> None:
    q = Question("q", "?", answers=("x-ray",))
    for ranked in (passages("a", "b"), []):
        judged = relevance.judge(q, ranked)
        assert judged is not None
        assert set(metrics.retrieval_scores(judged).values()) == {0.0}


def test_qrels_rule_ranks_documents_by_first_passage() -> None:
    q = Question("q", "?", qrels={"d1": 2, "d2": 1, "d3": 0, "d9": 1})
    ranked = passages("a", "b", "c", "d", "e", docs=("d3", "d1", "d1", "d5", "d2"))
    judged = relevance.judge(q, ranked)
    assert judged is not None
    assert judged.keys == ("d3", "d1", "d5", "d2") and judged.grades == (0, 2, 0, 1)
    scores = metrics.retrieval_scores(judged)
    assert (scores["hits@1"], scores["hits@3"], scores["mrr@10"]) == (0, 1, 0.5)
    assert scores["recall@3"] == pytest.approx(1 / 3) and scores["recall@5"] == pytest.approx(2 / 3)
    assert scores["map@10"] == pytest.approx((1 / 2 + 2 / 4) / 3)  # standard AP@10: / all relevant docs
    assert scores["ndcg@10"] == pytest.approx(dcg([0, 2, 0, 1]) / dcg([2, 1, 1]))


def test_also_in_does_not_make_a_passage_relevant() -> None:
    q = Question("q", "?", qrels={"d1": 1})
    judged = relevance.judge(q, [{"id": "c", "doc_id": "d2", "also_in": ["d1"], "text": "t"}])
    assert judged is not None and judged.grades == (0,)


def test_repeated_passage_ids_stay_distinct_items() -> None:
    q = Question("q", "?", answers=("a",))
    judged = relevance.judge(q, [{"id": "c", "text": "a"}, {"id": "c", "text": "b"}])
    assert judged is not None and judged.keys == ("c", "c#2")


def test_has_answer() -> None:
    assert relevance.has_answer("Price rose to 120 TENGE", Question("q", "?", answers=("120 tenge",)))
    assert not relevance.has_answer("Belarus", Question("q", "?", all_of=("Belarus", "Armenia")))


def test_aggregate_and_percentiles() -> None:
    means, support = metrics.aggregate([{"hits@1": 1.0}, {"hits@1": 0.0, "answer_accuracy": 1.0}, {}])
    assert means["hits@1"] == 0.5 and support["hits@1"] == 2
    assert means["answer_accuracy"] == 1.0 and means["mrr@10"] is None and support["mrr@10"] == 0
    assert list(means) == list(metrics.METRICS)
    stats = metrics.percentiles([float(v) for v in range(1, 101)])
    assert stats["p50"] == pytest.approx(50.5) and stats["p99"] == pytest.approx(99.01)
    assert stats["max"] == 100 and metrics.percentiles([])["p95"] is None
