"""Fixtures for the refresh tests: one suite, every store, sync and async.

Server-backed stores use this run's private PostgreSQL / Redis database (``postgres_dsn`` and
``redis_url`` of tests/support/fixtures.py, on the servers of KEYTURN_TEST_POSTGRES_DSN /
KEYTURN_TEST_REDIS_URL). Without those variables the tests skip, saying why, except under CI
(``CI`` set), where a missing server fails the test so CI can never silently skip them.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from support import Clock, marked
from support.stores import Blocking

KINDS = ["memory", "sqlite", "postgres", "redis"]
SERVICE_KINDS = KINDS + [f"async-{kind}" for kind in KINDS]


@dataclass
class Backend:
    """One store kind: how to make a store and how to look at what it holds."""

    kind: str
    make_store: Callable[[], Any]
    make_async_store: Callable[[], Any]
    count: Callable[[], int]
    at_rest: Callable[[], bytes]


def _memory_backend(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    stores: list[kt.MemoryStore] = []

    def make() -> kt.MemoryStore:
        if not stores:
            stores.append(kt.MemoryStore())
        return stores[0]

    def count() -> int:
        return sum(len(s._families) + len(s._tokens) for s in stores)

    def at_rest() -> bytes:
        import pickle

        return b"".join(pickle.dumps((s._families, s._tokens)) for s in stores)

    return Backend("memory", make, make, count, at_rest)


def _sqlite_backend(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    path = tmp_path / "keyturn.db"

    def count() -> int:
        import sqlite3

        with sqlite3.connect(path) as connection:
            rows = connection.execute(
                "SELECT (SELECT COUNT(*) FROM keyturn_families)"
                " + (SELECT COUNT(*) FROM keyturn_refresh_tokens)"
            ).fetchone()
        return int(rows[0])

    def at_rest() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.glob("keyturn.db*"))

    return Backend(
        "sqlite", lambda: kt.SQLiteStore(path), lambda: kt.SQLiteStore(path), count, at_rest
    )


def _postgres_backend(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    import psycopg

    dsn = str(request.getfixturevalue("postgres_dsn"))

    def count() -> int:
        with psycopg.connect(dsn) as connection:
            row = connection.execute(
                "SELECT (SELECT COUNT(*) FROM keyturn_families)"
                " + (SELECT COUNT(*) FROM keyturn_refresh_tokens)"
            ).fetchone()
        assert row is not None
        return int(row[0])

    def at_rest() -> bytes:
        dump = subprocess.run(["pg_dump", "--data-only", dsn], check=True, capture_output=True)
        return dump.stdout

    return Backend(
        "postgres",
        lambda: kt.PostgresStore(dsn, pool_size=8),
        lambda: kt.AsyncPostgresStore(dsn, pool_size=8),
        count,
        at_rest,
    )


def _redis_backend(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    import redis

    url = str(request.getfixturevalue("redis_url"))
    client = redis.Redis.from_url(url)

    def at_rest() -> bytes:
        # Every key name and every value, both as stored (DUMP) and as read.
        parts: list[bytes] = []
        for key in client.scan_iter():
            parts += [key, client.dump(key) or b""]
            kind = client.type(key)
            if kind == b"hash":
                parts += [b for pair in client.hgetall(key).items() for b in pair]
            elif kind == b"set":
                parts += list(client.smembers(key))
            else:  # the layout's version marker, keyturn:schema
                parts.append(client.get(key) or b"")
        return b"\n".join(parts)

    return Backend(
        "redis",
        lambda: kt.RedisStore(url),
        lambda: kt.AsyncRedisStore(url),
        lambda: int(client.dbsize()),
        at_rest,
    )


_BACKENDS = {
    "memory": _memory_backend,
    "sqlite": _sqlite_backend,
    "postgres": _postgres_backend,
    "redis": _redis_backend,
}


@pytest.fixture(scope="session")
def issuer() -> kt.Issuer:
    return kt.Issuer(kt.Keyring.generate(), issuer="https://auth.test", audience="api.test")


@pytest.fixture(params=marked(*SERVICE_KINDS))
def service_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def service_backend(service_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    return _BACKENDS[service_kind.removeprefix("async-")](tmp_path, request)


MakeService = Callable[..., Any]


@pytest.fixture
def make_service(
    service_kind: str,
    service_backend: Backend,
    issuer: kt.Issuer,
    clock: Clock,
    loop: asyncio.AbstractEventLoop,
) -> Iterator[MakeService]:
    """``make_service(**options)``: a TokenService, or a Blocking(AsyncTokenService), on the
    parametrized store. All services made in one test share the store's data."""
    made: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("clock", clock)
        if service_kind.startswith("async-"):
            service = Blocking(
                kt.AsyncTokenService(issuer, service_backend.make_async_store(), **options), loop
            )
        else:
            service = kt.TokenService(issuer, service_backend.make_store(), **options)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


@pytest.fixture
def service(make_service: MakeService) -> Any:
    return make_service()
