"""Request limits as pure ASGI middleware: body size (413), type (415) and encoding (400); a time limit (504)."""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Writes are left out of the time limit: a thread cannot be cancelled, so a write that timed out would
# still be applied after its client was told it failed. Writes are bounded by the body size limit and
# by how long they wait for the index's write lock instead (see routes_write).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRITE_PREFIX = "/v1/documents"


async def send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _declared_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    return int(value) if value is not None and value.strip().isdigit() else None


def _media_type(scope: Scope) -> str:
    return (_header(scope, b"content-type") or "").split(";")[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def body_problem(media_type: str, body: bytes) -> tuple[int, str] | None:
    """Why the API cannot take this body (status, detail), or None. Every body it takes is JSON or a form."""
    if not body:
        return None
    if not (_is_json(media_type) or media_type == "multipart/form-data"):
        shown = media_type or "(none)"
        return 415, f"Content-Type {shown} is not accepted; send application/json (or multipart/form-data for uploads)"
    if _is_json(media_type):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            return 400, f"request body is not valid UTF-8 (byte {error.start}); JSON must be UTF-8 encoded"
    return None


class BodyLimits:
    """Refuse bodies over `max_bytes` (413), of a type no endpoint reads (415) or JSON that is not UTF-8 (400).

    The body is read here, counted and replayed, so a client that sends no or a false Content-Length
    (chunked encoding) is held to the same limit; at most `max_bytes` are ever kept in memory.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await send_json(send, 413, self._message(limit))
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay(b"", message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await send_json(send, 413, self._message(limit))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        problem = body_problem(_media_type(scope), body)
        if problem is not None:
            await send_json(send, *problem)
            return
        await self.app(scope, _replay(body, None, receive), send)

    @staticmethod
    def _message(limit: int) -> str:
        return f"request body is over the {limit}-byte limit (CITEQA_MAX_BODY_BYTES)"


def _replay(body: bytes, pending: Message | None, receive: Receive) -> Receive:
    """A `receive` that hands out the buffered body as one message (or `pending`), then the real ones."""
    queue: list[Message] = [pending or {"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return queue.pop(0) if queue else await receive()

    return replay


class RequestTimeout:
    """Answer 504 when a read request runs longer than `seconds`.

    The handler's thread keeps running to completion (threads cannot be cancelled); the client is not
    kept waiting for it.
    """

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_write(scope):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        limit = self.seconds
        try:
            await asyncio.wait_for(self.app(scope, receive, tracking_send), timeout=limit)
        except TimeoutError:
            if started:  # too late for a clean error: drop the connection rather than send a half body
                raise
            await send_json(send, 504, f"the request took longer than {limit:g} s (CITEQA_REQUEST_TIMEOUT_S)")


def _is_write(scope: Scope) -> bool:
    return scope.get("method", "GET") in WRITE_METHODS and str(scope.get("path", "")).startswith(WRITE_PREFIX)
