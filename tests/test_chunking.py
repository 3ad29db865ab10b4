"""Sentence splitting and chunking invariants, with the real tokenizer."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ingest.chunker import ChunkerSettings, chunk_spans
from ingest.encoder import Encoder
from ingest.passages import chunk_document, title_prefix
from ingest.readers import read_inputs
from ingest.records import SourceDocument
from ingest.sentences import sentence_spans
from tests.conftest import KZ_CORPUS


def test_sentences_respect_abbreviations_and_paragraphs() -> None:
    text = "Mr. Smith went to the U.S. Army base. He left at 5 p.m. today!\n\nNew paragraph here"
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == ["Mr. Smith went to the U.S. Army base.", "He left at 5 p.m. today!", "New paragraph here"]


def test_a_leading_date_header_is_a_span_of_its_own() -> None:
    # As scraped in the sample corpus: the report's date runs into its first sentence.
    text = " date 2022-01-07 The Permanent Mission of Armenia sent a letter. It is reported by RIA News…"
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == [
        "date 2022-01-07", "The Permanent Mission of Armenia sent a letter.", "It is reported by RIA News…",
    ]
    later = "The update of date 2022-01-07 stays inside its sentence."
    assert [later[s:e] for s, e in sentence_spans(later)] == [later]


def test_sentence_spans_are_trimmed_substrings() -> None:
    text = "  “Quoted.” Then more?  Yes.\nLast line without stop"
    for start, end in sentence_spans(text):
        piece = text[start:end]
        assert piece == piece.strip() and piece


def test_chunks_cover_text_within_budget(encoder: Encoder, shared_dir: Path) -> None:
    settings = ChunkerSettings()
    for item in read_inputs([KZ_CORPUS]):
        assert isinstance(item, SourceDocument)
        chunks = chunk_document(item, encoder, settings, title_max_tokens=40)
        prefix = title_prefix(item.title, encoder, 40)
        budget = encoder.window() - encoder.count_tokens(prefix)
        assert chunks
        for chunk in chunks:
            assert item.text[chunk.start : chunk.end] == chunk.text
            assert chunk.model_tokens == encoder.count_tokens(chunk.text) <= budget
            # What the model reads (title prefix + chunk) fits its window whole: nothing is truncated.
            assert encoder.count_tokens(prefix + chunk.text) <= encoder.window()
            assert chunk.llm_tokens > 0
        # Chunks fill the window: only a document's last chunk may stop a sentence or more short of it.
        longest_sentence = max(encoder.count_tokens(item.text[s:e]) for s, e in sentence_spans(item.text))
        assert all(chunk.model_tokens > budget - longest_sentence - 1 for chunk in chunks[:-1])
        # Every sentence of the document lands whole in some chunk.
        for start, end in sentence_spans(item.text):
            if encoder.count_tokens(item.text[start:end]) <= budget:
                assert any(c.start <= start and end <= c.end for c in chunks)


def test_a_set_cap_still_bounds_chunks(encoder: Encoder) -> None:
    """Indexes built before chunks filled the window record max_tokens 200 and keep chunking to it."""
    item = next(item for item in read_inputs([KZ_CORPUS]) if isinstance(item, SourceDocument))
    chunks = chunk_document(item, encoder, ChunkerSettings(max_tokens=200), title_max_tokens=40)
    assert len(chunks) > 1 and max(chunk.model_tokens for chunk in chunks) <= 200


def test_long_sentence_is_cut_at_token_boundaries(encoder: Encoder) -> None:
    text = " ".join(f"word{i}" for i in range(600))
    spans = chunk_spans(sentence_spans(text), encoder.token_offsets(text), max_tokens=50, overlap_tokens=48)
    assert len(spans) > 1
    assert all(encoder.count_tokens(text[s:e]) <= 50 for s, e in spans)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)


@pytest.mark.parametrize("overlap", [0, 48])
def test_overlap_is_bounded(encoder: Encoder, overlap: int) -> None:
    text = " ".join(f"Sentence number {i} says something." for i in range(200))
    spans = chunk_spans(sentence_spans(text), encoder.token_offsets(text), max_tokens=60, overlap_tokens=overlap)
    for (_, first_end), (second_start, _) in itertools.pairwise(spans):
        shared = max(0, first_end - second_start)
        assert encoder.count_tokens(text[second_start : second_start + shared]) <= overlap
