"""Fit the abstention model from evaluation runs: `python -m eval.calibrate RUN_DIR...`.

Each run's results.jsonl holds, per question, whether it is answerable and the `support` features the
service reported. A class-balanced logistic regression (scikit-learn) of answerable-vs-not on those
features gives the weights and bias that `service.abstention` uses; balanced classes make the 0.5 cut
weigh a wrongly withheld answer the same as a wrongly given one, however rare unanswerable questions are
in the data. Printed: the coefficients, and the abstention precision/recall each run gets when the model
is fitted on the *other* runs only (a held-out check when runs come from different corpora).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from eval import outputs

FEATURES = ("dense", "coverage", "sentence", "semantic")


def load(run: Path) -> tuple[np.ndarray, np.ndarray]:
    _, records = outputs.read(run)
    usable = [r for r in records if isinstance(r.get("support"), dict) and not r.get("error")]
    features = np.array([[float(r["support"][name]) for name in FEATURES] for r in usable], dtype=np.float64)
    labels = np.array([bool(r["answerable"]) for r in usable], dtype=np.int64)
    return features, labels


def fit(features: np.ndarray, labels: np.ndarray) -> LogisticRegression:
    model = LogisticRegression(class_weight="balanced", C=1.0, max_iter=1000)
    return model.fit(features, labels)


def abstention_scores(model: LogisticRegression, features: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    abstained = model.predict_proba(features)[:, 1] < 0.5
    unanswerable = labels == 0
    both = int(np.sum(abstained & unanswerable))
    return {
        "precision": both / max(int(abstained.sum()), 1),
        "recall": both / max(int(unanswerable.sum()), 1),
        "answered_when_answerable": float(np.mean(~abstained[~unanswerable])) if (~unanswerable).any() else 0.0,
    }


def main(runs: Sequence[str]) -> int:
    data = [load(Path(run)) for run in runs]
    model = fit(np.concatenate([f for f, _ in data]), np.concatenate([y for _, y in data]))
    weights = ", ".join(f'"{name}": {value:.3f}' for name, value in zip(FEATURES, model.coef_[0], strict=True))
    print(f"WEIGHTS = {{{weights}}}\nBIAS = {model.intercept_[0]:.3f}")
    for position, run in enumerate(runs):
        if len(runs) < 2:
            break
        others = [d for i, d in enumerate(data) if i != position]
        held_out = fit(np.concatenate([f for f, _ in others]), np.concatenate([y for _, y in others]))
        figures = abstention_scores(held_out, *data[position])
        print(f"{run}: fitted without it: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
    for run, (features, labels) in zip(runs, data, strict=True):
        figures = abstention_scores(model, features, labels)
        print(f"{run}: fitted on all: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
