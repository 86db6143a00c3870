"""The PostgreSQL backend (psycopg 3, imported only when a store is made): every store on one
connection pool."""

from keyturn.stores.postgres.clients import AsyncPostgresClientStore, PostgresClientStore
from keyturn.stores.postgres.revocations import (
    AsyncPostgresRevocationStore,
    PostgresRevocationStore,
)
from keyturn.stores.postgres.tokens import AsyncPostgresStore, PostgresStore

__all__ = [
    "AsyncPostgresClientStore",
    "AsyncPostgresRevocationStore",
    "AsyncPostgresStore",
    "PostgresClientStore",
    "PostgresRevocationStore",
    "PostgresStore",
]
