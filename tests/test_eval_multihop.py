"""Acceptance: on the same ranked lists, our MultiHop-RAG metrics equal the official scorer's.

`official_scores` restates, independently and as plainly as possible, the definitions in the official
scorer (yixuantt/MultiHop-RAG, retrieval_evaluate.py, `calculate_metrics` and `main_eval`):
- null_query questions are skipped; averages are over the remaining questions;
- gold evidence ("fact") strings and retrieved texts lose every " " and "\\n";
- a retrieved text is relevant when some gold string is a substring of it; only ranks 1..10 count;
- Hits@k: some relevant text in the top k; MRR@10: 1 / rank of the first relevant text (0 if none);
- MAP@10: at each relevant rank r, add (gold strings found there and not found before) / r; divide the sum by
  min(number of gold strings, 10).
Our numbers come through the real code path: `judge.score` on each reply, then `metrics.aggregate`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from eval import judge, metrics
from eval.client import Reply
from eval.datasets import Question

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "multihop-rag"


def official_scores(rows: list[tuple[str, list[str], list[str]]]) -> dict[str, float]:
    """rows: (question type, retrieved texts in rank order, gold evidence strings)."""
    hits10, hits4, mrr, ap = [], [], [], []
    for kind, retrieved, gold in rows:
        if kind == "null_query":
            continue
        gold = [g.replace(" ", "").replace("\n", "") for g in gold]
        top = [t.replace(" ", "").replace("\n", "") for t in retrieved][:10]
        relevant = [any(g in text for g in gold) for text in top]
        hits10.append(float(any(relevant)))
        hits4.append(float(any(relevant[:4])))
        mrr.append(1 / (relevant.index(True) + 1) if any(relevant) else 0.0)
        found: list[str] = []
        total = 0.0
        for rank, (text, is_relevant) in enumerate(zip(top, relevant, strict=True), start=1):
            if is_relevant:
                new = [g for g in gold if g in text and g not in found]
                new = list(dict.fromkeys(new))
                found += new
                total += len(new) / rank
        ap.append(total / min(len(gold), 10))
    n = len(hits10)
    return {"hits@10": sum(hits10) / n, "hits@4": sum(hits4) / n, "mrr@10": sum(mrr) / n, "map@10": sum(ap) / n}


def ours(rows: list[tuple[str, list[str], list[str]]]) -> dict[str, float | None]:
    records = []
    for i, (kind, retrieved, gold) in enumerate(rows):
        question = Question(f"q{i}", "?", answerable=kind != "null_query", evidence=tuple(gold), type=kind,
                            answers=("some answer",) if kind != "null_query" else ())
        ranked = [{"rank": r, "id": f"c{r}", "doc_id": "d", "start": 0, "end": len(t), "text": t}
                  for r, t in enumerate(retrieved, start=1)]
        records.append(judge.score(question, Reply(ranked, None, 1.0, 1.0), lambda doc_id: None))
    means, _ = metrics.aggregate(r["scores"] for r in records)
    return means


def assert_same(rows: list[tuple[str, list[str], list[str]]]) -> None:
    expected, got = official_scores(rows), ours(rows)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name


HAND_MADE = [
    # first relevant at rank 2 (spaces and newlines differ); rank 3 repeats a found fact (adds 0 to MAP)
    ("inference_query", ["nothing", "A  b\nc.", "Ab c. again", "x D e. y", "z"], ["A b c.", "D e."]),
    # relevant only at rank 11: outside every cutoff
    ("comparison_query", [f"filler {i}" for i in range(10)] + ["Fact one."], ["Fact one.", "Fact two."]),
    # relevant at rank 5: a hit at 10 but not at 4; one of three facts found
    ("temporal_query", ["a", "b", "c", "d", "Fact three. Fact four.", "e"], ["Fact three.", "x.", "y."]),
    # one passage carrying two facts at rank 1
    ("comparison_query", ["Fact five. Fact six.", "Fact five."], ["Fact five.", "Fact six."]),
    # null queries are excluded from retrieval metrics, whatever they retrieved
    ("null_query", ["Fact one.", "Fact five."], []),
    ("inference_query", [], ["Never retrieved."]),
]


def test_hand_made_ranked_lists_match_the_official_definitions() -> None:
    assert_same(HAND_MADE)
    expected = official_scores(HAND_MADE)
    assert expected["hits@10"] == pytest.approx(3 / 5)  # sanity: the restatement itself, by hand
    assert expected["hits@4"] == pytest.approx(2 / 5)
    assert expected["mrr@10"] == pytest.approx((1 / 2 + 0 + 1 / 5 + 1 + 0) / 5)
    assert expected["map@10"] == pytest.approx(((1 / 2 + 1 / 4) / 2 + 0 + (1 / 5) / 3 + 2 / 2 + 0) / 5)


def test_random_ranked_lists_match_the_official_definitions() -> None:
    rng = random.Random(7)
    facts = [f"Fact {n} about item {n * 7}." for n in range(12)]

    def mangle(text: str) -> str:
        return "".join(c + rng.choice(["", "", " ", "\n"]) if c == " " else c for c in text)

    rows = []
    for _ in range(300):
        gold = rng.sample(facts, rng.randint(1, 4))
        retrieved = [" ".join(mangle(rng.choice(facts)) if rng.random() < 0.3 else f"noise {rng.random()}"
                              for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(0, 12))]
        rows.append((rng.choice(["inference_query", "null_query", "comparison_query"]), retrieved, gold))
    assert_same(rows)


@pytest.mark.skipif(not BENCH.is_dir(), reason="needs ../shared/bench/multihop-rag")
def test_real_questions_over_corpus_windows_match_the_official_definitions() -> None:
    corpus = {row["id"]: row["text"] for row in map(json.loads, (BENCH / "corpus.jsonl").open())}
    questions = [json.loads(line) for line in (BENCH / "queries.dev.jsonl").open()][:120]
    rng = random.Random(11)
    rows = []
    for q in questions:
        docs = list(q["doc_ids"]) + rng.sample(sorted(corpus), 4)
        windows = []
        for doc in docs:
            text = corpus[doc]
            starts = sorted(rng.sample(range(max(len(text) - 600, 1)), min(3, max(len(text) - 600, 1))))
            windows += [text[s:s + rng.randint(300, 1500)] for s in starts]
        rng.shuffle(windows)
        rows.append((q["type"], windows[:12], q["evidence"]))
    expected = official_scores(rows)
    assert 0 < expected["hits@10"] < 1  # the lists mix hits and misses
    assert_same(rows)
