"""SQLiteStore: the embedded default (stdlib ``sqlite3``, WAL, one connection per thread).

Writes run in ``BEGIN IMMEDIATE`` transactions, and the conditional ``UPDATE ... WHERE used_at IS
NULL`` decides which of several concurrent rotations (threads or processes) wins.
"""

from __future__ import annotations

from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord
from keyturn.stores._sql import tokens as _sql
from keyturn.stores.sqlite._database import SQLiteStoreBase

__all__ = ["SQLiteStore"]


class SQLiteStore(SQLiteStoreBase):
    """Refresh tokens in an SQLite file; safe across threads and processes."""

    _what = "SQLite store"
    _for_tests = "MemoryStore"

    def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        self._db.write(_sql.create_family(family, token))

    def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        return self._db.read(_sql.load(token_hash, family_id))

    def commit_rotation(self, rotation: Rotation) -> bool:
        return self._db.write(_sql.commit_rotation(rotation))

    def revoke_family(self, family_id: str, now: float) -> None:
        self._db.write(_sql.revoke_family(family_id, now))

    def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        return self._db.write(_sql.revoke_user(user_id, device_id, now))

    def list_families(self, user_id: str) -> list[FamilyRecord]:
        return self._db.read(_sql.list_families(user_id))

    def purge_batch(self, now: float, limit: int) -> int:
        return self._db.write(_sql.purge_batch(now, limit))
