"""`citeqa eval`: run the evaluation harness against a service over HTTP or an index in-process.

In-process runs go through `create_app` and Starlette's TestClient: the same HTTP surface, routing and
serialisation as a served index, without a socket.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from eval.client import HttpClient

Echo = Callable[[str], None]


def ingest_target(path: Path) -> Path:
    """What to ingest for `--ingest PATH`: a BEIR folder's `corpus.jsonl`, otherwise the path itself."""
    if path.is_dir() and (path / "corpus.jsonl").is_file() and (path / "queries.jsonl").is_file():
        return path / "corpus.jsonl"
    return path


def build_index(corpus: Path, index: Path, *, echo: Echo) -> None:
    """Ingest `corpus` into `index` (incremental: re-running over the same corpus embeds nothing)."""
    from ingest.encoder import load_encoder
    from ingest.pipeline import ingest
    from ingest.readers import read_inputs
    from service.settings import Settings

    settings = Settings(index=index)
    encoder = load_encoder(settings.model, backend=settings.backend)
    summary = ingest(
        index,
        read_inputs([ingest_target(corpus)]),
        encoder=encoder,
        progress=sys.stderr.isatty(),
        warn=lambda line: echo(f"warning: {line}"),
        sentence_vectors_stored=settings.sentence_vectors,
    )
    echo(f"ingest into {index}: {summary.line()}")


@contextmanager
def in_process_client(index: Path) -> Iterator[HttpClient]:
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.settings import Settings

    with TestClient(create_app(Settings(index=index)), base_url="http://citeqa.local") as client:
        yield client


@contextmanager
def http_client(url: str, *, timeout_s: float = 120.0) -> Iterator[HttpClient]:
    with httpx.Client(base_url=url, timeout=timeout_s) as client:
        yield client
