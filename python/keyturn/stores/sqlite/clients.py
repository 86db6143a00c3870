"""SQLiteClientStore: registered clients in an SQLite file (stdlib ``sqlite3``, WAL).

Every write is one statement in a ``BEGIN IMMEDIATE`` transaction behind the file's write lock
(``SQLiteDatabase``), so threads and processes sharing the file see each claim of an assertion id
exactly once. The file may be (and through ``open_backend`` is) the refresh store's.
"""

from __future__ import annotations

from keyturn.clients import Client, StoredClient
from keyturn.stores._sql import clients as _sql
from keyturn.stores.sqlite._database import SQLiteStoreBase

__all__ = ["SQLiteClientStore"]


class SQLiteClientStore(SQLiteStoreBase):
    """Registered clients in an SQLite file; safe across threads and processes."""

    _what = "SQLite client store"
    _for_tests = "MemoryClientStore"

    def create(self, client: Client, secret_hash: bytes | None) -> bool:
        return self._db.write(_sql.create(client, secret_hash))

    def load(self, client_id: str) -> StoredClient | None:
        return self._db.read(_sql.load(client_id))

    def list_clients(self) -> list[Client]:
        return self._db.read(_sql.list_clients())

    def set_enabled(self, client_id: str, enabled: bool) -> bool:
        return self._db.write(_sql.set_enabled(client_id, enabled))

    def rotate_secret(self, client_id: str, new_hash: bytes, previous_until: float) -> bool:
        return self._db.write(_sql.rotate_secret(client_id, new_hash, previous_until))

    def remember_jti(self, client_id: str, jti_hash: bytes, until: float, now: float) -> bool:
        return self._db.write(_sql.remember_jti(client_id, jti_hash, until, now))

    def purge(self, now: float) -> int:
        return self._db.write(_sql.purge(now))
