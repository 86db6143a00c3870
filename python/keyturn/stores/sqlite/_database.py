"""What every SQLite store runs its flows through: one connection per thread on the file, the
file's write lock, ``BEGIN IMMEDIATE`` transactions, the one ``%s`` → ``?`` conversion, the schema
on first use, and failures as ``StoreError`` with SQLite's own message."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from keyturn._drive import Flow, drive
from keyturn._sqlite import ThreadConnections
from keyturn._store_errors import sqlite_failure
from keyturn.stores._sql import schema
from keyturn.stores._sql.statement import Stmt

__all__ = ["SQLiteDatabase", "SQLiteStoreBase", "qmark"]

T = TypeVar("T")


class SQLiteDatabase:
    """One SQLite file as a store sees it: flows in, results (or ``StoreError``) out."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float,
        what: str,
        owner: str,
        for_tests: str,
    ) -> None:
        self._what = what  # "SQLite store": how a failure names the store
        self._schema_ready = False
        self._connections = ThreadConnections(
            path, timeout=timeout, prepare=self._prepare, owner=owner, for_tests=for_tests
        )

    @property
    def path(self) -> str:
        return self._connections.path

    def read(self, flow: Flow[Stmt, T]) -> T:
        """Run a flow of reads (each statement sees a consistent snapshot on its own)."""
        return self._guard(lambda: drive(flow, _performer(self._connections.get())))

    def write(self, flow: Flow[Stmt, T]) -> T:
        """Run a flow as one transaction: all of it or none of it."""
        return self._guard(lambda: self._transaction(self._connections.get(), flow))

    def close(self) -> None:
        self._connections.close()

    def _transaction(self, connection: sqlite3.Connection, flow: Flow[Stmt, T]) -> T:
        # Writers in this process queue here, not in SQLite's sleeping busy handler.
        with self._connections.write_lock:
            # IMMEDIATE takes the write lock up front: no deadlock upgrading a read lock later.
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = drive(flow, _performer(connection))
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

    def _prepare(self, connection: sqlite3.Connection) -> None:
        if not self._schema_ready:
            self._transaction(connection, schema.ensure(schema.SQLITE))
            self._schema_ready = True

    def _guard(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except sqlite3.Error as exc:
            raise sqlite_failure(self._what, exc) from exc


class SQLiteStoreBase:
    """What every SQLite store is made of: the file (one ``Backend`` gives its stores the same
    one), its repr, and ``close``. A store adds its operations, each one flow through
    ``self._db``."""

    _what: ClassVar[str]  # how a failure names the store: "SQLite session store"
    _for_tests: ClassVar[str]  # the memory store that ":memory:" is refused in favour of

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0) -> None:
        self._db = SQLiteDatabase(
            path,
            timeout=timeout,
            what=self._what,
            owner=type(self).__name__,
            for_tests=self._for_tests,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._db.path!r})"

    def close(self) -> None:
        self._db.close()


def _performer(connection: sqlite3.Connection) -> Callable[[Stmt], Any]:
    def perform(stmt: Stmt) -> Any:
        cursor = connection.execute(qmark(stmt.sql), stmt.params)
        if stmt.returns == "rows":
            return cursor.fetchall()
        if stmt.returns == "count":
            return cursor.rowcount
        return None

    return perform


@functools.lru_cache(maxsize=256)
def qmark(sql: str) -> str:
    """The shared SQL's ``%s`` placeholders as SQLite's ``?``."""
    return sql.replace("%s", "?")
