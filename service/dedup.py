"""Collapse near-duplicate passages (re-published stories) into one result with `also_in` (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Cosine similarity of two passages' embeddings above which they say the same thing. Re-published and
# lightly edited copies of one story score ~0.95+; different passages on one topic stay well below.
NEAR_DUPLICATE_COSINE = 0.92


def collapse(
    doc_ids: Sequence[str], embeddings: np.ndarray, *, threshold: float = NEAR_DUPLICATE_COSINE
) -> list[tuple[int, list[int]]]:
    """Walk passages in rank order; each keeps the later ones from *other* documents that duplicate it.

    Returns (kept position, [positions folded into it]) in rank order.
    """
    similarities = embeddings @ embeddings.T if len(doc_ids) else np.zeros((0, 0))
    owner: dict[int, int] = {}
    groups: list[tuple[int, list[int]]] = []
    for position in range(len(doc_ids)):
        if position in owner:
            continue
        folded = [
            later
            for later in range(position + 1, len(doc_ids))
            if later not in owner and doc_ids[later] != doc_ids[position] and similarities[position, later] >= threshold
        ]
        for later in folded:
            owner[later] = position
        groups.append((position, folded))
    return groups
