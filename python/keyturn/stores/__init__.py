"""One backend per database: ``open_backend(url)`` gives every store keyturn keeps in that database
(refresh tokens, access-token revocations, registered clients), made on ONE connection pool or
client.

========================  ===================================================================
``memory://``             ``MemoryStore`` + ``MemoryRevocationStore`` (this process only)
``sqlite:///path``, path  ``SQLiteStore`` + ``SQLiteRevocationStore`` on one file (one write lock)
``postgresql://``         ``PostgresStore`` + ``PostgresRevocationStore`` on one psycopg pool
``redis://``, ``rediss://``  ``RedisStore`` + ``RedisRevocationStore`` on one redis-py client
========================  ===================================================================

Any other scheme is a ``ConfigurationError`` naming it. The backend owns the shared pool or client;
``Backend.close()`` releases it (the stores' own ``close()`` leave a shared pool alone). A new
concern (browser sessions, registered clients) is one more field here and one more store per
database beside the two below.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keyturn.errors import ConfigurationError
from keyturn.refresh.store import Store
from keyturn.revocation import RevocationStore
from keyturn.stores.memory import MemoryRevocationStore, MemoryStore
from keyturn.stores.memory.clients import MemoryClientStore

if TYPE_CHECKING:
    from keyturn.clients import ClientStore

__all__ = ["SCHEMES", "Backend", "open_backend"]

SCHEMES = ("memory", "sqlite", "postgresql", "postgres", "redis", "rediss")


@dataclass(frozen=True)
class Backend:
    """The stores of one database, sharing its connection pool or client."""

    scheme: str
    tokens: Store
    revocations: RevocationStore
    clients: ClientStore
    _release: Callable[[], None] = field(repr=False)

    def close(self) -> None:
        """Release the stores and the pool or client they share."""
        self.tokens.close()
        self.revocations.close()
        self.clients.close()
        self._release()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_backend(url: str | os.PathLike[str], *, timeout: float = 5.0) -> Backend:
    """The backend for ``url``: ``memory://``, ``sqlite:///path`` or a bare file path,
    ``postgresql://...``, ``redis://...`` / ``rediss://...``."""
    text = os.fspath(url)
    scheme, separator, rest = text.partition("://")
    if not separator:
        return _sqlite(text)
    if scheme == "sqlite":
        return _sqlite(rest.removeprefix("/"))
    opener = _OPENERS.get(scheme)
    if opener is None:
        raise ConfigurationError(
            f"unsupported database scheme {scheme!r}: use one of {', '.join(SCHEMES)}"
        )
    return opener(text, timeout)


def _nothing() -> None:
    """A backend whose stores hold no shared resource."""


def _memory(url: str, timeout: float) -> Backend:
    return Backend("memory", MemoryStore(), MemoryRevocationStore(), MemoryClientStore(), _nothing)


def _sqlite(path: str) -> Backend:
    from keyturn.stores.sqlite import SQLiteRevocationStore, SQLiteStore
    from keyturn.stores.sqlite.clients import SQLiteClientStore

    if not path:
        raise ConfigurationError("sqlite:/// needs a file path (sqlite:///var/lib/keyturn.db)")
    # One file; every write queues on the file's one process-wide lock (keyturn._sqlite).
    return Backend(
        "sqlite",
        SQLiteStore(path),
        SQLiteRevocationStore(path),
        SQLiteClientStore(path),
        _nothing,
    )


def _postgres(url: str, timeout: float) -> Backend:
    from keyturn.stores.postgres import PostgresRevocationStore, PostgresStore
    from keyturn.stores.postgres._pool import drivers, pool_options
    from keyturn.stores.postgres.clients import PostgresClientStore

    _, pool_module = drivers()
    pool: Any = pool_module.ConnectionPool(url, open=True, **pool_options(10, timeout))
    tokens = PostgresStore(pool=pool, timeout=timeout)
    revocations = PostgresRevocationStore(pool=pool)
    clients = PostgresClientStore(pool=pool)
    return Backend("postgresql", tokens, revocations, clients, pool.close)


def _redis(url: str, timeout: float) -> Backend:
    from keyturn.stores.redis import RedisRevocationStore, RedisStore
    from keyturn.stores.redis._client import driver
    from keyturn.stores.redis.clients import RedisClientStore

    client: Any = driver().Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    tokens = RedisStore(client=client, timeout=timeout)
    revocations = RedisRevocationStore(client=client)
    clients = RedisClientStore(client=client)
    return Backend("redis", tokens, revocations, clients, client.close)


_OPENERS: dict[str, Callable[[str, float], Backend]] = {
    "memory": _memory,
    "postgresql": _postgres,
    "postgres": _postgres,
    "redis": _redis,
    "rediss": _redis,
}
