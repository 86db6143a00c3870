"""PostgresClientStore and AsyncPostgresClientStore: registered clients in PostgreSQL (psycopg 3).

Every operation is one statement (atomic alone): the claim of an assertion id is one
``INSERT ... ON CONFLICT DO UPDATE ... WHERE``, so of concurrent claims one changes the row and
the others, waiting on its row lock, find it remembered. The pool may be (and through
``open_backend`` is) the one every store of the database shares.
"""

from __future__ import annotations

from keyturn.clients import Client, StoredClient
from keyturn.stores._sql import clients as _sql
from keyturn.stores.postgres._pool import AsyncPostgresStoreBase, PostgresStoreBase

__all__ = ["AsyncPostgresClientStore", "PostgresClientStore"]


class PostgresClientStore(PostgresStoreBase):
    """Registered clients in PostgreSQL: a DSN, or an existing pool."""

    _what = "PostgreSQL client store"

    def create(self, client: Client, secret_hash: bytes | None) -> bool:
        return self._db.run(_sql.create(client, secret_hash), transaction=False)

    def load(self, client_id: str) -> StoredClient | None:
        return self._db.run(_sql.load(client_id), transaction=False)

    def list_clients(self) -> list[Client]:
        return self._db.run(_sql.list_clients(), transaction=False)

    def set_enabled(self, client_id: str, enabled: bool) -> bool:
        return self._db.run(_sql.set_enabled(client_id, enabled), transaction=False)

    def rotate_secret(self, client_id: str, new_hash: bytes, previous_until: float) -> bool:
        flow = _sql.rotate_secret(client_id, new_hash, previous_until)
        return self._db.run(flow, transaction=False)

    def remember_jti(self, client_id: str, jti_hash: bytes, until: float, now: float) -> bool:
        flow = _sql.remember_jti(client_id, jti_hash, until, now)
        return self._db.run(flow, transaction=False)

    def purge(self, now: float) -> int:
        return self._db.run(_sql.purge(now), transaction=False)


class AsyncPostgresClientStore(AsyncPostgresStoreBase):
    """The same store for asyncio; a pool it opens itself opens on first use."""

    _what = "PostgreSQL client store"

    async def create(self, client: Client, secret_hash: bytes | None) -> bool:
        return await self._db.run(_sql.create(client, secret_hash), transaction=False)

    async def load(self, client_id: str) -> StoredClient | None:
        return await self._db.run(_sql.load(client_id), transaction=False)

    async def list_clients(self) -> list[Client]:
        return await self._db.run(_sql.list_clients(), transaction=False)

    async def set_enabled(self, client_id: str, enabled: bool) -> bool:
        return await self._db.run(_sql.set_enabled(client_id, enabled), transaction=False)

    async def rotate_secret(self, client_id: str, new_hash: bytes, previous_until: float) -> bool:
        flow = _sql.rotate_secret(client_id, new_hash, previous_until)
        return await self._db.run(flow, transaction=False)

    async def remember_jti(self, client_id: str, jti_hash: bytes, until: float, now: float) -> bool:
        flow = _sql.remember_jti(client_id, jti_hash, until, now)
        return await self._db.run(flow, transaction=False)

    async def purge(self, now: float) -> int:
        return await self._db.run(_sql.purge(now), transaction=False)
