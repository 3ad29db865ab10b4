"""Run questions against the service, concurrently, keeping the records in question order."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from eval import client as api
from eval import judge
from eval.datasets import Question


@dataclass(frozen=True, slots=True)
class Run:
    records: list[dict[str, Any]]  # one per question, in question order whatever the concurrency
    wall_s: float


def run_questions(client: api.HttpClient, questions: Sequence[Question], *, k: int, concurrency: int = 1,
                  progress: bool = False) -> Run:
    """Ask every question with `concurrency` threads sharing `client` (httpx clients are thread-safe)."""
    documents = api.Documents(client)

    def one(question: Question) -> dict[str, Any]:
        return judge.score(question, api.ask(client, question.question, k=k), documents)

    started = time.perf_counter()
    bar = tqdm(total=len(questions), unit="q", desc="eval", file=sys.stderr, disable=not progress)
    with bar, ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="eval") as pool:
        futures = [pool.submit(one, question) for question in questions]
        _wait(futures, bar, pool)
    return Run(records=[future.result() for future in futures], wall_s=time.perf_counter() - started)


def _wait(futures: list[Future[dict[str, Any]]], bar: tqdm[Any], pool: ThreadPoolExecutor) -> None:
    """Tick the bar as answers arrive; on the first failure drop the questions not yet started."""
    try:
        for future in as_completed(futures):
            future.result()
            bar.update()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
