"""Every store failure says its cause: SQLite's own message; for PostgreSQL and Redis the host and
port it talked to, never the password in the DSN or URL (issue 14)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import keyturn as kt

SECRET = "hunter2-not-shown"


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sqlite_failure_carries_sqlites_own_message(tmp_path: Path) -> None:
    store = kt.SQLiteStore(tmp_path / "missing-directory" / "keyturn.db")
    with pytest.raises(kt.StoreError) as failed:
        store.list_families("user-1")
    assert failed.value.code == "store_unavailable"
    assert str(failed.value) == (
        "SQLite store failed: OperationalError: unable to open database file"
    )


def test_sqlite_revocation_failure_carries_sqlites_own_message(tmp_path: Path) -> None:
    store = kt.SQLiteRevocationStore(str(tmp_path / "missing-directory" / "keyturn.db"))
    with pytest.raises(kt.StoreError) as failed:
        store.lookup([b"\x00" * 32], [])
    assert failed.value.code == "store_unavailable"
    assert "unable to open database file" in str(failed.value)


def test_postgres_failure_names_host_and_port_not_the_password() -> None:
    port = dead_port()
    store = kt.PostgresStore(f"postgresql://keyturn:{SECRET}@127.0.0.1:{port}/x", timeout=1)
    try:
        with pytest.raises(kt.StoreError) as failed:
            store.list_families("user-1")
    finally:
        store.close()
    assert failed.value.code == "store_unavailable"
    assert str(failed.value).startswith(f"PostgreSQL store failed (127.0.0.1:{port}): ")
    assert SECRET not in str(failed.value)


def test_postgres_revocation_failure_names_host_and_port() -> None:
    port = dead_port()
    store = kt.PostgresRevocationStore(f"postgresql://k:{SECRET}@127.0.0.1:{port}/x", timeout=1)
    try:
        with pytest.raises(kt.StoreError) as failed:
            store.lookup([b"\x00" * 32], [])
    finally:
        store.close()
    assert f"(127.0.0.1:{port})" in str(failed.value)
    assert SECRET not in str(failed.value)


def test_redis_failures_name_host_and_port_not_the_password() -> None:
    port = dead_port()
    url = f"redis://:{SECRET}@127.0.0.1:{port}/0"
    tokens, revocations = kt.RedisStore(url, timeout=1), kt.RedisRevocationStore(url, timeout=1)
    try:
        with pytest.raises(kt.StoreError) as tokens_failed:
            tokens.list_families("user-1")
        with pytest.raises(kt.StoreError) as revocations_failed:
            revocations.lookup([b"\x00" * 32], [])
    finally:
        tokens.close()
        revocations.close()
    assert str(tokens_failed.value) == f"Redis store failed (127.0.0.1:{port}): ConnectionError"
    assert str(revocations_failed.value) == (
        f"Redis revocation store failed (127.0.0.1:{port}): ConnectionError"
    )
