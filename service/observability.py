"""Observability: Prometheus metrics (one registry per app), request ids, and JSON log lines."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.index import reading
from ingest.pipeline import IngestSummary
from service.limits import send_json
from service.security import require_read_key
from service.state import State

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is echoed only when it is short and plain, so it cannot forge log lines or headers.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("citeqa_request_id", default=None)
access_log = logging.getLogger("citeqa.http")


@dataclass
class Metrics:
    """The app's metrics, in a registry of its own: tests build many apps in one process."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "citeqa_http_requests", "HTTP requests by route template and status", ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "citeqa_http_request_duration_seconds", "HTTP request latency", ["method", "route"], registry=r
        )
        self.documents = Gauge("citeqa_index_documents", "documents in the index", registry=r)
        self.chunks = Gauge("citeqa_index_chunks", "chunks (passages) in the index", registry=r)
        self.generation = Gauge("citeqa_index_generation", "committed index generation", registry=r)
        self.ingested = Counter(
            "citeqa_ingest_documents", "documents written through the API, by outcome", ["outcome"], registry=r
        )
        self.embedded = Counter("citeqa_ingest_chunks", "chunks embedded by API writes", registry=r)

    def record_write(self, summary: IngestSummary) -> None:
        for outcome in ("added", "updated", "unchanged", "deleted", "skipped"):
            self.ingested.labels(outcome).inc(getattr(summary, outcome))
        self.embedded.inc(summary.chunks)


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


AppMetrics = Annotated[Metrics, Depends(get_metrics)]
router = APIRouter()


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Depends(require_read_key)],
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
    summary="Prometheus metrics",
)
def metrics_endpoint(state: State, metrics: AppMetrics) -> Response:
    with reading(state.engine.index):  # picks up generations committed by other processes too
        manifest = state.engine.index.manifest
    metrics.documents.set(manifest["counts"]["documents"])
    metrics.chunks.set(manifest["counts"]["chunks"])
    metrics.generation.set(manifest["generation"])
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SANE_ID.match(text) else None
    return None


def _route_of(scope: Scope) -> str:
    """The matched route's template: bounded label values, whatever paths clients (or fuzzers) send."""
    route = scope.get("route")
    return str(getattr(route, "path", None) or "unmatched")


class RequestTelemetry:
    """Give each request an id (echoed in X-Request-ID), time it, count it and log one JSON line."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started, status = time.perf_counter(), 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The traceback goes to the log, with the request id, and never into the response.
            access_log.exception("unhandled error")
            if not status:
                await send_json(send_with_id, 500, f"internal error; the server log has request id {request_id}")
            raise
        finally:
            self._record(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method, route = scope.get("method", ""), _route_of(scope)
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(seconds)
        access_log.info(
            "request",
            extra={
                "method": method,
                "path": scope.get("path", ""),
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )


# LogRecord's own attributes, and uvicorn's ANSI-coloured copy of its message: not worth a JSON field.
_STANDARD = {*vars(logging.LogRecord("", 0, "", 0, "", (), None)), "message", "asctime", "taskName", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            line["request_id"] = request_id
        line.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_json_logging(level: str) -> None:
    """Route every logger (uvicorn's too) through one JSON handler on stderr; called by `citeqa serve`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
