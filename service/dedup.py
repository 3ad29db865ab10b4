"""Collapse near-duplicate passages (re-published stories) into one result with `also_in` (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

# Cosine similarity of two passages' embeddings above which they say the same thing. Re-published and
# lightly edited copies of one story score ~0.95+; different passages on one topic stay well below.
NEAR_DUPLICATE_COSINE = 0.92
# A rewritten reprint keeps whole phrases of the original while its chunk boundaries move: passages that
# are close in meaning *and* share this much of their word 4-grams (of the shorter passage) are copies.
# Two reports of one event in their own words share almost no 4-grams (<0.05 on the sample corpus).
REWRITE_COSINE = 0.80
REWRITE_SHARED_PHRASES = 0.10
_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def shared_phrases(first: set[tuple[str, ...]], second: set[tuple[str, ...]]) -> float:
    """Share of the smaller passage's 4-grams that the other passage contains too."""
    return len(first & second) / max(1, min(len(first), len(second)))


def collapse(doc_ids: Sequence[str], embeddings: np.ndarray, texts: Sequence[str]) -> list[tuple[int, list[int]]]:
    """Walk passages in rank order; each keeps the later ones from *other* documents that duplicate it.

    Returns (kept position, [positions folded into it]) in rank order.
    """
    similarities = embeddings @ embeddings.T if len(doc_ids) else np.zeros((0, 0))
    phrases = [shingles(text) for text in texts]

    def duplicates(a: int, b: int) -> bool:
        cosine = similarities[a, b]
        return bool(cosine >= NEAR_DUPLICATE_COSINE or (
            cosine >= REWRITE_COSINE and shared_phrases(phrases[a], phrases[b]) >= REWRITE_SHARED_PHRASES))

    owner: dict[int, int] = {}
    groups: list[tuple[int, list[int]]] = []
    for position in range(len(doc_ids)):
        if position in owner:
            continue
        folded = [
            later
            for later in range(position + 1, len(doc_ids))
            if later not in owner and doc_ids[later] != doc_ids[position] and duplicates(position, later)
        ]
        for later in folded:
            owner[later] = position
        groups.append((position, folded))
    return groups
