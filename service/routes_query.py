"""Read endpoints: questions and documents."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from ingest import store
from ingest.index import reading
from service import schemas
from service.state import State

router = APIRouter()


@router.post("/v1/query", response_model=schemas.QueryOut, summary="Answer a question with cited passages")
def query(body: schemas.QueryIn, state: State) -> schemas.QueryOut:
    return schemas.query_out(state.engine.query(body.to_request()))


@router.post(
    "/v1/query/batch",
    response_model=schemas.BatchOut,
    summary=f"Answer up to {schemas.MAX_BATCH} questions; embeddings in one forward pass",
)
def query_batch(body: schemas.BatchIn, state: State) -> schemas.BatchOut:
    results = state.engine.query_batch([item.to_request() for item in body.queries])
    return schemas.BatchOut(results=[schemas.query_out(result) for result in results])


def _document_out(document: store.StoredDocument) -> schemas.DocumentOut:
    return schemas.DocumentOut(
        id=document.id,
        title=document.title,
        date=document.date,
        source=document.source,
        url=document.url,
        chunks=document.chunks,
    )


@router.get("/v1/documents", response_model=schemas.DocumentList, summary="List stored documents")
def list_documents(state: State) -> schemas.DocumentList:
    with reading(state.engine.index) as db:
        documents = store.list_documents(db)
    return schemas.DocumentList(documents=[_document_out(d) for d in documents], count=len(documents))


@router.get(
    "/v1/documents/{doc_id:path}",
    response_model=schemas.DocumentFull,
    responses={404: {"description": "no document with that id"}},
    summary="One document with its text",
)
def get_document(doc_id: str, state: State) -> schemas.DocumentFull:
    with reading(state.engine.index) as db:
        found = store.get_document(db, doc_id)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no document with id {doc_id!r}")
    document, text = found
    return schemas.DocumentFull(**_document_out(document).model_dump(), text=text)
