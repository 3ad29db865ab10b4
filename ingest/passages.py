"""From a document to its chunks and the texts the encoder sees."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from ingest.chunker import ChunkerSettings, chunk_spans
from ingest.encoder import Encoder
from ingest.llm_tokens import count_llm_tokens
from ingest.records import Chunk, SourceDocument
from ingest.sentences import sentence_spans


def chunk_document(
    document: SourceDocument, encoder: Encoder, settings: ChunkerSettings, *, title_max_tokens: int
) -> list[Chunk]:
    """The document's chunks, each sized so that its embedding text (title prefix + chunk) fits the model
    whole."""
    text = document.text
    offsets = encoder.token_offsets(text)
    prefix_tokens = encoder.count_tokens(title_prefix(document.title, encoder, title_max_tokens))
    # A model with a window barely longer than the title cap still gets chunks of half its window.
    max_tokens = settings.budget(max(encoder.window() - prefix_tokens, encoder.window() // 2))
    spans = chunk_spans(sentence_spans(text), offsets, max_tokens=max_tokens, overlap_tokens=settings.overlap_tokens)
    pieces = [text[start:end] for start, end in spans]
    llm_counts = count_llm_tokens(pieces)
    starts = [start for start, _ in offsets]
    model_counts = [bisect_left(starts, end) - bisect_left(starts, start) for start, end in spans]
    return [
        Chunk(
            doc_id=document.id,
            ordinal=ordinal,
            start=start,
            end=end,
            text=piece,
            model_tokens=model_tokens,
            llm_tokens=llm_tokens,
        )
        for ordinal, ((start, end), piece, model_tokens, llm_tokens) in enumerate(
            zip(spans, pieces, model_counts, llm_counts, strict=True)
        )
    ]


def chunking_of(manifest: dict[str, Any]) -> tuple[ChunkerSettings, int]:
    """The chunker settings and title cap an index was built with: every later ingest must chunk alike."""
    chunker = manifest["chunker"]
    settings = ChunkerSettings(max_tokens=chunker["max_tokens"], overlap_tokens=chunker["overlap_tokens"])
    return settings, int(manifest["embedding_text"]["title_max_tokens"])


def title_prefix(title: str | None, encoder: Encoder, max_tokens: int) -> str:
    """The document title, cut to `max_tokens` word pieces, that gives each chunk its context."""
    if not title:
        return ""
    offsets = encoder.token_offsets(title)
    cut = title if len(offsets) <= max_tokens else title[: offsets[max_tokens - 1][1]]
    return cut.strip() + "\n"


def embedding_texts(
    chunked: Sequence[tuple[SourceDocument, str, list[Chunk]]], encoder: Encoder, manifest: dict[str, Any]
) -> list[str]:
    max_title = int(manifest["embedding_text"]["title_max_tokens"])
    texts: list[str] = []
    for document, _, chunks in chunked:
        prefix = title_prefix(document.title, encoder, max_title)
        texts.extend(prefix + chunk.text for chunk in chunks)
    return texts
