"""PostgresStore and AsyncPostgresStore: psycopg 3 with a connection pool.

Writes run in one transaction; reads, and the rotation, are single statements. A rotation is one
statement of data-modifying CTEs: the conditional ``UPDATE ... RETURNING`` that spends the head
(row locks make concurrent callers wait and then see it spent) feeds the ``INSERT`` of the
successor, which feeds the family update: one round trip, all or nothing. The schema is created
on first use under an advisory lock, so many processes can start at once (``_pool``).
"""

from __future__ import annotations

from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord
from keyturn.stores._sql import tokens as _sql
from keyturn.stores.postgres._pool import AsyncPostgresStoreBase, PostgresStoreBase

__all__ = ["AsyncPostgresStore", "PostgresStore"]


class PostgresStore(PostgresStoreBase):
    """Refresh tokens in PostgreSQL, for services running on several machines."""

    _what = "PostgreSQL store"

    def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        self._db.run(_sql.create_family(family, token))

    def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        return self._db.run(_sql.load(token_hash, family_id), transaction=False)

    def commit_rotation(self, rotation: Rotation) -> bool:
        return self._db.run(_sql.commit_rotation_in_one_statement(rotation), transaction=False)

    def revoke_family(self, family_id: str, now: float) -> None:
        self._db.run(_sql.revoke_family(family_id, now))

    def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        return self._db.run(_sql.revoke_user(user_id, device_id, now))

    def list_families(self, user_id: str) -> list[FamilyRecord]:
        return self._db.run(_sql.list_families(user_id), transaction=False)

    def purge_batch(self, now: float, limit: int) -> int:
        return self._db.run(_sql.purge_batch(now, limit))


class AsyncPostgresStore(AsyncPostgresStoreBase):
    """The same store for asyncio (``AsyncTokenService``); the pool opens on first use."""

    _what = "PostgreSQL store"

    async def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        await self._db.run(_sql.create_family(family, token))

    async def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        return await self._db.run(_sql.load(token_hash, family_id), transaction=False)

    async def commit_rotation(self, rotation: Rotation) -> bool:
        flow = _sql.commit_rotation_in_one_statement(rotation)
        return await self._db.run(flow, transaction=False)

    async def revoke_family(self, family_id: str, now: float) -> None:
        await self._db.run(_sql.revoke_family(family_id, now))

    async def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        return await self._db.run(_sql.revoke_user(user_id, device_id, now))

    async def list_families(self, user_id: str) -> list[FamilyRecord]:
        return await self._db.run(_sql.list_families(user_id), transaction=False)

    async def purge_batch(self, now: float, limit: int) -> int:
        return await self._db.run(_sql.purge_batch(now, limit))
