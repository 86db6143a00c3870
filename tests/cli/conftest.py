"""The ``keyturn`` command line as users run it: a subprocess of the installed console script."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

KEYTURN = Path(sys.executable).with_name("keyturn")

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """``run("keys", "init")`` runs ``keyturn keys init`` in an empty temporary directory."""

    def run_keyturn(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KEYTURN), *args],
            cwd=tmp_path,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run_keyturn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(directory: Path, *options: str) -> Iterator[str]:
    """``keyturn serve --db keyturn.db`` (plus ``options``) in ``directory``, whose keyring exists;
    yields its base URL once it answers, and stops it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(KEYTURN),
            "serve",
            "--db",
            "keyturn.db",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *options,
        ],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                httpx.get(f"{base_url}/.well-known/jwks.json", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "keyturn serve did not start"
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path, run: Run) -> Iterator[str]:
    """``keyturn serve`` on a fresh keyring and SQLite database; yields its base URL."""
    assert run("keys", "init").returncode == 0
    with serving(tmp_path) as base_url:
        yield base_url
