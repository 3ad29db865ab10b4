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
            sentence_vectors_stored=settings.sentence_vectors,
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
    from service.observability import configure_json_logging
    from service.startup import refuse_open_writes

    settings = _settings(index=index, host=host, port=port)
    _setup_logging(settings)
    configure_json_logging(settings.log_level)
    try:
        refuse_open_writes(settings)
        state = load_state(settings)
    except CiteqaError as error:
        raise _fail(error) from error
    typer.echo(f"citeqa serving {settings.index} on http://{settings.host}:{settings.port}", err=True)
    uvicorn.run(
        create_app(settings, state=state),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep the JSON handler set above
        access_log=False,  # the app logs each request itself, with its request id
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
    repair: Annotated[
        bool, typer.Option(help="rebuild vectors and counts from SQLite; re-embed missing sentence vectors")
    ] = False,
) -> None:
    """Check that manifest, SQLite and FAISS agree and that every chunk has its sentence vectors; --repair
    rebuilds the vectors from stored embeddings and re-embeds missing sentence vectors."""
    from ingest.encoder import load_encoder
    from ingest.errors import CiteqaError
    from ingest.repair import check_index

    settings = _settings(index=index)
    _setup_logging(settings)
    try:
        problems = check_index(
            settings.index, repair=repair, load_encoder=lambda: load_encoder(settings.model, backend=settings.backend)
        )
    except CiteqaError as error:
        raise _fail(error) from error
    for problem in problems:
        typer.echo(("repaired: " if repair else "problem: ") + problem)
    if problems and not repair:
        raise typer.Exit(code=1)
    typer.echo("index is consistent" if not problems else "index repaired")


@app.command("eval")
def eval_command(
    target: Annotated[
        list[str],
        typer.Argument(help="a QA .jsonl file or BEIR folder; or `compare RUN_A RUN_B`", metavar="DATASET"),
    ],
    url: Annotated[str | None, typer.Option(help="base URL of a running citeqa service")] = None,
    index: IndexOption = None,
    ingest_path: Annotated[
        Path | None, typer.Option("--ingest", help="ingest this corpus (BEIR folder or any ingestable path) first")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="passages per question")] = 10,
    concurrency: Annotated[int, typer.Option(help="questions in flight at once")] = 4,
    limit: Annotated[int | None, typer.Option(help="ask only the first N questions")] = None,
    filter_type: Annotated[str | None, typer.Option(help="only questions of this `type`")] = None,
    out: Annotated[Path | None, typer.Option(help="run folder [default eval-runs/<timestamp>/]")] = None,
    fail_under: Annotated[
        list[str] | None, typer.Option(help="METRIC=VALUE; exit 1 when a metric is under it (repeatable)")
    ] = None,
) -> None:
    """Benchmark retrieval and answers; `citeqa eval compare RUN_A RUN_B` compares two runs."""
    from eval.command import compare_runs, run_eval
    from eval.outputs import default_dir
    from service import cli_eval

    def echo(line: str) -> None:
        typer.echo(line)

    if target[0] == "compare" and len(target) == 3 and not Path("compare").exists():
        raise typer.Exit(code=compare_runs(Path(target[1]), Path(target[2]), echo=echo))
    if len(target) != 1:
        raise _fail(ValueError("expected one DATASET, or `compare RUN_A RUN_B`"))
    dataset = Path(target[0])
    if url and (index or ingest_path):
        raise _fail(ValueError("--url evaluates a running service; --index and --ingest are for in-process runs"))
    if not url and not index and not ingest_path:
        raise _fail(ValueError("say where to ask: --url URL, --index DIR or --ingest CORPUS"))
    folder = out or default_dir()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    from ingest.errors import CiteqaError

    try:
        if ingest_path:
            index = index or folder / "index"
            cli_eval.build_index(ingest_path, index, echo=lambda line: typer.echo(line, err=True))
        opened = cli_eval.http_client(url) if url else cli_eval.in_process_client(index)  # type: ignore[arg-type]
        with opened as client:
            code = run_eval(
                client, dataset, k=k, concurrency=concurrency, limit=limit, filter_type=filter_type,
                out_dir=folder, fail_under=fail_under or (), echo=echo,
            )
    except CiteqaError as error:
        raise _fail(error) from error
    raise typer.Exit(code=code)


_SHARED_BENCH = Path("../shared/bench/multihop-rag")


@app.command()
def bench(
    parts: Annotated[str, typer.Option(help="comma-separated: ingest, query, scale, lexical, load")] = "ingest,query",
    corpus: Annotated[Path, typer.Option(help="JSONL corpus")] = _SHARED_BENCH / "corpus.jsonl",
    questions: Annotated[Path, typer.Option(help="QA JSONL whose questions drive the query runs")] = _SHARED_BENCH
    / "queries.dev.jsonl",
    limit_docs: Annotated[int, typer.Option(help="ingest only the first N documents (0: all)")] = 100,
    backends: Annotated[str, typer.Option(help="encoder backends to compare: torch, onnx, onnx-int8")] = "torch",
    repeats: Annotated[int, typer.Option(min=1, help="rounds; figures are medians")] = 3,
    per_phase: Annotated[int, typer.Option(min=1, help="distinct questions per latency phase and round")] = 100,
    sizes: Annotated[str, typer.Option(help="passage counts for scale/lexical")] = "10000,100000,1000000",
    clients: Annotated[int, typer.Option(min=1, help="load: concurrent clients")] = 8,
    seconds: Annotated[float, typer.Option(min=1, help="load: how long to run")] = 60.0,
    out: Annotated[Path, typer.Option(help="where the JSON goes")] = Path("bench-results/bench.json"),
) -> None:
    """Measure ingest and query speed next to the bare model and FAISS, memory and index size (not a test)."""
    from service.bench import PARTS, BenchOptions, run

    chosen = [part.strip() for part in parts.split(",") if part.strip()]
    picked = [backend.strip() for backend in backends.split(",") if backend.strip()]
    if unknown := sorted(set(chosen) - set(PARTS)) + sorted(set(picked) - {"torch", "onnx", "onnx-int8"}):
        raise _fail(ValueError(f"unknown part or backend: {', '.join(unknown)}"))
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    options = BenchOptions(
        corpus=corpus,
        questions=questions,
        out=out,
        parts=chosen,
        backends=picked,  # type: ignore[arg-type]
        limit_docs=limit_docs or None,
        repeats=repeats,
        per_phase=per_phase,
        scale_sizes=[int(size) for size in sizes.split(",")],
        load_clients=clients,
        load_seconds=seconds,
        sentence_vectors=_settings().sentence_vectors,
    )
    run(options, echo=typer.echo)


if __name__ == "__main__":
    app()
