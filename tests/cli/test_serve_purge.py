"""``keyturn serve`` purges ``--db``: at start and every ``--purge-interval`` seconds, the refresh
tokens, sessions, revocations and client assertion ids no one can need any more are deleted; live
ones stay. Checked in the SQLite file itself, with the real server running."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx

import keyturn as kt
from support.keyturn_serve import serving

from .conftest import Run

#: Each kind of entry and the table it lives in.
TABLES = {
    "families": "keyturn_families",
    "refresh tokens": "keyturn_refresh_tokens",
    "sessions": "keyturn_sessions",
    "revoked jtis": "keyturn_revoked_jtis",
    "client assertion ids": "keyturn_client_jtis",
}
DAY = 24 * 3600


def add_entries(path: Path, at: float, name: str) -> None:
    """One entry of every kind, made at ``at``: a refresh family, a session, a revoked access
    token (its ``exp`` a minute later) and a spent client assertion id (kept a minute)."""
    backend = kt.open_backend(str(path))
    clock = lambda: at  # noqa: E731
    try:
        issuer = kt.Issuer(kt.Keyring.generate(), issuer="https://auth.test", audience="api.test")
        kt.TokenService(issuer, backend.tokens, clock=clock).issue_pair(name, "laptop")
        kt.SessionService(backend.sessions, clock=clock).start(name, device="laptop")
        kt.Revocations(backend.revocations, clock=clock).revoke_jti(f"jti-{name}", at + 60)
        backend.clients.remember_jti("client-1", name.encode().ljust(32, b"-"), at + 60, at)
    finally:
        backend.close()


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {
            kind: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for kind, table in TABLES.items()
        }


def wait_for(path: Path, expected: dict[str, int]) -> None:
    deadline = time.monotonic() + 15
    while (found := counts(path)) != expected:
        assert time.monotonic() < deadline, f"still {found}, expected {expected}"
        time.sleep(0.2)


def test_serve_purges_at_start_and_then_every_interval(tmp_path: Path, run: Run) -> None:
    assert run("keys", "init").returncode == 0
    database = tmp_path / "keyturn.db"
    now = time.time()
    add_entries(database, now - 40 * DAY, "old")  # ended long ago (refresh tokens last 30 days)
    add_entries(database, now, "live")
    assert counts(database) == dict.fromkeys(TABLES, 2)
    with serving(tmp_path, "--db", "keyturn.db", "--purge-interval", "1"):
        wait_for(database, dict.fromkeys(TABLES, 1))  # the purge at start
        add_entries(database, now - 40 * DAY, "later")
        wait_for(database, dict.fromkeys(TABLES, 1))  # a purge a second later
    backend = kt.open_backend(str(database))
    try:  # what is left is the live user's
        assert [f.user_id for f in backend.tokens.list_families("live")] == ["live"]
        assert backend.tokens.list_families("old") == []
    finally:
        backend.close()


def test_a_purge_interval_of_0_purges_nothing(tmp_path: Path, run: Run) -> None:
    assert run("keys", "init").returncode == 0
    database = tmp_path / "keyturn.db"
    add_entries(database, time.time() - 40 * DAY, "old")
    with serving(tmp_path, "--db", "keyturn.db", "--purge-interval", "0") as base:
        time.sleep(2)
        assert httpx.get(f"{base}/.well-known/jwks.json").status_code == 200  # it is serving
        assert counts(database) == dict.fromkeys(TABLES, 1)


def test_a_purge_interval_must_be_seconds_at_least_0(run: Run) -> None:
    for bad in ("-1", "nan", "inf", "soon"):
        result = run("serve", "--purge-interval", bad)
        assert result.returncode == 2
        assert f"argument --purge-interval: {bad!r} is not a number of seconds >= 0" in (
            result.stderr
        )
