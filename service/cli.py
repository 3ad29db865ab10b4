"""The `citeqa` command line. Heavy modules are imported inside commands so `citeqa --help` is instant."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from service.settings import Settings

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Question answering over news with cited, checkable passages."
)

IndexOption = Annotated[Path | None, typer.Option("--index", help="index directory [env CITEQA_INDEX]")]


def _settings(**overrides: Any) -> Settings:
    return Settings(**{key: value for key, value in overrides.items() if value is not None})


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in ("sentence_transformers", "transformers", "httpx", "filelock", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _fail(error: Exception) -> typer.Exit:
    typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files and folders (.txt .md .html .jsonl)")],
    index: IndexOption = None,
    prune: Annotated[bool, typer.Option(help="drop stored documents whose files disappeared")] = False,
) -> None:
    """Add or update documents; unchanged ones cost nothing. One atomic write."""
    from ingest.encoder import load_encoder
    from ingest.errors import CiteqaError
    from ingest.pipeline import ingest as run_ingest
    from ingest.readers import read_inputs

    settings = _settings(index=index)
    _setup_logging(settings)
    try:
        encoder = load_encoder(settings.model, backend=settings.backend)
        summary = run_ingest(
            settings.index,
            read_inputs(paths),
            encoder=encoder,
            prune_roots=paths if prune else None,
            progress=sys.stderr.isatty(),
            warn=lambda line: typer.echo(f"warning: {line}", err=True),
        )
    except CiteqaError as error:
        raise _fail(error) from error
    typer.echo(summary.line())


@app.command()
def delete(ids: Annotated[list[str], typer.Argument(help="document ids")], index: IndexOption = None) -> None:
    """Remove documents by id."""
    from ingest.encoder import load_encoder
    from ingest.errors import CiteqaError
    from ingest.pipeline import ingest as run_ingest

    settings = _settings(index=index)
    _setup_logging(settings)
    try:
        summary = run_ingest(
            settings.index, [], encoder=load_encoder(settings.model, backend=settings.backend), delete_ids=ids
        )
    except CiteqaError as error:
        raise _fail(error) from error
    missing = summary.deleted < len(set(ids))
    typer.echo(f"{summary.deleted} deleted" + ("; some ids were not in the index" if missing else ""))


@app.command()
def serve(
    index: IndexOption = None,
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from ingest.errors import CiteqaError
    from service.app import create_app, load_state
    from service.startup import refuse_open_writes

    settings = _settings(index=index, host=host, port=port)
    _setup_logging(settings)
    try:
        refuse_open_writes(settings)
        state = load_state(settings)
    except CiteqaError as error:
        raise _fail(error) from error
    typer.echo(f"citeqa serving {settings.index} on http://{settings.host}:{settings.port}", err=True)
    uvicorn.run(
        create_app(settings, state=state), host=settings.host, port=settings.port, log_level=settings.log_level.lower()
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument()],
    index: IndexOption = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="number of passages")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="print the HTTP API's JSON")] = False,
) -> None:
    """Answer a question with numbered citations."""
    from ingest.errors import CiteqaError
    from service.app import load_state
    from service.render import render_text
    from service.schemas import QueryIn, query_out

    settings = _settings(index=index)
    _setup_logging(settings)
    try:
        body = QueryIn(question=question, k=k)
        result = query_out(load_state(settings).engine.query(body.to_request()))
    except (CiteqaError, ValueError) as error:
        raise _fail(error) from error
    typer.echo(
        json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) if as_json else render_text(result)
    )


@app.command()
def doctor(
    index: IndexOption = None,
    repair: Annotated[bool, typer.Option(help="rebuild vectors and counts from SQLite")] = False,
) -> None:
    """Check that manifest, SQLite and FAISS agree; --repair rebuilds the vectors from stored embeddings."""
    from ingest.errors import CiteqaError
    from ingest.repair import check_index

    settings = _settings(index=index)
    _setup_logging(settings)
    try:
        problems = check_index(settings.index, repair=repair)
    except CiteqaError as error:
        raise _fail(error) from error
    for problem in problems:
        typer.echo(("repaired: " if repair else "problem: ") + problem)
    if problems and not repair:
        raise typer.Exit(code=1)
    typer.echo("index is consistent" if not problems else "index repaired")


if __name__ == "__main__":
    app()
