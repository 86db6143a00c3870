"""``open_async_backend``, and backends on a pool or client of the caller's (issue 14).

The async backend serves ``AsyncTokenService`` and the ``a`` methods of ``Revocations`` from one
``AsyncConnectionPool`` / ``redis.asyncio`` client (SQLite and memory: the blocking stores, run in
worker threads); a backend made on the caller's pool or client never closes it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from keyturn.stores import AsyncBackend, open_async_backend
from support import marked

ISSUER, AUDIENCE = "https://auth.test", "api.test"
RING = kt.Keyring.generate()


async def exercise(backend: AsyncBackend) -> None:
    """A login, a rotation, logout-everywhere killing the access token, through one backend."""
    issuer = kt.Issuer(RING, issuer=ISSUER, audience=AUDIENCE)
    revocations = kt.Revocations(backend.revocations)
    service = kt.AsyncTokenService(issuer, backend.tokens)
    verifier = kt.Verifier(RING, issuer=ISSUER, audience=AUDIENCE, revocations=revocations)
    pair = await service.rotate((await service.issue_pair("backend-user", "laptop")).refresh)
    claims = await verifier.averify(pair.access)
    await revocations.arevoke(claims)
    with pytest.raises(kt.TokenRevoked) as revoked:
        await verifier.averify(pair.access)
    assert revoked.value.code == "token_revoked"
    assert [s.family_id for s in await service.sessions("backend-user")] == [pair.family_id]


def _target(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'keyturn.db'}"
    return str(request.getfixturevalue("postgres_dsn" if kind == "postgres" else "redis_url"))


@pytest.mark.parametrize("kind", marked("memory", "sqlite", "postgres", "redis"))
def test_async_backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    target = _target(kind, tmp_path, request)

    async def scenario() -> Any:
        async with open_async_backend(target) as backend:
            await exercise(backend)
            return backend

    backend = asyncio.run(scenario())
    native = kind in ("postgres", "redis")
    assert kt.revocation.is_async_store(backend.revocations) is native
    if kind == "postgres":
        assert backend.tokens._db.pool is backend.revocations._db.pool  # type: ignore[union-attr]
        assert backend.tokens._db.pool.closed  # type: ignore[union-attr]
    if kind == "redis":
        assert backend.tokens._db.client is backend.revocations._db.client  # type: ignore[union-attr]


@pytest.mark.postgres
def test_backends_on_the_callers_postgres_pools(postgres_dsn: str) -> None:
    import psycopg_pool

    with psycopg_pool.ConnectionPool(postgres_dsn, min_size=1, max_size=2) as pool:
        with kt.open_backend(pool) as backend:
            assert backend.scheme == "postgresql"
            assert backend.tokens._db.pool is pool  # type: ignore[attr-defined]
            assert backend.revocations.lookup([b"\x00" * 32], []) == ((set(), {}))
        assert not pool.closed  # the caller's pool stays the caller's

    async def on_async_pool() -> bool:
        async with psycopg_pool.AsyncConnectionPool(postgres_dsn, open=False) as pool:
            async with open_async_backend(pool) as backend:
                await exercise(backend)
            return bool(pool.closed)

    assert asyncio.run(on_async_pool()) is False


@pytest.mark.redis
def test_backends_on_the_callers_redis_clients(redis_url: str) -> None:
    import redis
    import redis.asyncio

    with redis.Redis.from_url(redis_url) as client:
        with kt.open_backend(client) as backend:
            assert backend.scheme == "redis"
            assert backend.tokens._db.client is client  # type: ignore[attr-defined]
        assert client.ping()  # not closed by the backend

    async def on_async_client() -> bool:
        client = redis.asyncio.Redis.from_url(redis_url)
        async with open_async_backend(client) as backend:
            await exercise(backend)
        answered = bool(await client.ping())
        await client.aclose()
        return answered

    assert asyncio.run(on_async_client())


@pytest.mark.postgres
@pytest.mark.redis
def test_a_pool_or_client_of_the_other_mode_is_refused(postgres_dsn: str, redis_url: str) -> None:
    import psycopg_pool
    import redis
    import redis.asyncio

    blocking_pool = psycopg_pool.ConnectionPool(postgres_dsn, open=False)
    async_pool = psycopg_pool.AsyncConnectionPool(postgres_dsn, open=False)
    blocking_client = redis.Redis.from_url(redis_url)
    async_client = redis.asyncio.Redis.from_url(redis_url)
    cases = [
        (kt.open_backend, async_pool, "open_backend takes", "AsyncConnectionPool"),
        (kt.open_backend, async_client, "open_backend takes", "asyncio.client.Redis"),
        (open_async_backend, blocking_pool, "open_async_backend takes", "ConnectionPool"),
        (open_async_backend, blocking_client, "open_async_backend takes", "redis.client.Redis"),
        (kt.open_backend, object(), "open_backend takes", "builtins.object"),
    ]
    for open_it, target, says, names in cases:
        with pytest.raises(kt.ConfigurationError) as refused:
            open_it(target)
        assert refused.value.code == "configuration_invalid"
        assert says in str(refused.value)
        assert names in str(refused.value)
    blocking_client.close()


@pytest.mark.parametrize("scheme", ["mysql", "sqlite3", "http"])
def test_the_async_backend_refuses_an_unknown_scheme_naming_it(scheme: str) -> None:
    with pytest.raises(kt.ConfigurationError) as refused:
        open_async_backend(f"{scheme}://somewhere/db")
    assert refused.value.code == "configuration_invalid"
    assert repr(scheme) in str(refused.value)
