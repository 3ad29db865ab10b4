"""Outlets and dates a question mentions ("as reported by TechCrunch", "published on October 5").

Used as soft evidence: documents whose metadata matches are boosted, never required (filters do that).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal

from ingest.metadata import MONTHS
from service.lexical import query_terms

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


Day = tuple[int, int, int | None]  # month, day, year (None: the question leaves it out)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A day a question names: the date of the report it wants ("published on October 5"), a bound on
    it ("published before October 5": `relation` "until"; "after": "from"), or the first day of a range
    ("between October 5 and October 9": "between", with the range's `last` day)."""

    month: int
    day: int
    year: int | None
    relation: Literal["on", "until", "from", "between"] = "on"
    last: Day | None = None

    def matches(self, iso_date: str | None) -> bool:
        if not iso_date:
            return False
        year, month, day = (int(part) for part in iso_date[:10].split("-"))
        named, dated = (self.year or year, self.month, self.day), (year, month, day)
        # Bounds include their day: news questions say "the report published before October 2" of a report
        # dated October 2, and a report of the bound's day still tells of what came before (or after) it.
        if self.relation == "until":
            return dated <= named
        if self.relation == "from":
            return dated >= named
        if self.relation == "between" and self.last is not None:
            return _within(dated, (self.month, self.day, self.year), self.last)
        return dated == named


def _within(dated: tuple[int, int, int], first: Day, last: Day) -> bool:
    """Whether a report's (year, month, day) lies in a range, both ends included. A year the question
    leaves out comes from the other end ("December 28 to January 3, 2022" starts in 2021); with no year
    at all the range is read within any year, across New Year when it ends before it starts."""
    (first_month, first_day, first_year), (last_month, last_day, last_year) = first, last
    wraps = (first_month, first_day) > (last_month, last_day)
    if first_year is None and last_year is not None:
        first_year = last_year - 1 if wraps else last_year
    if last_year is None and first_year is not None:
        last_year = first_year + 1 if wraps else first_year
    if first_year is None or last_year is None:
        month_day = dated[1:]
        if wraps:
            return month_day >= (first_month, first_day) or month_day <= (last_month, last_day)
        return (first_month, first_day) <= month_day <= (last_month, last_day)
    return (first_year, first_month, first_day) <= dated <= (last_year, last_month, last_day)


# What the words just before a date make of it: a day set apart ("other than November 18") is not the
# report's date at all, and "before" / "after" make it a bound.
_EXCLUDED = re.compile(r"\b(?:other than|except|excluding|not)\s+(?:on\s+)?(?:the\s+)?$", re.IGNORECASE)
_RELATIONS: dict[Literal["until", "from"], re.Pattern[str]] = {
    "until": re.compile(r"\b(?:before|prior to|until|till)\s+(?:the\s+)?$", re.IGNORECASE),
    "from": re.compile(r"\b(?:after|since)\s+(?:the\s+)?$", re.IGNORECASE),
}


# A range: "between October 5 and October 9", "from October 5 to 9", "October 5-9". Between its two days
# stands only the connective; "between the report on October 5 and the one on October 9" and "the October 5
# and October 9 reports" name two reports.
_RANGE_START = re.compile(r"\bbetween\s+(?:the\s+)?$", re.IGNORECASE)
_REPORT_NOUNS = r"reports?|articles?|stories|story|pieces?|editions?|publications?"
_REPORTS_AFTER = re.compile(rf"\s+(?:{_REPORT_NOUNS})\b", re.IGNORECASE)
_RANGE_JOIN = re.compile(r"\s*(and|to|through|until|till|-|–|—)\s*(?:the\s+)?", re.IGNORECASE)
_BARE_DAY = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s+(?:of\s+)?(?:{_MONTH})\b)(?:,?\s+(\d{{4}}))?",
                       re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Written:
    start: int
    end: int
    mention: DateMention


def _written(match: re.Match[str], month: str, day: str, year: str | None) -> _Written:
    number = int(month) if month.isdigit() else MONTHS[month.lower()]
    return _Written(match.start(), match.end(), DateMention(number, int(day), int(year) if year else None))


def _dates_at(question: str) -> list[_Written]:
    """Each date the question writes, with where it stands, in the order written."""
    found = [_written(m, m[1], m[2], m[3]) for m in _MONTH_DAY.finditer(question)]
    found += [_written(m, m[2], m[1], m[3]) for m in _DAY_MONTH.finditer(question)]
    found += [_written(m, m[2], m[3], m[1]) for m in _ISO.finditer(question)]
    return sorted(found, key=lambda written: written.start)


def _range_end(question: str, first: _Written, following: _Written | None) -> tuple[Day, int] | None:
    """The last day of a range that starts at `first`, and where it ends in the question; None when
    `first` starts no range. "and" joins a range only after "between" ("the reports of October 5 and
    October 9" are two reports)."""
    join = _RANGE_JOIN.match(question, first.end)
    if join is None or (join.group(1).lower() == "and" and not _RANGE_START.search(question, 0, first.start)):
        return None
    if following is not None and following.start == join.end():
        last, end = following.mention, following.end
        day: Day = (last.month, last.day, last.year)
    elif bare := _BARE_DAY.match(question, join.end()):
        end, year = bare.end(), bare.group(2)
        day = (first.mention.month, int(bare.group(1)), int(year) if year else None)
    else:
        return None
    if not 1 <= day[1] <= 31 or _REPORTS_AFTER.match(question, end):
        return None
    return day, end


def mentioned_dates(question: str, *, year: int | None = None) -> list[DateMention]:
    """The days the question names as a report's date, a bound on it, or a range of dates (not the days
    it sets apart).

    `year` is the year a bound that names none refers to ("published before March 1"): the latest year
    of the index's reports, since a reader of a news archive means March 1 of its latest year. Without it
    a bound is read within each report's own year. A day or a range without a year matches in any year.
    """
    written = _dates_at(question)
    found: list[DateMention] = []
    consumed = -1  # where the last range ended: the dates inside it are not mentions of their own
    for position, date in enumerate(written):
        if date.start < consumed:
            continue
        following = written[position + 1] if position + 1 < len(written) else None
        ranged = _range_end(question, date, following)
        if ranged is not None:
            consumed = ranged[1]
        if _EXCLUDED.search(question, 0, date.start):  # a range set apart is set apart whole
            continue
        if ranged is not None:
            found.append(dataclasses.replace(date.mention, relation="between", last=ranged[0]))
            continue
        bound = next((name for name, cue in _RELATIONS.items() if cue.search(question, 0, date.start)), None)
        mention = date.mention
        found.append(dataclasses.replace(mention, relation=bound, year=mention.year or year) if bound else mention)
    return [mention for mention in dict.fromkeys(found) if 1 <= mention.day <= 31]


@functools.lru_cache(maxsize=1024)
def source_aliases(source: str) -> frozenset[str]:
    """Ways a question may name an outlet: "Cnbc | World Business News Leader" -> "cnbc", ...

    Feed names often append a tagline after " | " or " - ", domains carry ".com", and "The" is optional.
    """
    base = source.strip().lower()
    aliases = {base}
    for separator in (" | ", " - ", " – ", ": "):
        if separator in base:
            aliases.add(base.split(separator, 1)[0].strip())
    for alias in list(aliases):
        aliases.add(re.sub(r"\.(com|org|net|co\.uk)$", "", alias))
        if alias.startswith("the "):
            aliases.add(alias[4:])
    return frozenset(alias for alias in aliases if len(alias) >= 3)


def _alias_spans(text: str, source: str) -> list[tuple[int, int]]:
    return [
        (match.start(), match.end())
        for alias in source_aliases(source)
        for match in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)", text)
    ]


def _capitalised(text: str) -> bool:
    return any(character.isupper() for character in text)


def uses_capitals(question: str) -> bool:
    """Whether the question is written in mixed case (a capital past its first letter)."""
    return _capitalised(question[1:])


def _named_spans(text: str, sources: Iterable[str], *, cased: bool) -> dict[str, list[tuple[int, int]]]:
    """Where in `text` each source it names is named.

    A name counts where it is not part of a longer name the text gives: "The Independent - Sports" names
    that feed, not every feed whose short name is "The Independent". Outlet names are proper nouns, so in
    a question that uses capitals a name must be written with one: "at the age of 21" does not name The
    Age, nor "fortune" Fortune. `cased` is false for a question typed all in lower case: names then
    match in any case.
    """
    lower = text.lower()
    spans = {
        source: found
        for source in sources
        if (found := [(a, b) for a, b in _alias_spans(lower, source) if not cased or _capitalised(text[a:b])])
    }
    every = [span for found in spans.values() for span in found]
    return {source: found for source, found in spans.items() if any(not _inside_longer(s, every) for s in found)}


def _inside_longer(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    """Whether a longer one of `spans` holds `span` (a short outlet name inside a feed's full name)."""
    a, b = span
    return any(start <= a and b <= end and end - start > b - a for start, end in spans)


def mentioned_sources(question: str, sources: Iterable[str], *, cased: bool | None = None) -> set[str]:
    """The known sources (exact stored names) that the question names (the longest name wins); `cased`
    as in `_named_spans`, by default read from `question` (a part of a question passes the whole's)."""
    return set(_named_spans(question, sources, cased=uses_capitals(question) if cased is None else cased))


@dataclass(frozen=True, slots=True)
class QuestionHints:
    """What a question says about the reports it wants, beside what it asks."""

    question: str
    content: str  # the question without the outlet names it mentions: what passage text should match
    sources: frozenset[str]
    dates: tuple[DateMention, ...]
    year: int | None = None  # the year a bound without one refers to (`mentioned_dates`)


# A question that speaks of reports ("the report published on October 7", "TechCrunch reported on October 12")
# gives its dates as the reports'; one that does not gives the events' ("Tokayev's January 7 speech", "on the
# morning of January 5"), which a report of any later day tells of.
_SPEAKS_OF_REPORTS = re.compile(
    rf"\b(?:{_REPORT_NOUNS}|report(?:ed|ing)|publish(?:es|ed|ing)?|coverage)\b", re.IGNORECASE
)


def report_dates(hints: QuestionHints) -> tuple[DateMention, ...]:
    """The dates a question names as its reports' dates: all of them when it speaks of reports, else none."""
    return hints.dates if _SPEAKS_OF_REPORTS.search(hints.question) else ()


def read_question(question: str, known_sources: Iterable[str], *, year: int | None = None) -> QuestionHints:
    """The outlets (of `known_sources`) and dates a question names, and its content; `year` as in
    `mentioned_dates`.

    An outlet's name is metadata: reports rarely print their own outlet's name, so matching it against
    passage text (by BM25 or by embedding) only adds noise; the outlet is used through the documents'
    `source` instead (boosts, attributed clauses). Dates stay in the content, since events have dates too.
    """
    named = _named_spans(question, known_sources, cased=uses_capitals(question))
    spans = sorted(span for found in named.values() for span in found)
    content, end = [], 0
    for start, stop in spans:  # one name may match twice ("cbssports", "cbssports.com"): cut their union
        if start > end:
            content.append(question[end:start])
        end = max(end, stop)
    content.append(question[end:])
    text = " ".join(" ".join(content).split())
    # A question about an outlet itself ("What is TechCrunch?") has nothing else to match.
    if not query_terms(text):
        text = question
    return QuestionHints(question, text, frozenset(named), tuple(mentioned_dates(question, year=year)), year)


# Where a long question joins its separate claims: punctuation and contrastive words. A bare "and" is not
# one ("fraud and conspiracy charges"); the attribution news questions append ("as reported by ...") is.
# A comma or colon between digits is part of a number or a time ("$1,000", "10:30"), not a break.
_CLAUSE_BREAK = re.compile(
    r"(?<!\d)[,:]|[,:](?!\d)|[;?!]|\s(?:while|whereas|but|as reported by|according to|reported by)\s",
    re.IGNORECASE,
)


# A quotation opens after a space or bracket and closes before a space or punctuation; an apostrophe inside
# a word ("Ramaswamy's") does neither. Straight single quotes double as apostrophes ("Spears' lithium"),
# so a closing one only counts once a quotation is open.
_OPENING_QUOTES = "'\"“‘"
_QUOTE_OPEN = re.compile(rf"(?:(?<=^)|(?<=[\s(\[]))[{_OPENING_QUOTES}](?=\w)")
_QUOTE_CLOSE = {"'": re.compile(r"(?<=[\w.,!?%])'(?!\w)"), '"': re.compile(r'"'), "“": re.compile(r"[”\"]"),
                "‘": re.compile(r"[’']")}


def quotations(question: str) -> list[tuple[int, int]]:
    """Where the question quotes a report: (start, end) of each quotation, its marks included."""
    found: list[tuple[int, int]] = []
    position = 0
    while (opening := _QUOTE_OPEN.search(question, position)) is not None:
        closing = _QUOTE_CLOSE[opening.group()].search(question, opening.end())
        if closing is None:
            break
        found.append((opening.start(), closing.end()))
        position = closing.end()
    return found


def _clause_parts(question: str) -> list[str]:
    """The question cut at each clause break that is not inside a quotation (a quoted claim is one claim,
    whatever punctuation it holds)."""
    quoted = quotations(question)
    parts, start = [], 0
    for found in _CLAUSE_BREAK.finditer(question):
        if any(a < found.start() < b for a, b in quoted):
            continue
        parts.append(question[start:found.start()])
        start = found.end()
    parts.append(question[start:])
    return [part.strip() for part in parts]


@dataclass(frozen=True, slots=True)
class Clause:
    """One claim of a question, the outlets it is attributed to ("..., as reported by The Verge") and the
    date of the report it names ("the report published on October 7"), if it names one."""

    text: str
    sources: frozenset[str] = frozenset()
    date: DateMention | None = None


def clauses(
    question: str,
    *,
    sources: Iterable[str] = (),
    ignore: AbstractSet[str] = frozenset(),
    min_terms: int = 3,
    year: int | None = None,
) -> list[Clause]:
    """The question's separate claims, when it makes more than one: parts with at least `min_terms`
    content words that are not in `ignore` (outlet names, which every part of the report shares).

    Each claim is attributed to the `sources` (known outlet names) named inside it, or in a short part
    that carries no claim of its own ("as reported by both X and Y"): such a part attributes the claim
    before it, or, at the start of the question ("According to X, ..."), the claim after it. A claim's date
    is read as `mentioned_dates` reads it, with `year`.

    A question whose punctuation and connectives leave it one claim but that names several reports ("Did
    Mashable report on A before Fortune mentioned B?") is divided at its outlet names instead: each report
    it names makes a claim of its own.
    """
    known = list(sources)
    cased = uses_capitals(question)
    parts = _clause_parts(question)
    kept = _claim_parts(parts, known, ignore, min_terms, cased)
    if len(kept) < 2 and known:
        by_outlet = [piece for part in parts for piece in _cut_at_outlets(part, known, cased)]
        kept = _claim_parts(by_outlet, known, ignore, min_terms, cased)
    if len(kept) < 2:
        return []
    return [Clause(text, frozenset(named), _single(mentioned_dates(text, year=year))) for text, named in kept]


def _claim_parts(
    parts: Sequence[str], known: Sequence[str], ignore: AbstractSet[str], min_terms: int, cased: bool
) -> list[tuple[str, set[str]]]:
    """The parts long enough to make a claim, each with the outlets it is attributed to (`clauses`)."""
    kept: list[tuple[str, set[str]]] = []
    pending: set[str] = set()
    for part in parts:
        named = mentioned_sources(part, known, cased=cased) if known else set()
        if len(set(query_terms(part)) - ignore) >= min_terms:
            kept.append((part, named | pending))
            pending = set()
        elif kept:
            kept[-1][1].update(named)
        else:
            pending |= named
    return kept


def _cut_at_outlets(part: str, known: Sequence[str], cased: bool) -> list[str]:
    """`part` cut before each outlet name after its first (a quote mark opening a name goes with it)."""
    spans = sorted({span for found in _named_spans(part, known, cased=cased).values() for span in found})
    # Only whole names: "The Independent" inside "The Independent - Life and Style" is no second outlet.
    names = [span for span in spans if not _inside_longer(span, spans)]
    cuts = [start - 1 if start > 0 and part[start - 1] in _OPENING_QUOTES else start for start, _ in names[1:]]
    pieces = [part[a:b] for a, b in zip([0, *cuts], [*cuts, len(part)], strict=True)]
    return [piece.strip() for piece in pieces if piece.strip()]


def _single(dates: list[DateMention]) -> DateMention | None:
    return dates[0] if len(dates) == 1 else None
