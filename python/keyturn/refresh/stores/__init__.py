"""Refresh-token stores. The PostgreSQL and Redis drivers are imported only when a store is made."""

from __future__ import annotations

from keyturn.refresh.stores.base import AsyncStore, Store
from keyturn.refresh.stores.postgres import AsyncPostgresStore, PostgresStore
from keyturn.refresh.stores.redis import AsyncRedisStore, RedisStore
from keyturn.refresh.stores.sqlite import SQLiteStore
from keyturn.stores.memory import MemoryStore

__all__ = [
    "AsyncPostgresStore",
    "AsyncRedisStore",
    "AsyncStore",
    "MemoryStore",
    "PostgresStore",
    "RedisStore",
    "SQLiteStore",
    "Store",
]
