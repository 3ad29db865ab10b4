"""Extractive answers: the sentence of the top passages that best answers the question (pure).

The answer is always an exact substring of the passage it cites. Sentences are scored lexically (IDF-weighted
coverage of the question's terms, by Porter stem) with a bonus for offering a candidate of the expected
answer type; the passage's retrieval rank breaks ties. Abstention is decided by `service.abstention`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ingest.sentences import sentence_spans
from service import answer_type
from service.lexical import stem

_WORD = re.compile(r"\w+")
ANSWER_PASSAGES = 3  # the answer comes from the best few passages, where retrieval is most precise
TYPE_BONUS = 0.25
RANK_PRIOR = 0.05


@dataclass(frozen=True, slots=True)
class SentenceScore:
    passage: int  # position in the passage list
    start: int  # offsets relative to the passage text
    end: int
    coverage: float  # IDF-weighted share of the question's terms the sentence contains
    score: float


def stems_of(text: str) -> set[str]:
    return {stem(word) for word in _WORD.findall(text.lower())}


def coverage(weights: Mapping[str, float], stems: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for term, w in weights.items() if stem(term) in stems) / total if total else 0.0


def score_sentences(
    question: str, passages: Sequence[str], weights: Mapping[str, float], *, limit: int | None = None
) -> list[SentenceScore]:
    """Every sentence of the first `limit` passages, scored; best first within the whole list."""
    kind = answer_type.expected_type(question)
    scored = []
    for position, text in enumerate(passages[:limit] if limit else passages):
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            covered = coverage(weights, stems_of(sentence))
            bonus = TYPE_BONUS if answer_type.offers_answer(question, kind, sentence) else 0.0
            score = covered + bonus * covered + RANK_PRIOR / (1 + position)
            scored.append(SentenceScore(position, start, end, covered, score))
    return sorted(scored, key=lambda s: (-s.score, s.passage, s.start))


def best_per_passage(scores: Sequence[SentenceScore]) -> dict[int, SentenceScore]:
    best: dict[int, SentenceScore] = {}
    for item in scores:
        best.setdefault(item.passage, item)
    return best


def citations_for(answer_text: str, passages: Sequence[str], answer_passage: int) -> list[int]:
    """The answer's own passage first, then every other passage that contains the same words."""
    others = [i for i, text in enumerate(passages) if i != answer_passage and answer_text in text]
    return [answer_passage, *others]
