"""The HTTP calls to the public API, through any client shaped like `HttpClient` (`HttpClient`).

Starlette's TestClient is such a client but, with current Starlette, a subclass of `httpx2.Client` rather
than of `HttpClient`; so eval types its client structurally and works with both, in-process or over TCP.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from eval.errors import ServiceError


class Response(Protocol):
    status_code: int

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class HttpClient(Protocol):
    """What eval needs of an HTTP client: `httpx.Client(base_url=...)`, or FastAPI's TestClient."""

    @property
    def base_url(self) -> Any: ...

    def request(self, method: str, url: str, *, json: Any = None) -> Response: ...


@dataclass(frozen=True, slots=True)
class Reply:
    """One `/v1/query` answer; `error` names a refused or malformed reply (then nothing else is set)."""

    passages: list[dict[str, Any]]
    answer: dict[str, Any] | None
    took_ms: float | None
    latency_ms: float
    error: str | None = None
    support: dict[str, float] | None = None  # the service's answer-or-abstain features, when it reports them


def ask(client: HttpClient, question: str, *, k: int) -> Reply:
    started = time.perf_counter()
    response = _send(client, "POST", "/v1/query", json={"question": question, "k": k})
    latency_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        return Reply([], None, None, latency_ms, error=f"HTTP {response.status_code}: {_detail(response)}")
    body = _json(response, "POST /v1/query")
    passages, answer, took = body.get("passages"), body.get("answer"), body.get("took_ms")
    if not isinstance(passages, list) or not all(isinstance(p, dict) for p in passages):
        return Reply([], None, None, latency_ms, error="reply has no `passages` list of objects")
    if answer is not None and not isinstance(answer, dict):
        return Reply([], None, None, latency_ms, error="reply `answer` is neither an object nor null")
    took_ms = float(took) if isinstance(took, int | float) and not isinstance(took, bool) else None
    support = body.get("support")
    return Reply(passages, answer, took_ms, latency_ms, support=support if isinstance(support, dict) else None)


def health(client: HttpClient) -> dict[str, Any]:
    """`GET /healthz`; a service that is not ready stops the run before any question is asked."""
    response = _send(client, "GET", "/healthz")
    if response.status_code != 200:
        raise ServiceError(f"the service at {client.base_url} is not ready: GET /healthz answered "
                           f"HTTP {response.status_code} ({_detail(response)})")
    return _json(response, "GET /healthz")


class Documents:
    """Document texts by id, fetched once per run and shared by worker threads; None when not served."""

    def __init__(self, client: HttpClient) -> None:
        self._client = client
        self._texts: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def __call__(self, doc_id: str) -> str | None:
        with self._lock:
            if doc_id in self._texts:
                return self._texts[doc_id]
        text = self._fetch(doc_id)
        with self._lock:
            return self._texts.setdefault(doc_id, text)

    def _fetch(self, doc_id: str) -> str | None:
        path = f"/v1/documents/{quote(doc_id, safe='')}"
        response = _send(self._client, "GET", path)
        text = _json(response, f"GET {path}").get("text") if response.status_code == 200 else None
        return text if isinstance(text, str) else None


def _send(client: HttpClient, method: str, path: str, *, json: Any = None) -> Response:
    try:
        return client.request(method, path, json=json)
    except httpx.TransportError as error:
        raise ServiceError(f"cannot reach the citeqa service at {client.base_url} ({error}); start it with "
                           "`citeqa serve` or evaluate in-process with --index") from error


def _json(response: Response, path: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise ServiceError(f"{path} did not answer JSON; is this a citeqa service?") from error
    if not isinstance(body, dict):
        raise ServiceError(f"{path} answered {type(body).__name__}, expected a JSON object")
    return body


def _detail(response: Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("detail", body) if isinstance(body, dict) else body)[:200]
