"""Outlets and dates a question mentions ("as reported by TechCrunch", "published on October 5").

Used as soft evidence: documents whose metadata matches are boosted, never required (filters do that).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from service.lexical import query_terms

_MONTHS = {
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
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@dataclass(frozen=True, slots=True)
class DateMention:
    month: int
    day: int
    year: int | None

    def matches(self, iso_date: str | None) -> bool:
        if not iso_date:
            return False
        year, month, day = (int(part) for part in iso_date[:10].split("-"))
        return month == self.month and day == self.day and (self.year is None or year == self.year)


def mentioned_dates(question: str) -> list[DateMention]:
    found: list[DateMention] = []
    for match in _MONTH_DAY.finditer(question):
        month, day, year = _MONTHS[match.group(1).lower()], int(match.group(2)), match.group(3)
        found.append(DateMention(month, day, int(year) if year else None))
    for match in _DAY_MONTH.finditer(question):
        day, month, year = int(match.group(1)), _MONTHS[match.group(2).lower()], match.group(3)
        found.append(DateMention(month, day, int(year) if year else None))
    for match in _ISO.finditer(question):
        found.append(DateMention(int(match.group(2)), int(match.group(3)), int(match.group(1))))
    return [mention for mention in dict.fromkeys(found) if 1 <= mention.day <= 31]


def source_aliases(source: str) -> set[str]:
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
    return {alias for alias in aliases if len(alias) >= 3}


def mentioned_sources(question: str, sources: Iterable[str]) -> set[str]:
    """The known sources (exact stored names) that the question names."""
    text = question.lower()
    named = set()
    for source in sources:
        for alias in source_aliases(source):
            if re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", text):
                named.add(source)
                break
    return named


# Where a long question joins its separate claims: punctuation and contrastive words. A bare "and" is not
# one ("fraud and conspiracy charges"); the attribution news questions append ("as reported by ...") is.
_CLAUSE_BREAK = re.compile(
    r"[,;:?!]|\s(?:while|whereas|but|as reported by|according to|reported by)\s", re.IGNORECASE
)


def clauses(question: str, *, ignore: AbstractSet[str] = frozenset(), min_terms: int = 3) -> list[str]:
    """The question's separate claims, when it makes more than one: parts with at least `min_terms`
    content words that are not in `ignore` (outlet names, which every part of the report shares)."""
    parts = [part.strip() for part in _CLAUSE_BREAK.split(question)]
    kept = [part for part in parts if len(set(query_terms(part)) - ignore) >= min_terms]
    return kept if len(kept) >= 2 else []
