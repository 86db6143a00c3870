"""RedisStore and AsyncRedisStore: redis-py, one Lua script per rotation.

Key layout (Redis Cluster compatible: a family's keys share the ``{family_id}`` hash tag, so the
rotation script only touches one slot; the family id travels in the token, see ``format``):

- ``keyturn:{<family_id>}:family``  hash: the family (``head``/``prev`` as hex SHA-256; ``prev``
  empty once the one grace retry was made)
- ``keyturn:{<family_id>}:token:<sha256 hex>``  hash: ``issued_at``, ``expires_at``, ``used_at``
- ``keyturn:user:{<user_id>}``  set: the user's family ids (dead ids are dropped lazily)

Every family and token key expires ``retention`` seconds after the token (or the family's head)
expires, so an expired token reports as expired, not unknown, for that long.

A store takes a URL, or an existing client: ``redis.Redis``, or ``redis.cluster.RedisCluster``
(and their ``redis.asyncio`` twins) for a Redis Cluster; tests/cluster runs the suite on a real
three-master cluster.
"""

from __future__ import annotations

import json
from typing import Any

from keyturn._drive import Flow
from keyturn._limits import DAY
from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord
from keyturn.stores.redis._client import (
    AsyncRedisStoreBase,
    Batch,
    RedisStoreBase,
    Request,
    Retention,
    Script,
    UserKeys,
)

__all__ = ["AsyncRedisStore", "RedisStore"]


# Applies a planned rotation if the expected head is still the family's unused, unexpired head
# and the family is not revoked. Returns 1 when applied (also when this very rotation was already
# applied by a call whose reply was lost, so a client-side retry is safe), else 0.
_ROTATE = """
local head = redis.call('HGET', KEYS[1], 'head')
if head == ARGV[4] then return 1 end
if not head or head ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'revoked_at') == 1 then
  return 0
end
local expires_at = redis.call('HGET', KEYS[2], 'expires_at')
if not expires_at or tonumber(expires_at) <= tonumber(ARGV[3])
   or redis.call('HEXISTS', KEYS[2], 'used_at') == 1 then
  return 0
end
redis.call('HSET', KEYS[2], 'used_at', ARGV[3])
redis.call('HSET', KEYS[3], 'issued_at', ARGV[5], 'expires_at', ARGV[6])
redis.call('PEXPIREAT', KEYS[3], ARGV[7])
redis.call('HSET', KEYS[1], 'head', ARGV[4], 'prev', ARGV[2], 'last_used_at', ARGV[3],
  'expires_at', ARGV[6])
redis.call('PEXPIREAT', KEYS[1], ARGV[7])
return 1
"""
# Revokes a family (of this user, on this device if given); returns 1 if it was newly revoked.
_REVOKE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'user_id') ~= ARGV[2] then return 0 end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'device_id') ~= ARGV[3] then return 0 end
return redis.call('HSETNX', KEYS[1], 'revoked_at', ARGV[1])
"""


def family_key(family_id: str) -> str:
    return f"keyturn:{{{family_id}}}:family"


def token_key(family_id: str, token_hash: bytes) -> str:
    return f"keyturn:{{{family_id}}}:token:{token_hash.hex()}"


def user_key(user_id: str) -> str:
    return f"keyturn:user:{{{user_id}}}"


class _Layout(Retention):
    """The store's operations as sans-IO flows of Redis requests."""

    def create_family(self, family: FamilyRecord, token: TokenRecord) -> Flow[Request, None]:
        fkey, tkey = family_key(family.family_id), token_key(family.family_id, token.token_hash)
        yield Batch((("SADD", user_key(family.user_id), family.family_id),), atomic=False)
        yield Batch(
            (
                ("HSET", fkey, *_family_fields(family)),
                ("PEXPIREAT", fkey, self._expire_ms(family.expires_at)),
                (
                    "HSET",
                    tkey,
                    "issued_at",
                    repr(token.issued_at),
                    "expires_at",
                    repr(token.expires_at),
                ),
                ("PEXPIREAT", tkey, self._expire_ms(token.expires_at)),
            ),
            atomic=True,
        )

    def load(self, token_hash: bytes, family_id: str) -> Flow[Request, Snapshot | None]:
        commands = (
            ("HGETALL", family_key(family_id)),
            ("HGETALL", token_key(family_id, token_hash)),
        )
        family, token = yield Batch(commands, atomic=True)
        if not family or not token:
            return None
        return Snapshot(_token(token_hash, family_id, token), _family(family_id, family))

    def commit_rotation(self, rotation: Rotation) -> Flow[Request, bool]:
        new = rotation.successor
        keys = (
            family_key(rotation.family_id),
            token_key(rotation.family_id, rotation.expected_head),
            token_key(rotation.family_id, new.token_hash),
        )
        args = (
            rotation.expected_head.hex(),
            "" if rotation.prev_hash is None else rotation.prev_hash.hex(),
            repr(rotation.now),
            new.token_hash.hex(),
            repr(new.issued_at),
            repr(new.expires_at),
            self._expire_ms(new.expires_at),
        )
        applied = yield Script(_ROTATE, keys, args)
        return bool(applied)

    def revoke_family(self, family_id: str, now: float) -> Flow[Request, None]:
        yield Script(_REVOKE, (family_key(family_id),), (repr(now), "", ""))

    def revoke_user(self, user_id: str, device_id: str | None, now: float) -> Flow[Request, int]:
        (members,) = yield Batch((("SMEMBERS", user_key(user_id)),), atomic=False)
        revoked = 0
        for family_id in sorted(m.decode() for m in members):
            args = (repr(now), user_id, device_id or "")
            revoked += int((yield Script(_REVOKE, (family_key(family_id),), args)))
        return revoked

    def list_families(self, user_id: str) -> Flow[Request, list[FamilyRecord]]:
        (members,) = yield Batch((("SMEMBERS", user_key(user_id)),), atomic=False)
        ids = sorted(m.decode() for m in members)
        found = yield Batch(tuple(("HGETALL", family_key(i)) for i in ids), atomic=False)
        dead = [i for i, fields in zip(ids, found, strict=True) if not fields]
        if dead:
            yield Batch((("SREM", user_key(user_id), *dead),), atomic=False)
        return [_family(i, fields) for i, fields in zip(ids, found, strict=True) if fields]

    def purge_batch(self, now: float, limit: int) -> Flow[Request, int]:
        # Keys expire by themselves; what is left to tidy is the user index: pages of user sets
        # until ``limit`` dead entries are gone or the scan is complete.
        removed = 0
        while removed < limit:
            users, done = yield UserKeys(limit)
            for user in users:
                removed += yield from self._tidy_user(user.decode())
            if done:
                break
        return removed

    def _tidy_user(self, key: str) -> Flow[Request, int]:
        (members,) = yield Batch((("SMEMBERS", key),), atomic=False)
        ids = sorted(m.decode() for m in members)
        alive = yield Batch(tuple(("EXISTS", family_key(i)) for i in ids), atomic=False)
        dead = [i for i, exists in zip(ids, alive, strict=True) if not exists]
        if not dead:
            return 0
        (count,) = yield Batch((("SREM", key, *dead),), atomic=False)
        return int(count)


class RedisStore(RedisStoreBase):
    """Refresh tokens in Redis (standalone or Cluster)."""

    _what = "Redis store"

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        timeout: float = 5.0,
        retention: float = DAY,
    ) -> None:
        self._layout = _Layout(retention)  # refused before a client is made
        super().__init__(url, client=client, timeout=timeout)

    def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        self._db.run(self._layout.create_family(family, token))

    def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        return self._db.run(self._layout.load(token_hash, family_id))

    def commit_rotation(self, rotation: Rotation) -> bool:
        return self._db.run(self._layout.commit_rotation(rotation))

    def revoke_family(self, family_id: str, now: float) -> None:
        self._db.run(self._layout.revoke_family(family_id, now))

    def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        return self._db.run(self._layout.revoke_user(user_id, device_id, now))

    def list_families(self, user_id: str) -> list[FamilyRecord]:
        return self._db.run(self._layout.list_families(user_id))

    def purge_batch(self, now: float, limit: int) -> int:
        return self._db.run(self._layout.purge_batch(now, limit))


class AsyncRedisStore(AsyncRedisStoreBase):
    """The same store for asyncio (``AsyncTokenService``)."""

    _what = "Redis store"

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        timeout: float = 5.0,
        retention: float = DAY,
    ) -> None:
        self._layout = _Layout(retention)  # refused before a client is made
        super().__init__(url, client=client, timeout=timeout)

    async def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        await self._db.run(self._layout.create_family(family, token))

    async def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        return await self._db.run(self._layout.load(token_hash, family_id))

    async def commit_rotation(self, rotation: Rotation) -> bool:
        return await self._db.run(self._layout.commit_rotation(rotation))

    async def revoke_family(self, family_id: str, now: float) -> None:
        await self._db.run(self._layout.revoke_family(family_id, now))

    async def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        return await self._db.run(self._layout.revoke_user(user_id, device_id, now))

    async def list_families(self, user_id: str) -> list[FamilyRecord]:
        return await self._db.run(self._layout.list_families(user_id))

    async def purge_batch(self, now: float, limit: int) -> int:
        return await self._db.run(self._layout.purge_batch(now, limit))


def _family_fields(family: FamilyRecord) -> list[str]:
    fields = {
        "user_id": family.user_id,
        "device_id": family.device_id,
        "claims": json.dumps(dict(family.claims), separators=(",", ":")),
        "created_at": repr(family.created_at),
        "last_used_at": repr(family.last_used_at),
        "expires_at": repr(family.expires_at),
        "head": family.head_hash.hex(),
    }
    if family.session_expires_at is not None:
        fields["session_expires_at"] = repr(family.session_expires_at)
    return [part for pair in fields.items() for part in pair]


def _float(fields: dict[bytes, bytes], name: bytes) -> float | None:
    value = fields.get(name)
    return None if value is None else float(value)


def _token(token_hash: bytes, family_id: str, fields: dict[bytes, bytes]) -> TokenRecord:
    return TokenRecord(
        token_hash=token_hash,
        family_id=family_id,
        issued_at=float(fields[b"issued_at"]),
        expires_at=float(fields[b"expires_at"]),
        used_at=_float(fields, b"used_at"),
    )


def _family(family_id: str, fields: dict[bytes, bytes]) -> FamilyRecord:
    prev = fields.get(b"prev")
    return FamilyRecord(
        family_id=family_id,
        user_id=fields[b"user_id"].decode(),
        device_id=fields[b"device_id"].decode(),
        claims=json.loads(fields[b"claims"]),
        created_at=float(fields[b"created_at"]),
        last_used_at=float(fields[b"last_used_at"]),
        expires_at=float(fields[b"expires_at"]),
        head_hash=bytes.fromhex(fields[b"head"].decode()),
        session_expires_at=_float(fields, b"session_expires_at"),
        revoked_at=_float(fields, b"revoked_at"),
        prev_hash=bytes.fromhex(prev.decode()) if prev else None,  # "": the one retry was made
    )
