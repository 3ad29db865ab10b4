"""A run folder: write results.jsonl, summary.json, report.md, report.png, run.trec (+ qrels.trec); read it back."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval import plots, report, trec
from eval.errors import RunError

RESULTS, SUMMARY, REPORT, PLOT, RUN, QRELS = (
    "results.jsonl", "summary.json", "report.md", "report.png", "run.trec", "qrels.trec",
)


def default_dir(root: Path = Path("eval-runs")) -> Path:
    """`eval-runs/<UTC timestamp>/`, with a suffix if a run of the same second exists."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder, n = root / stamp, 1
    while folder.exists():
        n += 1
        folder = root / f"{stamp}-{n}"
    return folder


def write(folder: Path, summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write_text(folder / RESULTS, (json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records))
    _write_text(folder / SUMMARY, [json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False), "\n"])
    _write_text(folder / REPORT, [report.markdown(summary)])
    _write_text(folder / RUN, (line + "\n" for line in trec.run_lines(records)))
    _write_text(folder / QRELS, (line + "\n" for line in trec.qrels_lines(records)))
    temporary = folder / f".{PLOT}.tmp.png"
    plots.save(summary, records, temporary)
    os.replace(temporary, folder / PLOT)


def read(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """summary.json and results.jsonl of a finished run."""
    try:
        summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
        with (folder / RESULTS).open(encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError as error:
        raise RunError(f"{folder} is not a finished eval run: {error.filename} is missing") from error
    except json.JSONDecodeError as error:
        raise RunError(f"{folder} has a damaged run file ({error.msg}); re-run the evaluation") from error
    return summary, records


def _write_text(path: Path, chunks: Iterable[str]) -> None:
    """Write beside the target, fsync, then rename: a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.writelines(chunks)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
