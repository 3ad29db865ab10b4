"""Internal records that flow through ingest: what was read, and what was skipped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """One document as read from a file or a JSONL line, before chunking.

    `text` is exactly what the index stores and what passage offsets point into.
    Metadata that the input does not carry is `None`, never guessed.
    """

    id: str
    text: str
    title: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    source: str | None = None
    url: str | None = None
    origin: str = ""  # where it came from (file path, `file:line` for JSONL), for warnings and --prune


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that was not ingested, with a one-line reason naming the problem."""

    origin: str
    reason: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document: `document_text[start:end] == text`."""

    doc_id: str
    ordinal: int
    start: int
    end: int
    text: str
    model_tokens: int
    llm_tokens: int
