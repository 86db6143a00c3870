"""SQLiteRevocationStore: revocations in an SQLite file (stdlib ``sqlite3``, WAL).

One connection per thread; each write is one upsert, so concurrent threads and processes never
lose the later watermark. The file may be (and through ``open_backend`` is) the refresh store's.
"""

from __future__ import annotations

from collections.abc import Collection

from keyturn.revocation import Found
from keyturn.stores._sql import revocations as _sql
from keyturn.stores._sql.statement import SQLITE
from keyturn.stores.sqlite._database import SQLiteStoreBase

__all__ = ["SQLiteRevocationStore"]


class SQLiteRevocationStore(SQLiteStoreBase):
    """Revocations in an SQLite file; safe across threads and processes."""

    _what = "SQLite revocation store"
    _for_tests = "MemoryRevocationStore"

    def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        self._db.write(_sql.revoke_jti(SQLITE, jti_hash, keep_until))

    def raise_watermark(self, subject_hash: bytes, issued_before: float, keep_until: float) -> None:
        self._db.write(_sql.raise_watermark(SQLITE, subject_hash, issued_before, keep_until))

    def lookup(self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Found:
        return self._db.read(_sql.lookup(jti_hashes, subject_hashes))

    def purge(self, now: float) -> int:
        return self._db.write(_sql.purge(now))
