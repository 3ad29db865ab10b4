"""`citeqa doctor`: find disagreements between manifest, SQLite and FAISS, and repair them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest import index as index_dir
from ingest import manifest as manifest_file
from ingest import sentence_vectors, store, vectors
from ingest.encoder import Encoder
from ingest.errors import IndexFormatError
from ingest.lock import write_lock


@dataclass(frozen=True, slots=True)
class SentenceGaps:
    """Where an index that keeps sentence vectors lacks them (`missing`: chunk row ids) or keeps rows of
    chunks that are gone (`orphaned`)."""

    missing: list[int]
    orphaned: list[int]

    def problems(self) -> list[str]:
        found = []
        if self.missing:
            found.append(f"{len(self.missing)} chunks have no sentence vectors (they rank by their words alone)")
        if self.orphaned:
            found.append(f"{len(self.orphaned)} sentence-vector rows belong to no chunk")
        return found


def check_index(
    directory: Path, *, repair: bool = False, load_encoder: Callable[[], Encoder] | None = None
) -> list[str]:
    """The index's problems, repaired when `repair`; `load_encoder` gives the model that re-embeds missing
    sentence vectors (loaded only when some are missing)."""
    with write_lock(directory, wait=True):
        try:
            index = index_dir.open_index(directory)
        except IndexFormatError as error:
            if not repair or not (directory / store.DB_NAME).is_file():
                raise
            return _rebuild_missing_vectors(directory, str(error))
        try:
            problems = index_dir.integrity_problems(index)
            if problems and repair:
                index_dir.rebuild_vectors(index)
            gaps = sentence_gaps(index)
            gap_problems = gaps.problems()
            if gap_problems and repair:
                _restore_sentence_vectors(index, gaps, load_encoder)
            return problems + gap_problems
        finally:
            index.close()


def sentence_gaps(index: index_dir.Index) -> SentenceGaps:
    """Missing and orphaned sentence rows; none for an index built without sentence vectors. Not part of
    `integrity_problems`, which a server checks before it starts: a chunk without its row still ranks."""
    if not sentence_vectors.stored_in(index.manifest):
        return SentenceGaps([], [])
    return SentenceGaps(*store.sentence_row_gaps(index.db))


def _restore_sentence_vectors(
    index: index_dir.Index, gaps: SentenceGaps, load_encoder: Callable[[], Encoder] | None
) -> None:
    """Re-embed the missing chunks' sentences (with the index's own model) and drop orphaned rows, as one write."""
    encoder = None
    if gaps.missing:
        if load_encoder is None:
            raise ValueError("re-embedding missing sentence vectors needs the model")
        encoder = load_encoder()
        manifest_file.check_model(index.manifest, encoder.info, index.directory)
    with index_dir.writing(index) as pending:
        store.delete_sentence_vectors(pending.db, gaps.orphaned)
        if encoder is not None:
            chunks = store.get_chunks(pending.db, gaps.missing)
            ids = sorted(chunks)
            found = sentence_vectors.embed_sentences([chunks[i].text for i in ids], encoder)
            store.insert_sentence_vectors(pending.db, ids, found)


def _rebuild_missing_vectors(directory: Path, problem: str) -> list[str]:
    """The vectors file itself is gone: start from an empty one of the committed generation, then rebuild."""
    db = store.connect(directory)
    try:
        manifest = store.get_meta(db, "manifest")
        empty = vectors.new_index(int(manifest["embedding_model"]["dimension"]), manifest["index_spec"])
        vectors.save(empty, directory, int(manifest["generation"]))
    finally:
        db.close()
    index = index_dir.open_index(directory)
    try:
        index_dir.rebuild_vectors(index)
    finally:
        index.close()
    return [problem]
