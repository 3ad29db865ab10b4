"""The name that a multi-claim question's passages keep repeating: its likely answer (pure).

"Who is the individual who pleaded not guilty to fraud, struggled to manage a fast-growing exchange and is
accused of ...?" describes its answer through several claims, each from a different report. No single
sentence states them all, so the sentence that best matches the question often names someone else; but
the passages retrieved for the claims share one name, the answer's. Answer redundancy (Clarke, Cormack &
Lynam, SIGIR 2001; Brill, Dumais & Banko, EMNLP 2002) picks the candidate mentioned most often across the
retrieved passages. On MultiHop-RAG dev's 194 inference questions the most mentioned name of the top 10
passages is the gold answer for 164, while the best-matching sentence holds it for 97 (docs/quality.md).
A question with one claim is answered by the sentence that states it; there, the most mentioned name is
the story's main actor, whoever the question asks about, so it is left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from service import answer_type

# Capitalised words, joined by spaces or hyphens ("Sam Bankman-Fried", "OpenAI"); a word needs a lower-case
# letter, so acronyms and shouted headlines are left out. A sentence's capitalised first word is told from a
# name by the passages writing it in lower case elsewhere (`repeated_name`).
_NAME = re.compile(r"\b[A-Z]\w*[a-z]\w*(?:[ -][A-Z]\w*[a-z]\w*)*")
# Questions whose answer is a named entity: a person, an organisation, a product, a team.
_ASKS_FOR_NAME = re.compile(
    r"^\s*(?:who|whom|whose|which|what is the name|"
    r"what (?:entity|organization|organisation|company|firm|person|individual))\b",
    re.IGNORECASE,
)

# "Which year", "which city": the answer is a date or a place, whose candidates `answer_type` reads.
_NOT_NAMES = ("number", "date", "place")


@dataclass(frozen=True, slots=True)
class RepeatedName:
    """The most mentioned name: `key` is its last word, lower case, by which shorter mentions count too
    ("Bankman-Fried" for "Sam Bankman-Fried"); `full` how the passages usually write it in full."""

    key: str
    full: str
    mentions: int

    def pattern(self, passages: Sequence[str]) -> re.Pattern[str]:
        """How a span must mention it: by its full form when one of `passages` gives it (an answer that
        names the entity as the reports introduce it), else by its last word in any case."""
        full = re.compile(rf"(?<![\w-]){re.escape(self.full)}(?![\w-])")
        if any(full.search(text) for text in passages):
            return full
        return re.compile(rf"(?<![\w-]){re.escape(self.key)}(?![\w-])", re.IGNORECASE)


def asks_for_name(question: str) -> bool:
    """"Who ...", "Which company ...": not "Which year" or "Which city" (a date or a place)."""
    return bool(_ASKS_FOR_NAME.search(question)) and answer_type.expected_type(question) not in _NOT_NAMES


def repeated_name(question: str, passages: Sequence[str]) -> RepeatedName | None:
    """The name the passages mention most often, when one does strictly more often than any other.

    Left out: names the question already gives (their last word), month and weekday names, and words the
    passages also write in lower case (a common word that opened a quotation or a line).
    """
    asked = answer_type.words(question.lower())
    written = set().union(*map(answer_type.words, passages))
    forms: dict[str, Counter[str]] = {}  # each name's forms by its key, with their mention counts
    for text in passages:
        for match in _NAME.finditer(text):
            name = _without_common_words(match.group(), written)
            key = answer_type.name_key(name)
            if name.lower() in answer_type.CALENDAR_WORDS or key in asked or key in written:
                continue
            forms.setdefault(key, Counter())[name] += 1
    ranked = sorted(((key, found.total()) for key, found in forms.items()), key=lambda item: (-item[1], item[0]))
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    key, count = ranked[0]
    return RepeatedName(key, _full_form(forms[key]), count)


def _full_form(forms: Counter[str]) -> str:
    """How the passages usually write the name in full: the most frequent form of several words that
    occurs at least twice ("Sam Bankman-Fried", not a one-off "Gabe Bankman-Fried" or "Boyhood Messi"),
    else the most frequent form. Ties go to the longer form, then the alphabetically first."""
    repeated = [form for form, count in forms.items() if " " in form and count >= 2]
    return min(repeated or forms, key=lambda form: (-forms[form], -len(form), form))


def _without_common_words(name: str, written: set[str]) -> str:
    """`name` without leading words also `written` in lower case ("On Amazon" at a line's start)."""
    words = name.split(" ")
    while len(words) > 1 and words[0].lower() in written:
        words.pop(0)
    return " ".join(words)
