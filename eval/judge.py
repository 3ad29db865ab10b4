"""Judge one question's reply: the results.jsonl record, with every per-question score it earns.

Which scores a question gets (a metric's mean is over exactly these questions):
- retrieval metrics: questions with a relevance rule (see `relevance`; unanswerable ones have none);
- answer_recall@k, answer_accuracy: answerable questions with gold `answers` or `all_of`;
- citation_validity: questions the service answered (answer not null): every citation is valid *and*
  every returned passage's offsets resolve to its document's text;
- offset_validity: questions with passages: every passage's offsets resolve;
- abstention_recall: unanswerable questions (1 when the answer was null);
- abstention_precision: questions the service abstained on (1 when the question was unanswerable).
A failed request (HTTP error) scores 0 wherever a score applies and is not an abstention.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eval import citations, metrics, relevance
from eval.client import Reply
from eval.datasets import Question

UNTYPED = "untyped"


def score(question: Question, reply: Reply, documents: Callable[[str], str | None]) -> dict[str, Any]:
    passages = reply.passages
    judged = relevance.judge(question, passages)
    offsets = [citations.offsets_resolve(p, documents(str(p.get("doc_id", "")))) for p in passages]
    abstained = reply.error is None and reply.answer is None
    scores = _scores(question, reply, judged, offsets, abstained=abstained)
    grades = _passage_grades(question, judged, passages)
    return {
        "id": question.id,
        "question": question.question,
        "type": question.type or UNTYPED,
        "answerable": question.answerable,
        "rule": judged.rule if judged else None,
        "error": reply.error,
        "latency_ms": reply.latency_ms,
        "took_ms": reply.took_ms,
        "answer": reply.answer,
        "support": reply.support,
        "passages": [{**p, "relevant": g, "offsets_ok": ok} for p, g, ok in zip(passages, grades, offsets,
                                                                                strict=True)],
        "ranking": list(judged.keys) if judged else [str(p.get("id", "")) for p in passages],
        "qrels": judged.qrels if judged else {},
        "judgments": {
            "abstained": abstained,
            "first_relevant_rank": _first(grades),
            "first_answer_rank": _first([relevance.has_answer(_text(p), question) for p in passages])
            if question.answers or question.all_of else None,
        },
        "scores": scores,
    }


def _scores(question: Question, reply: Reply, judged: relevance.Judged | None, offsets: Sequence[bool],
            *, abstained: bool) -> dict[str, float]:
    scores: dict[str, float] = {}
    if judged is not None:
        scores.update(metrics.retrieval_scores(judged))
    if question.answerable and (question.answers or question.all_of):
        texts = [_text(p) for p in reply.passages]
        for c in metrics.CUTOFFS:
            scores[f"answer_recall@{c}"] = float(relevance.answer_in_passages(texts[:c], question))
        answer_text = str(reply.answer.get("text", "")) if reply.answer else ""
        scores["answer_accuracy"] = float(bool(answer_text) and relevance.has_answer(answer_text, question))
    if reply.answer is not None:
        scores["citation_validity"] = float(citations.citations_valid(reply.answer, reply.passages)
                                            and all(offsets))
    if reply.passages:
        scores["offset_validity"] = float(all(offsets))
    if not question.answerable:
        scores["abstention_recall"] = float(abstained)
    if abstained:
        scores["abstention_precision"] = float(not question.answerable)
    return {name: scores[name] for name in metrics.METRICS if name in scores}


def _passage_grades(question: Question, judged: relevance.Judged | None,
                    passages: Sequence[Mapping[str, Any]]) -> list[int | None]:
    """Each passage's relevance grade; under qrels that of its document; None when there is no rule."""
    if judged is None:
        return [None] * len(passages)
    if judged.rule == "qrels":
        return [max((question.qrels or {}).get(str(p.get("doc_id", "")), 0), 0) for p in passages]
    return list(judged.grades)


def _first(flags: Sequence[int | bool | None]) -> int | None:
    return next((rank for rank, flag in enumerate(flags, start=1) if flag), None)


def _text(passage: Mapping[str, Any]) -> str:
    return str(passage.get("text", ""))
