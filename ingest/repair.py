"""`citeqa doctor`: find disagreements between manifest, SQLite and FAISS, and repair them."""

from __future__ import annotations

from pathlib import Path

from ingest import index as index_dir
from ingest import store, vectors
from ingest.errors import IndexFormatError
from ingest.lock import write_lock


def check_index(directory: Path, *, repair: bool = False) -> list[str]:
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
            return problems
        finally:
            index.close()


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
