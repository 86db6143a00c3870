"""SQLiteStore: the embedded default (stdlib ``sqlite3``, WAL, one connection per thread).

Writes run in ``BEGIN IMMEDIATE`` transactions, and the conditional ``UPDATE ... WHERE used_at IS
NULL`` decides which of several concurrent rotations (threads or processes) wins.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from keyturn._sqlite import ThreadConnections
from keyturn._store_errors import sqlite_failure
from keyturn.refresh._drive import Flow, drive
from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord
from keyturn.stores._sql import tokens as _sql
from keyturn.stores._sql.tokens import Stmt

__all__ = ["SQLiteStore"]

T = TypeVar("T")
_DDL = _sql.ddl(real="REAL", blob="BLOB")


class SQLiteStore:
    """Refresh tokens in an SQLite file; safe across threads and processes."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0) -> None:
        self._schema_ready = False
        self._connections = ThreadConnections(
            path,
            timeout=timeout,
            prepare=self._prepare,
            owner="SQLiteStore",
            for_tests="MemoryStore",
        )

    def __repr__(self) -> str:
        return f"SQLiteStore({self._connections.path!r})"

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
        self._connections.close()

    def _read(self, flow: Flow[Stmt, T]) -> T:
        return _guard(lambda: drive(flow, _performer(self._connections.get())))

    def _write(self, flow: Flow[Stmt, T]) -> T:
        return _guard(lambda: self._transaction(self._connections.get(), flow))

    def _transaction(self, connection: sqlite3.Connection, flow: Flow[Stmt, T]) -> T:
        with self._connections.write_lock:
            return self._locked_transaction(connection, flow)

    @staticmethod
    def _locked_transaction(connection: sqlite3.Connection, flow: Flow[Stmt, T]) -> T:
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
            self._transaction(connection, _sql.ensure_schema(_DDL))
            self._schema_ready = True


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
        raise sqlite_failure("SQLite store", exc) from exc
