"""``--db`` with PostgreSQL and Redis URLs, against this run's private databases on the real
servers of scripts/test-services.sh (tests/support/fixtures.py)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import keyturn

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize(
    ("database", "store"),
    [
        pytest.param("postgres_dsn", keyturn.PostgresStore, marks=pytest.mark.postgres),
        pytest.param("redis_url", keyturn.RedisStore, marks=pytest.mark.redis),
    ],
)
def test_issue_a_pair_into_a_server_store(
    run: Run, tmp_path: Path, database: str, store: type, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue(database))  # this run's private database
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
