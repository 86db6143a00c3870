"""Fixtures for the session tests: one suite, every store kind, sync and async.

``make_service(**options)`` gives a ``SessionService``, or an ``AsyncSessionService`` driven
from sync test code (``Blocking``), on the parametrized store; ``backend.state()`` is everything
the store holds, so a test can assert a refusal wrote nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from support import Clock, marked
from support.stores import Blocking, postgres_at_rest, redis_at_rest, sqlite_at_rest

KINDS = ["memory", "sqlite", "postgres", "redis"]
SERVICE_KINDS = KINDS + [f"async-{kind}" for kind in KINDS]


@dataclass
class Backend:
    """One store kind: how to make its stores and how to look at what it holds."""

    kind: str
    make_store: Callable[[], Any]
    make_async_store: Callable[[], Any]
    #: Every stored session, in a canonical form (compare before/after a refusal).
    state: Callable[[], Any]
    #: Everything at rest, as bytes (scanned for plaintext ids).
    at_rest: Callable[[], bytes]
    #: ``make_token_stores(is_async)``: a refresh-token store and a revocation store of the same
    #: database, for logout everywhere and ``sid`` revocation.
    make_token_stores: Callable[[bool], tuple[Any, Any]]


def _memory_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    store = kt.MemorySessionStore()

    def state() -> Any:
        return sorted((repr(s), s.session_hash) for s in store._sessions.values())

    def at_rest() -> bytes:
        import pickle

        return pickle.dumps(store._sessions)

    tokens, revocations = kt.MemoryStore(), kt.MemoryRevocationStore()
    return Backend(
        "memory", lambda: store, lambda: store, state, at_rest, lambda _: (tokens, revocations)
    )


def _sqlite_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    import sqlite3

    from keyturn.stores.sqlite.sessions import SQLiteSessionStore

    path = tmp_path / "keyturn.db"

    def state() -> Any:
        with sqlite3.connect(path) as connection:
            return connection.execute(f"{_STATE_SQL} ORDER BY session_hash").fetchall()

    def make() -> SQLiteSessionStore:
        return SQLiteSessionStore(path)

    def token_stores(is_async: bool) -> tuple[Any, Any]:
        return kt.SQLiteStore(path), kt.SQLiteRevocationStore(path)

    return Backend("sqlite", make, make, state, lambda: sqlite_at_rest(path), token_stores)


#: Every column of every stored session (both SQL stores).
_STATE_SQL = "SELECT * FROM keyturn_sessions"


def _postgres_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    import psycopg

    from keyturn.stores.postgres.sessions import AsyncPostgresSessionStore, PostgresSessionStore

    dsn = request.getfixturevalue("postgres_dsn")

    def state() -> Any:
        with psycopg.connect(dsn) as connection:
            return connection.execute(f"{_STATE_SQL} ORDER BY session_hash").fetchall()

    def token_stores(is_async: bool) -> tuple[Any, Any]:
        from keyturn.stores import postgres

        if is_async:
            return postgres.AsyncPostgresStore(dsn), postgres.AsyncPostgresRevocationStore(dsn)
        return postgres.PostgresStore(dsn), postgres.PostgresRevocationStore(dsn)

    return Backend(
        "postgres",
        lambda: PostgresSessionStore(dsn, pool_size=8),
        lambda: AsyncPostgresSessionStore(dsn, pool_size=8),
        state,
        lambda: postgres_at_rest(dsn),
        token_stores,
    )


def _redis_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    import redis

    from keyturn.stores.redis.sessions import AsyncRedisSessionStore, RedisSessionStore

    url = request.getfixturevalue("redis_url")
    client = redis.Redis.from_url(url)
    request.addfinalizer(client.close)

    def state() -> Any:
        # Each session key and index with its fields and its absolute expiry.
        keys = sorted(client.scan_iter(match="keyturn:session*"))
        return [(k, sorted(client.hgetall(k).items()), client.pexpiretime(k)) for k in keys]

    def token_stores(is_async: bool) -> tuple[Any, Any]:
        from keyturn.stores import redis as stores

        if is_async:
            return stores.AsyncRedisStore(url), stores.AsyncRedisRevocationStore(url)
        return stores.RedisStore(url), stores.RedisRevocationStore(url)

    return Backend(
        "redis",
        lambda: RedisSessionStore(url),
        lambda: AsyncRedisSessionStore(url),
        state,
        lambda: redis_at_rest(url),
        token_stores,
    )


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Backend]] = {
    "memory": _memory_backend,
    "sqlite": _sqlite_backend,
    "postgres": _postgres_backend,
    "redis": _redis_backend,
}


@pytest.fixture(params=marked(*SERVICE_KINDS))
def service_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend(service_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return BACKENDS[service_kind.removeprefix("async-")](request, tmp_path)


@pytest.fixture
def is_async(service_kind: str) -> bool:
    return service_kind.startswith("async-")


MakeService = Callable[..., Any]


@pytest.fixture
def make_service(
    is_async: bool, backend: Backend, clock: Clock, loop: asyncio.AbstractEventLoop
) -> Iterator[MakeService]:
    """``make_service(store=None, **options)``: a session service on the parametrized store (or
    ``store``), sync or async, ``clock`` moved by hand. Services made in one test share the
    store's data."""
    made: list[Any] = []

    def make(*, store: Any = None, **options: Any) -> Any:
        options.setdefault("clock", clock)
        if is_async:
            store = store or backend.make_async_store()
            service: Any = Blocking(kt.AsyncSessionService(store, **options), loop)
        else:
            service = kt.SessionService(store or backend.make_store(), **options)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


@pytest.fixture
def service(make_service: MakeService) -> Any:
    return make_service()


@dataclass
class Stack:
    """A session service wired as a web app wires it: refresh tokens and revocations of the same
    database, one issuer, a verifier that consults the revocations."""

    sessions: Any
    tokens: Any
    revocations: kt.Revocations
    issuer: kt.Issuer
    #: The verifier's ``verify`` (its ``averify`` run to completion, for the async kinds).
    verify: Callable[[str], dict[str, Any]]


@pytest.fixture
def stack(
    is_async: bool,
    backend: Backend,
    make_service: MakeService,
    clock: Clock,
    loop: asyncio.AbstractEventLoop,
) -> Iterator[Stack]:
    keyring = kt.Keyring.generate()
    issuer = kt.Issuer(keyring, issuer="https://auth.test", audience="api.test", ttl=600)
    token_store, revocation_store = backend.make_token_stores(is_async)
    # The real clock: a watermark must fall after the tokens the test issued (their iat is real).
    revocations = kt.Revocations(revocation_store)
    if is_async:
        tokens: Any = kt.AsyncTokenService(issuer, token_store, clock=clock)
    else:
        tokens = kt.TokenService(issuer, token_store, clock=clock)
    sessions = make_service(tokens=tokens, revocations=revocations)
    verifier = kt.Verifier(
        keys=keyring, issuer="https://auth.test", audience="api.test", revocations=revocations
    )

    def verify(token: str) -> dict[str, Any]:
        if is_async:
            return loop.run_until_complete(verifier.averify(token))
        return verifier.verify(token)

    yield Stack(
        sessions, Blocking(tokens, loop) if is_async else tokens, revocations, issuer, verify
    )
    if is_async:
        loop.run_until_complete(tokens.close())
        loop.run_until_complete(revocations.aclose())
    else:
        tokens.close()
        revocations.close()
