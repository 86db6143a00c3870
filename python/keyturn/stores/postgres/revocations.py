"""PostgresRevocationStore and AsyncPostgresRevocationStore: revocations in PostgreSQL through a
psycopg 3 pool (the refresh store's too, through ``open_backend``).

Each write is one upsert, atomic alone; the purge deletes from both tables in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection

from keyturn.revocation import Found
from keyturn.stores._sql import revocations as _sql
from keyturn.stores._sql.statement import POSTGRES
from keyturn.stores.postgres._pool import AsyncPostgresStoreBase, PostgresStoreBase

__all__ = ["AsyncPostgresRevocationStore", "PostgresRevocationStore"]


class PostgresRevocationStore(PostgresStoreBase):
    """Revocations in PostgreSQL, shared by every verifier of a service."""

    _what = "PostgreSQL revocation store"

    def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        self._db.run(_sql.revoke_jti(POSTGRES, jti_hash, keep_until), transaction=False)

    def raise_watermark(self, subject_hash: bytes, issued_before: float, keep_until: float) -> None:
        flow = _sql.raise_watermark(POSTGRES, subject_hash, issued_before, keep_until)
        self._db.run(flow, transaction=False)

    def lookup(self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Found:
        return self._db.run(_sql.lookup(jti_hashes, subject_hashes), transaction=False)

    def purge(self, now: float) -> int:
        return self._db.run(_sql.purge(now))


class AsyncPostgresRevocationStore(AsyncPostgresStoreBase):
    """The same store for asyncio (``Revocations.acheck`` and the other ``a`` methods); the pool
    opens on first use."""

    _what = "PostgreSQL revocation store"

    async def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        await self._db.run(_sql.revoke_jti(POSTGRES, jti_hash, keep_until), transaction=False)

    async def raise_watermark(
        self, subject_hash: bytes, issued_before: float, keep_until: float
    ) -> None:
        flow = _sql.raise_watermark(POSTGRES, subject_hash, issued_before, keep_until)
        await self._db.run(flow, transaction=False)

    async def lookup(
        self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]
    ) -> Found:
        return await self._db.run(_sql.lookup(jti_hashes, subject_hashes), transaction=False)

    async def purge(self, now: float) -> int:
        return await self._db.run(_sql.purge(now))
