"""A database that cannot be reached is a StoreError (``store_unavailable``) naming where it
looked, never a credential, and never a driver's own exception."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from keyturn.stores.postgres.sessions import AsyncPostgresSessionStore, PostgresSessionStore
from keyturn.stores.redis.sessions import AsyncRedisSessionStore, RedisSessionStore

SECRET = "hunter2-secret"


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unreachable(kind: str, port: int) -> tuple[Any, Any]:
    if kind == "postgres":
        dsn = f"postgresql://keyturn:{SECRET}@127.0.0.1:{port}/keyturn"
        return PostgresSessionStore(dsn, timeout=1), AsyncPostgresSessionStore(dsn, timeout=1)
    url = f"redis://:{SECRET}@127.0.0.1:{port}/0"
    return RedisSessionStore(url, timeout=1), AsyncRedisSessionStore(url, timeout=1)


def _refused(error: kt.StoreError, port: int) -> None:
    assert type(error) is kt.StoreError
    assert error.code == "store_unavailable"
    assert f"127.0.0.1:{port}" in str(error)
    assert SECRET not in str(error)
    assert SECRET not in repr(error)


@pytest.mark.parametrize("kind", ["postgres", "redis"])
def test_an_unreachable_server_is_a_store_error_without_the_password(kind: str) -> None:
    port = _closed_port()
    store, async_store = _unreachable(kind, port)
    assert SECRET not in repr(store)
    sessions = kt.SessionService(store)
    with pytest.raises(kt.StoreError) as error:
        sessions.start("user-1")
    _refused(error.value, port)
    sessions.close()

    async def scenario() -> kt.StoreError:
        service = kt.AsyncSessionService(async_store)
        try:
            with pytest.raises(kt.StoreError) as caught:
                await service.get("kts_" + "A" * 43)
            return caught.value
        finally:
            await service.close()

    _refused(asyncio.run(scenario()), port)


def test_an_unusable_sqlite_file_is_a_store_error_with_sqlites_message(tmp_path: Path) -> None:
    from keyturn.stores.sqlite.sessions import SQLiteSessionStore

    sessions = kt.SessionService(SQLiteSessionStore(tmp_path / "missing-dir" / "keyturn.db"))
    with pytest.raises(kt.StoreError) as error:
        sessions.start("user-1")
    assert error.value.code == "store_unavailable"
    assert "unable to open database file" in str(error.value)
