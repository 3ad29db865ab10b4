"""Multi-part questions: the separate things a question asks about, and a ranking that covers each (pure).

A news question often joins several claims, each supported by a different report ("X, as reported by
The Verge, while TechCrunch says Y"). Ranking by overall score fills the top with passages on the most
salient claim. Following xQuAD (Santos, Macdonald & Ounis, 2010), the top of the ranking is picked
greedily: each pick's value mixes its own relevance with how much it adds to the aspects that the picks so
far leave uncovered. Aspects are the question's clauses (by sentence-level term coverage and, where the
index stores sentence vectors, closeness in meaning to the passage's nearest sentence; within the reports
of the outlet and date a clause is attributed to) and the outlets and dates it names (by document metadata).
Separate claims are looked for in separate reports: an article picked for one claim counts less for another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

import numpy as np

from ingest.store import StoredDocument
from service import answer, lexical, query_hints
from service.query_hints import DateMention

# Share of a pick's value that comes from covering aspects not yet covered (xQuAD's lambda); measured
# 0.25-0.99 on MultiHop-RAG dev: best at 0.75 while clauses were not bound to outlets, at 0.95 since
# (docs/quality.md). Relevance keeps the rest: it orders passages that cover the same aspects alike.
TRADEOFF = 0.95
# A clause needs this many content words of its own to be an aspect: shorter fragments are lists or names.
MIN_CLAUSE_TERMS = 3
# A clause's support mixes word coverage with how close in meaning the passage's nearest sentence is (cosine
# of sentence embeddings, mapped from [FLOOR, CEILING] to [0, 1]): a report restates a claim in its own words,
# and word coverage alone picked the wrong passage of the right report about a third of the time. Measured on
# MultiHop-RAG dev: shares 0.15-0.5 and floors 0.2-0.4 all helped, 0.25 and 0.4 most (docs/quality.md);
# below the floor, MiniLM cosines of unrelated news sentences are common and say nothing.
SEMANTIC_SHARE = 0.25
SEMANTIC_FLOOR = 0.4
SEMANTIC_CEILING = 0.8
# A question's separate claims are most often told by separate reports: a passage from an article already
# picked for one claim adds this share of its support to another claim. Measured on MultiHop-RAG dev: MAP@10
# 0.4489 -> 0.4510 / 0.4513 / 0.4498 at 0.25 / 0.5 / 0.75, each question type up (docs/quality.md).
OTHER_CLAIM_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Aspect:
    """One thing the question asks about: a clause (its term weights; the outlet it is attributed to and
    the date of the report it names, if any), an outlet, or a date."""

    label: str
    weights: Mapping[str, float] = field(default_factory=dict)
    source: str | None = None
    date: DateMention | None = None
    is_clause: bool = False
    # A clause's embedding, when the index has sentence vectors to compare it with.
    vector: np.ndarray | None = field(default=None, compare=False)

    def support(self, text: str, document: StoredDocument, sentences: np.ndarray | None = None) -> float:
        """How fully a passage covers this aspect, in [0, 1]; `sentences` are the passage's sentence vectors."""
        if self.source is not None and document.source != self.source:
            return 0.0
        if self.date is not None and not self.date.matches(document.date):
            return 0.0
        if not self.is_clause:
            return 1.0
        words = answer.evidence_coverage(text, self.weights)
        if self.vector is None or sentences is None or not len(sentences):
            return words
        return (1 - SEMANTIC_SHARE) * words + SEMANTIC_SHARE * closeness(float(np.max(sentences @ self.vector)))


def closeness(cosine: float) -> float:
    """A sentence cosine as support in [0, 1] (`SEMANTIC_FLOOR`, `SEMANTIC_CEILING`)."""
    return min(1.0, max(0.0, (cosine - SEMANTIC_FLOOR) / (SEMANTIC_CEILING - SEMANTIC_FLOOR)))


def with_vectors(parts: Sequence[Aspect], embed: Callable[[list[str]], np.ndarray]) -> list[Aspect]:
    """The aspects with their clauses embedded (one forward pass for all of them)."""
    clauses = [part for part in parts if part.is_clause]
    if not clauses:
        return list(parts)
    vectors = dict(zip((part.label for part in clauses), embed([part.label for part in clauses]), strict=True))
    return [replace(part, vector=vectors[part.label]) if part.is_clause else part for part in parts]


def _outlet_words(sources: AbstractSet[str]) -> set[str]:
    aliases = [alias for source in sources for alias in query_hints.source_aliases(source)]
    return {term for alias in aliases for term in lexical.query_terms(alias)}


def claims(question: str, sources: AbstractSet[str], *, year: int | None = None) -> list[query_hints.Clause]:
    """The question's separate claims (`query_hints.clauses`), when it makes several; the names of the
    outlets it names (`sources`) are no claim words."""
    return query_hints.clauses(
        question, sources=sources, ignore=_outlet_words(sources), min_terms=MIN_CLAUSE_TERMS, year=year
    )


def question_aspects(
    question: str,
    weights: Mapping[str, float],
    sources: AbstractSet[str],
    dates: Sequence[DateMention],
    *,
    year: int | None = None,
) -> list[Aspect]:
    """The question's aspects; none when it asks about one thing (one clause, one outlet, one date).

    A clause attributed to outlets ("X, as reported by both The Verge and TechCrunch") is one aspect per
    outlet, supported only by that outlet's reports: the claim needs each of their reports to be covered.
    A clause that names one date ("the report published on October 7") is supported only by reports of
    that date (`year`: the year a bound without one refers to, as in `query_hints.mentioned_dates`).
    """
    outlet_words = _outlet_words(sources)
    found: list[Aspect] = []
    for clause in claims(question, sources, year=year):
        terms = set(lexical.query_terms(clause.text)) - outlet_words
        clause_weights = {term: w for term, w in weights.items() if term in terms}
        outlets: list[str | None] = [*sorted(clause.sources)] or [None]
        found += [
            Aspect(clause.text, clause_weights, source=source, date=clause.date, is_clause=True)
            for source in outlets
        ]
    if len(sources) >= 2:
        found += [Aspect(source, source=source) for source in sorted(sources)]
    if len(dates) >= 2:
        found += [Aspect(f"{d.year or ''}-{d.month:02d}-{d.day:02d}", date=d) for d in dates]
    return found


def diversify(
    ranked: Sequence[int],
    relevance: Mapping[int, float],
    support: Callable[[int], Sequence[float]],
    *,
    depth: int,
    tradeoff: float | None = None,
    article: Callable[[int], str] | None = None,
    claims: AbstractSet[int] = frozenset(),
) -> list[int]:
    """The first `depth` of `ranked` picked greedily by (1 - tradeoff) * relevance + tradeoff * support
    of the aspects not yet covered; the rest follow in their own order.

    `support(i)[a]` is passage i's coverage of aspect a, in [0, 1]; aspects weigh equally. Relevance is
    scaled to the best candidate's so the two parts are comparable. Ties keep the input order. Where
    `article(i)` names each passage's article and `claims` are the positions of the claim aspects, a pick
    is made for the claims it supports best, and a later passage of its article adds only
    `OTHER_CLAIM_SHARE` of its support to the other claims.
    """
    tradeoff = TRADEOFF if tradeoff is None else tradeoff
    if not ranked:
        return []
    aspects = len(support(ranked[0]))
    top = max(relevance[i] for i in ranked) or 1.0
    uncovered = [1.0] * aspects
    picked_for: dict[str, set[int]] = {}  # article -> the claims its picks were made for

    def gain(i: int) -> float:
        made_for = picked_for.get(article(i)) if article is not None else None
        return sum(
            s * u * (OTHER_CLAIM_SHARE if made_for is not None and a in claims and a not in made_for else 1.0)
            for a, (s, u) in enumerate(zip(support(i), uncovered, strict=True))
        )

    left, picked = list(ranked), list[int]()
    while left and len(picked) < depth:
        values = [(1 - tradeoff) * relevance[i] / top + tradeoff * gain(i) / max(aspects, 1) for i in left]
        position = max(range(len(left)), key=lambda p: (values[p], -p))
        best = left.pop(position)
        picked.append(best)
        given = support(best)
        if article is not None:
            strongest = max((given[a] for a in claims), default=0.0)
            if strongest > 0:  # a pick that supports no claim was made for none
                picked_for.setdefault(article(best), set()).update(a for a in claims if given[a] >= strongest)
        uncovered = [u * (1 - s) for s, u in zip(given, uncovered, strict=True)]
    return picked + left
