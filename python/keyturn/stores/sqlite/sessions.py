"""SQLiteSessionStore: browser sessions in an SQLite file (the backend's file: one schema, one
write lock). Every write is a ``BEGIN IMMEDIATE`` transaction; see ``stores._sql.sessions``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keyturn.sessions.records import Session
from keyturn.stores._sql import sessions as _sql
from keyturn.stores.sqlite._database import SQLiteStoreBase

__all__ = ["SQLiteSessionStore"]


class SQLiteSessionStore(SQLiteStoreBase):
    """Browser sessions in an SQLite file; safe across threads and processes."""

    _what = "SQLite session store"
    _for_tests = "MemorySessionStore"

    def create(self, session: Session) -> None:
        self._db.write(_sql.create(session))

    def load(self, session_hash: bytes) -> Session | None:
        return self._db.read(_sql.load(session_hash))

    def touch(
        self, session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
    ) -> bool:
        return self._db.write(_sql.touch(session_hash, last_seen, idle_expires_at, seen_before))

    def replace(self, session_hash: bytes, successor: Session, now: float) -> bool:
        return self._db.write(_sql.replace(session_hash, successor, now))

    def set_data(self, session_hash: bytes, data: Mapping[str, Any], now: float) -> bool:
        return self._db.write(_sql.set_data(session_hash, data, now))

    def delete(self, session_hash: bytes) -> Session | None:
        return self._db.write(_sql.delete(session_hash))

    def delete_handle(self, user_id: str, handle: str) -> bool:
        return self._db.write(_sql.delete_handle(user_id, handle))

    def delete_user(self, user_id: str) -> int:
        return self._db.write(_sql.delete_user(user_id))

    def list_user(self, user_id: str) -> list[Session]:
        return self._db.read(_sql.list_user(user_id))

    def purge(self, ended_before: float, limit: int) -> int:
        return self._db.write(_sql.purge(ended_before, limit))
