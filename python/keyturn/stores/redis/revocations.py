"""RedisRevocationStore: revocations in Redis (redis-py), each entry a key that expires by itself.

- ``keyturn:revoked:jti:<sha256 hex>``  the time it is kept until; expires then
- ``keyturn:revoked:sub:<sha256 hex>``  the subject's watermark; expires with its retention

A Lua script raises a value only if the new one is later, so concurrent writers never lower a
watermark. Lookups are one pipelined round trip of GETs (works on Redis Cluster too).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, ClassVar, TypeVar

from keyturn._store_errors import redis_address, server_failure
from keyturn.errors import ConfigurationError
from keyturn.revocation import Found
from keyturn.stores.redis.tokens import connect

__all__ = ["RedisRevocationStore"]

T = TypeVar("T")
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


class RedisRevocationStore:
    """Revocations in Redis, shared by every verifier of a service."""

    blocking: ClassVar[bool] = True

    def __init__(self, url: str | None = None, *, client: Any = None, timeout: float = 5.0) -> None:
        try:
            import redis
        except ImportError:
            raise ConfigurationError(
                "RedisRevocationStore needs redis-py: pip install keyturn[redis]"
            ) from None
        self._error: type[Exception] = redis.RedisError
        # A URL, or the caller's client (a RedisCluster too: every write is one key).
        self._owns_client = client is None
        self._client = connect(redis.Redis, url, client, timeout)
        self._raise = self._client.register_script(_RAISE)

    def __repr__(self) -> str:
        # The URL may hold a password: never shown.
        return "RedisRevocationStore(<url hidden>)"

    def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        self._set(jti_key(jti_hash), keep_until, keep_until)

    def raise_watermark(self, subject_hash: bytes, issued_before: float, keep_until: float) -> None:
        self._set(subject_key(subject_hash), issued_before, keep_until)

    def lookup(self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Found:
        jtis, subjects = sorted(jti_hashes), sorted(subject_hashes)

        def read() -> list[Any]:
            pipe = self._client.pipeline(transaction=False)
            for key in [*map(jti_key, jtis), *map(subject_key, subjects)]:
                pipe.get(key)
            return list(pipe.execute())

        values = self._run(read)
        jti_values, subject_values = values[: len(jtis)], values[len(jtis) :]
        return Found(
            {j for j, value in zip(jtis, jti_values, strict=True) if value is not None},
            {
                s: float(value)
                for s, value in zip(subjects, subject_values, strict=True)
                if value is not None
            },
        )

    def purge(self, now: float) -> int:
        """Keys expire by themselves: nothing to delete."""
        return 0

    def close(self) -> None:
        if self._owns_client:  # a caller's client stays the caller's to close
            self._client.close()

    def _set(self, key: str, value: float, keep_until: float) -> None:
        args = (repr(value), int(keep_until * 1000))
        self._run(lambda: self._raise(keys=(key,), args=args))

    def _run(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except self._error as exc:
            where = redis_address(self._client)
            raise server_failure("Redis revocation store", where, exc) from exc
