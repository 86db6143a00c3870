"""The ``keyturn`` command line as users run it: a subprocess of the installed console script."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.keyturn_serve import KEYTURN, serving

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


@pytest.fixture
def served(tmp_path: Path, run: Run) -> Iterator[str]:
    """``keyturn serve`` on a fresh keyring and SQLite database; yields its base URL."""
    assert run("keys", "init").returncode == 0
    with serving(tmp_path, "--db", "keyturn.db") as base_url:
        yield base_url
