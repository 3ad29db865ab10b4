"""A `kill -9` at any moment of a real `citeqa ingest` leaves an index at the old or the new state."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.index import integrity_problems, open_index
from ingest.store import list_documents
from tests.conftest import MULTIHOP, REPO

# Phase markers the ingest logs at DEBUG; killing right after each hits a different stage of the write.
PHASES = ["embedding", "embedded", "committing generation"]


def _new_corpus(path: Path, count: int) -> set[str]:
    lines = (MULTIHOP / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {json.loads(line)["id"] for line in lines}


def _ingest_process(corpus: Path, index: Path, *, watch: bool = True) -> subprocess.Popen[str]:
    env = {**os.environ, "CITEQA_LOG_LEVEL": "DEBUG" if watch else "WARNING", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "ingest", str(corpus), "--index", str(index)],
        cwd=REPO, env=env, stderr=subprocess.PIPE if watch else subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        text=True,
    )


def _kill_after(process: subprocess.Popen[str], marker: str | None, delay: float, timeout: float = 240) -> bool:
    """Kill -9 once `marker` appears on stderr (then after `delay` s); False if the process ended first."""
    assert process.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    seen = marker is None
    while not seen and time.monotonic() < deadline:
        if selector.select(timeout=1.0):
            line = process.stderr.readline()
            if not line:
                break
            seen = marker in line
    time.sleep(delay)
    ended = process.poll() is not None
    if not ended:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return not ended


def _state(index_dir: Path) -> set[str]:
    index = open_index(index_dir)
    try:
        assert integrity_problems(index) == []
        return {document.id for document in list_documents(index.db)}
    finally:
        index.close()


@pytest.mark.slow
@pytest.mark.parametrize(("marker", "delay"), [(p, 0.0) for p in PHASES] + [("embedding", 1.0)])
def test_kill_9_during_ingest_keeps_old_or_new_state(
    kz_index_copy: Path, tmp_path: Path, marker: str | None, delay: float
) -> None:
    if not (MULTIHOP / "corpus.jsonl").is_file():
        pytest.fail("../shared/bench/multihop-rag/corpus.jsonl is missing")
    old = _state(kz_index_copy)
    new_ids = _new_corpus(tmp_path / "new.jsonl", 12)
    _kill_after(_ingest_process(tmp_path / "new.jsonl", kz_index_copy), marker, delay)
    after = _state(kz_index_copy)
    assert after in (old, old | new_ids), f"partial state: {len(after - old)} of {len(new_ids)} new documents"
    # The index still takes writes: a complete run afterwards reaches the new state.
    finish = _ingest_process(tmp_path / "new.jsonl", kz_index_copy, watch=False)
    assert finish.wait(timeout=600) == 0
    assert _state(kz_index_copy) == old | new_ids
