"""Extractive answers: the sentence of the top passages that best answers the question (pure).

The answer is always an exact substring of the passage it cites. Sentences are scored lexically (IDF-weighted
coverage of the question's terms, by Porter stem, with credit for neighbouring question terms that stand
close together) with a bonus for offering a candidate of the expected answer type; the passage's retrieval
rank breaks ties. Abstention is decided by `service.abstention`.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

from ingest.sentences import sentence_spans
from service import answer_type
from service.lexical import STOPWORDS, stem
from service.thesaurus import Thesaurus

_WORD = re.compile(r"\w+")
ANSWER_PASSAGES = 3  # the answer comes from the best few passages, where retrieval is most precise
TYPE_BONUS = 0.25
# A span naming the entity a multi-claim question's passages repeat doubles its score: 0.5 / 1 / 2 measured on
# MultiHop-RAG dev with an earlier form of the vote, answer accuracy +9 / +14 / +12 questions net
# (docs/quality.md).
REPEATED_NAME_BONUS = 1.0
RANK_PRIOR = 0.05
PAIR_FACTOR = 0.85  # a pair must cover clearly more of the question than either sentence alone
# The lexically best few spans are re-scored by embedding similarity to the question: term overlap misses
# paraphrase ("flown out" / "sent ... on aircraft"), similarity alone misses the exact entity asked about.
SEMANTIC_CANDIDATES = 4
SEMANTIC_WEIGHT = 1.0
# Evidence coverage also credits the question's neighbouring terms found close together (within this many
# words of each other), at this weight relative to plain term coverage; measured 0.25-1 on MultiHop-RAG dev,
# best at 0.5 (docs/quality.md).
PROXIMITY_WEIGHT = 0.5
PROXIMITY_WINDOW = 3


@dataclass(frozen=True, slots=True)
class SentenceScore:
    passage: int  # position in the passage list
    start: int  # offsets relative to the passage text
    end: int
    coverage: float  # IDF-weighted share of the question's terms the sentence contains
    score: float
    similarity: float | None = None  # cosine of the span's embedding with the question's, once re-scored
    pair: bool = False  # two adjacent sentences rather than one


# Porter stemming leaves irregular verb forms apart ("began" / "begin"); news text is full of them.
_IRREGULAR = {
    form: base
    for base, forms in {
        "begin": "began begun", "break": "broke broken", "bring": "brought", "buy": "bought", "catch": "caught",
        "choose": "chose chosen", "come": "came", "do": "did done", "drive": "drove driven", "eat": "ate eaten",
        "fall": "fell fallen", "feel": "felt", "fight": "fought", "find": "found", "flee": "fled",
        "fly": "flew flown", "forbid": "forbade forbidden", "get": "got gotten", "give": "gave given",
        "go": "went gone", "grow": "grew grown", "hold": "held", "keep": "kept", "know": "knew known",
        "lead": "led", "leave": "left", "lose": "lost", "make": "made", "meet": "met", "pay": "paid",
        "rise": "rose risen", "run": "ran", "say": "said", "see": "saw seen", "seek": "sought", "sell": "sold",
        "send": "sent", "shoot": "shot", "speak": "spoke spoken", "spend": "spent", "stand": "stood",
        "steal": "stole stolen", "take": "took taken", "teach": "taught", "tell": "told", "think": "thought",
        "throw": "threw thrown", "win": "won", "write": "wrote written", "strike": "struck",
    }.items()
    for form in forms.split()
}


def lemma_stem(word: str) -> str:
    return stem(_IRREGULAR.get(word, word))


STOP_STEMS = frozenset(stem(word) for word in STOPWORDS)


# Retrieval re-scoring and answer extraction read the same top passages: their sentences are split and
# stemmed once, then served from these memos (`stem_positions` for sentences, `stems_of` for other text).
@lru_cache(maxsize=32768)
def stems_of(text: str) -> frozenset[str]:
    return frozenset(lemma_stem(word) for word in _WORD.findall(text.lower()))


StemWeights = tuple[tuple[str, float], ...]


def stem_weights(weights: Mapping[str, float]) -> StemWeights:
    """The question's term weights keyed by stem, computed once per question rather than per sentence."""
    return tuple((lemma_stem(term), weight) for term, weight in weights.items())


# Related words (`service.thesaurus`) of the model the engine loaded: one model per process.
_thesaurus: Thesaurus | None = None


def use_thesaurus(thesaurus: Thesaurus | None) -> None:
    global _thesaurus
    _thesaurus = thesaurus


# Which of the question's stems a span's stem stands for, and at what credit: 1 for the stem itself, the
# cosine for a related stem (the thesaurus's cosines are below 1).
Credits = dict[str, tuple[tuple[int, float], ...]]


@lru_cache(maxsize=1024)
def _with_related(stemmed: StemWeights, thesaurus: Thesaurus | None) -> tuple[float, Credits]:
    """The question's total weight and the credit each stem earns: one question's serve all its spans, which
    are then read stem by stem (a span has fewer stems than the question has stems and related stems)."""
    credits: dict[str, list[tuple[int, float]]] = {}
    for position, (stem_, _) in enumerate(stemmed):
        credits.setdefault(stem_, []).append((position, 1.0))
        for other, cosine in thesaurus.related(stem_) if thesaurus else ():
            credits.setdefault(other, []).append((position, cosine))
    total = sum(weight for _, weight in stemmed)
    return total, {stem_: tuple(found) for stem_, found in credits.items()}


def _share(stemmed: StemWeights, stems: AbstractSet[str], *, related: bool = True) -> float:
    """IDF-weighted share of the question's stems in `stems`; with `related`, a stem that is missing counts
    at the cosine of its closest related stem that is there (`service.thesaurus`)."""
    total, credits = _with_related(stemmed, _thesaurus if related else None)
    if not total:
        return 0.0
    best: dict[int, float] = {}
    for stem_ in credits.keys() & stems:
        for position, credit in credits[stem_]:
            if credit > best.get(position, 0.0):
                best[position] = credit
    # Summed in the question's order, whatever order the sets gave: the same floats on every run.
    return sum(stemmed[position][1] * best[position] for position in sorted(best)) / total


def coverage(weights: Mapping[str, float], stems: AbstractSet[str]) -> float:
    """The plain share of the question's terms (exact stems): what the abstention model reads."""
    return _share(stem_weights(weights), stems, related=False)


def evidence_weights(question: str, weights: Mapping[str, float]) -> dict[str, float]:
    """Term weights without the word naming the answer's kind ("date" in "on what date"): no sentence
    needs to say "date" to give one."""
    focus = answer_type.focus_word(question)
    return {term: w for term, w in weights.items() if focus is None or lemma_stem(term) != lemma_stem(focus)}


@lru_cache(maxsize=4096)
def _spans(text: str) -> tuple[tuple[int, int, bool], ...]:
    """Single sentences, and adjacent pairs (a fact and its attribution often sit in two sentences)."""
    sentences = sentence_spans(text)
    pairs = [
        (first[0], second[1], True)
        for first, second in itertools.pairwise(sentences)
        if "\n" not in text[first[1] : second[0]]  # never join across a paragraph break
    ]
    return tuple([(start, end, False) for start, end in sentences] + pairs)


@lru_cache(maxsize=32768)
def stem_positions(text: str) -> dict[str, tuple[int, ...]]:
    """Word positions of each stem in `text`."""
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(_WORD.findall(text.lower())):
        positions.setdefault(lemma_stem(word), []).append(position)
    return {stem_: tuple(found) for stem_, found in positions.items()}


def _near(first: tuple[int, ...], second: tuple[int, ...]) -> bool:
    return any(abs(i - j) <= PROXIMITY_WINDOW for i in first for j in second)


@lru_cache(maxsize=1024)
def _neighbour_pairs(stemmed: StemWeights) -> tuple[tuple[tuple[str, str, float], ...], float]:
    """The question's neighbouring term pairs, each weighted by its terms' mean weight, and their total:
    one question's pairs serve every span it is scored against."""
    pairs = tuple((a, b, (wa + wb) / 2) for (a, wa), (b, wb) in itertools.pairwise(stemmed) if a != b)
    return pairs, sum(weight for _, _, weight in pairs)


def _proximity_share(stemmed: StemWeights, positions: Mapping[str, tuple[int, ...]]) -> float:
    """Weighted share of the question's neighbouring term pairs that also stand close together here."""
    pairs, total = _neighbour_pairs(stemmed)
    close = sum(
        weight for a, b, weight in pairs if a in positions and b in positions and _near(positions[a], positions[b])
    )
    return close / total if total else 0.0


def evidence_coverage(text: str, weights: Mapping[str, float]) -> float:
    """How fully the best sentence (or adjacent pair) of `text` states the question, in [0, 1].

    `weights` come from `evidence_weights` (or a part of them) and keep the question's word order: besides
    the IDF-weighted share of the question's terms a span contains, neighbouring question terms that also
    stand close together in it count (term proximity, as in Metzler & Croft's sequential dependence model):
    "fraud and conspiracy charges" in one phrase is stronger evidence than the same words scattered.
    """
    stemmed = stem_weights(weights)
    best = 0.0
    for start, end, _ in _spans(text):
        positions = stem_positions(text[start:end])
        best = max(best, _with_proximity(_share(stemmed, positions.keys()), stemmed, positions))
    return best


def _with_proximity(share: float, stemmed: StemWeights, positions: Mapping[str, tuple[int, ...]]) -> float:
    """A span's term share with the proximity credit `evidence_coverage` describes, in [0, 1]."""
    proximity = _proximity_share(stemmed, positions)
    return (share + PROXIMITY_WEIGHT * proximity) / (1 + PROXIMITY_WEIGHT)


def novelty(question_stems: AbstractSet[str], sentence_stems: AbstractSet[str]) -> float:
    """Share of the sentence's words that the question does not already contain.

    A sentence that only restates the question (a heading such as "The beginning of the protests") cannot
    answer it, however well it matches.
    """
    content = {s for s in sentence_stems if s not in STOP_STEMS}
    return len(content - question_stems) / len(content) if content else 0.0


def score_sentences(question: str, passages: Sequence[str], weights: Mapping[str, float],
                    *, limit: int | None = None, favoured: re.Pattern[str] | None = None) -> list[SentenceScore]:
    """Candidate spans of the first `limit` passages, scored; best first within the whole list. A span that
    `favoured` matches (the name the passages repeat, `service.redundancy`) scores `1 + REPEATED_NAME_BONUS`
    times as much."""
    kind = answer_type.expected_type(question)
    question_stems = stems_of(question)
    stemmed = stem_weights(evidence_weights(question, weights))
    scored = []
    for position, text in enumerate(passages[:limit] if limit else passages):
        for start, end, is_pair in _spans(text):
            sentence = text[start:end]
            positions = stem_positions(sentence)
            stems = positions.keys()
            covered = _share(stemmed, stems, related=False)
            # The bonus goes to a date the reader can place without the report's own date (answer_type).
            offers = answer_type.offers_answer(question, kind, sentence, relative_days=False)
            factor = 1.0 + (TYPE_BONUS if offers else 0.0)
            factor *= min(1.0, 2 * novelty(question_stems, stems))  # full credit from 50% new words
            factor *= PAIR_FACTOR if is_pair else 1.0
            factor *= 1.0 + (REPEATED_NAME_BONUS if favoured is not None and favoured.search(sentence) else 0.0)
            # Ranked by how fully the span states the question (with related words and term proximity, as
            # passages are); `coverage` stays the plain share of terms, one of the abstention model's features.
            stated = _with_proximity(_share(stemmed, stems), stemmed, positions)
            score = stated * factor + RANK_PRIOR / (1 + position)
            scored.append(SentenceScore(position, start, end, covered, score, pair=is_pair))
    return sorted(scored, key=lambda s: (-s.score, s.passage, s.start))


# Where a news sentence joins its facts: "… dozens have been killed including police officers and more than
# 1000 people got serious injuries …" states two. A question asks about one of them, and its embedding
# similarity to the whole sentence is diluted by the rest (0.40 there against 0.81 to the clause that holds
# the answer). Unlike a question's parts (`query_hints.clauses`), a report's facts are often joined by a
# bare "and". A piece needs a few words to say anything.
_CLAUSE_JOINS = re.compile(r"[,;:\u2013\u2014]\s|\s(?:and|while|but|whereas|which|who|after|as|because|when)\s")
MIN_CLAUSE_WORDS = 4


def clauses_of(span: str) -> list[str]:
    """The span's clauses of at least `MIN_CLAUSE_WORDS` words (shorter pieces are left out); none when it
    does not split."""
    pieces = [piece.strip() for piece in _CLAUSE_JOINS.split(span)]
    if len(pieces) < 2:
        return []
    return [piece for piece in pieces if len(piece.split()) >= MIN_CLAUSE_WORDS]


def answer_passages(named: Sequence[bool | None]) -> frozenset[int]:
    """Positions of the passages an answer may come from: the best `ANSWER_PASSAGES` (in rank order) of
    those that may be from the reports the question names, when any passage is known to be (`named[i]`:
    True, False, or None where the report's outlet or date is unknown); else of all passages.

    "What did the TechCrunch report of October 7 say …" is answered by that report: a sentence of another
    outlet's or another day's report, however well it matches the question's words, states something else.
    """
    allowed = list(range(len(named)))
    if any(is_named is True for is_named in named):
        allowed = [position for position, is_named in enumerate(named) if is_named is not False]
    return frozenset(allowed[:ANSWER_PASSAGES])


def shortlist(
    scores: Sequence[SentenceScore], passages: AbstractSet[int], *, size: int | None = None
) -> list[SentenceScore]:
    """The lexically best spans of the answer passages (`answer_passages`), the ones worth embedding."""
    return [s for s in scores if s.passage in passages][: size or SEMANTIC_CANDIDATES]


def rerank(candidates: Sequence[SentenceScore], similarities: Sequence[float]) -> list[SentenceScore]:
    """Candidates ordered by lexical score plus weighted embedding similarity (ties: rank, then offset)."""
    rescored = [
        dataclasses.replace(c, similarity=sim, score=c.score + SEMANTIC_WEIGHT * sim)
        for c, sim in zip(candidates, similarities, strict=True)
    ]
    return sorted(rescored, key=lambda s: (-s.score, s.passage, s.start))


# A span that cuts a quotation open ("… the Near and Middle East." of a quote that goes on "Calling things
# by their proper names – first of all, from Afghanistan," he explained) is widened to the sentences where
# the quotation opens and closes, within its paragraph and at most this many sentences either way.
QUOTE_MARKS = frozenset('"“”')
QUOTE_SENTENCES = 2


def whole_quotation(text: str, span: SentenceScore) -> SentenceScore:
    """`span` of `text`, widened so that no quotation is left open at either end.

    Quote marks are counted, not told apart ("“" and "”" are often swapped in scraped news): an odd number
    of them in the paragraph before the span means the span starts inside a quotation, an odd number before
    its end that it ends inside one. Quotes never run across a paragraph break here, and a quotation longer
    than `QUOTE_SENTENCES` more sentences leaves the span as it is.
    """
    if "\n" in text[span.start : span.end]:
        return span
    low = text.rfind("\n", 0, span.start) + 1
    high = len(text) if (found := text.find("\n", span.end)) < 0 else found
    marks = [i for i in range(low, high) if text[i] in QUOTE_MARKS]
    sentences = [(a, b) for a, b in sentence_spans(text) if low <= a and b <= high]
    if not marks or not sentences:
        return span
    starts = [a for a, _ in sentences]

    def sentence_at(offset: int) -> int:
        return max(0, min(len(sentences) - 1, bisect.bisect_right(starts, offset) - 1))

    start, end = span.start, span.end
    before, before_end = bisect.bisect_left(marks, span.start), bisect.bisect_left(marks, span.end)
    if before % 2 and sentence_at(span.start) - (opening := sentence_at(marks[before - 1])) <= QUOTE_SENTENCES:
        start = min(start, sentences[opening][0])
    if before_end % 2 and before_end < len(marks):
        closing = sentence_at(marks[before_end])
        if closing - sentence_at(span.end - 1) <= QUOTE_SENTENCES:
            end = max(end, sentences[closing][1])
    return dataclasses.replace(span, start=start, end=end)


def best_per_passage(scores: Sequence[SentenceScore]) -> dict[int, SentenceScore]:
    best: dict[int, SentenceScore] = {}
    for item in scores:
        best.setdefault(item.passage, item)
    return best


def citations_for(answer_text: str, passages: Sequence[str], answer_passage: int) -> list[int]:
    """The answer's own passage first, then every other passage that contains the same words."""
    others = [i for i, text in enumerate(passages) if i != answer_passage and answer_text in text]
    return [answer_passage, *others]
