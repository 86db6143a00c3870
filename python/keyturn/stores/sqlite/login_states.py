"""SQLiteLoginStates: pending sign-ins in an SQLite file (the backend's file: one schema, one write
lock), shared by every process that opens it. See ``stores._sql.login_states``."""

from __future__ import annotations

from keyturn.login_state import PendingLogin
from keyturn.stores._sql import login_states as _sql
from keyturn.stores.sqlite._database import SQLiteStoreBase

__all__ = ["SQLiteLoginStates"]


class SQLiteLoginStates(SQLiteStoreBase):
    """Pending logins in an SQLite file; safe across threads and processes."""

    _what = "SQLite login state store"
    _for_tests = "MemoryLoginStates"

    def put(self, state_hash: str, login: PendingLogin, now: float) -> None:
        self._db.write(_sql.put(state_hash, login, now))

    def take(self, state_hash: str) -> PendingLogin | None:
        return self._db.write(_sql.take(state_hash))
