"""A private database for each pytest run on the shared PostgreSQL and Redis servers.

Several runs (CI jobs, people testing at once, a benchmark) use the same two servers. A test
that empties "the" database would empty theirs too, so no test touches the database the
variables name: each run creates its own PostgreSQL database and claims its own Redis database
index, and resets only those.

- PostgreSQL: ``CREATE DATABASE keyturn_t_<unix time>_<random>`` on the server of
  ``KEYTURN_TEST_POSTGRES_DSN``, dropped (``WITH (FORCE)``) when the run ends. A run that was
  killed cannot drop its own: the next run drops every one older than STALE_AFTER.
- Redis: a free database index on the server of ``KEYTURN_TEST_REDIS_URL``. Indexes are claimed
  with ``SET NX`` leases in the URL's own database, which no run ever uses for data; a lease
  expires (LEASE_SECONDS) if its run dies, and every reset renews it.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from support.servers import REDIS_VAR

#: The claimed Redis index is leased for this long past the run's last reset.
LEASE_SECONDS = 3600
#: A private PostgreSQL database this old belongs to a run that was killed (no run lasts so long).
STALE_AFTER = 6 * 3600
_PRIVATE_NAME = re.compile(r"keyturn_t_(\d+)_[0-9a-f]+")
_LEASE_KEY = "keyturn-test:db-lease:{index}"


def _with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


def _postgres_dsn(server_dsn: str, name: str) -> str:
    """``server_dsn`` pointed at database ``name`` (a URL stays a URL: open_backend needs one)."""
    if "://" in server_dsn:
        return _with_path(server_dsn, f"/{name}")
    from psycopg.conninfo import make_conninfo

    return make_conninfo(server_dsn, dbname=name)


@contextmanager
def private_postgres(server_dsn: str) -> Iterator[str]:
    """A new, empty database on ``server_dsn``'s server for as long as the block runs."""
    import psycopg

    name = f"keyturn_t_{int(time.time())}_{secrets.token_hex(4)}"
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        _drop_stale(admin)
        # template0 accepts no connections, so another run's CREATE DATABASE cannot find it
        # "being accessed by other users" (which template1 can be).
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    try:
        yield _postgres_dsn(server_dsn, name)
    finally:
        with psycopg.connect(server_dsn, autocommit=True) as admin:
            # FORCE: a pool a failed test never closed must not keep the database alive.
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _drop_stale(admin: Any) -> None:
    for (name,) in admin.execute("SELECT datname FROM pg_database").fetchall():
        created = _PRIVATE_NAME.fullmatch(name)
        if created and time.time() - int(created.group(1)) > STALE_AFTER:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def reset_postgres(dsn: str) -> None:
    """Empty a private database: every table of every concern, whoever added it."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    # DROP SCHEMA CASCADE on the shared database would wipe every other run's tables.
    if not str(conninfo_to_dict(dsn).get("dbname", "")).startswith("keyturn_t_"):
        raise AssertionError("reset_postgres only empties a run's private database")

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


class RedisLease:
    """This run's claim on one database index of a Redis server."""

    def __init__(self, server_url: str) -> None:
        import redis

        self._leases: Any = redis.Redis.from_url(server_url)
        self._token = secrets.token_hex(8)
        own = int(self._leases.connection_pool.connection_kwargs.get("db", 0))
        count = int(self._leases.config_get("databases")["databases"])
        for index in (i for i in range(count) if i != own):
            if self._leases.set(self.key(index), self._token, nx=True, ex=LEASE_SECONDS):
                self.index = index
                self.url = _with_path(server_url, f"/{index}")
                return
        self._leases.close()
        raise RuntimeError(f"all {count - 1} Redis test databases are leased to other runs")

    @staticmethod
    def key(index: int) -> str:
        return _LEASE_KEY.format(index=index)

    def renew(self) -> None:
        """Extend the lease; fails if it lapsed and another run took the index meanwhile."""
        key = self.key(self.index)
        if not self._leases.set(key, self._token, nx=True, ex=LEASE_SECONDS):
            holder = self._leases.get(key)
            if holder != self._token.encode():
                raise RuntimeError(f"Redis test database {self.index} was leased to another run")
            self._leases.expire(key, LEASE_SECONDS)

    def release(self) -> None:
        key = self.key(self.index)
        if self._leases.get(key) == self._token.encode():
            reset_redis(self.url)
            self._leases.delete(key)
        self._leases.close()


@contextmanager
def private_redis(server_url: str) -> Iterator[RedisLease]:
    """A free, emptied Redis database index for as long as the block runs."""
    lease = RedisLease(server_url)
    try:
        reset_redis(lease.url)  # a run that died may have left keys behind
        yield lease
    finally:
        lease.release()


def reset_redis(url: str) -> None:
    """Empty one Redis database: a leased one, never the one ``KEYTURN_TEST_REDIS_URL`` names
    (other runs' leases live there)."""
    import redis

    shared = os.environ.get(REDIS_VAR)
    if shared and _redis_database(url) == _redis_database(shared):
        raise AssertionError("reset_redis only empties a run's leased database")
    with redis.Redis.from_url(url) as client:
        client.flushdb()


def _redis_database(url: str) -> tuple[str, int]:
    from redis.connection import parse_url

    options = parse_url(url)
    where = f"{options.get('host')}:{options.get('port')}:{options.get('path')}"
    return where, int(options.get("db", 0))
