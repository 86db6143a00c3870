"""RedisRevocationStore and AsyncRedisRevocationStore: revocations in Redis (redis-py), each
entry a key that expires by itself.

- ``keyturn:revoked:jti:<sha256 hex>``  the time it is kept until; expires then
- ``keyturn:revoked:sub:<sha256 hex>``  the subject's watermark; expires with its retention

A Lua script raises a value only if the new one is later, so concurrent writers never lower a
watermark. Lookups are one pipelined round trip of GETs (each a single key: Redis Cluster too).
"""

from __future__ import annotations

from collections.abc import Collection

from keyturn._drive import Flow
from keyturn.revocation import Found
from keyturn.stores.redis._client import AsyncRedisStoreBase, Batch, RedisStoreBase, Request, Script

__all__ = ["AsyncRedisRevocationStore", "RedisRevocationStore"]

# KEYS[1]; ARGV[1] the value, ARGV[2] the expiry in Unix milliseconds.
_RAISE = """
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1
"""


def jti_key(jti_hash: bytes) -> str:
    return f"keyturn:revoked:jti:{jti_hash.hex()}"


def subject_key(subject_hash: bytes) -> str:
    return f"keyturn:revoked:sub:{subject_hash.hex()}"


def _raise(key: str, value: float, keep_until: float) -> Flow[Request, None]:
    yield Script(_RAISE, (key,), (repr(value), int(keep_until * 1000)))


def _lookup(
    jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]
) -> Flow[Request, Found]:
    jtis, subjects = sorted(jti_hashes), sorted(subject_hashes)
    keys = [*map(jti_key, jtis), *map(subject_key, subjects)]
    if not keys:
        return Found(set(), {})
    values = yield Batch(tuple(("GET", key) for key in keys), atomic=False)
    jti_values, subject_values = values[: len(jtis)], values[len(jtis) :]
    return Found(
        {j for j, value in zip(jtis, jti_values, strict=True) if value is not None},
        {s: float(v) for s, v in zip(subjects, subject_values, strict=True) if v is not None},
    )


class RedisRevocationStore(RedisStoreBase):
    """Revocations in Redis (standalone or Cluster), shared by every verifier of a service."""

    _what = "Redis revocation store"

    def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        self._db.run(_raise(jti_key(jti_hash), keep_until, keep_until))

    def raise_watermark(self, subject_hash: bytes, issued_before: float, keep_until: float) -> None:
        self._db.run(_raise(subject_key(subject_hash), issued_before, keep_until))

    def lookup(self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Found:
        return self._db.run(_lookup(jti_hashes, subject_hashes))

    def purge(self, now: float) -> int:
        """Keys expire by themselves: nothing to delete."""
        return 0


class AsyncRedisRevocationStore(AsyncRedisStoreBase):
    """The same store for asyncio (``redis.asyncio``; ``Revocations.acheck`` and the other ``a``
    methods)."""

    _what = "Redis revocation store"

    async def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        await self._db.run(_raise(jti_key(jti_hash), keep_until, keep_until))

    async def raise_watermark(
        self, subject_hash: bytes, issued_before: float, keep_until: float
    ) -> None:
        await self._db.run(_raise(subject_key(subject_hash), issued_before, keep_until))

    async def lookup(
        self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]
    ) -> Found:
        return await self._db.run(_lookup(jti_hashes, subject_hashes))

    async def purge(self, now: float) -> int:
        """Keys expire by themselves: nothing to delete."""
        return 0
