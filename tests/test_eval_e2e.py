"""End to end: the harness against the real app (sample corpus, real model), in-process via TestClient."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from eval import outputs, report
from eval.command import run_eval

KZ_QA = Path(__file__).resolve().parents[1].parent / "shared" / "qa" / "kazakhstan-2022.dev.jsonl"
FILES = ("results.jsonl", "summary.json", "report.md", "report.png", "run.trec")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_runs(kz_client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("run-a"), tmp_path_factory.mktemp("run-b")
    for folder in (first, second):
        assert run_eval(kz_client, KZ_QA, k=10, concurrency=1, out_dir=folder, progress=False,
                        echo=lambda _: None) == 0
    return first, second


def test_concurrent_run_gives_the_same_metrics(kz_client: TestClient, two_runs: tuple[Path, Path],
                                               tmp_path: Path) -> None:
    assert run_eval(kz_client, KZ_QA, k=10, concurrency=4, out_dir=tmp_path, progress=False,
                    echo=lambda _: None) == 0
    (sequential, _), (concurrent, records) = outputs.read(two_runs[0]), outputs.read(tmp_path)
    assert concurrent["metrics"] == sequential["metrics"] and concurrent["by_type"] == sequential["by_type"]
    assert [r["id"] for r in records] == [json.loads(line)["id"] for line in KZ_QA.open()]


def test_all_outputs_are_written(two_runs: tuple[Path, Path]) -> None:
    folder = two_runs[0]
    for name in FILES:
        assert (folder / name).stat().st_size > 0, name
    summary, records = outputs.read(folder)
    assert [r["id"] for r in records] == [json.loads(line)["id"] for line in KZ_QA.open()]
    assert summary["counts"]["questions"] == 24 and summary["counts"]["errors"] == 0
    assert (folder / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run_lines = (folder / "run.trec").read_text().splitlines()
    assert len(run_lines) == sum(len(r["ranking"]) for r in records)


def test_metrics_are_reproducible_across_runs(two_runs: tuple[Path, Path]) -> None:
    (a, records_a), (b, records_b) = (outputs.read(folder) for folder in two_runs)
    for key in ("metrics", "support", "counts", "by_type"):
        assert a[key] == b[key], key
    assert [r["scores"] for r in records_a] == [r["scores"] for r in records_b]
    assert (two_runs[0] / "run.trec").read_text() == (two_runs[1] / "run.trec").read_text()
    assert set(a["latency"]["client_ms"]) == {"p50", "p95", "p99", "mean", "max"}


def test_service_invariants_hold_on_the_sample(two_runs: tuple[Path, Path]) -> None:
    summary, _ = outputs.read(two_runs[0])
    assert summary["metrics"]["offset_validity"] == 1.0  # every passage resolves to its document text
    assert summary["manifest"]["model_sha256"] and summary["manifest"]["service_version"]
    assert summary["manifest"]["parameters"]["k"] == 10


def test_report_numbers_match_summary(two_runs: tuple[Path, Path]) -> None:
    summary, _ = outputs.read(two_runs[0])
    table = [line.strip("| ").split(" | ") for line in (two_runs[0] / "report.md").read_text().splitlines()
             if line.startswith("| ") and not line.startswith("| ms")]
    header = table[0]
    assert header[:3] == ["metric", "n", "all"]
    rows = {row[0]: row for row in table[2:] if len(row) == len(header)}
    measured = [name for name, n in summary["support"].items() if n]
    assert {"hits@10", "mrr@10", "answer_recall@3", "answer_accuracy", "abstention_recall"} <= set(measured)
    for name in measured:
        row = rows[name]
        assert row[1] == str(summary["support"][name])
        assert row[2] == report.fmt(summary["metrics"][name])
        for kind, cell in zip(header[3:], row[3:], strict=True):
            assert cell == report.fmt(summary["by_type"][kind]["metrics"][name])


def test_fail_under_an_impossible_bar_exits_non_zero(kz_client: TestClient, tmp_path: Path) -> None:
    said: list[str] = []
    code = run_eval(kz_client, KZ_QA, k=5, limit=4, concurrency=1, out_dir=tmp_path, progress=False,
                    fail_under=["answer_recall@3=1.01"], echo=said.append)
    assert code == 1
    assert any("answer_recall@3" in line and "FAIL" in line for line in said)
    assert (tmp_path / "summary.json").exists()  # the run is still written for inspection
