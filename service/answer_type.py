"""Expected answer type of a question and whether a sentence offers a candidate of that type (pure).

Classic factoid QA: "how many" wants a number, "when" a date, "who" a name. A sentence that contains such
a candidate that the question itself does not already contain is more likely to answer it.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|hundreds?|thousands?|millions?|billions?|dozens?)\b",
    re.IGNORECASE,
)
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH = rf"(?:{'|'.join(MONTH_NAMES)})"
# Pieces of a calendar date, shared by the date pattern and the numbers that are no amount (below).
_MONTH_THEN_DAY = rf"\b{_MONTH}\s+\d{{1,2}}"
_DAY_THEN_MONTH = rf"\b\d{{1,2}}\s+{_MONTH}"
_YEAR = r"\b(?:1[89]|20)\d\d\b"
_DOTTED_DATE = r"\b\d{1,2}\.\d{1,2}\.\d{4}\b"
# News dates a report relative to itself as often as absolutely ("on Sunday", "yesterday"). A relative day
# still answers "when" (relative to the report), but a span that dates the event outright is the better
# answer: "today I turned to the CSTO" loses to "On January 5, ... Tokayev turned to the CSTO".
_CALENDAR_DATE = (
    rf"{_MONTH_THEN_DAY}\b|{_DAY_THEN_MONTH}\b|{_YEAR}|{_DOTTED_DATE}|\b(?:{'|'.join(WEEKDAY_NAMES)})\b"
)
_DATE = re.compile(rf"{_CALENDAR_DATE}|\b(?:[Yy]esterday|[Tt]oday|[Tt]onight|[Tt]omorrow)\b")
_DATE_ON_ITS_OWN = re.compile(_CALENDAR_DATE)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)*")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")  # "TASS", "NATO": a name all the same
CALENDAR_WORDS = frozenset(name.lower() for name in MONTH_NAMES + WEEKDAY_NAMES)
_WORD = re.compile(r"[\w-]+")
_PLACE_WORDS = re.compile(r"\b(?:in|from|at|to)\s+[A-Z][a-z]+")
# Cue phrases, not entities: a condition or a reason is a clause, recognised by its connective.
_CONDITION = re.compile(r"\b(?:if|unless|only when|only if|in (?:the )?(?:event|case) of|provided that|as long as)\b",
                        re.IGNORECASE)
_REASON = re.compile(r"\b(?:because|due to|owing to|as a result of|caused by|in response to|since|after)\b",
                     re.IGNORECASE)
# A generic noun after "what/which" names the kind of answer ("which city", "what date"); it is not evidence.
_KIND_NOUNS = (
    "date|day|year|month|time|city|cities|country|countries|region|regions|town|place|person|people|name|"
    "number|amount|condition|conditions|reason|organization|organisation|company|companies|agency|percentage"
)
# Whom or what the answer names: "which White House spokesperson", "which former leader", "what company".
# Nouns that double as adjectives ("official figures", "general trend", "chief reason") are left out.
_NAMED_KINDS = (
    "person|individual|spokesperson|spokesman|spokeswoman|leader|president|minister|premier|officer|"
    "commander|secretary|chairman|chairwoman|politician|diplomat|ambassador|envoy|"
    "founder|journalist|reporter|analyst|expert|lawmaker|senator|judge|lawyer|prosecutor|player|athlete|"
    "company|companies|firm|organi[sz]ation|agency|outlet|newspaper|party|team|brand|bank"
)
_FOCUS = re.compile(rf"^\W*(?:\w+\s+)?(?:what|which)\s+({_KIND_NOUNS})\b", re.IGNORECASE)

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^\s*(how many|how much|what (?:number|percentage|share|amount))\b", re.I), "number"),
    (
        re.compile(r"^\s*(when|(?:on |in )?(?:what|which) (?:date|day|year|month|time))\b", re.I),
        "date",
    ),
    (re.compile(r"^\s*(who|whom|whose)\b", re.I), "name"),
    (
        re.compile(r"^\s*(?:(?:in|from|to|at) )?(where|which|what) (?:city|cities|country|countries|region|town)\b"
                   r"|^\s*where\b", re.I),
        "place",
    ),
    (re.compile(rf"^\s*(?:which|what)\s+(?:[\w'-]+\s+){{0,3}}?(?:{_NAMED_KINDS})\b"
                r"|^\s*what(?:'s| is| was) the name\b", re.I), "name"),
    (re.compile(r"\b(what (?:new |old |final |average |current )?price|how (?:much|high))\b", re.I), "number"),
    (re.compile(r"^\s*(under what (?:conditions?|circumstances?)|in what (?:case|circumstances?))\b", re.I),
     "condition"),
    (re.compile(r"^\s*(why|for what reason|what (?:caused|prompted|triggered|led to))\b", re.I), "reason"),
]


# Where the interrogative may stand when it does not open the question: after a preamble set off by
# punctuation ("According to the January 8 report, how many ...", "Fuel went up - what was it before?") or
# after an opening hedge ("Roughly how many ...").
_INTERROGATIVE_AFTER = re.compile(r"[,;:\u2013\u2014]\s+|\s-\s|^\s*(?:roughly|approximately|about|around|exactly)\s+",
                                  re.IGNORECASE)


def _from_interrogative(question: str) -> list[str]:
    """The question, then each of its tails that starts where an interrogative may stand (in order)."""
    return [question, *(question[found.end():] for found in _INTERROGATIVE_AFTER.finditer(question))]


def expected_type(question: str) -> str | None:
    for tail in _from_interrogative(question):
        for pattern, kind in _RULES:
            if pattern.search(tail):
                return kind
    return None


# A number that labels something ("Articles 2 and 4 of the treaty", "Section 3", "No. 12") is no amount: it
# answers neither "how many" nor "how much".
_LABELLED_NUMBERS = re.compile(
    r"\b(?:articles?|sections?|paragraphs?|chapters?|clauses?|points?|items?|pages?|resolutions?|nos?\.)"
    r"\s+\d+(?:\s*(?:,|and|or|&)\s*\d+)*",
    re.IGNORECASE,
)


# Nor are a calendar date's day and year ("on January 5", "5 January 2022", "in 2022"): "how many bandits"
# is not answered by the day they attacked. A bare four-digit number stays an amount ("2000 protesters")
# unless "in" or "since" makes it a year.
_DATE_DIGITS = re.compile(
    rf"{_MONTH_THEN_DAY}(?:,?\s+\d{{4}})?\b|{_DAY_THEN_MONTH}(?:\s+\d{{4}})?\b|\b{_MONTH}\s+\d{{4}}\b"
    rf"|{_DOTTED_DATE}|\b(?:[Ii]n|[Ss]ince)\s+{_YEAR}"
)


def _amounts_of(text: str) -> str:
    """`text` with the numbers that are no amount (labels, dates) blanked out."""
    return _DATE_DIGITS.sub(" ", _LABELLED_NUMBERS.sub(" ", text))


def _candidates(kind: str, text: str, *, relative_days: bool) -> set[str]:
    if kind == "number":
        return {m.group(0).lower() for m in _NUMBER.finditer(_amounts_of(text))}
    if kind == "date":
        return {m.group(0).lower() for m in (_DATE if relative_days else _DATE_ON_ITS_OWN).finditer(text)}
    if kind == "place":
        return {m.group(0).split()[-1].lower() for m in _PLACE_WORDS.finditer(text)}
    return _name_heads(text)


def words(text: str) -> set[str]:
    """The words of `text` as written (hyphenated ones whole)."""
    return set(_WORD.findall(text))


def name_key(name: str) -> str:
    """A name's last word, lower case ("jean-pierre" of "Karin Jean-Pierre"): the word by which a name is
    told from another's ("Kazakh President Kassym-Zhomart Tokayev" is the question's Tokayev) and by which
    shorter mentions count as the same name."""
    return name.split()[-1].lower()


def _name_heads(text: str) -> set[str]:
    """The key of each name in `text`. Month and weekday names are no answer to "who"."""
    heads = set()
    for match in (*_NAME.finditer(text), *_ACRONYM.finditer(text)):
        kept = [word for word in match.group(0).split() if word.lower() not in CALENDAR_WORDS]
        if kept:
            heads.add(name_key(" ".join(kept)))
    return heads


def focus_word(question: str) -> str | None:
    """"city" in "In which city did ...": the word that names the answer's kind."""
    for tail in _from_interrogative(question):
        if match := _FOCUS.search(tail):
            return match.group(1).lower()
    return None


def offers_answer(question: str, kind: str | None, sentence: str, *, relative_days: bool = True) -> bool:
    """True when the sentence holds a candidate of the expected type that the question lacks; without
    `relative_days`, "today", "yesterday", "tonight" and "tomorrow" are no date candidates."""
    if kind is None:
        return False
    if kind in ("condition", "reason"):
        return bool((_CONDITION if kind == "condition" else _REASON).search(sentence))
    asked = question.lower()
    candidates = _candidates(kind, sentence, relative_days=relative_days)
    if kind == "name":
        return bool(candidates - words(asked))
    return any(candidate not in asked for candidate in candidates)
