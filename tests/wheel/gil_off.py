"""pytest plugin of scripts/freethreaded.sh (`-p gil_off`): the run fails unless the GIL is off.

Free-threaded CPython turns the GIL back on, with a RuntimeWarning, when it imports an extension
module that does not declare itself free-threading safe; keyturn._core declares
`gil_used = false`. Checked after `import keyturn` and again when every test has run, so a test
dependency that turns it on is caught too.
"""

from __future__ import annotations

import sys

import pytest


def _gil_enabled() -> bool:
    check = getattr(sys, "_is_gil_enabled", None)
    if check is None:
        raise pytest.UsageError("gil_off: this is not a free-threaded CPython (3.13+)")
    return bool(check())


def pytest_sessionstart(session: pytest.Session) -> None:
    import keyturn  # noqa: F401  (the import under test)

    if _gil_enabled():
        raise pytest.UsageError("gil_off: the GIL is on after `import keyturn`")
    print("gil_off: GIL off after import keyturn")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _gil_enabled():
        print("gil_off: error: the GIL was turned on during the run")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
