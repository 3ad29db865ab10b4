"""Observability: Prometheus metrics per app, request ids echoed in X-Request-ID, one JSON log line each."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from ingest.encoder import Encoder
from service.observability import JsonFormatter, request_id_var
from tests.live_server import app_client, live_server

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return float(samples.get((name, frozenset(labels.items())), 0.0))


def test_request_ids_are_generated_echoed_or_replaced(client: TestClient) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32 and int(generated, 16) >= 0
    assert client.get("/healthz", headers={"X-Request-ID": "trace-7f3a.1"}).headers["x-request-id"] == "trace-7f3a.1"
    for insane in ("two words", "x" * 200, "a\u00e9b", ""):
        echoed = client.get("/healthz", headers={b"X-Request-ID": insane.encode()})
        assert echoed.headers["x-request-id"] != insane and len(echoed.headers["x-request-id"]) == 32
    assert "x-request-id" in client.get("/no/such/page").headers  # errors carry one too


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    before = _samples(client)
    client.post("/v1/query", json={"question": "Who commanded the CSTO peacekeepers?"})
    client.post("/v1/query", json={"question": ""})
    client.get("/v1/documents/000_47f4620c9fdd8a53")
    client.get("/v1/documents/no-such-doc")
    client.get("/random/path/abc")
    after = _samples(client)
    counter = "citeqa_http_requests_total"
    for method, route, status in [
        ("POST", "/v1/query", "200"),
        ("POST", "/v1/query", "422"),
        ("GET", "/v1/documents/{doc_id:path}", "200"),
        ("GET", "/v1/documents/{doc_id:path}", "404"),
        ("GET", "unmatched", "404"),
    ]:
        labels = {"method": method, "route": route, "status": status}
        assert _value(after, counter, **labels) == _value(before, counter, **labels) + 1, labels
    histogram = "citeqa_http_request_duration_seconds_count"
    assert _value(after, histogram, method="POST", route="/v1/query") >= 2
    assert not any("random" in str(labels) for _, labels in after)  # raw paths never become label values


def test_index_gauges_and_ingest_counters_follow_writes(client: TestClient) -> None:
    before = _samples(client)
    assert _value(before, "citeqa_index_documents") == 5
    document = {"id": "metered", "text": "A short note about metrics. It has two sentences."}
    assert client.post("/v1/documents", json=document).status_code == 201
    middle = _samples(client)
    assert _value(middle, "citeqa_index_documents") == 6
    assert _value(middle, "citeqa_index_chunks") == _value(before, "citeqa_index_chunks") + 1
    assert _value(middle, "citeqa_ingest_documents_total", outcome="added") == 1 + _value(
        before, "citeqa_ingest_documents_total", outcome="added"
    )
    assert _value(middle, "citeqa_ingest_chunks_total") >= 1
    assert client.delete("/v1/documents/metered").status_code == 204
    after = _samples(client)
    assert _value(after, "citeqa_index_documents") == 5
    assert _value(after, "citeqa_ingest_documents_total", outcome="deleted") >= 1


def test_each_app_has_its_own_registry(index_dir: Path, encoder: Encoder, client: TestClient) -> None:
    with app_client(index_dir, encoder) as fresh:
        samples = _samples(fresh)
    requests = [value for (name, _), value in samples.items() if name == "citeqa_http_requests_total"]
    assert requests == []  # the first scrape is counted after it is answered


def test_access_log_record_carries_the_request_id(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="citeqa.http"):
        client.get("/healthz", headers={"X-Request-ID": "log-check-1"})
    record = next(r for r in caplog.records if r.name == "citeqa.http")
    assert (record.route, record.status, record.method) == ("/healthz", 200, "GET")  # type: ignore[attr-defined]
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "request" and line["status"] == 200 and line["duration_ms"] >= 0


def test_json_formatter_adds_the_current_request_id() -> None:
    token = request_id_var.set("abc")
    try:
        record = logging.LogRecord("citeqa.ingest", logging.WARNING, __file__, 1, "x: %s", ("y",), None)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "abc" and line["msg"] == "x: y" and line["level"] == "WARNING"


@pytest.mark.slow
def test_live_server_logs_one_json_object_per_line(index_dir: Path, tmp_path: Path) -> None:
    with live_server(index_dir, log=tmp_path / "serve.log") as server, server.client() as http:
        echoed = http.get("/v1/documents", headers={"X-Request-ID": "live-1"}).headers["x-request-id"]
    assert echoed == "live-1"
    lines = [line for line in server.log_text().splitlines() if line.startswith("{")]
    parsed = [json.loads(line) for line in lines]
    assert all({"ts", "level", "logger", "msg"} <= set(line) for line in parsed)
    access = [line for line in parsed if line["logger"] == "citeqa.http" and line.get("request_id") == "live-1"]
    assert len(access) == 1 and access[0]["route"] == "/v1/documents" and access[0]["status"] == 200
