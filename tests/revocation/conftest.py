"""Fixtures for the revocation tests: every store kind, on real files and real servers.

Server-backed stores use this run's private database on the servers of
KEYTURN_TEST_POSTGRES_DSN / KEYTURN_TEST_REDIS_URL (tests/support/fixtures.py). Without them the
tests skip, saying why, except under CI (``CI`` set), where a missing server fails the test, as
in tests/refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from support import SERVER_MARKS, Clock, reset_postgres, reset_redis

#: Every store kind; the server-backed ones marked, so a job without servers deselects them
#: (``-m "not postgres and not redis"``) instead of failing them under CI.
KINDS = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=SERVER_MARKS["postgres"], id="postgres"),
    pytest.param("redis", marks=SERVER_MARKS["redis"], id="redis"),
]


MakeStore = Callable[[], Any]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _location(kind: str, request: pytest.FixtureRequest) -> str:
    """This run's private (emptied) database for a server kind (tests/support/fixtures.py)."""
    fixture = {"postgres": "postgres_dsn", "redis": "redis_url"}.get(kind)
    return str(request.getfixturevalue(fixture)) if fixture else ""


@pytest.fixture
def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[MakeStore]:
    """``make_store()``: a new store object on the same data (like another process would open)."""
    made: list[Any] = []
    memory = kt.MemoryRevocationStore()
    location = _location(kind, request)

    def make() -> Any:
        if kind == "memory":
            store: Any = memory
        elif kind == "sqlite":
            store = kt.SQLiteRevocationStore(tmp_path / "revocations.db")
        elif kind == "postgres":
            store = kt.PostgresRevocationStore(location)
        else:
            store = kt.RedisRevocationStore(location)
        made.append(store)
        return store

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
def fresh_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[MakeStore]:
    """``fresh_store()``: a store on empty data each call (one per Hypothesis example)."""
    made: list[Any] = []
    location = _location(kind, request)

    def make() -> Any:
        if kind == "memory":
            store: Any = kt.MemoryRevocationStore()
        elif kind == "sqlite":
            store = kt.SQLiteRevocationStore(tmp_path / f"revocations-{len(made)}.db")
        elif kind == "postgres":
            reset_postgres(location)
            store = kt.PostgresRevocationStore(location, pool_size=1)
        else:
            reset_redis(location)
            store = kt.RedisRevocationStore(location)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
