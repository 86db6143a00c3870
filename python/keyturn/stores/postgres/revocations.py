"""PostgresRevocationStore: revocations in PostgreSQL through a psycopg 3 connection pool.

Writes are single upserts; the schema is created on first use under an advisory lock so many
processes can start at once. The database may be the refresh store's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from keyturn._store_errors import postgres_address, server_failure
from keyturn.errors import ConfigurationError
from keyturn.revocation import Found
from keyturn.stores._sql import revocations as _sql
from keyturn.stores.postgres.tokens import dsn_unless_pool

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

__all__ = ["PostgresRevocationStore"]

T = TypeVar("T")
_DDL = _sql.ddl(real="DOUBLE PRECISION", blob="BYTEA")
# Not the refresh store's lock key: the two schemas can be created at the same time.
_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(%s)"
_SCHEMA_LOCK_KEY = 0x6B657672
_REVOKE_JTI = _sql.revoke_jti("GREATEST")
_RAISE_WATERMARK = _sql.raise_watermark("GREATEST")


class PostgresRevocationStore:
    """Revocations in PostgreSQL, shared by every verifier of a service."""

    blocking: ClassVar[bool] = True

    def __init__(
        self,
        dsn: str | None = None,
        *,
        pool: psycopg_pool.ConnectionPool[Any] | None = None,
        pool_size: int = 4,
        timeout: float = 5.0,
    ) -> None:
        if pool_size < 1 or timeout <= 0:
            raise ConfigurationError("pool_size must be >= 1 and timeout > 0")
        try:
            import psycopg
            import psycopg_pool
        except ImportError:
            raise ConfigurationError(
                "PostgresRevocationStore needs psycopg 3 and psycopg_pool: "
                "pip install keyturn[postgres]"
            ) from None
        self._error: type[Exception] = psycopg.Error
        # A pool of the caller's (one pool for every store of a backend) stays theirs to close.
        self._owns_pool = pool is None
        self._pool: psycopg_pool.ConnectionPool[Any] = pool or psycopg_pool.ConnectionPool(
            dsn_unless_pool(dsn, pool),
            open=True,
            min_size=1,
            max_size=pool_size,
            timeout=timeout,
            kwargs={"connect_timeout": max(1, round(timeout)), "autocommit": True},
        )
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    def __repr__(self) -> str:
        # The DSN may hold a password: never shown.
        return "PostgresRevocationStore(<dsn hidden>)"

    def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        self._run(lambda cur: cur.execute(_REVOKE_JTI, (jti_hash, keep_until)))

    def raise_watermark(self, subject_hash: bytes, issued_before: float, keep_until: float) -> None:
        params = (subject_hash, issued_before, keep_until)
        self._run(lambda cur: cur.execute(_RAISE_WATERMARK, params))

    def lookup(self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Found:
        def read(cursor: psycopg.Cursor[Any]) -> Found:
            rows: list[tuple[Any, ...]] = []
            for sql, params in _sql.lookup_statements(jti_hashes, subject_hashes):
                cursor.execute(sql, params)
                rows += cursor.fetchall()
            return Found(*_sql.found(rows))

        return self._run(read)

    def purge(self, now: float) -> int:
        def delete(cursor: psycopg.Cursor[Any]) -> int:
            deleted = 0
            for sql in _sql.purge_statements():
                cursor.execute(sql, (now,))
                deleted += cursor.rowcount
            return deleted

        return self._run(delete, transaction=True)

    def close(self) -> None:
        if self._owns_pool:
            self._pool.close()

    def _run(
        self, operation: Callable[[psycopg.Cursor[Any]], T], *, transaction: bool = False
    ) -> T:
        try:
            if not self._schema_ready:
                self._ensure_schema()
            with self._pool.connection() as connection, connection.cursor() as cursor:
                if not transaction:
                    return operation(cursor)
                with connection.transaction():
                    return operation(cursor)
        except self._error as exc:
            where = postgres_address(self._pool.conninfo)
            raise server_failure("PostgreSQL revocation store", where, exc) from exc

    def _ensure_schema(self) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return
            with self._pool.connection() as connection, connection.transaction():
                connection.execute(_SCHEMA_LOCK, (_SCHEMA_LOCK_KEY,))
                for statement in _DDL:
                    connection.execute(statement)
            self._schema_ready = True
