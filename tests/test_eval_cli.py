"""`citeqa eval` as a user runs it: a subprocess that ingests a BEIR folder and scores it in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.live_server import run_cli

pytestmark = pytest.mark.slow

CORPUS = [
    {"_id": "d1", "title": "Harbour", "text": "The harbour council voted to close the old pier for repairs."},
    {"_id": "d2", "title": "Cranes", "text": "A lighthouse keeper counted 4,112 migrating cranes in March."},
    {"_id": "d3", "title": "Budget", "text": "The city budget for 2023 doubles the money spent on public libraries."},
]
QUERIES = [
    {"_id": "q1", "text": "Why was the old pier closed?"},
    {"_id": "q2", "text": "How many cranes did the lighthouse keeper count?"},
    {"_id": "q3", "text": "An unjudged query is left out"},
]


def beir_folder(root: Path) -> Path:
    folder = root / "tiny-beir"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in CORPUS), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUERIES), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n", encoding="utf-8")
    return folder


def test_eval_ingests_a_beir_folder_and_writes_a_run(tmp_path: Path) -> None:
    folder, out = beir_folder(tmp_path), tmp_path / "run"
    done = run_cli(["eval", str(folder), "--ingest", str(folder), "--out", str(out), "-k", "3",
                    "--fail-under", "hits@1=1.0", "--fail-under", "ndcg@10=0.9"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| hits@1 | 2 | 1.0000 |" in done.stdout
    assert "3 added" in done.stderr  # only corpus.jsonl was ingested, never the queries
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["metrics"]["hits@1"] == 1.0
    for name in ("results.jsonl", "report.md", "report.png", "run.trec"):
        assert (out / name).stat().st_size > 0


def test_eval_refuses_unclear_targets(tmp_path: Path) -> None:
    folder = beir_folder(tmp_path)
    neither = run_cli(["eval", str(folder)])
    assert neither.returncode == 1 and "--url URL, --index DIR or --ingest CORPUS" in neither.stderr
    both = run_cli(["eval", str(folder), "--url", "http://127.0.0.1:9", "--ingest", str(folder)])
    assert both.returncode == 1 and "in-process" in both.stderr
    bad_bar = run_cli(["eval", str(folder), "--url", "http://127.0.0.1:9", "--fail-under", "hits@7=1"])
    assert bad_bar.returncode == 2 and "expected METRIC=VALUE" in bad_bar.stdout
