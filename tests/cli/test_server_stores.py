"""``--db`` with PostgreSQL and Redis URLs, against the real servers of scripts/test-services.sh."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import keyturn

Run = Callable[..., subprocess.CompletedProcess[str]]


def server_url(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        reason = f"{name} is not set: run `source scripts/test-services.sh` first"
        if os.environ.get("CI"):
            pytest.fail(f"CI must test against real servers, but {reason}")
        pytest.skip(reason)
    return value


@pytest.mark.parametrize(
    ("variable", "store"),
    [
        pytest.param(
            "KEYTURN_TEST_POSTGRES_DSN", keyturn.PostgresStore, marks=pytest.mark.postgres
        ),
        pytest.param("KEYTURN_TEST_REDIS_URL", keyturn.RedisStore, marks=pytest.mark.redis),
    ],
)
def test_issue_a_pair_into_a_server_store(
    run: Run, tmp_path: Path, variable: str, store: type
) -> None:
    url = server_url(variable)
    assert run("keys", "init").returncode == 0
    result = run("token", "issue", "--sub", "cli-user", "--db", url, "--json")
    assert result.returncode == 0, result.stderr
    pair = json.loads(result.stdout)

    ring = keyturn.Keyring.load(tmp_path / "keyturn-keys.json")
    issuer = keyturn.Issuer(ring, issuer="http://127.0.0.1:8000", audience="keyturn-api")
    service = keyturn.TokenService(issuer, store=store(url))
    try:
        assert service.rotate(pair["refresh_token"]).access  # it really is in that server
    finally:
        service.close()
