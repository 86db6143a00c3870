"""A store that cannot answer: ``StoreError`` (never a driver exception, never a credential in the
message), and never mistaken for a failed authentication: a 503, not a 401, for the caller."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from keyturn.clients import ClientRegistry
from keyturn.errors import StoreError


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (held bound, never listening, for the test)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _every_operation_fails(registry: ClientRegistry, *, purges: bool = True) -> list[StoreError]:
    calls: list[Any] = [
        lambda: registry.add("svc", audiences="api"),
        lambda: registry.get("svc"),
        registry.list,
        lambda: registry.disable("svc"),
        lambda: registry.rotate_secret("svc"),
        lambda: registry.authenticate("svc", "ktc_x", method="client_secret_basic"),
    ]
    if purges:  # Redis keys expire by themselves: its purge touches nothing
        calls.append(registry.purge)
    errors = []
    for call in calls:
        with pytest.raises(StoreError) as caught:
            call()
        assert caught.value.code == "store_unavailable"
        errors.append(caught.value)
    return errors


def test_sqlite_failure_says_sqlites_message(tmp_path: Path) -> None:
    from keyturn.stores.sqlite.clients import SQLiteClientStore

    registry = ClientRegistry(SQLiteClientStore(tmp_path / "missing-dir" / "keyturn.db"))
    for error in _every_operation_fails(registry):
        assert str(error).startswith("SQLite client store failed: OperationalError")


def test_redis_failure_names_the_address_not_the_password(closed_port: int) -> None:
    from keyturn.stores.redis.clients import RedisClientStore

    url = f"redis://:hunter2pw@127.0.0.1:{closed_port}/0"
    registry = ClientRegistry(RedisClientStore(url, timeout=2))
    for error in _every_operation_fails(registry, purges=False):
        assert f"127.0.0.1:{closed_port}" in str(error)
        assert "hunter2pw" not in str(error)
    registry.close()


def test_postgres_failure_names_the_address_not_the_password(closed_port: int) -> None:
    from keyturn.stores.postgres.clients import PostgresClientStore

    dsn = f"postgresql://keyturn:hunter2pw@127.0.0.1:{closed_port}/keyturn"
    registry = ClientRegistry(PostgresClientStore(dsn, timeout=1))
    try:
        for error in _every_operation_fails(registry):
            assert f"127.0.0.1:{closed_port}" in str(error)
            assert "hunter2pw" not in str(error)
    finally:
        registry.close()
