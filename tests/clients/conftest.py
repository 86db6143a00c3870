"""Fixtures for the registered-client tests: one suite, every store kind, sync and async.

Server-backed stores use this run's private PostgreSQL / Redis database (``postgres_dsn`` and
``redis_url`` of tests/support/fixtures.py), so the tests here empty nobody else's data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from keyturn.clients import AsyncClientRegistry, ClientRegistry
from support import Clock, marked
from support.stores import Blocking, postgres_at_rest, redis_at_rest, sqlite_at_rest

KINDS = ["memory", "sqlite", "postgres", "redis"]
ALL_KINDS = KINDS + [f"async-{kind}" for kind in KINDS]
TOKEN_ENDPOINT = "https://auth.test/oauth/token"


@dataclass
class Backend:
    """One store kind: how to make its stores and how to read every byte it keeps."""

    kind: str
    make_store: Callable[[], Any]
    make_async_store: Callable[[], Any]
    at_rest: Callable[[], bytes]


def _memory(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    import pickle

    from keyturn.stores.memory.clients import MemoryClientStore

    store = MemoryClientStore()

    def at_rest() -> bytes:
        return pickle.dumps((store._clients, store._jtis))

    return Backend("memory", lambda: store, lambda: store, at_rest)


def _sqlite(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    from keyturn.stores.sqlite.clients import SQLiteClientStore

    path = tmp_path / "keyturn.db"
    return Backend(
        "sqlite",
        lambda: SQLiteClientStore(path),
        lambda: SQLiteClientStore(path),
        lambda: sqlite_at_rest(path),
    )


def _postgres(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    from keyturn.stores.postgres.clients import AsyncPostgresClientStore, PostgresClientStore

    dsn = str(request.getfixturevalue("postgres_dsn"))
    return Backend(
        "postgres",
        lambda: PostgresClientStore(dsn, pool_size=4),
        lambda: AsyncPostgresClientStore(dsn, pool_size=4),
        lambda: postgres_at_rest(dsn),
    )


def _redis(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    from keyturn.stores.redis.clients import AsyncRedisClientStore, RedisClientStore

    url = str(request.getfixturevalue("redis_url"))
    return Backend(
        "redis",
        lambda: RedisClientStore(url),
        lambda: AsyncRedisClientStore(url),
        lambda: redis_at_rest(url),
    )


_BACKENDS = {"memory": _memory, "sqlite": _sqlite, "postgres": _postgres, "redis": _redis}


@pytest.fixture(params=marked(*ALL_KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    return _BACKENDS[kind.removeprefix("async-")](tmp_path, request)


MakeRegistry = Callable[..., Any]


@pytest.fixture
def make_registry(
    kind: str, backend: Backend, clock: Clock, loop: asyncio.AbstractEventLoop
) -> Iterator[MakeRegistry]:
    """``make_registry(**options)``: a ClientRegistry, or a Blocking(AsyncClientRegistry), on the
    parametrized store. Registries made in one test share the store's data."""
    made: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("clock", clock)
        registry: Any
        if kind.startswith("async-"):
            registry = Blocking(AsyncClientRegistry(backend.make_async_store(), **options), loop)
        else:
            registry = ClientRegistry(backend.make_store(), **options)
        made.append(registry)
        return registry

    yield make
    for registry in made:
        registry.close()


@pytest.fixture
def registry(make_registry: MakeRegistry) -> Any:
    return make_registry()


@pytest.fixture(scope="session")
def client_key() -> kt.SigningKey:
    return kt.SigningKey.generate()


def assertion(key: Any, client_id: str, now: float, **overrides: Any) -> str:
    """A private_key_jwt assertion (RFC 7523 §3) for ``client_id``, valid 60 s from ``now``;
    ``overrides`` replace claims (a None value removes the claim)."""
    import secrets

    claims: dict[str, Any] = {
        "iss": client_id,
        "sub": client_id,
        "aud": TOKEN_ENDPOINT,
        "jti": secrets.token_urlsafe(16),
        "iat": int(now),
        "exp": int(now) + 60,
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return kt.encode(claims, key, alg=getattr(key, "alg", None) or "EdDSA")
