"""SQLiteRevocationStore: revocations in an SQLite file (stdlib ``sqlite3``, WAL).

One connection per thread; writes are single upserts (atomic by themselves), so concurrent
threads and processes never lose the later watermark. The file may be the refresh store's.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Collection
from typing import ClassVar, TypeVar

from keyturn._sqlite import ThreadConnections
from keyturn._store_errors import sqlite_failure
from keyturn.revocation import Found
from keyturn.stores._sql import revocations as _sql

__all__ = ["SQLiteRevocationStore"]

T = TypeVar("T")
_DDL = _sql.ddl(real="REAL", blob="BLOB")
_REVOKE_JTI = _sql.revoke_jti("MAX").replace("%s", "?")
_RAISE_WATERMARK = _sql.raise_watermark("MAX").replace("%s", "?")


class SQLiteRevocationStore:
    """Revocations in an SQLite file; safe across threads and processes."""

    blocking: ClassVar[bool] = True

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0) -> None:
        self._connections = ThreadConnections(
            path,
            timeout=timeout,
            prepare=_create_tables,
            owner="SQLiteRevocationStore",
            for_tests="MemoryRevocationStore",
        )

    def __repr__(self) -> str:
        return f"SQLiteRevocationStore({self._connections.path!r})"

    def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        self._guard(lambda c: c.execute(_REVOKE_JTI, (jti_hash, keep_until)), write=True)

    def raise_watermark(self, subject_hash: bytes, issued_before: float, keep_until: float) -> None:
        params = (subject_hash, issued_before, keep_until)
        self._guard(lambda c: c.execute(_RAISE_WATERMARK, params), write=True)

    def lookup(self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Found:
        def read(connection: sqlite3.Connection) -> Found:
            rows = []
            for sql, params in _sql.lookup_statements(jti_hashes, subject_hashes):
                rows += connection.execute(sql.replace("%s", "?"), params).fetchall()
            return Found(*_sql.found(rows))

        return self._guard(read)

    def purge(self, now: float) -> int:
        def delete(connection: sqlite3.Connection) -> int:
            # One transaction for both tables.
            connection.execute("BEGIN IMMEDIATE")
            try:
                deleted = sum(
                    connection.execute(sql.replace("%s", "?"), (now,)).rowcount
                    for sql in _sql.purge_statements()
                )
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return deleted

        return self._guard(delete, write=True)

    def close(self) -> None:
        self._connections.close()

    def _guard(self, operation: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        try:
            connection = self._connections.get()
            if not write:
                return operation(connection)
            # Writers in this process queue here, not in SQLite's sleeping busy handler.
            with self._connections.write_lock:
                return operation(connection)
        except sqlite3.Error as exc:
            raise sqlite_failure("SQLite revocation store", exc) from exc


def _create_tables(connection: sqlite3.Connection) -> None:
    for statement in _DDL:
        connection.execute(statement)
