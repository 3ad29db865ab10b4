"""Write endpoints: add, replace and delete documents through the ingest pipeline, one write at a time.

A write holds the in-process mutex and the index's cross-process write lock, then applies one atomic
generation with `ingest.pipeline.apply_documents` (the code `citeqa ingest` runs). The shared Index
switches to the new generation before the response is sent, so the next query sees the change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ingest import store
from ingest.errors import DocumentNotFound, IndexLockedError
from ingest.index import reading
from ingest.lock import write_lock
from ingest.pipeline import IngestSummary, apply_documents
from ingest.readers import parse_jsonl_line
from ingest.records import SourceDocument
from service import schemas
from service.observability import AppMetrics
from service.security import require_write_key
from service.state import AppState, State
from service.uploads import UploadRejected, documents_from_upload

router = APIRouter(dependencies=[Depends(require_write_key)])
LOCK_POLL_S = 0.05

_UPLOAD_SCHEMA = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "a .txt .md .html .htm or .jsonl file"},
        "id": {"type": "string", "description": "document id; default: the file name's sanitised stem"},
    },
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": schemas.DocumentIn.model_json_schema()},
            "multipart/form-data": {"schema": _UPLOAD_SCHEMA},
        },
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "CITEQA_API_KEY is set and the bearer token is missing or wrong"},
    413: {"description": "body over CITEQA_MAX_BODY_BYTES"},
    415: {"description": "content type or file type that cannot be ingested"},
    503: {"description": "another writer held the index for longer than CITEQA_REQUEST_TIMEOUT_S"},
}


@router.post(
    "/v1/documents",
    status_code=201,
    response_model=schemas.WriteResult,
    responses={200: {"model": schemas.WriteResult, "description": "replaced or unchanged"}, **_ERRORS},
    openapi_extra=_BODY,
    summary="Add or replace documents: a JSON document or a multipart file upload",
)
async def add_documents(request: Request, response: Response, state: State, metrics: AppMetrics) -> schemas.WriteResult:
    documents, warnings = await _documents_in(request)
    summary = await run_in_threadpool(write, state, documents)
    metrics.record_write(summary)
    response.status_code = 201 if summary.added else 200
    return schemas.WriteResult(
        ids=[document.id for document in documents],
        added=summary.added,
        updated=summary.updated,
        unchanged=summary.unchanged,
        chunks=summary.chunks,
        warnings=warnings + summary.warnings,
    )


@router.delete(
    "/v1/documents/{doc_id:path}",
    status_code=204,
    response_class=Response,
    responses={404: {"description": "no document with that id"}, **_ERRORS},
    summary="Delete a document",
)
def delete_document(doc_id: str, state: State, metrics: AppMetrics) -> Response:
    metrics.record_write(write(state, [], delete_ids=[doc_id]))
    return Response(status_code=204)


def write(state: AppState, documents: Sequence[SourceDocument], *, delete_ids: Sequence[str] = ()) -> IngestSummary:
    """Apply documents and deletions as one generation; DocumentNotFound when a deleted id is unknown."""
    started = time.perf_counter()
    summary = IngestSummary()
    with _exclusive(state, seconds=state.settings.request_timeout_s):
        _require_existing(state, delete_ids)
        apply_documents(
            state.engine.index, documents, encoder=state.engine.encoder, summary=summary, delete_ids=delete_ids
        )
    summary.seconds = time.perf_counter() - started
    return summary


@contextmanager
def _exclusive(state: AppState, *, seconds: float) -> Iterator[None]:
    """Hold the process's write mutex and the index's file lock, waiting at most `seconds` for them.

    A bounded wait (not `wait=True`): a request that gave up must not be applied later, after its
    client was told it failed.
    """
    deadline = time.monotonic() + seconds
    if not state.write_mutex.acquire(timeout=seconds):
        raise _busy(f"another write through this server is still running after {seconds:g} s")
    try:
        with ExitStack() as stack:
            while True:
                try:
                    stack.enter_context(write_lock(state.engine.index.directory))
                    break
                except IndexLockedError as error:
                    if time.monotonic() >= deadline:
                        raise _busy(str(error)) from error
                    time.sleep(LOCK_POLL_S)
            yield
    finally:
        state.write_mutex.release()


def _busy(reason: str) -> HTTPException:
    return HTTPException(status_code=503, detail=f"index busy: {reason}", headers={"Retry-After": "1"})


def _require_existing(state: AppState, doc_ids: Sequence[str]) -> None:
    with reading(state.engine.index) as db:
        for doc_id in doc_ids:
            if store.get_document_meta(db, doc_id) is None:
                raise DocumentNotFound(f"no document with id {doc_id!r}")


async def _documents_in(request: Request) -> tuple[list[SourceDocument], list[str]]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return [_json_document(await request.body())], []
    if media_type == "multipart/form-data":
        return await _uploaded_documents(request)
    raise HTTPException(
        status_code=415,
        detail=f"Content-Type {media_type or '(none)'} is not accepted; send application/json or multipart/form-data",
    )


def _json_document(body: bytes) -> SourceDocument:
    try:
        document = schemas.DocumentIn.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_input=False, include_url=False)) from None
    # The JSON body is a JSONL line by another name: the same parser fills in metadata the same way.
    record = parse_jsonl_line(document.model_dump_json(), origin="request")
    if not isinstance(record, SourceDocument):
        raise HTTPException(status_code=422, detail=record.reason)
    return record


async def _uploaded_documents(request: Request) -> tuple[list[SourceDocument], list[str]]:
    async with request.form(max_files=1, max_fields=1) as form:
        upload, doc_id = form.get("file"), form.get("id")
        if not isinstance(upload, UploadFile):
            raise HTTPException(status_code=422, detail="send the document as a multipart file field named 'file'")
        if doc_id is not None and not isinstance(doc_id, str):
            raise HTTPException(status_code=422, detail="field 'id' must be text, not a file")
        data = await upload.read()
        filename = upload.filename or ""
    try:
        return documents_from_upload(filename, data, doc_id=doc_id)
    except UploadRejected as error:
        raise HTTPException(status_code=error.status, detail=error.detail) from None
