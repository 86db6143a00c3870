"""Each run's private databases (tests/support/databases.py, fixtures.py) keep to what they promise:
never the shared database the variables name, gone at the end, and marked for ``-m``."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

import pytest

from support import DSN_VAR, REDIS_VAR, reset_postgres, reset_redis, server_env
from support.databases import STALE_AFTER, RedisLease, private_postgres


def _database_names(dsn: str) -> set[str]:
    import psycopg

    with psycopg.connect(dsn) as connection:
        return {row[0] for row in connection.execute("SELECT datname FROM pg_database")}


def test_postgres_dsn_is_a_private_empty_database(
    postgres_dsn: str, request: pytest.FixtureRequest
) -> None:
    import psycopg

    assert request.node.get_closest_marker("postgres") is not None  # brought by the fixture
    name = urlsplit(postgres_dsn).path.removeprefix("/")
    assert name.startswith("keyturn_t_")
    assert name != urlsplit(server_env(DSN_VAR)).path.removeprefix("/")
    with psycopg.connect(postgres_dsn) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    assert tables == (0,)


@pytest.mark.postgres
def test_a_private_postgres_database_is_dropped_at_the_end() -> None:
    server = server_env(DSN_VAR)
    with private_postgres(server) as dsn:
        name = urlsplit(dsn).path.removeprefix("/")
        assert name in _database_names(server)
    assert name not in _database_names(server)


@pytest.mark.postgres
def test_a_killed_runs_database_is_dropped_by_a_later_run() -> None:
    import psycopg

    server = server_env(DSN_VAR)
    stale = f"keyturn_t_{int(time.time() - STALE_AFTER - 60)}_{secrets.token_hex(4)}"
    recent = f"keyturn_t_{int(time.time() - 60)}_{secrets.token_hex(4)}"  # a run still going
    with psycopg.connect(server, autocommit=True) as admin:
        for name in (stale, recent):
            admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    try:
        with private_postgres(server):
            names = _database_names(server)
            assert stale not in names
            assert recent in names
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            for name in (stale, recent):
                admin.execute(f"DROP DATABASE IF EXISTS {name}")


def test_reset_postgres_refuses_the_shared_database() -> None:
    with pytest.raises(AssertionError, match="private database"):
        reset_postgres("postgresql://postgres@127.0.0.1:1/keyturn_test")


@pytest.mark.redis
def test_reset_redis_refuses_the_shared_database() -> None:
    with pytest.raises(AssertionError, match="leased database"):
        reset_redis(server_env(REDIS_VAR))


def test_redis_url_is_a_leased_index_of_its_own(
    redis_url: str, redis_run_lease: RedisLease, request: pytest.FixtureRequest
) -> None:
    import redis

    assert request.node.get_closest_marker("redis") is not None  # brought by the fixture
    shared = redis.Redis.from_url(server_env(REDIS_VAR))
    own_index = int(shared.connection_pool.connection_kwargs.get("db", 0))
    assert redis_run_lease.index != own_index
    with redis.Redis.from_url(redis_url) as client:
        assert client.connection_pool.connection_kwargs["db"] == redis_run_lease.index
        assert client.dbsize() == 0
    shared.close()


@pytest.mark.redis
def test_two_runs_lease_different_redis_indexes_and_release_them(
    redis_run_lease: RedisLease,
) -> None:
    import redis

    other = RedisLease(server_env(REDIS_VAR))
    try:
        assert other.index != redis_run_lease.index
        with redis.Redis.from_url(other.url) as client:
            client.set("left-behind", b"1")
    finally:
        other.release()
    with redis.Redis.from_url(other.url) as client:
        assert client.dbsize() == 0  # released: emptied for the next run
    with redis.Redis.from_url(server_env(REDIS_VAR)) as shared:
        assert shared.get(RedisLease.key(other.index)) is None  # and free to lease again
