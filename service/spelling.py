"""British and American spellings of a question's words, read the way the index spells them (pure).

Stemming joins word forms but not spellings: Porter stems "stabilised" to "stabilis" and "stabilized" to
"stabil", "litre" to "litr" and "liter" to "liter". A reader who writes "organisation" over reports that
write "organization" then matches nothing. A question word the index never uses is therefore read as its
other spelling when the index does use that one; a word the index knows is never changed, so the rules can
run both ways without turning "sense" into "sence" or "water" into "watre".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable

_WORD = re.compile(r"[A-Za-z]+")

# Spelling families as (what comes before, British, American, what may follow); each is read both ways.
_FAMILIES = (
    (r"\w{3,}", "is", "iz", "e|ed|es|ing|ation|ations|er|ers"),  # organise, stabilised, organisation
    (r"\w+", "ys", "yz", "e|ed|es|ing"),  # analyse
    (r"\w+[tbg]", "re", "er", "|s"),  # litre, centres, fibre, meagre (not "acre" / "Acer")
    (r"\w{3,}", "our", "or", "|s|ed|ing|able|ite|ites|er|ers"),  # colour, favourite, labourers (not "four")
    (r"\w+", "ence", "ense", "|s"),  # defence, licences
    (r"\w+", "amme", "am", "|s"),  # programme
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"^({before}){this}({after})$"), rf"\g<1>{that}\g<2>")
    for before, british, american, after in _FAMILIES
    for this, that in ((british, american), (american, british))
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
