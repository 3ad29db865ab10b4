"""Entry points behind `citeqa eval` and `citeqa eval compare`; they return the process exit code.

0: done (and every --fail-under bar met); 1: a bar was missed or some question got an error reply;
2: the evaluation could not run (bad dataset or option, service unreachable or not ready, bad run folder).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval import client as api
from eval import compare, datasets, harness, manifest, metrics, outputs, report
from eval.errors import EvalError, OptionError
from eval.summary import summarize

MAX_K = 50  # the API's limit on k


def run_eval(client: api.HttpClient, dataset: Path, *, k: int = 10, concurrency: int = 4,
             limit: int | None = None, filter_type: str | None = None, out_dir: Path | None = None,
             fail_under: Sequence[str] = (), progress: bool | None = None,
             echo: Callable[[str], None] = print) -> int:
    """Ask every question of `dataset` (QA .jsonl or BEIR folder), write the run folder, print the table."""
    try:
        bars = parse_bars(fail_under)
        _check_options(k=k, concurrency=concurrency, limit=limit)
        questions = datasets.select(datasets.load(dataset), filter_type=filter_type, limit=limit)
        if not questions:
            raise OptionError(f"{dataset} has no questions" + (f" of type {filter_type!r}" if filter_type else ""))
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        health = api.health(client)
        shown = sys.stderr.isatty() if progress is None else progress
        run = harness.run_questions(client, questions, k=k, concurrency=concurrency, progress=shown)
        parameters = {"k": k, "concurrency": concurrency, "limit": limit, "filter_type": filter_type,
                      "questions": len(questions)}
        about = manifest.build(health, dataset=dataset, parameters=parameters, started_at=started_at)
        summary = summarize(run.records, manifest=about, wall_s=run.wall_s)
        folder = out_dir or outputs.default_dir()
        outputs.write(folder, summary, run.records)
    except EvalError as error:
        echo(f"error: {error}")
        return 2
    echo(report.console(summary))
    echo(f"\nwrote {folder}/: results.jsonl, summary.json, report.md, report.png, run.trec")
    return verdict(summary, bars, echo=echo)


def compare_runs(run_a: Path, run_b: Path, *, echo: Callable[[str], None] = print) -> int:
    """Print metric deltas (B − A) with paired p-values, and the questions that flipped."""
    try:
        summary_a, records_a = outputs.read(run_a)
        summary_b, records_b = outputs.read(run_b)
    except EvalError as error:
        echo(f"error: {error}")
        return 2
    data_a, data_b = (s.get("manifest", {}).get("dataset", {}).get("sha256") for s in (summary_a, summary_b))
    if data_a != data_b:
        echo("note: the runs used different question files; only questions in both are compared\n")
    questions = {r["id"]: r["question"] for r in records_b}
    echo(compare.markdown(compare.deltas(records_a, records_b), compare.flips(records_a, records_b),
                          names=(str(run_a), str(run_b)), questions=questions))
    return 0


def parse_bars(specs: Sequence[str]) -> dict[str, float]:
    """`METRIC=VALUE` strings, e.g. `hits@10=0.6`, into {metric: minimum}."""
    bars = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or name.strip() not in metrics.METRICS:
            raise OptionError(f"--fail-under {spec!r}: expected METRIC=VALUE with METRIC one of "
                              + ", ".join(metrics.METRICS))
        try:
            bars[name.strip()] = float(value)
        except ValueError as error:
            raise OptionError(f"--fail-under {spec!r}: {value!r} is not a number") from error
    return bars


def verdict(summary: Mapping[str, Any], bars: Mapping[str, float], *, echo: Callable[[str], None]) -> int:
    failed = False
    errors = summary["counts"]["errors"]
    if errors:
        echo(f"FAIL: {errors} questions got an error reply (see `error` in results.jsonl)")
        failed = True
    for name, bar in bars.items():
        value = summary["metrics"].get(name)
        if value is None or value < bar:
            echo(f"FAIL: {name} = {report.fmt(value)} is under --fail-under {bar}")
            failed = True
    return 1 if failed else 0


def _check_options(*, k: int, concurrency: int, limit: int | None) -> None:
    if not 1 <= k <= MAX_K:
        raise OptionError(f"-k {k}: must be between 1 and {MAX_K}")
    if concurrency < 1:
        raise OptionError(f"--concurrency {concurrency}: must be at least 1")
    if limit is not None and limit < 1:
        raise OptionError(f"--limit {limit}: must be at least 1")
