"""Sentence splitting and chunking invariants, with the real tokenizer."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ingest.chunker import ChunkerSettings, chunk_spans
from ingest.encoder import Encoder
from ingest.passages import chunk_document
from ingest.readers import read_inputs
from ingest.records import SourceDocument
from ingest.sentences import sentence_spans
from tests.conftest import KZ_CORPUS


def test_sentences_respect_abbreviations_and_paragraphs() -> None:
    text = "Mr. Smith went to the U.S. Army base. He left at 5 p.m. today!\n\nNew paragraph here"
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == ["Mr. Smith went to the U.S. Army base.", "He left at 5 p.m. today!", "New paragraph here"]


def test_sentence_spans_are_trimmed_substrings() -> None:
    text = "  “Quoted.” Then more?  Yes.\nLast line without stop"
    for start, end in sentence_spans(text):
        piece = text[start:end]
        assert piece == piece.strip() and piece


def test_chunks_cover_text_within_budget(encoder: Encoder, shared_dir: Path) -> None:
    settings = ChunkerSettings()
    for item in read_inputs([KZ_CORPUS]):
        assert isinstance(item, SourceDocument)
        chunks = chunk_document(item, encoder, settings)
        assert chunks
        for chunk in chunks:
            assert item.text[chunk.start : chunk.end] == chunk.text
            assert chunk.model_tokens == encoder.count_tokens(chunk.text) <= settings.max_tokens
            assert chunk.llm_tokens > 0
        # Every sentence of the document lands whole in some chunk.
        for start, end in sentence_spans(item.text):
            if encoder.count_tokens(item.text[start:end]) <= settings.max_tokens:
                assert any(c.start <= start and end <= c.end for c in chunks)


def test_long_sentence_is_cut_at_token_boundaries(encoder: Encoder) -> None:
    text = " ".join(f"word{i}" for i in range(600))
    spans = chunk_spans(sentence_spans(text), encoder.token_offsets(text), settings=ChunkerSettings(max_tokens=50))
    assert len(spans) > 1
    assert all(encoder.count_tokens(text[s:e]) <= 50 for s, e in spans)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)


@pytest.mark.parametrize("overlap", [0, 48])
def test_overlap_is_bounded(encoder: Encoder, overlap: int) -> None:
    text = " ".join(f"Sentence number {i} says something." for i in range(200))
    settings = ChunkerSettings(max_tokens=60, overlap_tokens=overlap)
    spans = chunk_spans(sentence_spans(text), encoder.token_offsets(text), settings=settings)
    for (_, first_end), (second_start, _) in itertools.pairwise(spans):
        shared = max(0, first_end - second_start)
        assert encoder.count_tokens(text[second_start : second_start + shared]) <= overlap
