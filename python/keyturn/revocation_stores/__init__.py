"""Revocation stores on SQLite, PostgreSQL and Redis (drivers imported only when a store is made).

They follow the refresh stores' conventions: a file path, a DSN with a pool, a URL; failures are
``StoreError``; reprs hide DSNs and URLs. Each can share the database of the refresh store.
"""

from __future__ import annotations

from keyturn.revocation_stores.postgres import PostgresRevocationStore
from keyturn.revocation_stores.redis import RedisRevocationStore
from keyturn.revocation_stores.sqlite import SQLiteRevocationStore

__all__ = ["PostgresRevocationStore", "RedisRevocationStore", "SQLiteRevocationStore"]
