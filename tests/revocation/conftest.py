"""Fixtures for the revocation tests: every store kind, on real files and real servers.

Server-backed stores read KEYTURN_TEST_POSTGRES_DSN / KEYTURN_TEST_REDIS_URL (set by
``source scripts/test-services.sh``). Without them the tests skip, saying why, except under CI
(``CI`` set), where a missing server fails the test, as in tests/refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from support import SERVER_MARKS, Clock, server_env

#: Every store kind; the server-backed ones marked, so a job without servers deselects them
#: (``-m "not postgres and not redis"``) instead of failing them under CI.
KINDS = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=SERVER_MARKS["postgres"], id="postgres"),
    pytest.param("redis", marks=SERVER_MARKS["redis"], id="redis"),
]


def reset_postgres(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS keyturn_revoked_jtis, keyturn_revoked_subjects")


def reset_redis(url: str) -> None:
    import redis

    with redis.Redis.from_url(url) as client:
        for key in client.scan_iter("keyturn:revoked:*"):
            client.delete(key)


MakeStore = Callable[[], Any]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(kind: str, tmp_path: Path) -> Iterator[MakeStore]:
    """``make_store()``: a new store object on the same data (like another process would open)."""
    made: list[Any] = []
    memory = kt.MemoryRevocationStore()

    def make() -> Any:
        if kind == "memory":
            store: Any = memory
        elif kind == "sqlite":
            store = kt.SQLiteRevocationStore(tmp_path / "revocations.db")
        elif kind == "postgres":
            store = kt.PostgresRevocationStore(server_env("KEYTURN_TEST_POSTGRES_DSN"))
        else:
            store = kt.RedisRevocationStore(server_env("KEYTURN_TEST_REDIS_URL"))
        made.append(store)
        return store

    if kind == "postgres":
        reset_postgres(server_env("KEYTURN_TEST_POSTGRES_DSN"))
    if kind == "redis":
        reset_redis(server_env("KEYTURN_TEST_REDIS_URL"))
    yield make
    for store in made:
        store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def revocations(make_store: MakeStore, clock: Clock) -> kt.Revocations:
    return kt.Revocations(make_store(), clock=clock)


@pytest.fixture(scope="session")
def signing_key() -> kt.SigningKey:
    return kt.SigningKey.generate()


@pytest.fixture
def fresh_store(kind: str, tmp_path: Path) -> Iterator[MakeStore]:
    """``fresh_store()``: a store on empty data each call (one per Hypothesis example)."""
    made: list[Any] = []

    def make() -> Any:
        if kind == "memory":
            store: Any = kt.MemoryRevocationStore()
        elif kind == "sqlite":
            store = kt.SQLiteRevocationStore(tmp_path / f"revocations-{len(made)}.db")
        elif kind == "postgres":
            dsn = server_env("KEYTURN_TEST_POSTGRES_DSN")
            reset_postgres(dsn)
            store = kt.PostgresRevocationStore(dsn, pool_size=1)
        else:
            url = server_env("KEYTURN_TEST_REDIS_URL")
            reset_redis(url)
            store = kt.RedisRevocationStore(url)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
