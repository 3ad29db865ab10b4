"""Access: a bearer key guards writes (and reads on request); open writes on a public address are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.encoder import Encoder
from service.security import check_key
from tests.live_server import app_client, run_cli

KEY = "correct horse battery staple"
DOCUMENT = {"id": "guarded", "text": "A document written only by key holders."}


@pytest.fixture(scope="module")
def client(index_dir: Path, encoder: Encoder) -> Iterator[TestClient]:
    with app_client(index_dir, encoder, api_key=KEY) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({}, "needs an `Authorization: Bearer <key>` header"),
        ({"Authorization": "Bearer wrong"}, "not valid"),
        ({"Authorization": f"Bearer {KEY}x"}, "not valid"),
        ({"Authorization": f"Bearer {KEY[:-1]}"}, "not valid"),
        ({"Authorization": f"Basic {KEY}"}, "needs an `Authorization: Bearer <key>` header"),
        ({"Authorization": KEY}, "needs an `Authorization: Bearer <key>` header"),
    ],
)
def test_writes_need_the_key(client: TestClient, headers: dict[str, str], says: str) -> None:
    for response in (
        client.post("/v1/documents", json=DOCUMENT, headers=headers),
        client.post("/v1/documents", files={"file": ("guarded.txt", b"text")}, headers=headers),
        client.delete("/v1/documents/000_47f4620c9fdd8a53", headers=headers),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert says in response.json()["detail"]
    assert "guarded" not in [d["id"] for d in client.get("/v1/documents").json()["documents"]]
    assert client.get("/v1/documents/000_47f4620c9fdd8a53").status_code == 200


def test_the_key_opens_writes_and_reads_stay_open(client: TestClient) -> None:
    bearer = {"Authorization": f"Bearer {KEY}"}
    assert client.post("/v1/documents", json=DOCUMENT, headers=bearer).status_code == 201
    assert client.post("/v1/query", json={"question": "Who writes documents?"}).status_code == 200
    assert client.get("/v1/documents/guarded").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.delete("/v1/documents/guarded", headers=bearer).status_code == 204


def test_reads_need_the_key_when_asked(index_dir: Path, encoder: Encoder) -> None:
    with app_client(index_dir, encoder, api_key=KEY, api_key_reads=True) as client:
        for path in ("/v1/documents", "/v1/documents/000_47f4620c9fdd8a53", "/metrics"):
            assert client.get(path).status_code == 401
            assert client.get(path, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        assert client.post("/v1/query", json={"question": "who?"}).status_code == 401
        assert client.get("/healthz").status_code == 200  # liveness probes carry no secrets


def test_no_key_configured_means_open() -> None:
    check_key(None, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::"])
def test_serving_writes_on_a_public_address_without_a_key_is_refused(index_dir: Path, host: str) -> None:
    result = run_cli(["serve", "--index", str(index_dir), "--host", host, "--port", "9"])
    assert result.returncode == 1
    assert f"refusing to serve write endpoints on {host} without an API key" in result.stderr
    assert "CITEQA_API_KEY" in result.stderr
