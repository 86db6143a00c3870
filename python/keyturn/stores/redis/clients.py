"""RedisClientStore and AsyncRedisClientStore: registered clients in Redis (redis-py).

Key layout (Redis Cluster compatible: a client's keys share the ``{client_id}`` hash tag):

- ``keyturn:client:{<client_id>}``  hash: the client (``scopes``/``audiences``/``jwks`` as JSON,
  ``enabled`` ``1``/``0``; ``secret`` and ``previous`` as hex SHA-256, never a secret)
- ``keyturn:client:{<client_id>}:jti:<sha256 hex>``  an assertion id, its value the time it is
  remembered until; expires then
- ``keyturn:clients``  set: every client id (for ``list_clients``)

Every write is one Lua script on one key, so each is atomic on a cluster too.
"""

from __future__ import annotations

import json

from keyturn._drive import Flow
from keyturn.clients import Client, SecretHashes, StoredClient
from keyturn.stores.redis._client import AsyncRedisStoreBase, Batch, RedisStoreBase, Request, Script

__all__ = ["AsyncRedisClientStore", "RedisClientStore"]

INDEX = "keyturn:clients"
# KEYS[1] the client; ARGV its fields, name/value pairs. 1 if created, 0 if the id is taken.
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""
_SET_ENABLED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'enabled', ARGV[1])
return 1
"""
# ARGV[1] the new hash (hex), ARGV[2] until when the current one keeps working.
_ROTATE = """
local current = redis.call('HGET', KEYS[1], 'secret')
if not current or current == '' then return 0 end
redis.call('HSET', KEYS[1], 'previous', current, 'previous_until', ARGV[2], 'secret', ARGV[1])
return 1
"""
# KEYS[1] the jti; ARGV[1] remembered until, ARGV[2] now, ARGV[3] the expiry in Unix ms. The
# value is compared with ``now`` (not only left to expire) so every backend reads one clock.
_REMEMBER = """
local kept = redis.call('GET', KEYS[1])
if kept and tonumber(kept) > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
return 1
"""


def client_key(client_id: str) -> str:
    return f"keyturn:client:{{{client_id}}}"


def jti_key(client_id: str, jti_hash: bytes) -> str:
    return f"keyturn:client:{{{client_id}}}:jti:{jti_hash.hex()}"


# --- the operations as sans-IO flows ------------------------------------------------------------


def create(client: Client, secret_hash: bytes | None) -> Flow[Request, bool]:
    # The index first: a crash between the two leaves an id that list_clients skips, never a
    # client that list_clients misses.
    yield Batch((("SADD", INDEX, client.client_id),), atomic=False)
    created = yield Script(_CREATE, (client_key(client.client_id),), _fields(client, secret_hash))
    return bool(created)


def load(client_id: str) -> Flow[Request, StoredClient | None]:
    (fields,) = yield Batch((("HGETALL", client_key(client_id)),), atomic=False)
    return _stored(client_id, fields) if fields else None


def list_clients() -> Flow[Request, list[Client]]:
    (members,) = yield Batch((("SMEMBERS", INDEX),), atomic=False)
    ids = sorted(member.decode() for member in members)
    found = yield Batch(tuple(("HGETALL", client_key(i)) for i in ids), atomic=False)
    return [_stored(i, fields).client for i, fields in zip(ids, found, strict=True) if fields]


def set_enabled(client_id: str, enabled: bool) -> Flow[Request, bool]:
    done = yield Script(_SET_ENABLED, (client_key(client_id),), ("1" if enabled else "0",))
    return bool(done)


def rotate_secret(client_id: str, new_hash: bytes, previous_until: float) -> Flow[Request, bool]:
    args = (new_hash.hex(), repr(previous_until))
    done = yield Script(_ROTATE, (client_key(client_id),), args)
    return bool(done)


def remember_jti(client_id: str, jti_hash: bytes, until: float, now: float) -> Flow[Request, bool]:
    args = (repr(until), repr(now), int(until * 1000) + 1)
    fresh = yield Script(_REMEMBER, (jti_key(client_id, jti_hash),), args)
    return bool(fresh)


def _fields(client: Client, secret_hash: bytes | None) -> tuple[str, ...]:
    fields = {
        "name": client.name,
        "auth_method": client.auth_method,
        "scopes": json.dumps(list(client.scopes)),
        "audiences": json.dumps(list(client.audiences)),
        "enabled": "1" if client.enabled else "0",
        "created_at": repr(client.created_at),
        "secret": "" if secret_hash is None else secret_hash.hex(),
    }
    if client.jwks is not None:
        fields["jwks"] = json.dumps(client.jwks, separators=(",", ":"))
    if client.jwks_uri is not None:
        fields["jwks_uri"] = client.jwks_uri
    return tuple(part for pair in fields.items() for part in pair)


def _stored(client_id: str, raw: dict[bytes, bytes]) -> StoredClient:
    fields = {name.decode(): value.decode() for name, value in raw.items()}
    client = Client(
        client_id=client_id,
        name=fields["name"],
        auth_method=fields["auth_method"],  # type: ignore[arg-type]  # written from AuthMethod
        scopes=tuple(json.loads(fields["scopes"])),
        audiences=tuple(json.loads(fields["audiences"])),
        enabled=fields["enabled"] == "1",
        created_at=float(fields["created_at"]),
        jwks=json.loads(fields["jwks"]) if "jwks" in fields else None,
        jwks_uri=fields.get("jwks_uri"),
    )
    previous_until = fields.get("previous_until")
    secrets = SecretHashes(
        current=bytes.fromhex(fields["secret"]) if fields["secret"] else None,
        previous=bytes.fromhex(fields["previous"]) if fields.get("previous") else None,
        previous_until=None if previous_until is None else float(previous_until),
    )
    return StoredClient(client, secrets)


# --- the stores ---------------------------------------------------------------------------------


class RedisClientStore(RedisStoreBase):
    """Registered clients in Redis (standalone or Cluster): a URL, or an existing client (one
    ``Backend`` shares it with the other stores)."""

    _what = "Redis client store"

    def create(self, client: Client, secret_hash: bytes | None) -> bool:
        return self._db.run(create(client, secret_hash))

    def load(self, client_id: str) -> StoredClient | None:
        return self._db.run(load(client_id))

    def list_clients(self) -> list[Client]:
        return self._db.run(list_clients())

    def set_enabled(self, client_id: str, enabled: bool) -> bool:
        return self._db.run(set_enabled(client_id, enabled))

    def rotate_secret(self, client_id: str, new_hash: bytes, previous_until: float) -> bool:
        return self._db.run(rotate_secret(client_id, new_hash, previous_until))

    def remember_jti(self, client_id: str, jti_hash: bytes, until: float, now: float) -> bool:
        return self._db.run(remember_jti(client_id, jti_hash, until, now))

    def purge(self, now: float) -> int:
        """Remembered jtis expire by themselves: nothing to delete."""
        return 0


class AsyncRedisClientStore(AsyncRedisStoreBase):
    """The same store for asyncio (``AsyncClientRegistry``)."""

    _what = "Redis client store"

    async def create(self, client: Client, secret_hash: bytes | None) -> bool:
        return await self._db.run(create(client, secret_hash))

    async def load(self, client_id: str) -> StoredClient | None:
        return await self._db.run(load(client_id))

    async def list_clients(self) -> list[Client]:
        return await self._db.run(list_clients())

    async def set_enabled(self, client_id: str, enabled: bool) -> bool:
        return await self._db.run(set_enabled(client_id, enabled))

    async def rotate_secret(self, client_id: str, new_hash: bytes, previous_until: float) -> bool:
        return await self._db.run(rotate_secret(client_id, new_hash, previous_until))

    async def remember_jti(self, client_id: str, jti_hash: bytes, until: float, now: float) -> bool:
        return await self._db.run(remember_jti(client_id, jti_hash, until, now))

    async def purge(self, now: float) -> int:
        """Remembered jtis expire by themselves: nothing to delete."""
        return 0
