"""Fixtures shared by every test directory: the conformance vectors, worker threads whose
failures fail the test, and the end-of-run summary of skips (one line per reason).

The vectors (Wycheproof, CCTV; DESIGN.md "Reference material") are never copied into the
repository. They are read from ``$KEYTURN_VECTORS``, by default ``../shared/vectors`` beside the
checkout. A user's clone without them skips the vector tests, saying why; CI sets
``KEYTURN_REQUIRE_VECTORS=1`` (``.ci/run``, the GitHub workflow after
``scripts/fetch-vectors.sh``), and then a missing folder stops the run and a missing file fails
its test: conformance can never pass by not running.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: Each run's private PostgreSQL/Redis databases, and the marks their fixtures bring; the
#: fixtures of the store-kind suites (``clock``, ``loop``).
pytest_plugins = ["support.fixtures", "support.stores"]

REPO = Path(__file__).resolve().parents[1]
#: The vector folder: $KEYTURN_VECTORS, else the shared reference folder beside the checkout.
VECTORS = Path(os.environ.get("KEYTURN_VECTORS") or REPO.parent / "shared" / "vectors")
#: What ``scripts/fetch-vectors.sh`` pins: ``sha256sum`` lines, one per upstream file.
MANIFEST = Path(__file__).with_name("vectors.sha256")


def _vectors_required() -> bool:
    value = os.environ.get("KEYTURN_REQUIRE_VECTORS", "")
    if value not in ("", "0", "1"):
        # "true" or "yes" would otherwise read as "not required" and let the vectors skip.
        raise pytest.UsageError(f"KEYTURN_REQUIRE_VECTORS must be 0 or 1, not {value!r}")
    return value == "1"


def pytest_configure(config: pytest.Config) -> None:
    if _vectors_required() and not VECTORS.is_dir():
        raise pytest.UsageError(
            f"KEYTURN_REQUIRE_VECTORS=1 but the vector folder {VECTORS} is absent "
            "(set KEYTURN_VECTORS, or fetch them: scripts/fetch-vectors.sh DIR)"
        )


def _vector_path(name: str) -> Path:
    """The path of vector file ``name``; skips (fails when required) if it is absent."""
    path = VECTORS / name
    if not path.is_file():
        reason = f"vector file {path} is absent (KEYTURN_VECTORS, scripts/fetch-vectors.sh)"
        if _vectors_required():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def vector_path() -> Callable[[str], Path]:
    """Where vector file ``name`` is, under the skip/fail rule above (for tests of the bytes)."""
    return _vector_path


@pytest.fixture(scope="session")
def vectors() -> Callable[[str], Any]:
    """A loader for any vector file: ``vectors("wycheproof_rsa_pss_2048_sha256_mgf1_32_test.json")``
    is its parsed JSON, under the skip/fail rule above.

    Test modules cannot import this conftest (``--import-mode=importlib``); every vector test
    takes this fixture (or one built on it below), so all follow the same rule.
    """
    return lambda name: json.loads(_vector_path(name).read_text())


@pytest.fixture(scope="session")
def wycheproof(vectors: Callable[[str], Any]) -> Any:
    return vectors("wycheproof_ed25519_test.json")


@pytest.fixture(scope="session")
def cctv(vectors: Callable[[str], Any]) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = vectors("cctv_ed25519vectors.json")
    return loaded


@pytest.fixture(scope="session")
def vector_manifest() -> dict[str, str]:
    """File name -> pinned SHA-256, from tests/vectors.sha256."""
    pinned = {}
    for line in MANIFEST.read_text().splitlines():
        digest, name = line.split("  ")
        pinned[name] = digest
    return pinned


#: Longest a worker may take before the test calls it hung (far above any worker's real time).
THREAD_TIMEOUT = 120.0


def run_in_threads(work: Callable[[int], None], count: int) -> None:
    """Run ``work(0)`` ... ``work(count - 1)`` in threads released together by a barrier.

    A worker's exception would otherwise only be printed by ``threading.excepthook`` while the
    test passes: every one is collected here, and any fails the test, chained to the first.
    """
    barrier = threading.Barrier(count, timeout=THREAD_TIMEOUT)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as error:  # surfaced in the test's thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT)
    hung = sum(thread.is_alive() for thread in threads)
    assert hung == 0, f"{hung} of {count} workers still running after {THREAD_TIMEOUT}s"
    if errors:
        raise AssertionError(f"{len(errors)} of {count} workers failed") from errors[0]


@pytest.fixture
def in_threads() -> Callable[[Callable[[int], None], int], None]:
    """``in_threads(work, count)``: see :func:`run_in_threads`."""
    return run_in_threads


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per skip reason with its count (pyproject's ``-rfE`` lists failures and errors
    only): a run without PostgreSQL/Redis prints two lines, not a hundred identical ones."""
    skipped = terminalreporter.stats.get("skipped", [])
    reasons = Counter(_skip_reason(report) for report in skipped)
    if reasons:
        terminalreporter.section("skipped, by reason", sep="-")
    for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        terminalreporter.write_line(f"{count:5d} skipped: {reason}")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # (path, line, "Skipped: reason"), as pytest records skips
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
