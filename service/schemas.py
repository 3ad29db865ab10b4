"""Wire schemas of the HTTP API (requests validated here; internal records stay dataclasses)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator, model_validator

from service.engine import QueryRequest, QueryResult
from service.filters import Filters

MAX_QUESTION_CHARS = 2000
MAX_K = 50
MAX_BATCH = 64


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _iso_date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise ValueError(f"{value!r} is not a date in YYYY-MM-DD form") from error


class FiltersIn(Strict):
    source: list[StrictStr] | None = Field(None, description="only documents from these outlets")
    date_from: StrictStr | None = Field(None, description="only documents dated on or after (YYYY-MM-DD)")
    date_to: StrictStr | None = Field(None, description="only documents dated on or before (YYYY-MM-DD)")
    doc_ids: list[StrictStr] | None = Field(None, max_length=10_000, description="only these documents")

    _dates = field_validator("date_from", "date_to")(_iso_date)

    @model_validator(mode="after")
    def _range_not_inverted(self) -> FiltersIn:
        # An inverted range matches nothing; it is a mistake to report, not an empty result to return.
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self

    def to_filters(self) -> Filters:
        return Filters(
            sources=tuple(self.source or ()),
            date_from=self.date_from,
            date_to=self.date_to,
            doc_ids=tuple(self.doc_ids or ()),
        )


class QueryIn(Strict):
    question: StrictStr = Field(description=f"1–{MAX_QUESTION_CHARS} characters after trimming")
    k: StrictInt = Field(5, ge=1, le=MAX_K, description="number of passages")
    filters: FiltersIn | None = None
    max_tokens: StrictInt | None = Field(
        None, ge=1, le=1_000_000, description="cap on the passages' total cl100k_base tokens"
    )

    @field_validator("question")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("question is empty")
        if len(value) > MAX_QUESTION_CHARS:
            raise ValueError(f"question is longer than {MAX_QUESTION_CHARS} characters")
        return value

    def to_request(self) -> QueryRequest:
        filters = self.filters.to_filters() if self.filters else Filters()
        return QueryRequest(self.question, k=self.k, filters=filters, max_tokens=self.max_tokens)


class BatchIn(Strict):
    queries: Annotated[list[QueryIn], Field(min_length=1, max_length=MAX_BATCH)]


class AnswerOut(BaseModel):
    text: str
    citations: list[int]
    confidence: float


class Span(BaseModel):
    start: int
    end: int


class Scores(BaseModel):
    dense: float | None
    lexical: float | None


class PassageOut(BaseModel):
    rank: int
    id: str
    doc_id: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    text: str
    start: int
    end: int
    score: float
    scores: Scores
    tokens: int
    also_in: list[str]
    highlight: Span | None


class Support(BaseModel):
    """What the answer-or-abstain decision is made from (see `service.abstention`)."""

    dense: float = Field(description="best cosine similarity of a returned passage to the question")
    coverage: float = Field(description="IDF-weighted share of the question's terms in the answer passage")
    sentence: float = Field(description="the same share within the answer span alone")
    semantic: float = Field(
        description="cosine similarity of the answer span to the question; for a question making one claim, "
        "its closest clause's if higher"
    )
    confidence: float = Field(description="calibrated probability that the passages answer the question")
    typed: float | None = Field(
        default=None,
        description="for a question that asks for a number or a date: 1 when the answer span holds one, 0 when "
        "it does not (the answer is then withheld); null for other questions",
    )


class QueryOut(BaseModel):
    question: str
    answer: AnswerOut | None
    passages: list[PassageOut]
    support: Support
    took_ms: float


class BatchOut(BaseModel):
    results: list[QueryOut]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def query_out(result: QueryResult) -> QueryOut:
    passages = []
    for rank, passage in enumerate(result.passages, start=1):
        hit, doc = passage.hit, passage.hit.document
        passages.append(
            PassageOut(
                rank=rank,
                id=f"{hit.chunk.doc_id}#{hit.chunk.ordinal}",
                doc_id=hit.chunk.doc_id,
                title=doc.title,
                date=doc.date,
                source=doc.source,
                url=doc.url,
                text=hit.chunk.text,
                start=hit.chunk.start,
                end=hit.chunk.end,
                score=_round(hit.score) or 0.0,
                scores=Scores(dense=_round(hit.dense), lexical=_round(hit.lexical)),
                tokens=hit.chunk.llm_tokens,
                also_in=hit.also_in,
                highlight=Span(start=passage.highlight[0], end=passage.highlight[1]) if passage.highlight else None,
            )
        )
    answer = None
    if result.answer is not None:
        answer = AnswerOut(
            text=result.answer.text, citations=result.answer.citations, confidence=result.answer.confidence
        )
    support = Support(**{name: round(value, 6) for name, value in result.support.items()})
    return QueryOut(question=result.question, answer=answer, passages=passages, support=support,
                    took_ms=result.took_ms)


class DocumentOut(BaseModel):
    id: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    chunks: int


class DocumentFull(DocumentOut):
    text: str


class DocumentList(BaseModel):
    documents: list[DocumentOut]
    count: int


class DocumentIn(Strict):
    id: StrictStr = Field(min_length=1, max_length=512, pattern=r"^[^\x00-\x1f]+$")
    text: StrictStr = Field(min_length=1)
    title: StrictStr | None = None
    date: StrictStr | None = None
    source: StrictStr | None = None
    url: StrictStr | None = None

    _date = field_validator("date")(_iso_date)


class Health(BaseModel):
    status: str
    version: str
    manifest: dict[str, object]


class WriteResult(BaseModel):
    """What a write did: 201 when it created a document, 200 when it only replaced or kept ones."""

    ids: list[str]
    added: int
    updated: int
    unchanged: int
    chunks: int = Field(description="chunks embedded by this write")
    warnings: list[str]
