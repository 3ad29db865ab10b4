"""Each chunk's sentences embedded one by one, stored beside the chunk (float16: cosines stay within 1e-3).

A passage embedding averages over ~200 word pieces; whether one sentence of the passage states a claim is a
finer question. Retrieval compares a question's separate claims with these sentence vectors to tell which
passage of a report holds the claim (`service.aspects`). Computed once at ingest, so a query reads them
instead of running the model over every candidate sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.encoder import Encoder
from ingest.sentences import sentence_spans

STORED_DTYPE = np.float16


@dataclass(frozen=True, slots=True)
class SentenceVectors:
    """A chunk's sentences: `spans[i]` = (start, end) offsets into the chunk text, `vectors[i]` its unit vector."""

    spans: np.ndarray  # int32, shape (n, 2)
    vectors: np.ndarray  # float32, shape (n, dimension)


def manifest_entry() -> dict[str, Any]:
    return {"dtype": np.dtype(STORED_DTYPE).name, "splitter": "ingest.sentences"}


def stored_in(manifest: dict[str, Any]) -> bool:
    """Whether an index keeps sentence vectors (indexes built before they existed do not: their queries rank
    by word coverage alone, and later ingests into them add none, so that every chunk is scored alike)."""
    return "sentence_vectors" in manifest


def sentences_to_embed(texts: Sequence[str]) -> list[str]:
    """Exactly the texts `embed_sentences` hands the model for these chunk texts."""
    return _distinct(_sentences(texts, [sentence_spans(text) for text in texts]))


def embed_sentences(texts: Sequence[str], encoder: Encoder, *, progress: bool = False) -> list[SentenceVectors]:
    """The sentence vectors of each text, from one batched pass over all their distinct sentences."""
    spans = [sentence_spans(text) for text in texts]
    flat = _sentences(texts, spans)
    distinct = _distinct(flat)
    position = {sentence: row for row, sentence in enumerate(distinct)}
    vectors = encoder.encode(distinct, progress=progress)[[position[sentence] for sentence in flat]]
    result, offset = [], 0
    for found in spans:
        result.append(
            SentenceVectors(
                np.asarray(found, dtype=np.int32).reshape(-1, 2),
                vectors[offset : offset + len(found)],
            )
        )
        offset += len(found)
    return result


def _sentences(texts: Sequence[str], spans: Sequence[list[tuple[int, int]]]) -> list[str]:
    return [text[start:end] for text, found in zip(texts, spans, strict=True) for start, end in found]


def _distinct(sentences: list[str]) -> list[str]:
    # Chunks overlap, so about a fifth of a document's sentences would otherwise be embedded twice.
    return list(dict.fromkeys(sentences))


def to_blobs(sentences: SentenceVectors) -> tuple[bytes, bytes]:
    return sentences.spans.astype("<i4").tobytes(), sentences.vectors.astype(STORED_DTYPE).tobytes()


def from_blobs(spans: bytes, vectors: bytes, dimension: int) -> SentenceVectors:
    offsets = np.frombuffer(spans, dtype="<i4").reshape(-1, 2)
    matrix = np.frombuffer(vectors, dtype=STORED_DTYPE).reshape(-1, dimension).astype(np.float32)
    return SentenceVectors(offsets, matrix)
