"""The FastAPI application: index and model load once in the lifespan; errors become clear 4xx JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ingest.errors import CiteqaError, DocumentNotFound, IndexLockedError
from service import limits, observability, routes_query, routes_web, routes_write, schemas
from service.security import require_read_key
from service.settings import Settings
from service.state import AppState, State


def version() -> str:
    try:
        return metadata.version("citeqa")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def load_state(settings: Settings) -> AppState:
    from ingest.encoder import load_encoder
    from ingest.index import integrity_problems, open_index
    from ingest.manifest import check_model
    from service.engine import QueryEngine
    from service.startup import refuse_if_unsound

    index = open_index(settings.index)
    encoder = load_encoder(settings.model, backend=settings.backend)
    check_model(index.manifest, encoder.info, settings.index)
    refuse_if_unsound(settings.index, integrity_problems(index))
    engine = QueryEngine.create(index, encoder, cache_size=settings.query_cache_size)
    return AppState(settings=settings, engine=engine)


def _validation_detail(error: RequestValidationError) -> list[dict[str, object]]:
    """Pydantic's errors without echoing the (possibly huge) input back."""
    return [
        {"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type", "")}
        for item in error.errors()
    ]


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: telemetry sees every answer (413s and 504s too), limits act before any work."""
    app.state.metrics = metrics = observability.Metrics()
    app.add_middleware(limits.RequestTimeout, seconds=settings.request_timeout_s)
    app.add_middleware(limits.BodyLimits, max_bytes=settings.max_body_bytes)
    app.add_middleware(observability.RequestTelemetry, metrics=metrics)


def create_app(settings: Settings, *, state: AppState | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.citeqa = state or load_state(settings)
        yield
        app.state.citeqa.engine.index.close()

    app = FastAPI(
        title="citeqa",
        version=version(),
        lifespan=lifespan,
        description="Question answering over news with cited, checkable passages.",
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content=jsonable_encoder({"detail": _validation_detail(error)}))

    @app.exception_handler(DocumentNotFound)
    async def not_found(request: Request, error: DocumentNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    @app.exception_handler(IndexLockedError)
    async def locked(request: Request, error: IndexLockedError) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    @app.exception_handler(CiteqaError)
    async def domain_error(request: Request, error: CiteqaError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(error)})

    @app.get("/healthz", response_model=schemas.Health, summary="200 once the index is loaded")
    def healthz(state: State) -> schemas.Health:
        return schemas.Health(status="ok", version=version(), manifest=state.engine.index.manifest)

    app.include_router(routes_query.router, dependencies=[Depends(require_read_key)])
    app.include_router(routes_write.router)
    app.include_router(observability.router)
    app.include_router(routes_web.router)
    _add_middleware(app, settings)
    return app
