"""Fixtures for the registered-client tests: one suite, every store kind, sync and async.

Server-backed stores use this run's private PostgreSQL / Redis database (``postgres_dsn`` and
``redis_url`` of tests/support/fixtures.py), so the tests here empty nobody else's data.
"""

from __future__ import annotations

import asyncio
import inspect
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from keyturn.clients import AsyncClientRegistry, ClientRegistry
from support import Clock, marked

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

    def at_rest() -> bytes:
        # The file and its write-ahead log: a secret must be in neither.
        return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("keyturn.db*")))

    return Backend(
        "sqlite", lambda: SQLiteClientStore(path), lambda: SQLiteClientStore(path), at_rest
    )


def _postgres(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    from keyturn.stores.postgres.clients import AsyncPostgresClientStore, PostgresClientStore

    dsn = str(request.getfixturevalue("postgres_dsn"))

    def at_rest() -> bytes:
        dump = subprocess.run(["pg_dump", "--data-only", dsn], check=True, capture_output=True)
        return dump.stdout

    return Backend(
        "postgres",
        lambda: PostgresClientStore(dsn, pool_size=4),
        lambda: AsyncPostgresClientStore(dsn, pool_size=4),
        at_rest,
    )


def _redis(tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    import redis

    from keyturn.stores.redis.clients import AsyncRedisClientStore, RedisClientStore

    url = str(request.getfixturevalue("redis_url"))

    def at_rest() -> bytes:
        # Every key name, its serialized value (DUMP) and its value as read.
        parts: list[bytes] = []
        with redis.Redis.from_url(url) as client:
            for key in client.scan_iter():
                parts += [key, client.dump(key) or b""]
                kind = client.type(key)
                if kind == b"hash":
                    parts += [b for pair in client.hgetall(key).items() for b in pair]
                elif kind == b"set":
                    parts += list(client.smembers(key))
                else:
                    parts.append(client.get(key) or b"")
        return b"\n".join(parts)

    return Backend(
        "redis",
        lambda: RedisClientStore(url),
        lambda: AsyncRedisClientStore(url),
        at_rest,
    )


_BACKENDS = {"memory": _memory, "sqlite": _sqlite, "postgres": _postgres, "redis": _redis}


class Blocking:
    """Drives an AsyncClientRegistry from sync test code on a private event loop, so the very
    same test body checks the sync and the async registry."""

    def __init__(self, registry: AsyncClientRegistry, loop: asyncio.AbstractEventLoop) -> None:
        self.registry = registry
        self.loop = loop

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.registry, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            return self.loop.run_until_complete(attribute(*args, **kwargs))

        return call


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


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
