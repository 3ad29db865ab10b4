"""Related words read off the embedding model's own input token table: "injured" → injuries, wounded;
"spokesperson" → spokesman; "defence" → defense; "soldiers" → troops.

A question often names a thing in other words than the report does, and Porter stems keep even derived
forms apart ("injured" / "injuries"). A transformer's input embeddings place a word near its inflections,
spelling variants and close synonyms, so a word's nearest whole-word tokens, above a cosine bar, make a
small thesaurus with no data beyond the model already shipped (embedding-based query expansion, as in Kuzi,
Shtok & Kurland, 2016). Words are compared by stem: a stem's related stems and the cosine that relates
them, which evidence coverage credits in place of an exact match.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Below this cosine neighbours turn loose (the antonyms "worst" / "best" sit at 0.51); 0.5 and 0.6 were
# measured on the dev, team and blind sets (docs/quality.md).
MIN_COSINE = 0.6
NEIGHBOURS = 8
_WORD_TOKEN = re.compile(r"[a-z]{3,}")  # whole lower-case words; "##" pieces, numbers and short tokens left out
# Where BERT-family checkpoints keep the input token table.
_TABLE_KEYS = ("embeddings.word_embeddings.weight", "bert.embeddings.word_embeddings.weight")

Related = tuple[tuple[str, float], ...]


@dataclass(frozen=True, eq=False)
class Thesaurus:
    """Unit-length embeddings of the vocabulary's whole words and the stem of each."""

    words: list[str]
    vectors: np.ndarray
    stem: Callable[[str], str]
    stems: list[str] = field(default_factory=list)
    by_stem: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for position, word in enumerate(self.words):
            self.stems.append(self.stem(word))
            self.by_stem.setdefault(self.stems[-1], []).append(position)

    @functools.lru_cache(maxsize=16384)  # noqa: B019 - one thesaurus per process, kept for its lifetime
    def related(self, stem: str) -> Related:
        """Stems related to `stem` (sorted), each with the best cosine between words of the two stems."""
        own = self.by_stem.get(stem)
        if not own:
            return ()
        similarities = self.vectors[own] @ self.vectors.T
        found: dict[str, float] = {}
        for row in similarities:
            nearest = np.argpartition(-row, NEIGHBOURS)[: NEIGHBOURS + 1]
            for position in nearest[row[nearest] >= MIN_COSINE]:
                other = self.stems[position]
                if other != stem:
                    found[other] = max(found.get(other, 0.0), round(float(row[position]), 4))
        return tuple(sorted(found.items()))


@functools.lru_cache(maxsize=4)
def load(model_dir: Path, stem: Callable[[str], str]) -> Thesaurus | None:
    """The thesaurus of a sentence-transformers folder with `vocab.txt` and `model.safetensors` holding a
    BERT-style input token table; None (exact matching only) for a model without them."""
    from safetensors import safe_open  # installed with sentence-transformers

    vocab_file, weights_file = model_dir / "vocab.txt", model_dir / "model.safetensors"
    if not vocab_file.is_file() or not weights_file.is_file():
        log.warning("no vocab.txt/model.safetensors in %s: question words match their own stems only", model_dir)
        return None
    with safe_open(str(weights_file), "np") as weights:
        stored = set(weights.keys())
        key = next((key for key in _TABLE_KEYS if key in stored), None)
        if key is None:
            log.warning("no input token table in %s: question words match their own stems only", weights_file)
            return None
        table = weights.get_tensor(key).astype(np.float32)
    vocabulary = vocab_file.read_text(encoding="utf-8").splitlines()
    kept = [i for i, word in enumerate(vocabulary[: len(table)]) if _WORD_TOKEN.fullmatch(word)]
    vectors = table[kept]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Thesaurus([vocabulary[i] for i in kept], vectors, stem)
