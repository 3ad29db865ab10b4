"""The run manifest: what was measured (service, index, model, data, parameters, code version)."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def build(health: Mapping[str, Any], *, dataset: Path, parameters: Mapping[str, Any],
          started_at: str) -> dict[str, Any]:
    """Tolerates a /healthz without `manifest` or with a manifest of another shape: missing is None."""
    index = _mapping(health.get("manifest"))
    model = _mapping(index.get("embedding_model"))
    return {
        "started_at": started_at,
        "service_version": health.get("version"),
        "model": model.get("name"),
        "model_sha256": model.get("sha256"),
        "index": index,
        "dataset": {"path": str(dataset), "sha256": dataset_sha256(dataset)},
        "parameters": dict(parameters),
        "git_commit": git_commit(PROJECT_ROOT),
        "versions": {name: _version(name) for name in ("citeqa", "ir-measures", "pytrec-eval-terrier")},
    }


def git_commit(directory: Path) -> str | None:
    """`git rev-parse HEAD` of the checkout, or None outside a git checkout or before the first commit."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None


def dataset_sha256(path: Path) -> str:
    """Hash of a QA file, or of a BEIR folder's queries and test qrels (the corpus is the index's job)."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else [path / "queries.jsonl", path / "qrels" / "test.tsv"]
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _mapping(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
