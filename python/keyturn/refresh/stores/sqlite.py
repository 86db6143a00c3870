"""SQLiteStore: the embedded default (stdlib ``sqlite3``, WAL, one connection per thread).

Writes run in ``BEGIN IMMEDIATE`` transactions, and the conditional ``UPDATE ... WHERE used_at IS
NULL`` decides which of several concurrent rotations (threads or processes) wins.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from keyturn.errors import ConfigurationError, StoreError
from keyturn.refresh._drive import Flow, drive
from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord
from keyturn.refresh.stores import _sql
from keyturn.refresh.stores._sql import Stmt

__all__ = ["SQLiteStore"]

T = TypeVar("T")
_DDL = _sql.ddl(real="REAL", blob="BLOB")


class SQLiteStore:
    """Refresh tokens in an SQLite file; safe across threads and processes."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0) -> None:
        self._path = os.fspath(path)
        if self._path == ":memory:" or self._path.startswith("file:"):
            raise ConfigurationError("SQLiteStore needs a file path (use MemoryStore for tests)")
        self._timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._schema_ready = False

    def __repr__(self) -> str:
        return f"SQLiteStore({self._path!r})"

    def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        self._write(_sql.create_family(family, token))

    def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        return self._read(_sql.load(token_hash, family_id))

    def commit_rotation(self, rotation: Rotation) -> bool:
        return self._write(_sql.commit_rotation(rotation))

    def revoke_family(self, family_id: str, now: float) -> None:
        self._write(_sql.revoke_family(family_id, now))

    def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        return self._write(_sql.revoke_user(user_id, device_id, now))

    def list_families(self, user_id: str) -> list[FamilyRecord]:
        return self._read(_sql.list_families(user_id))

    def purge_batch(self, now: float, limit: int) -> int:
        return self._write(_sql.purge_batch(now, limit))

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
            self._local = threading.local()
        for connection in connections:
            connection.close()

    def _read(self, flow: Flow[Stmt, T]) -> T:
        return _guard(lambda: drive(flow, _performer(self._connection())))

    def _write(self, flow: Flow[Stmt, T]) -> T:
        return _guard(lambda: self._transaction(self._connection(), flow))

    @staticmethod
    def _transaction(connection: sqlite3.Connection, flow: Flow[Stmt, T]) -> T:
        # IMMEDIATE takes the write lock up front: no deadlock upgrading a read lock later.
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = drive(flow, _performer(connection))
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
        return connection

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            if not self._schema_ready:
                self._transaction(connection, _sql.ensure_schema(_DDL))
                self._schema_ready = True
        except BaseException:
            connection.close()
            raise
        with self._lock:
            self._connections.append(connection)
        return connection


def _performer(connection: sqlite3.Connection) -> Callable[[Stmt], Any]:
    def perform(stmt: Stmt) -> Any:
        cursor = connection.execute(_qmark(stmt.sql), stmt.params)
        if stmt.returns == "rows":
            return cursor.fetchall()
        if stmt.returns == "count":
            return cursor.rowcount
        return None

    return perform


@functools.lru_cache(maxsize=64)
def _qmark(sql: str) -> str:
    return sql.replace("%s", "?")


def _guard(operation: Callable[[], T]) -> T:
    try:
        return operation()
    except sqlite3.Error as exc:
        raise StoreError(f"SQLite store failed: {type(exc).__name__}") from exc
