"""What every PostgreSQL store runs its flows through: a psycopg 3 pool (the store's own, or the
caller's, shared by every store of a backend), the schema on first use under the one advisory
lock, and failures as ``StoreError`` naming host and port, never the DSN."""

from __future__ import annotations

import asyncio
import functools
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from keyturn._drive import Flow, adrive, drive
from keyturn._store_errors import postgres_address, server_failure
from keyturn.errors import ConfigurationError, StoreError
from keyturn.stores._sql import schema
from keyturn.stores._sql.statement import Stmt

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

__all__ = [
    "AsyncPostgresPool",
    "AsyncPostgresStoreBase",
    "PostgresPool",
    "PostgresStoreBase",
    "drivers",
    "pool_options",
]

T = TypeVar("T")


def drivers() -> tuple[ModuleType, ModuleType]:
    """psycopg and psycopg_pool, or the ``ConfigurationError`` naming the extra to install."""
    try:
        import psycopg
        import psycopg_pool
    except ImportError:
        raise ConfigurationError(
            "the PostgreSQL stores need psycopg 3 and psycopg_pool: pip install keyturn[postgres]"
        ) from None
    return psycopg, psycopg_pool


def pool_options(pool_size: int, timeout: float) -> dict[str, Any]:
    """The options of every pool keyturn opens."""
    if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
        raise ConfigurationError("pool_size must be a whole number >= 1")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ConfigurationError("timeout must be a number of seconds > 0")
    return {
        "min_size": 1,
        "max_size": pool_size,
        "timeout": timeout,
        # Single statements run alone (one round trip); others get an explicit transaction.
        "kwargs": {"connect_timeout": max(1, round(timeout)), "autocommit": True},
    }


def schema_flow() -> Flow[Stmt, None]:
    """The schema's creation or upgrade, under the lock every keyturn store takes for it."""
    yield schema.SCHEMA_LOCK
    yield from schema.ensure(schema.POSTGRES)


class _Base:
    def __init__(
        self, what: str, dsn: str | None, pool: object, pool_size: int, timeout: float
    ) -> None:
        if (dsn is None) == (pool is None):
            raise ConfigurationError("give a PostgreSQL DSN or an existing pool (one of the two)")
        self._what = what  # "PostgreSQL store": how a failure names the store
        self._options = pool_options(pool_size, timeout)
        self._psycopg, self._pool_module = drivers()
        self._owns_pool = pool is None  # a caller's pool stays the caller's to close
        self._schema_ready = False

    def _failure(self, conninfo: object, exc: BaseException) -> StoreError:
        return server_failure(self._what, postgres_address(conninfo), exc)


class PostgresPool(_Base):
    """A blocking pool as a store sees it: flows in, results (or ``StoreError``) out."""

    def __init__(
        self,
        what: str,
        dsn: str | None,
        pool: psycopg_pool.ConnectionPool[Any] | None,
        *,
        pool_size: int,
        timeout: float,
    ) -> None:
        super().__init__(what, dsn, pool, pool_size, timeout)
        self.pool: psycopg_pool.ConnectionPool[Any] = pool or self._pool_module.ConnectionPool(
            dsn, open=True, **self._options
        )
        self._schema_lock = threading.Lock()

    def run(self, flow: Flow[Stmt, T], *, transaction: bool = True) -> T:
        """Run a flow, in one transaction unless it is a single statement (atomic alone)."""
        if not self._schema_ready:
            with self._schema_lock:
                if not self._schema_ready:
                    self._execute(schema_flow(), transaction=True)
                    self._schema_ready = True
        return self._execute(flow, transaction=transaction)

    def close(self) -> None:
        if self._owns_pool:  # a caller's pool stays the caller's to close
            self.pool.close()

    def _execute(self, flow: Flow[Stmt, T], *, transaction: bool) -> T:
        try:
            with self.pool.connection() as connection, connection.cursor() as cursor:
                if not transaction:
                    return drive(flow, functools.partial(_perform, cursor))
                with connection.transaction():
                    return drive(flow, functools.partial(_perform, cursor))
        except self._psycopg.Error as exc:
            raise self._failure(self.pool.conninfo, exc) from exc


class AsyncPostgresPool(_Base):
    """The same for asyncio; a pool it opens itself opens on first use (inside the loop)."""

    def __init__(
        self,
        what: str,
        dsn: str | None,
        pool: psycopg_pool.AsyncConnectionPool[Any] | None,
        *,
        pool_size: int,
        timeout: float,
    ) -> None:
        super().__init__(what, dsn, pool, pool_size, timeout)
        self.pool: psycopg_pool.AsyncConnectionPool[Any] = (
            pool or self._pool_module.AsyncConnectionPool(dsn, open=False, **self._options)
        )
        self._schema_lock: asyncio.Lock | None = None  # made inside the loop that uses it

    async def run(self, flow: Flow[Stmt, T], *, transaction: bool = True) -> T:
        if not self._schema_ready:
            await self._prepare()
        return await self._execute(flow, transaction=transaction)

    async def close(self) -> None:
        if self._owns_pool:  # a caller's pool stays the caller's to close
            await self.pool.close()

    async def _prepare(self) -> None:
        if self._schema_lock is None:
            self._schema_lock = asyncio.Lock()
        async with self._schema_lock:
            if not self._schema_ready:
                await self.pool.open()  # a no-op on an open pool (the caller's, or ours again)
                await self._execute(schema_flow(), transaction=True)
                self._schema_ready = True

    async def _execute(self, flow: Flow[Stmt, T], *, transaction: bool) -> T:
        try:
            async with self.pool.connection() as connection, connection.cursor() as cursor:
                if not transaction:
                    return await adrive(flow, functools.partial(_aperform, cursor))
                async with connection.transaction():
                    return await adrive(flow, functools.partial(_aperform, cursor))
        except self._psycopg.Error as exc:
            raise self._failure(self.pool.conninfo, exc) from exc


class _Store:
    _what: ClassVar[str]  # how a failure names the store: "PostgreSQL session store"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<dsn hidden>)"  # the DSN may hold a password


class PostgresStoreBase(_Store):
    """What every blocking PostgreSQL store is made of: a DSN or an existing pool (one
    ``Backend`` shares it with its other stores), the repr hiding the DSN, and ``close``. A store
    adds its operations, each one flow run through ``self._db``."""

    def __init__(
        self,
        dsn: str | None = None,
        *,
        pool: psycopg_pool.ConnectionPool[Any] | None = None,
        pool_size: int = 10,
        timeout: float = 5.0,
    ) -> None:
        self._db = PostgresPool(self._what, dsn, pool, pool_size=pool_size, timeout=timeout)

    def close(self) -> None:
        self._db.close()


class AsyncPostgresStoreBase(_Store):
    """The same for an asyncio store; a pool it opens itself opens on first use."""

    def __init__(
        self,
        dsn: str | None = None,
        *,
        pool: psycopg_pool.AsyncConnectionPool[Any] | None = None,
        pool_size: int = 10,
        timeout: float = 5.0,
    ) -> None:
        self._db = AsyncPostgresPool(self._what, dsn, pool, pool_size=pool_size, timeout=timeout)

    async def close(self) -> None:
        await self._db.close()


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
