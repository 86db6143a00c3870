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
from support import Clock, marked, reset_postgres, reset_redis

from .revocation_support import BackgroundLoop, Blocking

#: Every store kind; the server-backed ones marked, so a job without servers deselects them
#: (``-m "not postgres and not redis"``) instead of failing them under CI. ``async-postgres`` and
#: ``async-redis`` are the native async stores; ``async-sqlite`` is the sync SQLite store driven
#: through the ``a`` methods (its I/O in worker threads). Tests of the async kinds call the same
#: sync names: ``Blocking`` sends each through its ``a`` twin.
KINDS = marked(
    "memory", "sqlite", "postgres", "redis", "async-sqlite", "async-postgres", "async-redis"
)

MakeStore = Callable[[], Any]
MakeRevocations = Callable[..., Any]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _location(kind: str, request: pytest.FixtureRequest) -> str:
    """This run's private (emptied) database for a server kind (tests/support/fixtures.py)."""
    fixture = {"postgres": "postgres_dsn", "redis": "redis_url"}.get(kind.removeprefix("async-"))
    return str(request.getfixturevalue(fixture)) if fixture else ""


@pytest.fixture
def background(kind: str) -> Iterator[BackgroundLoop | None]:
    """The loop the async kinds run on (None for the sync kinds)."""
    if not kind.startswith("async-"):
        yield None
        return
    loop = BackgroundLoop()
    yield loop
    loop.stop()


def _new_store(kind: str, location: str, path: Path, **options: Any) -> Any:
    base = kind.removeprefix("async-")
    if base == "memory":
        return kt.MemoryRevocationStore()
    if base == "sqlite":
        return kt.SQLiteRevocationStore(path)
    if kind == "postgres":
        return kt.PostgresRevocationStore(location, **options)
    if kind == "async-postgres":
        return kt.AsyncPostgresRevocationStore(location, **options)
    if kind == "redis":
        return kt.RedisRevocationStore(location)
    return kt.AsyncRedisRevocationStore(location)


def _close(store: Any, background: BackgroundLoop | None) -> None:
    closing = store.close()
    if background is not None and closing is not None:
        background.run(closing)


@pytest.fixture
def make_store(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    background: BackgroundLoop | None,
) -> Iterator[MakeStore]:
    """``make_store()``: a new store object on the same data (like another process would open)."""
    made: list[Any] = []
    memory = kt.MemoryRevocationStore()
    location = _location(kind, request)

    def make() -> Any:
        if kind.removeprefix("async-") == "memory":
            return memory
        store = _new_store(kind, location, tmp_path / "revocations.db")
        made.append(store)
        return store

    yield make
    for store in made:
        _close(store, background)


@pytest.fixture
def make_revocations(make_store: MakeStore, background: BackgroundLoop | None) -> MakeRevocations:
    """``make_revocations(store=None, **options)``: a ``Revocations`` on ``store`` (default: a
    new store object of the kind), ``Blocking`` for the async kinds."""

    def make(store: Any = None, **options: Any) -> Any:
        revocations = kt.Revocations(make_store() if store is None else store, **options)
        return revocations if background is None else Blocking(revocations, background)

    return make


@pytest.fixture
def revocations(make_revocations: MakeRevocations, clock: Clock) -> Any:
    return make_revocations(clock=clock)


@pytest.fixture(scope="session")
def signing_key() -> kt.SigningKey:
    return kt.SigningKey.generate()


@pytest.fixture
def fresh_store(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    background: BackgroundLoop | None,
) -> Iterator[MakeStore]:
    """``fresh_store()``: a store on empty data each call (one per Hypothesis example)."""
    made: list[Any] = []
    location = _location(kind, request)

    def make() -> Any:
        if kind.endswith("postgres"):
            reset_postgres(location)
        elif kind.endswith("redis"):
            reset_redis(location)
        options = {"pool_size": 1} if kind.endswith("postgres") else {}
        store = _new_store(kind, location, tmp_path / f"revocations-{len(made)}.db", **options)
        made.append(store)
        return store

    yield make
    for store in made:
        _close(store, background)
