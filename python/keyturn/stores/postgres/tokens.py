"""PostgresStore and AsyncPostgresStore: psycopg 3 with a connection pool.

Writes run in one transaction; reads, and the rotation, are single statements. A rotation is one
statement of data-modifying CTEs: the conditional ``UPDATE ... RETURNING`` that spends the head
(row locks make concurrent callers wait and then see it spent) feeds the ``INSERT`` of the
successor, which feeds the family update: one round trip, all or nothing. The schema is created
on first use under an advisory lock, so many processes can start at once.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from keyturn._store_errors import postgres_address, server_failure
from keyturn.errors import ConfigurationError, StoreError
from keyturn.refresh._drive import Flow, adrive, drive
from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord
from keyturn.stores._sql import tokens as _sql
from keyturn.stores._sql.tokens import Stmt

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

__all__ = ["AsyncPostgresStore", "PostgresStore"]

T = TypeVar("T")
_SCHEMA_LOCK = Stmt("SELECT pg_advisory_xact_lock(%s)", (0x6B657974,), "rows")
_DDL = _sql.ddl(real="DOUBLE PRECISION", blob="BYTEA")


def _drivers() -> tuple[ModuleType, ModuleType]:
    try:
        import psycopg
        import psycopg_pool
    except ImportError:
        raise ConfigurationError(
            "the PostgreSQL stores need psycopg 3 and psycopg_pool: pip install keyturn[postgres]"
        ) from None
    return psycopg, psycopg_pool


def dsn_unless_pool(dsn: str | None, pool: object) -> str:
    """The DSN to open a pool on, when the caller gave a DSN and no pool of their own."""
    if (dsn is None) == (pool is None):
        raise ConfigurationError("give a PostgreSQL DSN or an existing pool (one of the two)")
    assert dsn is not None
    return dsn


def _schema_flow() -> Flow[Stmt, None]:
    yield _SCHEMA_LOCK
    yield from _sql.ensure_schema(_DDL)


class _PostgresBase:
    def __init__(self, pool_size: int, timeout: float) -> None:
        if pool_size < 1 or timeout <= 0:
            raise ConfigurationError("pool_size must be >= 1 and timeout > 0")
        self._psycopg, self._pool_module = _drivers()
        self._options: dict[str, Any] = {
            "min_size": 1,
            "max_size": pool_size,
            "timeout": timeout,
            # Single statements run alone (one round trip); others get an explicit transaction.
            "kwargs": {"connect_timeout": max(1, round(timeout)), "autocommit": True},
        }
        self._schema_ready = False
        self._where = "the PostgreSQL server"  # host:port, once the pool is known

    def __repr__(self) -> str:
        # The DSN may hold a password: never shown.
        return f"{type(self).__name__}(<dsn hidden>)"

    def _failure(self, exc: BaseException) -> StoreError:
        return server_failure("PostgreSQL store", self._where, exc)


class PostgresStore(_PostgresBase):
    """Refresh tokens in PostgreSQL, for services running on several machines."""

    def __init__(
        self,
        dsn: str | None = None,
        *,
        pool: psycopg_pool.ConnectionPool[Any] | None = None,
        pool_size: int = 10,
        timeout: float = 5.0,
    ) -> None:
        super().__init__(pool_size, timeout)
        self._schema_lock = threading.Lock()
        self._owns_pool = pool is None
        self._pool: psycopg_pool.ConnectionPool[Any] = pool or self._pool_module.ConnectionPool(
            dsn_unless_pool(dsn, pool), open=True, **self._options
        )
        self._where = postgres_address(self._pool.conninfo)

    def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        self._run(_sql.create_family(family, token))

    def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        return self._run(_sql.load(token_hash, family_id), transaction=False)

    def commit_rotation(self, rotation: Rotation) -> bool:
        return self._run(_sql.commit_rotation_in_one_statement(rotation), transaction=False)

    def revoke_family(self, family_id: str, now: float) -> None:
        self._run(_sql.revoke_family(family_id, now))

    def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        return self._run(_sql.revoke_user(user_id, device_id, now))

    def list_families(self, user_id: str) -> list[FamilyRecord]:
        return self._run(_sql.list_families(user_id), transaction=False)

    def purge_batch(self, now: float, limit: int) -> int:
        return self._run(_sql.purge_batch(now, limit))

    def close(self) -> None:
        if self._owns_pool:  # a caller's pool stays the caller's to close
            self._pool.close()

    def _run(self, flow: Flow[Stmt, T], *, transaction: bool = True) -> T:
        if not self._schema_ready:
            with self._schema_lock:
                if not self._schema_ready:
                    self._execute(_schema_flow(), transaction=True)
                    self._schema_ready = True
        return self._execute(flow, transaction=transaction)

    def _execute(self, flow: Flow[Stmt, T], *, transaction: bool) -> T:
        try:
            with self._pool.connection() as connection, connection.cursor() as cursor:
                if not transaction:
                    return drive(flow, functools.partial(_perform, cursor))
                with connection.transaction():
                    return drive(flow, functools.partial(_perform, cursor))
        except self._psycopg.Error as exc:
            raise self._failure(exc) from exc


class AsyncPostgresStore(_PostgresBase):
    """The same store for asyncio (``AsyncTokenService``); the pool opens on first use."""

    def __init__(
        self,
        dsn: str | None = None,
        *,
        pool: psycopg_pool.AsyncConnectionPool[Any] | None = None,
        pool_size: int = 10,
        timeout: float = 5.0,
    ) -> None:
        super().__init__(pool_size, timeout)
        self._schema_lock: asyncio.Lock | None = None
        self._owns_pool = pool is None
        self._pool: psycopg_pool.AsyncConnectionPool[Any] = (
            pool
            or self._pool_module.AsyncConnectionPool(
                dsn_unless_pool(dsn, pool), open=False, **self._options
            )
        )
        self._opened = False
        self._where = postgres_address(self._pool.conninfo)

    async def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        await self._run(_sql.create_family(family, token))

    async def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        return await self._run(_sql.load(token_hash, family_id), transaction=False)

    async def commit_rotation(self, rotation: Rotation) -> bool:
        return await self._run(_sql.commit_rotation_in_one_statement(rotation), transaction=False)

    async def revoke_family(self, family_id: str, now: float) -> None:
        await self._run(_sql.revoke_family(family_id, now))

    async def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        return await self._run(_sql.revoke_user(user_id, device_id, now))

    async def list_families(self, user_id: str) -> list[FamilyRecord]:
        return await self._run(_sql.list_families(user_id), transaction=False)

    async def purge_batch(self, now: float, limit: int) -> int:
        return await self._run(_sql.purge_batch(now, limit))

    async def close(self) -> None:
        if self._owns_pool:  # a caller's pool stays the caller's to close
            await self._pool.close()

    async def _run(self, flow: Flow[Stmt, T], *, transaction: bool = True) -> T:
        if not self._schema_ready:
            await self._prepare()
        return await self._execute(flow, transaction=transaction)

    async def _prepare(self) -> None:
        if self._schema_lock is None:
            self._schema_lock = asyncio.Lock()
        async with self._schema_lock:
            if not self._opened:
                await self._pool.open()
                self._opened = True
            if not self._schema_ready:
                await self._execute(_schema_flow(), transaction=True)
                self._schema_ready = True

    async def _execute(self, flow: Flow[Stmt, T], *, transaction: bool) -> T:
        try:
            async with self._pool.connection() as connection, connection.cursor() as cursor:
                if not transaction:
                    return await adrive(flow, functools.partial(_aperform, cursor))
                async with connection.transaction():
                    return await adrive(flow, functools.partial(_aperform, cursor))
        except self._psycopg.Error as exc:
            raise self._failure(exc) from exc


def _perform(cursor: psycopg.Cursor[Any], stmt: Stmt) -> Any:
    cursor.execute(stmt.sql, stmt.params)
    if stmt.returns == "rows":
        return cursor.fetchall()
    return cursor.rowcount if stmt.returns == "count" else None


async def _aperform(cursor: psycopg.AsyncCursor[Any], stmt: Stmt) -> Any:
    await cursor.execute(stmt.sql, stmt.params)
    if stmt.returns == "rows":
        return await cursor.fetchall()
    return cursor.rowcount if stmt.returns == "count" else None
