"""The abstention calibration: fitted from run folders' per-question support features."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from eval import calibrate


def write_run(folder: Path, rows: list[tuple[bool, float]]) -> Path:
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text("{}", encoding="utf-8")
    records = [
        {"id": f"q{i}", "answerable": answerable, "error": None,
         "support": {"dense": level, "coverage": level, "sentence": level, "semantic": level}}
        for i, (answerable, level) in enumerate(rows)
    ]
    records.append({"id": "broken", "answerable": True, "error": "HTTP 500", "support": None})
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return folder


def test_separable_runs_give_positive_weights_and_perfect_abstention(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    supported = [(True, float(v)) for v in rng.uniform(0.6, 1.0, 40)]
    unsupported = [(False, float(v)) for v in rng.uniform(0.0, 0.3, 5)]
    run = write_run(tmp_path / "run", supported + unsupported)
    features, labels = calibrate.load(run)
    assert features.shape == (45, len(calibrate.FEATURES)) and labels.sum() == 40  # the error reply is skipped
    model = calibrate.fit(features, labels)
    assert (model.coef_[0] > 0).all()
    figures = calibrate.abstention_scores(model, features, labels)
    assert figures == {"precision": 1.0, "recall": 1.0, "answered_when_answerable": 1.0}


def test_main_prints_constants_and_held_out_figures(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    first = write_run(tmp_path / "a", [(True, 0.9), (True, 0.8), (False, 0.1), (False, 0.2)])
    second = write_run(tmp_path / "b", [(True, 0.7), (True, 0.95), (False, 0.15)])
    assert calibrate.main([str(first), str(second)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("WEIGHTS = {") and "BIAS = " in printed and "fitted without it" in printed
