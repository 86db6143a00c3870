"""One backend per database: every store keyturn keeps in that database (refresh tokens,
access-token revocations, registered clients, browser sessions, pending sign-ins), made on ONE
connection pool or client.

``open_backend(target)`` gives the blocking stores, ``open_async_backend(target)`` the asyncio
ones. ``target`` is a URL or path, or a pool or client of the caller's:

==============================  ===============================================================
``memory://``                   the memory stores (this process only)
``sqlite:///path``, a path      the SQLite stores on one file (one write lock); async: the same
``postgresql://``               the PostgreSQL stores on one psycopg pool (async: one
                                ``AsyncConnectionPool``, opened on first use)
``redis://``, ``rediss://``,    the Redis stores on one redis-py client (async: one
``unix://``                     ``redis.asyncio`` client)
a ``psycopg_pool`` pool         the PostgreSQL stores on it (``ConnectionPool`` for
                                ``open_backend``, ``AsyncConnectionPool`` for the async one)
a redis-py client               the Redis stores on it (``Redis`` or ``RedisCluster``; their
                                ``redis.asyncio`` twins for the async one)
==============================  ===============================================================

Any other scheme or object is a ``ConfigurationError`` naming it. A backend opened from a URL owns
its pool or client and ``close()`` (``aclose()``) releases it; a pool or client of the caller's
stays theirs to close. A new concern is one more field in both backends, one more store in
``_open``'s memory and ``_sqlite``, and one more class per server database in ``_store_classes``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keyturn.errors import ConfigurationError
from keyturn.login_state import AsyncLoginStates, LoginStates
from keyturn.refresh.store import AsyncStore, Store
from keyturn.revocation import AsyncRevocationStore, RevocationStore
from keyturn.sessions.store import AsyncSessionStore, SessionStore
from keyturn.stores.memory import (
    MemoryLoginStates,
    MemoryRevocationStore,
    MemorySessionStore,
    MemoryStore,
)
from keyturn.stores.memory.clients import MemoryClientStore

if TYPE_CHECKING:
    from keyturn.clients import AsyncClientStore, ClientStore

__all__ = ["SCHEMES", "AsyncBackend", "Backend", "open_async_backend", "open_backend"]

_POSTGRES, _REDIS = ("postgresql", "postgres"), ("redis", "rediss", "unix")
SCHEMES = ("memory", "sqlite", *_POSTGRES, *_REDIS)


@dataclass(frozen=True)
class Backend:
    """The stores of one database, sharing its connection pool or client."""

    scheme: str
    tokens: Store
    revocations: RevocationStore
    clients: ClientStore
    sessions: SessionStore
    login_states: LoginStates
    _release: Callable[[], object] = field(repr=False)

    def close(self) -> None:
        """Release the stores and the pool or client they share (if the backend made it)."""
        self.tokens.close()
        self.revocations.close()
        self.clients.close()
        self.sessions.close()
        self.login_states.close()
        self._release()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class AsyncBackend:
    """The stores of one database for asyncio (``AsyncTokenService``, ``Revocations``' ``a``
    methods): native async on PostgreSQL and Redis, the blocking ones on SQLite and memory (which
    the async services run in worker threads)."""

    scheme: str
    tokens: AsyncStore | Store
    revocations: AsyncRevocationStore | RevocationStore
    clients: AsyncClientStore | ClientStore
    sessions: AsyncSessionStore | SessionStore
    login_states: AsyncLoginStates | LoginStates
    _release: Callable[[], object] = field(repr=False)

    async def aclose(self) -> None:
        """Release the stores and the pool or client they share (if the backend made it)."""
        stores = (self.tokens, self.revocations, self.clients, self.sessions, self.login_states)
        for close in (*(store.close for store in stores), self._release):
            await _finish(close())

    async def __aenter__(self) -> AsyncBackend:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _finish(result: object) -> None:
    """Await what a close returned when it is a coroutine (an async store's or pool's close)."""
    if inspect.isawaitable(result):
        await result


def open_backend(target: str | os.PathLike[str] | Any, *, timeout: float = 5.0) -> Backend:
    """The blocking backend for ``target``: ``memory://``, ``sqlite:///path`` or a bare file
    path, ``postgresql://...``, ``redis://...`` / ``rediss://...`` / ``unix://...``, or an
    existing psycopg ``ConnectionPool`` or redis-py client."""
    return Backend(*_open(target, timeout, asynchronous=False))


def open_async_backend(
    target: str | os.PathLike[str] | Any, *, timeout: float = 5.0
) -> AsyncBackend:
    """``open_backend`` for asyncio: the same targets, an ``AsyncConnectionPool`` or a
    ``redis.asyncio`` client in place of the blocking ones."""
    return AsyncBackend(*_open(target, timeout, asynchronous=True))


_Opened = tuple[str, Any, Any, Any, Any, Any, Callable[[], object]]


def _open(target: object, timeout: float, *, asynchronous: bool) -> _Opened:
    if not isinstance(target, (str, os.PathLike)):
        scheme = _shared_kind(target, asynchronous)
        return (scheme, *_server_stores(scheme, target, timeout, asynchronous), _nothing)
    text = os.fspath(target)
    scheme, separator, rest = text.partition("://")
    if not separator:
        return _sqlite(text)
    if scheme == "sqlite":
        return _sqlite(rest.removeprefix("/"))
    if scheme == "memory":
        stores = (
            MemoryStore(),
            MemoryRevocationStore(),
            MemoryClientStore(),
            MemorySessionStore(),
            MemoryLoginStates(),
        )
        return ("memory", *stores, _nothing)
    if scheme not in SCHEMES:
        raise ConfigurationError(
            f"unsupported database scheme {scheme!r}: use one of {', '.join(SCHEMES)}"
        )
    name = "postgresql" if scheme in _POSTGRES else "redis"
    shared = _connect(name, text, timeout, asynchronous)
    release = shared.close if name == "postgresql" or not asynchronous else shared.aclose
    return (name, *_server_stores(name, shared, timeout, asynchronous), release)


def _nothing() -> None:
    """Nothing of the backend's own to release."""


def _sqlite(path: str) -> _Opened:
    from keyturn.stores.sqlite import SQLiteRevocationStore, SQLiteStore
    from keyturn.stores.sqlite.clients import SQLiteClientStore
    from keyturn.stores.sqlite.login_states import SQLiteLoginStates
    from keyturn.stores.sqlite.sessions import SQLiteSessionStore

    if not path:
        raise ConfigurationError("sqlite:/// needs a file path (sqlite:///var/lib/keyturn.db)")
    # One file; every write queues on the file's one process-wide lock (keyturn._sqlite).
    stores = (
        SQLiteStore(path),
        SQLiteRevocationStore(path),
        SQLiteClientStore(path),
        SQLiteSessionStore(path),
        SQLiteLoginStates(path),
    )
    return ("sqlite", *stores, _nothing)


def _connect(name: str, url: str, timeout: float, asynchronous: bool) -> Any:
    """The pool or client the backend opens for a URL, with keyturn's options."""
    if name == "postgresql":
        from keyturn.stores.postgres._pool import drivers, pool_options

        _, pools = drivers()
        pool_class = pools.AsyncConnectionPool if asynchronous else pools.ConnectionPool
        # An async pool opens inside the event loop, on the stores' first use.
        return pool_class(url, open=not asynchronous, **pool_options(10, timeout))
    from keyturn.stores.redis._client import driver

    redis = driver()
    client_class = redis.asyncio.Redis if asynchronous else redis.Redis
    return client_class.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def _server_stores(name: str, shared: Any, timeout: float, asynchronous: bool) -> tuple[Any, ...]:
    """The stores of every concern on one pool or client."""
    option = "pool" if name == "postgresql" else "client"
    return tuple(
        store_class(**{option: shared}, timeout=timeout)
        for store_class in _store_classes(name, asynchronous)
    )


def _store_classes(name: str, asynchronous: bool) -> tuple[Any, Any, Any, Any, Any]:
    """A server database's store classes, one per concern (drivers imported only here)."""
    if name == "postgresql":
        from keyturn.stores import postgres
        from keyturn.stores.postgres import clients as postgres_clients
        from keyturn.stores.postgres import login_states as postgres_login_states
        from keyturn.stores.postgres import sessions as postgres_sessions

        if asynchronous:
            return (
                postgres.AsyncPostgresStore,
                postgres.AsyncPostgresRevocationStore,
                postgres_clients.AsyncPostgresClientStore,
                postgres_sessions.AsyncPostgresSessionStore,
                postgres_login_states.AsyncPostgresLoginStates,
            )
        return (
            postgres.PostgresStore,
            postgres.PostgresRevocationStore,
            postgres_clients.PostgresClientStore,
            postgres_sessions.PostgresSessionStore,
            postgres_login_states.PostgresLoginStates,
        )
    from keyturn.stores import redis
    from keyturn.stores.redis import clients as redis_clients
    from keyturn.stores.redis import login_states as redis_login_states
    from keyturn.stores.redis import sessions as redis_sessions

    if asynchronous:
        return (
            redis.AsyncRedisStore,
            redis.AsyncRedisRevocationStore,
            redis_clients.AsyncRedisClientStore,
            redis_sessions.AsyncRedisSessionStore,
            redis_login_states.AsyncRedisLoginStates,
        )
    return (
        redis.RedisStore,
        redis.RedisRevocationStore,
        redis_clients.RedisClientStore,
        redis_sessions.RedisSessionStore,
        redis_login_states.RedisLoginStates,
    )


def _shared_kind(target: object, asynchronous: bool) -> str:
    """``postgresql`` or ``redis`` for a pool or client of the caller's; anything else, or one of
    the other mode (an asyncio pool given to ``open_backend``), is refused naming what it is."""
    package = type(target).__module__.partition(".")[0]
    wanted = "an asyncio" if asynchronous else "a blocking"
    if package == "psycopg_pool":
        from keyturn.stores.postgres._pool import drivers

        _, pools = drivers()
        if isinstance(target, pools.AsyncConnectionPool if asynchronous else pools.ConnectionPool):
            return "postgresql"
    elif package == "redis":
        from keyturn.stores.redis._client import driver

        redis = driver()
        module = redis.asyncio if asynchronous else redis
        if isinstance(target, (module.Redis, module.RedisCluster)):
            return "redis"
    function = "open_async_backend" if asynchronous else "open_backend"
    raise ConfigurationError(
        f"{function} takes a database URL or path, or {wanted} psycopg pool or redis-py client; "
        f"not a {type(target).__module__}.{type(target).__qualname__}"
    )
