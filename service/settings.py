"""The one settings object: CLI flags first, then CITEQA_* environment variables, then defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITEQA_", extra="ignore")

    index: Path = Field(Path("citeqa-index"), description="index directory")
    model: str | None = Field(None, description="local sentence-transformers folder; default: bundled MiniLM")
    backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "torch", description="encoder runtime: torch, onnx (float32, same vectors) or onnx-int8 (faster, close)"
    )
    sentence_vectors: bool = Field(
        True,
        description="a new index also stores each passage's sentence vectors: better ranking for questions with "
        "several claims, at 2x ingest time and 1.9x index size (an existing index keeps its own choice)",
    )
    onnx_cache: Path | None = Field(None, description="where ONNX exports are cached; default ~/.cache/citeqa/onnx")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_key: SecretStr | None = Field(None, description="bearer token required for writes")
    api_key_reads: bool = Field(False, description="require the key for reads too")
    max_body_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    request_timeout_s: float = Field(30.0, gt=0)
    query_cache_size: int = Field(4096, ge=0)
    log_level: str = "INFO"
