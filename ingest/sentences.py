"""Sentence boundaries with exact character offsets (pure; shared by chunking and answer extraction).

A small rule-based splitter rather than pysbd/nltk: we need exact offsets into the stored text, speed on
millions of words at ingest, and no data downloads. News prose is regular enough that punctuation plus an
abbreviation list does well; paragraph breaks are always boundaries.
"""

from __future__ import annotations

import re

# Tokens that end with a period without ending a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt maj adm gov sen rep pres rev hon vs etc
    approx no nos inc ltd co corp dept univ jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k
    u.n e.g i.e a.m p.m fig est vol pp""".split()  # noqa: SIM905
)

_PARAGRAPH = re.compile(r"\n\s*\n|\n")
# A scraped report may open with its date run into the first sentence (` date 2022-01-08 Russian President
# ...`). The date is the report's metadata, not part of that sentence: it is a span of its own, so that an
# answer quoting the first sentence does not start with it.
DATE_HEADER = re.compile(r"\s*date\s+(\d{4}-\d{2}-\d{2})\b", re.I)
# Candidate end: terminal punctuation, optional closing quotes/brackets, then whitespace.
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _is_abbreviation(text: str, period_at: int) -> bool:
    match = _WORD_BEFORE.search(text, max(0, period_at - 40), period_at)
    if match is None:
        return False
    word = match.group(1).lower().rstrip(".")
    # Single letters are initials ("J. Smith"), dotted runs are acronyms ("U.S.").
    return word in _ABBREVIATIONS or len(word) == 1


def _next_starts_sentence(text: str, pos: int) -> bool:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        return True
    char = text[pos]
    return char.isupper() or char.isdigit() or char in "\"'“‘«([—-"


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _split_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _END.finditer(text, start, end):
        stop = match.end()
        if match.group(0).startswith(".") and _is_abbreviation(text, match.start()):
            continue
        if not _next_starts_sentence(text, stop):
            continue
        span = _trimmed(text, cursor, stop)
        if span:
            spans.append(span)
        cursor = stop
    tail = _trimmed(text, cursor, end)
    if tail:
        spans.append(tail)
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return `(start, end)` of each sentence; `text[start:end]` has no leading/trailing whitespace."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    if (header := DATE_HEADER.match(text)) and (span := _trimmed(text, 0, header.end())):
        spans.append(span)
        cursor = header.end()
    for match in _PARAGRAPH.finditer(text, cursor):
        spans.extend(_split_block(text, cursor, match.start()))
        cursor = match.end()
    spans.extend(_split_block(text, cursor, len(text)))
    return spans
