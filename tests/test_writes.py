"""Live document management: writes through HTTP (and the CLI beside a running server) are seen at once,
whole, and never half-applied."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ingest.encoder import Encoder
from ingest.index import integrity_problems, open_index
from ingest.lock import write_lock
from tests.conftest import KZ_CORPUS, MULTIHOP
from tests.live_server import LiveServer, app_client, live_server, run_cli

pytestmark = pytest.mark.slow
FACT = "The Zorbulan lighthouse keeper Ottilie Vance counted 4,112 migrating cranes on 3 March 2022."
QUESTION = "How many migrating cranes did Ottilie Vance count?"


def _ids(client: TestClient | httpx.Client) -> list[str]:
    return sorted(document["id"] for document in client.get("/v1/documents").json()["documents"])


def _passage_docs(client: TestClient | httpx.Client, question: str, k: int = 5) -> list[str]:
    return [p["doc_id"] for p in client.post("/v1/query", json={"question": question, "k": k}).json()["passages"]]


def test_add_replace_delete_are_seen_at_once(client: TestClient) -> None:
    document = {"id": "live/cranes", "text": FACT, "source": "Zorbula Post", "date": "2022-03-03"}
    added = client.post("/v1/documents", json=document)
    assert added.status_code == 201, added.text
    assert added.json()["ids"] == ["live/cranes"] and added.json()["added"] == 1
    assert _passage_docs(client, QUESTION)[0] == "live/cranes"
    stored = client.get("/v1/documents/live/cranes").json()
    assert (stored["text"], stored["source"], stored["date"]) == (FACT, "Zorbula Post", "2022-03-03")

    same = client.post("/v1/documents", json=document)
    assert (same.status_code, same.json()["unchanged"], same.json()["chunks"]) == (200, 1, 0)
    replaced_text = FACT.replace("4,112", "5,003")
    replaced = client.post("/v1/documents", json={"id": "live/cranes", "text": replaced_text})
    assert (replaced.status_code, replaced.json()["updated"]) == (200, 1)
    passage = client.post("/v1/query", json={"question": QUESTION}).json()["passages"][0]
    assert "5,003" in passage["text"] and passage["source"] is None  # metadata is replaced too, never merged

    assert client.delete("/v1/documents/live/cranes").status_code == 204
    assert client.get("/v1/documents/live/cranes").status_code == 404
    assert "live/cranes" not in _passage_docs(client, QUESTION, k=10)
    gone = client.delete("/v1/documents/live/cranes")
    assert gone.status_code == 404 and "live/cranes" in gone.json()["detail"]


def test_an_outlet_first_seen_in_a_write_is_recognised_in_questions(client: TestClient) -> None:
    # The engine keeps the index's outlet names between queries; a write must not leave them stale.
    question = "How many cranes did the lighthouse keeper count, as reported by {}?"
    assert client.post("/v1/query", json={"question": question.format("Zorbula Post")}).status_code == 200
    reports = [
        {"id": "live/zorbula", "text": FACT, "source": "Zorbula Post"},
        {"id": "live/quellport", "text": FACT.replace("4,112", "3,987").replace("Ottilie", "Otto"),
         "source": "Quellport Herald"},
    ]
    for report in reports:
        assert client.post("/v1/documents", json=report).status_code == 201
    try:
        for report in reports:
            assert _passage_docs(client, question.format(report["source"]))[0] == report["id"]
    finally:
        for report in reports:
            client.delete(f"/v1/documents/{report['id']}")


def test_uploads_of_each_format_use_the_ingest_readers(client: TestClient) -> None:
    files = {
        "notes.md": b"# Crane census\n\n" + FACT.encode(),
        "page.html": b"<html><head><title>Crane census</title></head><body><p>" + FACT.encode() + b"</p></body></html>",
        "plain.txt": FACT.encode(),
    }
    for name, data in files.items():
        response = client.post("/v1/documents", files={"file": (name, data)})
        assert response.status_code == 201, response.text
        doc_id = name.split(".")[0]
        assert response.json()["ids"] == [doc_id]
        stored = client.get(f"/v1/documents/{doc_id}").json()
        assert FACT in stored["text"]
        if name != "plain.txt":
            assert stored["title"] == "Crane census"
    lines = [json.dumps({"id": f"batch-{i}", "text": f"{FACT} Batch line {i}."}) for i in range(3)]
    batch = client.post("/v1/documents", files={"file": ("batch.jsonl", "\n".join(lines).encode())})
    assert batch.status_code == 201 and batch.json()["ids"] == ["batch-0", "batch-1", "batch-2"]
    named = client.post("/v1/documents", files={"file": ("x.txt", FACT.encode())}, data={"id": "chosen/id"})
    assert named.json()["ids"] == ["chosen/id"]
    for doc_id in ["notes", "page", "plain", "batch-0", "batch-1", "batch-2", "chosen/id"]:
        assert client.delete(f"/v1/documents/{doc_id}").status_code == 204


def test_write_waits_for_the_lock_at_most_the_timeout(index_dir: Path, encoder: Encoder) -> None:
    """While another process holds the write lock, a write answers 503 and is never applied later."""
    with app_client(index_dir, encoder, request_timeout_s=1.0) as client:
        before = _ids(client)
        with write_lock(index_dir):
            started = time.monotonic()
            response = client.post("/v1/documents", json={"id": "late", "text": FACT})
            waited = time.monotonic() - started
        assert response.status_code == 503 and "index busy" in response.json()["detail"]
        assert response.headers["retry-after"] == "1" and 1.0 <= waited < 10
        time.sleep(0.5)
        assert _ids(client) == before


@pytest.fixture(scope="module")
def server(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(index_dir, log=tmp_path_factory.mktemp("logs") / "serve.log") as running:
        yield running


def test_cli_ingest_while_serving_is_picked_up(server: LiveServer, index_dir: Path, tmp_path: Path) -> None:
    """`citeqa ingest` into the index a server has open: the server serves the new generation next request."""
    (tmp_path / "cranes-cli.txt").write_text(FACT, encoding="utf-8")
    with server.client() as client:
        before = _ids(client)
        result = run_cli(["ingest", str(tmp_path / "cranes-cli.txt"), "--index", str(index_dir)])
        assert result.returncode == 0, result.stderr
        assert _ids(client) == sorted([*before, "cranes-cli"])
        assert _passage_docs(client, QUESTION)[0] == "cranes-cli"
        assert client.delete("/v1/documents/cranes-cli").status_code == 204  # and the server can write after it
    again = run_cli(["ingest", str(KZ_CORPUS), "--index", str(index_dir)])  # and the CLI after the server
    assert again.returncode == 0 and "0 added" in again.stdout, again.stderr


def _versions(per_version: int) -> list[str]:
    """Two texts of several chunks each that share no passage: each is made of other articles."""
    lines = (MULTIHOP / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[: 2 * per_version]
    texts = [json.loads(line)["text"][:1500] for line in lines]
    return [" ".join(texts[:per_version]), " ".join(texts[per_version:])]


def test_queries_during_writes_never_see_half_a_document(server: LiveServer) -> None:
    versions = _versions(3)
    failures: list[str] = []
    stop = threading.Event()
    question = {"question": "what happened to the company and its market", "k": 10, "filters": {"doc_ids": ["flip"]}}

    def reader() -> None:
        with server.client() as client:
            while not stop.is_set():
                try:
                    response = client.post("/v1/query", json=question)
                except httpx.HTTPError as error:
                    failures.append(f"query: {error!r}")
                    continue
                if response.status_code != 200:
                    failures.append(f"query: {response.status_code} {response.text[:200]}")
                    continue
                for passage in response.json()["passages"]:
                    if not any(passage["text"] in version for version in versions):
                        failures.append(f"a passage of neither version: {passage['text'][:80]!r}")
                seen = {i for p in response.json()["passages"] for i, v in enumerate(versions) if p["text"] in v}
                if len(seen) > 1:
                    failures.append("a response mixed passages of both versions")

    with server.client() as writer:
        assert writer.post("/v1/documents", json={"id": "flip", "text": versions[0]}).status_code == 201
        readers = [threading.Thread(target=reader) for _ in range(3)]
        for thread in readers:
            thread.start()
        for round_ in range(6):
            response = writer.post("/v1/documents", json={"id": "flip", "text": versions[(round_ + 1) % 2]})
            assert response.status_code == 200, response.text
            assert writer.get("/v1/documents/flip").json()["text"] == versions[(round_ + 1) % 2]
        stop.set()
        for thread in readers:
            thread.join(timeout=120)
        assert writer.delete("/v1/documents/flip").status_code == 204
    assert failures == []


def test_index_is_sound_after_the_module(server: LiveServer, index_dir: Path) -> None:
    index = open_index(index_dir)
    try:
        assert integrity_problems(index) == []
    finally:
        index.close()
