"""British and American spellings of a question's words, read the way the index spells them (pure).

Stemming joins word forms but not spellings: Porter stems "stabilised" to "stabilis" and "stabilized" to
"stabil", "litre" to "litr" and "liter" to "liter". A reader who writes "organisation" over reports that
write "organization" then matches nothing. A question word the index never uses is therefore read as its
other spelling when the index does use that one; a word the index knows is never changed, so the rules can
run both ways without turning "sense" into "sence" or "officer" into "officre".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable

_WORD = re.compile(r"[A-Za-z]+")

# Each pair of rules maps one spelling family to the other (lower-case whole words).
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # organise / organize, stabilised / stabilized, organisation / organization
        (r"^(\w{3,})is(e|ed|es|ing|ation|ations|er|ers)$", r"\1iz\2"),
        (r"^(\w{3,})iz(e|ed|es|ing|ation|ations|er|ers)$", r"\1is\2"),
        # analyse / analyze
        (r"^(\w+)ys(e|ed|es|ing)$", r"\1yz\2"),
        (r"^(\w+)yz(e|ed|es|ing)$", r"\1ys\2"),
        # litre / liter, centres / centers, fibre / fiber, meagre / meager (not "acre" / "Acer")
        (r"^(\w+[tbg])re(s?)$", r"\1er\2"),
        (r"^(\w+[tbg])er(s?)$", r"\1re\2"),
        # colour / color, favourite / favorite, labourers / laborers (not "four", "hour", "tour")
        (r"^(\w{3,})our(s|ed|ing|able|ite|ites|er|ers)?$", r"\1or\2"),
        (r"^(\w{3,})or(s|ed|ing|able|ite|ites|er|ers)?$", r"\1our\2"),
        # defence / defense, licences / licenses
        (r"^(\w+)ence(s?)$", r"\1ense\2"),
        (r"^(\w+)ense(s?)$", r"\1ence\2"),
        # programme / program
        (r"^(\w+)amme(s?)$", r"\1am\2"),
        (r"^(\w+)am(s?)$", r"\1amme\2"),
    )
)


def other_spellings(word: str) -> list[str]:
    """The lower-case word's spellings in the other convention (none for most words)."""
    word = word.lower()
    found: list[str] = []
    for pattern, replacement in _RULES:
        other = pattern.sub(replacement, word)
        if other != word and other not in found:
            found.append(other)
    return found


def index_spelling(question: str, in_index: Callable[[Iterable[str]], Collection[str]]) -> str:
    """`question` with each word the index does not use replaced by another spelling of it that the index
    does use. `in_index(words)` returns those of `words` the index holds (by stem, as its search does)."""
    words = {word.lower() for word in _WORD.findall(question)}
    candidates = {word: others for word in sorted(words) if (others := other_spellings(word))}
    if not candidates:
        return question
    known = set(in_index([*candidates, *(other for others in candidates.values() for other in others)]))
    swaps = {
        word: next(other for other in others if other in known)
        for word, others in candidates.items()
        if word not in known and any(other in known for other in others)
    }
    if not swaps:
        return question

    def respelled(match: re.Match[str]) -> str:
        word = match.group(0)
        other = swaps.get(word.lower())
        if other is None:
            return word
        return other.capitalize() if word[0].isupper() else other

    return _WORD.sub(respelled, question)
