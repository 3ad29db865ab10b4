"""report.md, report.png and the TREC files from a hand-made summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval import outputs, report, summary, trec


def records() -> list[dict[str, Any]]:
    def one(qid: str, kind: str, scores: dict[str, float], latency: float) -> dict[str, Any]:
        return {"id": qid, "question": "?", "type": kind, "answerable": True, "rule": "answer", "error": None,
                "latency_ms": latency, "took_ms": latency / 2, "answer": None, "passages": [],
                "ranking": ["c 1", "c2"], "qrels": {"c2": 1}, "judgments": {"abstained": True},
                "scores": scores}
    return [one("q1", "a", {"hits@1": 1.0, "answer_accuracy": 0.0}, 10.0),
            one("q2", "b", {"hits@1": 0.0, "answer_accuracy": 1.0}, 30.0),
            one("q3", "b", {"hits@1": 1.0}, 20.0)]


def built() -> dict[str, Any]:
    about = {"dataset": {"path": "qa.jsonl", "sha256": "0" * 64}, "parameters": {"k": 5, "concurrency": 2}}
    return summary.summarize(records(), manifest=about, wall_s=2.0)


def test_summary_splits_reproducible_metrics_from_latency() -> None:
    result = built()
    assert result["metrics"]["hits@1"] == 2 / 3 and result["support"]["answer_accuracy"] == 2
    assert result["by_type"]["b"]["metrics"]["hits@1"] == 0.5
    assert result["latency"]["client_ms"]["p50"] == 20.0 and result["latency"]["throughput_qps"] == 1.5
    assert "latency" not in result["by_type"]["a"]


def test_markdown_tables_show_summary_values() -> None:
    text = report.markdown(built())
    assert "| metric | n | all | a | b |" in text
    assert "| hits@1 | 3 | 0.6667 | 1.0000 | 0.5000 |" in text
    assert "| answer_accuracy | 2 | 0.5000 | 0.0000 | 1.0000 |" in text
    assert "| mrr@10 |" not in text  # metrics measured on no question are left out
    assert "| client round trip | 20.0 |" in text


def test_trec_lines() -> None:
    assert list(trec.run_lines(records()[:1])) == ["q1 Q0 c_1 1 2 citeqa", "q1 Q0 c2 2 1 citeqa"]
    assert list(trec.qrels_lines(records()[:1])) == ["q1 0 c2 1"]


def test_write_and_read_back(tmp_path: Path) -> None:
    outputs.write(tmp_path, built(), records())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "qrels.trec", "report.md", "report.png", "results.jsonl", "run.trec", "summary.json"]
    summary_back, records_back = outputs.read(tmp_path)
    assert summary_back["metrics"] == built()["metrics"] and records_back == records()
