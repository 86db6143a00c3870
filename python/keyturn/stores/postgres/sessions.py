"""PostgresSessionStore and AsyncPostgresSessionStore: browser sessions in PostgreSQL (psycopg 3,
the backend's pool). Every operation is one statement, atomic alone, except ``replace``: its
conditional ``DELETE`` and the successor's ``INSERT`` run in one transaction (see
``stores._sql.sessions``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keyturn.sessions.records import Session
from keyturn.stores._sql import sessions as _sql
from keyturn.stores.postgres._pool import AsyncPostgresStoreBase, PostgresStoreBase

__all__ = ["AsyncPostgresSessionStore", "PostgresSessionStore"]


class PostgresSessionStore(PostgresStoreBase):
    """Browser sessions in PostgreSQL, for services running on several machines."""

    _what = "PostgreSQL session store"

    def create(self, session: Session) -> None:
        self._db.run(_sql.create(session), transaction=False)

    def load(self, session_hash: bytes) -> Session | None:
        return self._db.run(_sql.load(session_hash), transaction=False)

    def touch(
        self, session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
    ) -> bool:
        flow = _sql.touch(session_hash, last_seen, idle_expires_at, seen_before)
        return self._db.run(flow, transaction=False)

    def replace(self, session_hash: bytes, successor: Session, now: float) -> bool:
        return self._db.run(_sql.replace(session_hash, successor, now))

    def set_data(self, session_hash: bytes, data: Mapping[str, Any], now: float) -> bool:
        return self._db.run(_sql.set_data(session_hash, data, now), transaction=False)

    def delete(self, session_hash: bytes) -> Session | None:
        return self._db.run(_sql.delete(session_hash), transaction=False)

    def delete_handle(self, user_id: str, handle: str) -> bool:
        return self._db.run(_sql.delete_handle(user_id, handle), transaction=False)

    def delete_user(self, user_id: str) -> int:
        return self._db.run(_sql.delete_user(user_id), transaction=False)

    def list_user(self, user_id: str) -> list[Session]:
        return self._db.run(_sql.list_user(user_id), transaction=False)

    def purge(self, ended_before: float, limit: int) -> int:
        return self._db.run(_sql.purge(ended_before, limit), transaction=False)


class AsyncPostgresSessionStore(AsyncPostgresStoreBase):
    """The same store for asyncio (``AsyncSessionService``); the pool opens on first use."""

    _what = "PostgreSQL session store"

    async def create(self, session: Session) -> None:
        await self._db.run(_sql.create(session), transaction=False)

    async def load(self, session_hash: bytes) -> Session | None:
        return await self._db.run(_sql.load(session_hash), transaction=False)

    async def touch(
        self, session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
    ) -> bool:
        flow = _sql.touch(session_hash, last_seen, idle_expires_at, seen_before)
        return await self._db.run(flow, transaction=False)

    async def replace(self, session_hash: bytes, successor: Session, now: float) -> bool:
        return await self._db.run(_sql.replace(session_hash, successor, now))

    async def set_data(self, session_hash: bytes, data: Mapping[str, Any], now: float) -> bool:
        return await self._db.run(_sql.set_data(session_hash, data, now), transaction=False)

    async def delete(self, session_hash: bytes) -> Session | None:
        return await self._db.run(_sql.delete(session_hash), transaction=False)

    async def delete_handle(self, user_id: str, handle: str) -> bool:
        return await self._db.run(_sql.delete_handle(user_id, handle), transaction=False)

    async def delete_user(self, user_id: str) -> int:
        return await self._db.run(_sql.delete_user(user_id), transaction=False)

    async def list_user(self, user_id: str) -> list[Session]:
        return await self._db.run(_sql.list_user(user_id), transaction=False)

    async def purge(self, ended_before: float, limit: int) -> int:
        return await self._db.run(_sql.purge(ended_before, limit), transaction=False)
