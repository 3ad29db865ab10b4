"""Metadata (title, date, source) read from a document's own text, never guessed.

Only the header (first few non-empty lines) and footer (last few) are looked at: a date or a
`Source:` mentioned in the body of a story is about the story, not about its publication.
"""

from __future__ import annotations

import re
from datetime import date

from ingest.sentences import DATE_HEADER

HEADER_LINES = 5
FOOTER_LINES = 8
MAX_TITLE_CHARS = 200
MAX_SOURCE_CHARS = 80
CHROME_MAX_WORDS = 3  # "Bbabo NET", "News": site chrome above the real headline

# Month names and abbreviations, to month numbers; also read by the question parser (service.query_hints).
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
# Slashed dates with the year last (01/02/2022) are left out on purpose: day and month order cannot be told
# apart. With the year first (2022/01/10, 2022.01.10) the order is always year, month, day, as in ISO.
_DATE_FORMS = [
    re.compile(r"(?P<year>\d{4})(?P<separator>[-/.])(?P<month>\d{1,2})(?P=separator)(?P<day>\d{1,2})"),
    re.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})"),  # European dateline order
    re.compile(_WEEKDAY + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})", re.I),
    re.compile(_WEEKDAY + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>\d{4})", re.I),
]
# A time (and zone) may follow a date on its own line: `2022-01-10T08:45:59+00:00`, `10.01.2022 14:30`.
_TIME = (
    r"(?:(?:[T ]|,?\s+(?:at\s+)?)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"  # 14:30, T08:45:59.123
    r"\s*(?:[ap]\.?m\.?)?\s*(?:Z|[A-Z]{2,5}|[+-]\d{2}:?\d{2})?)?"  # pm, Z, UTC, +00:00
)
_LABEL = r"(?:published(?:\s+on)?|posted(?:\s+on)?|date|dated)\s*[:\-–—]?\s*"
_PLACE = r"[A-Z][\w.' -]{0,40},\s*"  # dateline: `Ru-Main, 10.01.2022`, `MOSCOW, January 10, 2022`
_DATE_VALUES = [re.compile(form.pattern + _TIME, form.flags) for form in _DATE_FORMS]
_DATE_LINES = [
    re.compile(prefix + form.pattern + _TIME, form.flags | flags)
    for prefix, flags in (("", 0), (_LABEL, re.I), (_PLACE, 0))
    for form in _DATE_FORMS
]
_SOURCE_LINE = re.compile(r"(?:source|via)\s*(?::|\s[-–—])\s*(?P<value>\S.*?)\s*", re.I)
_MARKDOWN_H1 = re.compile(r" {0,3}# +(.*?\S)(?: +#+)? *")
_SENTENCE_END = (".", ",", ";", ":")


def extract_date(text: str) -> str | None:
    """The publication date as ISO `YYYY-MM-DD`, from a header or footer line; None when absent."""
    header = DATE_HEADER.match(text)
    if header and (found := normalise_date(header.group(1))):
        return found
    for line in _edge_lines(text):
        if found := _date_line(line):
            return found
    return None


def extract_source(text: str) -> str | None:
    """The publisher named on a `Source: X` / `Source - X` / `Via: X` header or footer line."""
    for line in _edge_lines(text):
        match = _SOURCE_LINE.fullmatch(line)
        if match and len(match.group("value")) <= MAX_SOURCE_CHARS:
            return match.group("value")
    return None


def extract_title(text: str) -> str | None:
    """The headline when the text opens with one (after short site-chrome lines); None otherwise."""
    lines = _non_empty_lines(text)
    candidates = lines[: HEADER_LINES - 1]
    if len(lines) < 2 or not _looks_like_headline(candidates[0]):
        return None  # a lone line is the body itself, not its title
    for line in candidates:
        if not _looks_like_headline(line):
            break
        if len(line.split()) > CHROME_MAX_WORDS:
            return line
    # No longer headline follows: the short opening line is the title itself (e.g. "Summary").
    return candidates[0]


def extract_markdown_title(text: str) -> str | None:
    """The first `# ` (level-one) heading outside code fences; None when there is none."""
    in_fence = False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence  # a `# comment` inside a code block is not a heading
        elif not in_fence and (match := _MARKDOWN_H1.fullmatch(line)):
            return match.group(1)
    return None


def normalise_date(value: str) -> str | None:
    """`value` as ISO `YYYY-MM-DD` when it is a single real date (time and zone dropped); else None."""
    value = value.strip()
    for pattern in _DATE_VALUES:
        if match := pattern.fullmatch(value):
            return _to_iso(match)
    return None


def _date_line(line: str) -> str | None:
    """A date when the whole line is one: bare, labelled (`Published: ...`) or a dateline."""
    for pattern in _DATE_LINES:
        if (match := pattern.fullmatch(line)) and (found := _to_iso(match)):
            return found
    return None


def _to_iso(match: re.Match[str]) -> str | None:
    year, month, day = match.group("year", "month", "day")
    month_number = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."))
    if month_number is None:
        return None
    try:
        return date(int(year), month_number, int(day)).isoformat()
    except ValueError:  # 31.02.2022 and the like: not a real date, so not a date at all
        return None


def _looks_like_headline(line: str) -> bool:
    return (
        len(line) <= MAX_TITLE_CHARS
        and not line.endswith(_SENTENCE_END)
        and DATE_HEADER.match(line) is None
        and _date_line(line) is None
        and _SOURCE_LINE.fullmatch(line) is None
    )


def _edge_lines(text: str) -> list[str]:
    lines = _non_empty_lines(text)
    header = lines[:HEADER_LINES]
    footer = lines[max(HEADER_LINES, len(lines) - FOOTER_LINES) :]
    return header + footer


def _non_empty_lines(text: str) -> list[str]:
    # str.strip() also drops the no-break spaces that trail lines such as "Source: TASS\xa0".
    return [stripped for line in text.split("\n") if (stripped := line.strip())]
