"""The real PostgreSQL and Redis servers the store tests use (``source scripts/test-services.sh``).

Without a server's variable its tests skip, saying why, except under CI (``CI`` set), where a
missing server fails the test so CI can never silently skip them. Every test that needs a server
carries its mark (``-m "not postgres and not redis"`` deselects them all).
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest

DSN_VAR = "KEYTURN_TEST_POSTGRES_DSN"
REDIS_VAR = "KEYTURN_TEST_REDIS_URL"
#: A store kind's mark, by the suffix of its name ("postgres", "async-redis", ...).
SERVER_MARKS = {"postgres": pytest.mark.postgres, "redis": pytest.mark.redis}


def marked(*kinds: str) -> list[Any]:
    """Store kinds as parameters, the server-backed ones marked."""
    return [
        pytest.param(
            kind, marks=[m for name, m in SERVER_MARKS.items() if kind.endswith(name)], id=kind
        )
        for kind in kinds
    ]


def server_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        reason = f"{name} is not set: run `source scripts/test-services.sh` first"
        if os.environ.get("CI"):
            pytest.fail(f"CI must test against real servers, but {reason}")
        pytest.skip(reason)
    return value


def run_control(name: str) -> None:
    """Run one of the stop/start commands test-services.sh exports (for the fault tests)."""
    subprocess.run(["bash", "-c", server_env(name)], check=True, capture_output=True)
