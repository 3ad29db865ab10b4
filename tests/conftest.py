"""Shared fixtures: the real model, a real index of the sample corpus, the real app (session-scoped)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest.encoder import Encoder, load_encoder
from ingest.pipeline import ingest
from ingest.readers import read_inputs
from service.app import create_app
from service.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
KZ_CORPUS = SHARED / "corpus" / "kazakhstan-2022"
KZ_QA = SHARED / "qa" / "kazakhstan-2022.dev.jsonl"
MULTIHOP = SHARED / "bench" / "multihop-rag"


def ask(client: TestClient, question: str, **options: Any) -> dict[str, Any]:
    """POST /v1/query; the response body, asserting it succeeded."""
    response = client.post("/v1/query", json={"question": question, **options})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not KZ_CORPUS.is_dir():
        pytest.fail(f"{SHARED} is missing: the tests read the sample corpus from ../shared")
    return SHARED


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return load_encoder()


@pytest.fixture(scope="session")
def kz_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, shared_dir: Path) -> Path:
    """The sample corpus, ingested once with the real model. Read-only: copy it before writing."""
    directory = tmp_path_factory.mktemp("kz") / "index"
    ingest(directory, read_inputs([KZ_CORPUS]), encoder=encoder)
    return directory


@pytest.fixture
def kz_index_copy(kz_index: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the sample index."""
    target = tmp_path / "index"
    shutil.copytree(kz_index, target)
    return target


@pytest.fixture(scope="module")
def index_dir(kz_index: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A writable copy of the sample index shared by one test module."""
    target = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "index"
    shutil.copytree(kz_index, target)
    return target


@pytest.fixture(scope="module")
def client(index_dir: Path, encoder: Encoder) -> Iterator[TestClient]:
    """The real app over the module's writable index, in-process, reusing the loaded model."""
    from tests.live_server import app_client

    with app_client(index_dir, encoder) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def kz_client(kz_index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(index=kz_index))) as client:
        yield client
