"""Ingest: read inputs, skip what is unchanged, chunk and embed the rest, apply it in one atomic write."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest import index as index_dir
from ingest import manifest as manifest_file
from ingest import sentence_vectors, store, vectors
from ingest.chunker import ChunkerSettings
from ingest.encoder import Encoder
from ingest.lock import write_lock
from ingest.passages import chunk_document, chunking_of, embedding_texts
from ingest.records import Chunk, Skipped, SourceDocument

log = logging.getLogger("citeqa.ingest")
Warn = Callable[[str], None]


@dataclass
class IngestSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    deleted: int = 0
    chunks: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped, "
            f"{self.deleted} deleted; {self.chunks} chunks embedded in {self.seconds:.1f}s"
        )


def content_hash(document: SourceDocument) -> str:
    fields = [document.text, document.title, document.date, document.source, document.url]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


def open_or_create(
    directory: Path,
    encoder: Encoder,
    *,
    chunker: ChunkerSettings,
    index_spec: str = vectors.DEFAULT_SPEC,
    title_max_tokens: int = 40,
    sentence_vectors_stored: bool = True,
) -> index_dir.Index:
    """The index at `directory`; a new one is built with these settings, an existing one keeps its own."""
    if (directory / store.DB_NAME).is_file():
        index = index_dir.open_index(directory)
        manifest_file.check_model(index.manifest, encoder.info, directory)
        return index
    manifest = manifest_file.new_manifest(
        encoder.info,
        index_spec=index_spec,
        chunker=chunker.as_dict(),
        title_max_tokens=title_max_tokens,
        sentence_vectors_stored=sentence_vectors_stored,
    )
    return index_dir.create_index(directory, manifest)


@dataclass
class _Plan:
    upserts: list[tuple[SourceDocument, str]] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def _plan(
    items: Iterable[SourceDocument | Skipped | object],
    existing: dict[str, tuple[str, str]],
    summary: IngestSummary,
    warn: Warn,
) -> _Plan:
    plan = _Plan()
    for item in items:
        if isinstance(item, SourceDocument):
            plan.seen.add(item.id)
            digest = content_hash(item)
            if item.id not in existing:
                summary.added += 1
            elif existing[item.id][0] == digest:
                summary.unchanged += 1
                continue
            else:
                summary.updated += 1
                plan.replaced.append(item.id)
            plan.upserts.append((item, digest))
        else:
            origin, reason = getattr(item, "origin", "?"), getattr(item, "reason", "?")
            if isinstance(item, Skipped):
                summary.skipped += 1
            message = f"{origin}: {reason}"
            summary.warnings.append(message)
            warn(message)
    return plan


def _prunable(existing: dict[str, tuple[str, str]], seen: set[str], roots: Sequence[Path]) -> list[str]:
    """Stored documents that came from under `roots` but were not read this time (their file is gone)."""
    resolved = [root.resolve() for root in roots]

    def under_roots(origin: str) -> bool:
        path = Path(origin.rsplit(":", 1)[0] if ":" in origin and not Path(origin).exists() else origin)
        return not path.exists() or any(path.resolve().is_relative_to(root) for root in resolved)

    return sorted(doc_id for doc_id, (_, origin) in existing.items() if doc_id not in seen and under_roots(origin))


def ingest(
    directory: Path,
    items: Iterable[SourceDocument | Skipped | object],
    *,
    encoder: Encoder,
    chunker: ChunkerSettings | None = None,
    prune_roots: Sequence[Path] | None = None,
    delete_ids: Sequence[str] = (),
    progress: bool = False,
    warn: Warn = log.warning,
    sentence_vectors_stored: bool = True,
) -> IngestSummary:
    """Apply documents (and deletions) to the index at `directory` as one atomic write. `chunker` and
    `sentence_vectors_stored` apply when this creates the index."""
    started = time.perf_counter()
    summary = IngestSummary()
    with write_lock(directory):
        index = open_or_create(
            directory, encoder, chunker=chunker or ChunkerSettings(), sentence_vectors_stored=sentence_vectors_stored
        )
        try:
            apply_documents(
                index,
                items,
                encoder=encoder,
                summary=summary,
                prune_roots=prune_roots,
                delete_ids=delete_ids,
                progress=progress,
                warn=warn,
            )
        finally:
            index.close()
    summary.seconds = time.perf_counter() - started
    return summary


def apply_documents(
    index: index_dir.Index,
    items: Iterable[SourceDocument | Skipped | object],
    *,
    encoder: Encoder,
    summary: IngestSummary,
    prune_roots: Sequence[Path] | None = None,
    delete_ids: Sequence[str] = (),
    progress: bool = False,
    warn: Warn = log.warning,
) -> None:
    """The write itself; the caller holds the write lock. Shared by the CLI and the HTTP service."""
    with index_dir.writing(index) as pending:
        existing = store.content_hashes(pending.db)
        plan = _plan(items, existing, summary, warn)
        doomed = list(plan.replaced) + [d for d in delete_ids if d in existing]
        if prune_roots is not None:
            doomed += _prunable(existing, plan.seen, prune_roots)
        summary.deleted = len(doomed) - len(plan.replaced)
        chunker, title_tokens = chunking_of(index.manifest)
        chunked = [
            (doc, digest, chunk_document(doc, encoder, chunker, title_max_tokens=title_tokens))
            for doc, digest in plan.upserts
        ]
        all_chunks = [chunk for _, _, chunks in chunked for chunk in chunks]
        log.debug("embedding %d chunks of %d documents", len(all_chunks), len(chunked))
        embedded = encoder.encode(embedding_texts(chunked, encoder, index.manifest), progress=progress)
        log.debug("embedded %d chunks", len(all_chunks))
        sentences = (
            sentence_vectors.embed_sentences([chunk.text for chunk in all_chunks], encoder, progress=progress)
            if sentence_vectors.stored_in(index.manifest)
            else None
        )
        pending.removed.extend(store.delete_documents(pending.db, sorted(set(doomed))))
        _insert(pending, chunked, embedded, sentences)
        summary.chunks = len(all_chunks)
        log.debug("committing generation %d", index.generation + 1)


def _insert(
    pending: index_dir.PendingWrite,
    chunked: list[tuple[SourceDocument, str, list[Chunk]]],
    embedded: np.ndarray,
    sentences: list[sentence_vectors.SentenceVectors] | None,
) -> None:
    offset = 0
    for doc, digest, chunks in chunked:
        rows = embedded[offset : offset + len(chunks)]
        row_ids = store.insert_document(pending.db, doc, digest, chunks, rows)
        if sentences is not None:
            store.insert_sentence_vectors(pending.db, row_ids, sentences[offset : offset + len(chunks)])
        pending.added_ids.extend(row_ids)
        pending.added_vectors.append(rows)
        offset += len(chunks)
