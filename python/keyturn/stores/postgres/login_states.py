"""PostgresLoginStates and AsyncPostgresLoginStates: pending sign-ins in PostgreSQL (psycopg 3,
the backend's pool), so every process and machine of a service can finish a login another one
started. ``put`` sweeps and inserts in one transaction; ``take`` is one statement, atomic alone
(see ``stores._sql.login_states``)."""

from __future__ import annotations

from keyturn.login_state import PendingLogin
from keyturn.stores._sql import login_states as _sql
from keyturn.stores.postgres._pool import AsyncPostgresStoreBase, PostgresStoreBase

__all__ = ["AsyncPostgresLoginStates", "PostgresLoginStates"]


class PostgresLoginStates(PostgresStoreBase):
    """Pending logins in PostgreSQL."""

    _what = "PostgreSQL login state store"

    def put(self, state_hash: str, login: PendingLogin, now: float) -> None:
        self._db.run(_sql.put(state_hash, login, now))

    def take(self, state_hash: str) -> PendingLogin | None:
        return self._db.run(_sql.take(state_hash), transaction=False)


class AsyncPostgresLoginStates(AsyncPostgresStoreBase):
    """The same store for asyncio (``RelyingParty.astart_login``/``acomplete_login``)."""

    _what = "PostgreSQL login state store"

    async def put(self, state_hash: str, login: PendingLogin, now: float) -> None:
        await self._db.run(_sql.put(state_hash, login, now))

    async def take(self, state_hash: str) -> PendingLogin | None:
        return await self._db.run(_sql.take(state_hash), transaction=False)
