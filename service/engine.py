"""The query entry point shared by HTTP, `citeqa ask` and in-process evaluation."""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from ingest.encoder import Encoder
from ingest.index import Index, reading
from service import abstention, answer, aspects, lexical, query_hints, redundancy, spelling, thesaurus
from service.filters import Filters
from service.query_cache import QueryVectorCache
from service.retrieval import Hit, RetrievalOptions, known_sources, latest_year, named_report, retrieve


@dataclass(frozen=True, slots=True)
class QueryRequest:
    question: str
    k: int = 5
    filters: Filters = field(default_factory=Filters)
    max_tokens: int | None = None


@dataclass
class AnswerResult:
    text: str
    citations: list[int]
    confidence: float


@dataclass
class PassageResult:
    hit: Hit
    highlight: tuple[int, int] | None


@dataclass
class QueryResult:
    question: str
    answer: AnswerResult | None
    passages: list[PassageResult]
    took_ms: float
    support: dict[str, float] = field(default_factory=dict)


def _answer_passage_first(passages: list[PassageResult], citations: list[int]) -> tuple[list[PassageResult], list[int]]:
    """The passages with the answer's own (`citations[0]`) moved to the top, the others in rank order, and
    the citations renumbered to match.

    The passage an answer quotes is the strongest evidence the ranking holds for the question: retrieval
    scored passages as wholes, the answer step read every sentence of them. Promoting it is reader-guided
    re-ranking (Mao et al., 2021), and it keeps the answer and the first result from disagreeing.
    """
    order = [citations[0], *(i for i in range(len(passages)) if i != citations[0])]
    moved_to = {old: new for new, old in enumerate(order)}
    return [passages[i] for i in order], [moved_to[i] for i in citations]


def _within_budget(hits: list[Hit], max_tokens: int | None) -> list[Hit]:
    """Passages in rank order while their LLM token total stays within the budget."""
    if max_tokens is None:
        return hits
    kept, used = [], 0
    for hit in hits:
        if used + hit.chunk.llm_tokens > max_tokens:
            break
        kept.append(hit)
        used += hit.chunk.llm_tokens
    return kept


def _repeated_name(
    question: str, texts: list[str], *, one_claim: bool, answer_from: frozenset[int]
) -> re.Pattern[str] | None:
    """How an answer span names the entity the passages repeat, for a question that asks for a name
    through several claims (`service.redundancy`); None for any other question. The name is counted over
    every passage, its full form read from the passages the answer may quote (`answer_from`)."""
    if one_claim or not redundancy.asks_for_name(question):
        return None
    found = redundancy.repeated_name(question, texts)
    return found.pattern([texts[i] for i in sorted(answer_from)]) if found else None


@dataclass(frozen=True, slots=True)
class IndexFacts:
    """What reading a question needs to know of the whole index, as of one generation."""

    generation: int
    outlets: list[str]
    latest_year: int | None


@dataclass
class QueryEngine:
    index: Index
    encoder: Encoder
    cache: QueryVectorCache
    span_cache: QueryVectorCache  # embeddings of candidate answer spans (evaluation repeats them too)
    # The index's outlet names and latest report year, and the generation they were read at: reading them
    # scans every document, and they change only when a write commits a new generation.
    facts: IndexFacts | None = None

    @classmethod
    def create(cls, index: Index, encoder: Encoder, *, cache_size: int = 4096) -> QueryEngine:
        answer.use_thesaurus(thesaurus.load(Path(encoder.info.path), answer.lemma_stem))
        return cls(
            index=index,
            encoder=encoder,
            cache=QueryVectorCache(encoder.encode, capacity=cache_size),
            span_cache=QueryVectorCache(encoder.encode, capacity=cache_size * answer.SEMANTIC_CANDIDATES),
        )

    def query(self, request: QueryRequest) -> QueryResult:
        return self.query_batch([request])[0]

    def query_batch(self, requests: list[QueryRequest]) -> list[QueryResult]:
        """Answer several questions; their embeddings come from one forward pass."""
        started = time.perf_counter()
        with reading(self.index) as db:
            facts = self._index_facts(db)
            # Read in the index's spelling ("stabilised" where the reports write "stabilized"); the response
            # still echoes the question as asked.
            in_index = partial(lexical.indexed_words, db)
            asked = [spelling.index_spelling(request.question, in_index) for request in requests]
        questions = [query_hints.read_question(question, facts.outlets, year=facts.latest_year) for question in asked]
        query_vectors = self.cache.get_many([hints.content for hints in questions])
        results = []
        for request, hints, vector in zip(requests, questions, query_vectors, strict=True):
            weights = self._term_weights(hints.content)
            options = RetrievalOptions(k=request.k, filters=request.filters)
            hits = retrieve(self.index, hints, vector, options, weights, embed=self.cache.get_many)
            results.append(self._answer(request, hints, vector, _within_budget(hits, request.max_tokens), weights))
        took = (time.perf_counter() - started) * 1000 / max(len(requests), 1)
        for result in results:
            result.took_ms = round(took, 3)
        return results

    def _index_facts(self, db: sqlite3.Connection) -> IndexFacts:
        """Call inside `reading`, which holds the index's guard and has picked up the latest generation."""
        if self.facts is None or self.facts.generation != self.index.generation:
            self.facts = IndexFacts(self.index.generation, known_sources(db), latest_year(db))
        return self.facts

    def _term_weights(self, question: str) -> dict[str, float]:
        terms = lexical.query_terms(question)
        if not terms:
            return {}
        with reading(self.index) as db:
            return lexical.idf_weights(db, terms)

    def _answer(
        self,
        request: QueryRequest,
        hints: query_hints.QuestionHints,
        query_vector: np.ndarray,
        hits: list[Hit],
        weights: dict[str, float],
    ) -> QueryResult:
        texts = [hit.chunk.text for hit in hits]
        # A question that makes one claim asks about one fact, which a long sentence may state in just one of
        # its clauses: spans are then compared with it clause by clause (`_similarities`). The claims of a
        # multi-claim question are spread over a sentence's clauses, or over several reports: no one clause
        # states it, and whole spans are compared.
        one_claim = len(aspects.claims(hints.question, hints.sources)) < 2
        report_dates = query_hints.report_dates(hints)
        answer_from = answer.answer_passages(
            [named_report(hit.document, hints.sources, report_dates) for hit in hits]
        )
        ranked, scores = self._ranked_spans(hints.question, query_vector, texts, weights, None, one_claim, answer_from)
        # Whether to answer is judged on the span that states the question best, as the abstention model
        # was fitted; the name the passages repeat only changes which span is shown.
        evidence = ranked[0] if ranked else None
        favoured = _repeated_name(hints.question, texts, one_claim=one_claim, answer_from=answer_from)
        if favoured is not None:
            ranked, scores = self._ranked_spans(
                hints.question, query_vector, texts, weights, favoured, one_claim, answer_from
            )
        if ranked:
            ranked[0] = answer.whole_quotation(texts[ranked[0].passage], ranked[0])
        top = ranked[0] if ranked else None
        best = answer.best_per_passage([*ranked, *scores])
        passages = [
            PassageResult(hit, (best[i].start, best[i].end) if i in best else None) for i, hit in enumerate(hits)
        ]
        span = texts[top.passage][top.start : top.end] if top is not None else None
        if evidence is not None and evidence.pair and one_claim:
            # Whether to answer is judged on a pair's closest clause too.
            stated = texts[evidence.passage][evidence.start : evidence.end]
            evidence = replace(evidence, similarity=self._similarities(query_vector, [stated], by_clause=[True])[0])
        support = abstention.support_features(hits, evidence, weights)
        confidence = abstention.confidence(support)
        support |= {"confidence": confidence, **abstention.typed_feature(hints.question, span)}
        result = QueryResult(request.question, None, passages, 0.0, support)
        if top is not None and span is not None and abstention.answers(support):
            citations = answer.citations_for(span, texts, top.passage)
            result.passages, citations = _answer_passage_first(passages, citations)
            result.answer = AnswerResult(span, citations, round(confidence, 4))
        return result

    def _ranked_spans(
        self,
        question: str,
        query_vector: np.ndarray,
        texts: list[str],
        weights: dict[str, float],
        favoured: re.Pattern[str] | None,
        one_claim: bool,
        answer_from: frozenset[int],
    ) -> tuple[list[answer.SentenceScore], list[answer.SentenceScore]]:
        """The shortlisted answer spans (of the passages at `answer_from`) re-ranked with their embeddings,
        and every span's lexical score."""
        scores = answer.score_sentences(question, texts, weights, favoured=favoured)
        candidates = answer.shortlist(scores, answer_from)
        spans = [texts[c.passage][c.start : c.end] for c in candidates]
        similarity = self._similarities(query_vector, spans, by_clause=[one_claim and not c.pair for c in candidates])
        return answer.rerank(candidates, similarity), scores

    def _similarities(self, query_vector: np.ndarray, spans: list[str], *, by_clause: list[bool]) -> list[float]:
        """Each span's cosine with the question; where `by_clause`, the higher of that and its closest
        clause's (`answer.clauses_of`). A pair of sentences is read whole when the answer is chosen: its
        clauses are its two sentences' clauses, which would lift it above the better of them, and the answer
        is the shortest span that states the question."""
        pieces = [answer.clauses_of(span) if clause else [] for span, clause in zip(spans, by_clause, strict=True)]
        texts = list(dict.fromkeys([*spans, *(piece for found in pieces for piece in found)]))
        if not texts:
            return []
        similarity = self.span_cache.get_many(texts) @ query_vector
        cosines = {text: float(value) for text, value in zip(texts, similarity, strict=True)}
        return [
            max([cosines[span], *(cosines[piece] for piece in found)])
            for span, found in zip(spans, pieces, strict=True)
        ]
