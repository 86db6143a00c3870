"""RedisLoginStates and AsyncRedisLoginStates: pending sign-ins in Redis (redis-py, the backend's
client; standalone or Cluster), so every process of a service can finish a login another started.

Key layout: ``keyturn:login:{<sha256 hex of the state>}``, a string holding the login as JSON,
expiring by itself at the login's ``expires_at`` (``SET ... PXAT``): nothing to sweep. ``take`` is
one ``GETDEL``: of callbacks racing with one state exactly one gets the value. One key per login,
so every command touches one cluster slot.
"""

from __future__ import annotations

from keyturn._drive import Flow
from keyturn.login_state import PendingLogin
from keyturn.stores.redis._client import AsyncRedisStoreBase, Batch, RedisStoreBase, Request

__all__ = ["AsyncRedisLoginStates", "RedisLoginStates", "login_key"]


def login_key(state_hash: str) -> str:
    return f"keyturn:login:{{{state_hash}}}"


def _put(state_hash: str, login: PendingLogin) -> Flow[Request, None]:
    # An expiry already past makes Redis drop the key at once, as the SQL sweep would.
    expire_ms = int(login.expires_at * 1000)
    yield Batch((("SET", login_key(state_hash), login.to_json(), "PXAT", expire_ms),), atomic=False)


def _take(state_hash: str) -> Flow[Request, PendingLogin | None]:
    (found,) = yield Batch((("GETDEL", login_key(state_hash)),), atomic=False)
    return None if found is None else PendingLogin.from_json(found)


class RedisLoginStates(RedisStoreBase):
    """Pending logins in Redis."""

    _what = "Redis login state store"

    def put(self, state_hash: str, login: PendingLogin, now: float) -> None:
        self._db.run(_put(state_hash, login))

    def take(self, state_hash: str) -> PendingLogin | None:
        return self._db.run(_take(state_hash))


class AsyncRedisLoginStates(AsyncRedisStoreBase):
    """The same store for asyncio (``RelyingParty.astart_login``/``acomplete_login``)."""

    _what = "Redis login state store"

    async def put(self, state_hash: str, login: PendingLogin, now: float) -> None:
        await self._db.run(_put(state_hash, login))

    async def take(self, state_hash: str) -> PendingLogin | None:
        return await self._db.run(_take(state_hash))
