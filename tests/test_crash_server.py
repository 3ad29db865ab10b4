"""Crashes and damage: a `kill -9` of the server mid-upload loses nothing acknowledged and leaves no partial
document; a damaged index is refused at start-up with the repair command, and that command repairs it."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import httpx
import numpy as np
import pytest

from ingest import store, vectors
from ingest.index import integrity_problems, open_index
from tests.conftest import MULTIHOP
from tests.live_server import LiveServer, free_port, run_cli, start_server

pytestmark = pytest.mark.slow
# DEBUG markers of ingest.pipeline.apply_documents: killing right after each hits a different stage of a write.
PHASES = ["embedding", "committing generation"]
QUESTION = "What did the Amazon sellers say about the FTC case?"


@dataclass
class Uploads:
    """Documents sent by concurrent clients, and which of them the server acknowledged."""

    sent: dict[str, str] = field(default_factory=dict)
    acknowledged: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ack_event: threading.Event = field(default_factory=threading.Event)


def _articles(count: int) -> list[dict[str, str]]:
    lines = (MULTIHOP / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    return [json.loads(line) for line in lines]


def _upload_loop(server: LiveServer, uploads: Uploads, documents: list[dict[str, str]]) -> None:
    with server.client(timeout=60) as client:
        for document in documents:
            with uploads.lock:
                uploads.sent[document["id"]] = document["text"]
            try:
                response = client.post("/v1/documents", json=document)
            except httpx.HTTPError:  # the server was killed: this upload's fate is unknown
                return
            assert response.status_code == 201, response.text
            with uploads.lock:
                uploads.acknowledged.add(document["id"])
                if len(uploads.acknowledged) >= 2:
                    uploads.ack_event.set()


def _kill_mid_upload(server: LiveServer, phase: str, prefix: str) -> Uploads:
    uploads = Uploads()
    articles = _articles(24)
    batches = [
        [{"id": f"{prefix}-{i}", "title": a["title"], "text": a["text"]} for i, a in enumerate(articles) if i % 2 == k]
        for k in (0, 1)
    ]
    threads = [threading.Thread(target=_upload_loop, args=(server, uploads, batch)) for batch in batches]
    for thread in threads:
        thread.start()
    while not uploads.ack_event.wait(timeout=1):
        assert any(thread.is_alive() for thread in threads), "the uploads stopped before two were acknowledged"
    offset = len(server.log_text())
    assert server.wait_for_log(phase, after=offset), f"no write reached {phase!r}"
    server.kill()
    for thread in threads:
        thread.join(timeout=120)
    return uploads


def _chunk_rows(db: object, doc_id: str) -> list[tuple[int, int, int, int, str]]:
    sql = "SELECT id, ordinal, start, end, text FROM chunks WHERE doc_id = ? ORDER BY ordinal"
    return list(db.execute(sql, (doc_id,)))  # type: ignore[attr-defined]


def _check_whole(index_dir: Path, uploads: Uploads) -> set[str]:
    """Every acknowledged document is stored whole; every other one sent is whole or absent. The ids stored."""
    index = open_index(index_dir)
    try:
        assert integrity_problems(index) == []
        faiss_ids = set(faiss.vector_to_array(index.vectors.id_map).tolist())
        stored = {document.id for document in store.list_documents(index.db)}
        for doc_id, text in uploads.sent.items():
            found = store.get_document(index.db, doc_id)
            if found is None:
                assert doc_id not in uploads.acknowledged, f"acknowledged {doc_id} was lost"
                continue
            assert found[1] == text, f"{doc_id} stored with other text"
            rows = _chunk_rows(index.db, doc_id)
            assert [row[1] for row in rows] == list(range(len(rows))) and rows, f"{doc_id} has missing chunks"
            assert all(text[start:end] == chunk for _, _, start, end, chunk in rows)
            assert {row[0] for row in rows} <= faiss_ids, f"{doc_id} has chunks without vectors"
        return stored
    finally:
        index.close()


def test_kill_9_mid_upload_keeps_every_document_whole(kz_index: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(kz_index, index_dir)
    env = {"CITEQA_LOG_LEVEL": "DEBUG"}
    server = start_server(index_dir, log=tmp_path / "serve-0.log", env=env)
    for round_, phase in enumerate(PHASES):
        uploads = _kill_mid_upload(server, phase, prefix=f"crash{round_}")
        in_flight = set(uploads.sent) - uploads.acknowledged
        assert in_flight, "the kill came between uploads, not during one"
        stored = _check_whole(index_dir, uploads)
        server = start_server(index_dir, log=tmp_path / f"serve-{round_ + 1}.log", env=env)
        with server.client() as client:
            listed = {document["id"] for document in client.get("/v1/documents").json()["documents"]}
            assert listed == stored
            assert client.post("/v1/query", json={"question": QUESTION}).status_code == 200
    server.stop()


def _tamper_vectors(index_dir: Path) -> None:
    """Replace the current vectors file with one that lacks a vector."""
    index = open_index(index_dir)
    generation, damaged = index.generation, faiss.clone_index(index.vectors)
    index.close()
    damaged.remove_ids(np.array([faiss.vector_to_array(damaged.id_map)[0]], dtype=np.int64))
    vectors.save(damaged, index_dir, generation)


def _tamper_manifest(index_dir: Path) -> None:
    """Make the manifest's counts disagree with the rows."""
    db = store.connect(index_dir)
    try:
        manifest = store.get_meta(db, "manifest")
        manifest["counts"]["chunks"] += 3
        with store.transaction(db):
            store.set_meta(db, "manifest", manifest)
    finally:
        db.close()


@pytest.fixture(params=["vectors", "manifest"])
def damaged_index(request: pytest.FixtureRequest, kz_index_copy: Path) -> Iterator[tuple[Path, str]]:
    {"vectors": _tamper_vectors, "manifest": _tamper_manifest}[request.param](kz_index_copy)
    yield kz_index_copy, {"vectors": "FAISS holds", "manifest": "manifest counts"}[request.param]


def test_damaged_index_is_refused_then_repaired(damaged_index: tuple[Path, str]) -> None:
    index_dir, problem = damaged_index
    refused = run_cli(["serve", "--index", str(index_dir), "--port", str(free_port())])
    assert refused.returncode == 1
    assert problem in refused.stderr and f"citeqa doctor --repair --index {index_dir}" in refused.stderr
    checked = run_cli(["doctor", "--index", str(index_dir)])
    assert checked.returncode == 1 and problem in checked.stdout
    repaired = run_cli(["doctor", "--repair", "--index", str(index_dir)])
    assert repaired.returncode == 0 and "index repaired" in repaired.stdout
    assert "index is consistent" in run_cli(["doctor", "--index", str(index_dir)]).stdout
    index = open_index(index_dir)
    try:
        assert integrity_problems(index) == [] and index.vectors.ntotal == store.counts(index.db)["chunks"]
    finally:
        index.close()
