"""Servers for tests: a real `citeqa serve` subprocess on 127.0.0.1 (sockets, signals, restarts), or the
real app in-process over a given index."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from ingest.encoder import Encoder
from ingest.index import open_index
from service.app import create_app
from service.engine import QueryEngine
from service.settings import Settings
from service.state import AppState
from tests.conftest import REPO

START_TIMEOUT_S = 180.0  # loading the model on a busy 2-core CI machine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_command(index: Path, *, host: str = "127.0.0.1", port: int | None = None) -> list[str]:
    command = [sys.executable, "-m", "service.cli", "serve", "--index", str(index), "--host", host]
    return command + (["--port", str(port)] if port is not None else [])


def run_cli(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`citeqa ARGS...` to completion, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout, check=False,
    )


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path  # the server's stderr: one JSON object per line

    def client(self, *, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, marker: str, *, timeout: float = 120, after: int = 0) -> bool:
        """True once `marker` appears in the log past character `after`; False on timeout or exit."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if marker in self.log_text()[after:]:
                return True
            time.sleep(0.01)
        return False

    def kill(self) -> None:
        """`kill -9`: no clean-up of any kind runs in the server."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(index: Path, *, log: Path, env: Mapping[str, str] | None = None) -> LiveServer:
    """Start `citeqa serve` on a free loopback port and wait until /healthz answers 200."""
    for _ in range(3):  # the free port can be taken between probing and binding: try another
        port = free_port()
        with log.open("ab") as sink:
            process = subprocess.Popen(
                serve_command(index, port=port),
                cwd=REPO, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=sink,
            )
        server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, log=log)
        if _wait_healthy(server):
            return server
        server.stop()
        if "address already in use" not in server.log_text().lower():
            break
    raise RuntimeError(f"citeqa serve did not become healthy; its log ends:\n{server.log_text()[-3000:]}")


def _wait_healthy(server: LiveServer) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


@contextmanager
def live_server(index: Path, *, log: Path, env: Mapping[str, str] | None = None) -> Iterator[LiveServer]:
    server = start_server(index, log=log, env=env)
    try:
        yield server
    finally:
        server.stop()


def app_client(index: Path, encoder: Encoder, **settings: Any) -> TestClient:
    """The real app over `index` in-process, reusing an already loaded encoder (loading one takes seconds)."""
    options = Settings(index=index, **settings)
    state = AppState(settings=options, engine=QueryEngine.create(open_index(index), encoder))
    return TestClient(create_app(options, state=state))
