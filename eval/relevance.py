"""Benchmark relevance rules: which retrieved items are relevant, and which gold units they contain.

One rule per question, chosen by what its gold data is (`rule_for`):
- "evidence": the question has gold `evidence` sentences (MultiHop-RAG). A passage is relevant when it
  contains one of them with spaces and newlines removed from both, exactly as the official scorer
  (yixuantt/MultiHop-RAG `retrieval_evaluate.py`, `calculate_metrics`) does. Gold units = the evidence
  sentences.
- "qrels": a BEIR query. The ranking is of documents (each document at the rank of its first passage) and
  relevance is the qrels grade of the document id, as BEIR scores document rankings. Units = relevant docs.
- "answer": anything else with gold strings. A passage is relevant when it contains a gold answer
  (case-insensitive) or, when `all_of` is set, all of those strings. Units = the `all_of` strings, or one
  unit "any of `answers`".
Unanswerable questions (MultiHop-RAG null queries) have no rule: they are excluded from retrieval metrics,
as the official scorer skips `null_query`, and count for abstention instead.

Relevance is judged by a passage's own `doc_id`, never its `also_in` ids: `also_in` lists other documents
carrying a near-identical passage, but standard metrics judge what the retrieved item *is*; crediting
`also_in` documents would let one passage count for several relevant documents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from eval.datasets import Question

Rule = Literal["evidence", "qrels", "answer"]
# Passage-level qrels only know the passages that were retrieved. For nDCG's ideal ranking (and so that a
# question with nothing relevant retrieved still counts, as 0), each gold unit no retrieved passage contains
# adds one relevant placeholder item that is never in the run.
PLACEHOLDER = "unretrieved-gold-"


@dataclass(frozen=True, slots=True)
class Judged:
    """A ranked list judged under one rule: what the retrieval metrics need."""

    rule: Rule
    keys: tuple[str, ...]  # ranked item ids: passage ids, or document ids under "qrels"
    grades: tuple[int, ...]  # relevance grade of each ranked item
    covers: tuple[frozenset[int], ...]  # gold units each ranked item contains (by first-occurrence index)
    units: int  # number of gold units, duplicates included (the official MAP denominator)
    distinct_units: int
    qrels: dict[str, int]  # for ir-measures: judged items, plus placeholders for gold never retrieved


def rule_for(question: Question) -> Rule | None:
    if not question.answerable:
        return None
    if question.evidence:
        return "evidence"
    if question.qrels is not None:
        return "qrels" if any(grade > 0 for grade in question.qrels.values()) else None
    if question.answers or question.all_of:
        return "answer"
    return None


def squeeze(text: str) -> str:
    """The official MultiHop-RAG normalisation: remove spaces and newlines (nothing else)."""
    return text.replace(" ", "").replace("\n", "")


def has_answer(text: str, question: Question) -> bool:
    """design.md: a gold answer occurs (case-insensitive); with `all_of`, all of them occur."""
    lowered = text.lower()
    if question.all_of:
        return all(item.lower() in lowered for item in question.all_of)
    return any(item.lower() in lowered for item in question.answers)


def answer_in_passages(texts: Sequence[str], question: Question) -> bool:
    """Answer recall: a gold answer in any of the passages; `all_of` strings may be spread over them."""
    if question.all_of:
        return all(any(item.lower() in text.lower() for text in texts) for item in question.all_of)
    return any(has_answer(text, question) for text in texts)


def judge(question: Question, passages: Sequence[Mapping[str, Any]]) -> Judged | None:
    """Judge the ranked passages under the question's rule; None when the question has no rule."""
    rule = rule_for(question)
    if rule is None:
        return None
    if rule == "qrels":
        return _by_documents(passages, question.qrels or {})
    texts = [str(passage.get("text", "")) for passage in passages]
    if rule == "evidence":
        gold = [squeeze(item) for item in question.evidence]
        covers = [_contained(gold, squeeze(text)) for text in texts]
        grades = [int(bool(covered)) for covered in covers]
    elif question.all_of:
        gold = [item.lower() for item in question.all_of]
        covers = [_contained(gold, text.lower()) for text in texts]
        grades = [int(len(covered) == len(set(gold))) for covered in covers]
    else:  # one unit: "any of `answers`"
        gold = ["any of answers"]
        covers = [frozenset({0}) if has_answer(text, question) else frozenset() for text in texts]
        grades = [int(bool(covered)) for covered in covers]
    return _judged(rule, passages, gold, covers, grades)


def _contained(gold: Sequence[str], text: str) -> frozenset[int]:
    """Gold units found in `text`, each named by its first index: equal gold strings are one unit,
    as in the official scorer (it remembers found strings, not positions)."""
    return frozenset(gold.index(item) for item in gold if item in text)


def _judged(rule: Rule, passages: Sequence[Mapping[str, Any]], gold: Sequence[str],
            covers: Sequence[frozenset[int]], grades: Sequence[int]) -> Judged:
    keys = _unique_keys(passages)
    qrels = dict(zip(keys, grades, strict=True))
    distinct = {gold.index(item) for item in gold}
    # Evidence: each sentence no passage contains is one more relevant passage; answers: one would do.
    missing = len(distinct - set().union(*covers)) if rule == "evidence" else int(not any(grades))
    qrels.update({f"{PLACEHOLDER}{i}": 1 for i in range(missing)})
    return Judged(rule=rule, keys=keys, grades=tuple(grades), covers=tuple(covers), units=len(gold),
                  distinct_units=len(distinct), qrels=qrels)


def _by_documents(passages: Sequence[Mapping[str, Any]], qrels: Mapping[str, int]) -> Judged:
    relevant = [doc for doc, grade in qrels.items() if grade > 0]
    keys = tuple(dict.fromkeys(str(p.get("doc_id", "")) for p in passages))
    grades = tuple(max(qrels.get(doc, 0), 0) for doc in keys)
    covers = tuple(frozenset({relevant.index(doc)}) if grade > 0 else frozenset()
                   for doc, grade in zip(keys, grades, strict=True))
    return Judged(rule="qrels", keys=keys, grades=grades, covers=covers, units=len(relevant),
                  distinct_units=len(relevant), qrels=dict(qrels))


def _unique_keys(passages: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Passage ids in rank order; a repeated id gets `#rank` so that every ranked item stays distinct."""
    keys: list[str] = []
    for rank, passage in enumerate(passages, start=1):
        key = str(passage.get("id", f"rank-{rank}"))
        keys.append(key if key not in keys else f"{key}#{rank}")
    return tuple(keys)
