"""What every Redis store runs its flows through: a redis-py client (the store's own, or the
caller's, shared by every store of a backend; standalone or Cluster), the layout's version marker
on first use, and failures as ``StoreError`` naming host and port, never the URL.

A flow yields three kinds of request: a Lua ``Script`` (its keys in one cluster slot), a
``Batch`` of commands (pipelined; ``atomic`` in MULTI/EXEC, which on a cluster needs one slot),
and ``UserKeys`` (the next page of a scan of the user index, kept between calls).

The version marker: ``keyturn:schema`` holds the layout's version (``schema.SCHEMA_VERSION``, the
same number as the SQL schema's). The first use of a store sets it when it is absent (a new
database, or one written before the marker existed: version 1's keys need no change) or lower,
and refuses a newer one, as the SQL stores do.
"""

from __future__ import annotations

import itertools
from types import ModuleType
from typing import Any, ClassVar, NamedTuple, TypeVar

from keyturn._drive import Flow, adrive, drive
from keyturn._store_errors import redis_address, server_failure
from keyturn.errors import ConfigurationError, StoreError
from keyturn.stores._sql import schema

__all__ = [
    "SCHEMA_KEY",
    "USER_PATTERN",
    "AsyncRedisClient",
    "AsyncRedisStoreBase",
    "Batch",
    "RedisClient",
    "RedisStoreBase",
    "Request",
    "Retention",
    "Script",
    "UserKeys",
    "driver",
]

T = TypeVar("T")
SCHEMA_KEY = "keyturn:schema"
USER_PATTERN = "keyturn:user:*"
# Sets the marker to ARGV[1] unless it holds a later (or a non-numeric) version; returns what
# the marker holds afterwards.
_MARK = """
local current = redis.call('GET', KEYS[1])
if current and (not tonumber(current) or tonumber(current) >= tonumber(ARGV[1])) then
  return current
end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
"""


class Script(NamedTuple):
    """Run a Lua script (its source: the client caches it by SHA)."""

    source: str
    keys: tuple[str, ...]
    args: tuple[Any, ...]


class Batch(NamedTuple):
    commands: tuple[tuple[Any, ...], ...]
    atomic: bool


class UserKeys(NamedTuple):
    """The next page of at most ``limit`` user-index keys, and whether the scan is complete. The
    client keeps the scan between calls (on a cluster it walks every master in turn)."""

    limit: int


Request = Script | Batch | UserKeys


def driver() -> ModuleType:
    """redis-py, or the ``ConfigurationError`` naming the extra to install."""
    try:
        import redis
        import redis.asyncio
    except ImportError:
        raise ConfigurationError(
            "the Redis stores need redis-py: pip install keyturn[redis]"
        ) from None
    return redis


def _marker() -> Flow[Request, None]:
    found = yield Script(_MARK, (SCHEMA_KEY,), (schema.SCHEMA_VERSION,))
    try:
        version = int(found)
    except ValueError:
        raise StoreError(
            f"the keyturn key layout marker in this database ({SCHEMA_KEY}) is not a version",
            code=schema.UNSUPPORTED,
        ) from None
    schema.refuse_unknown(version, "key layout")


class _Base:
    def __init__(self, what: str, url: str | None, client: Any, timeout: float) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ConfigurationError("timeout must be a number of seconds > 0")
        if (url is None) == (client is None):
            raise ConfigurationError("give a Redis URL or an existing client (one of the two)")
        self._redis = driver()
        self._what = what  # "Redis store": how a failure names the store
        self._owns_client = client is None
        self.client: Any = client or self._client_type().from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._scripts: dict[str, Any] = {}
        self._user_scan: Any = None  # the scan in progress, kept between purge batches
        self._schema_ready = False

    def _client_type(self) -> Any:
        raise NotImplementedError

    def _script(self, source: str) -> Any:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self.client.register_script(source)
        return script

    def _failure(self, exc: BaseException) -> StoreError:
        return server_failure(self._what, redis_address(self.client), exc)


class RedisClient(_Base):
    """A blocking client as a store sees it: flows in, results (or ``StoreError``) out."""

    def _client_type(self) -> Any:
        return self._redis.Redis

    def run(self, flow: Flow[Request, T]) -> T:
        try:
            if not self._schema_ready:
                drive(_marker(), self._perform)
                self._schema_ready = True
            return drive(flow, self._perform)
        except self._redis.RedisError as exc:
            raise self._failure(exc) from exc

    def close(self) -> None:
        if self._owns_client:  # a caller's client stays the caller's to close
            self.client.close()

    def _perform(self, request: Request) -> Any:
        if isinstance(request, Script):
            return self._script(request.source)(keys=request.keys, args=request.args)
        if isinstance(request, UserKeys):
            if self._user_scan is None:
                self._user_scan = self.client.scan_iter(match=USER_PATTERN, count=request.limit)
            page = list(itertools.islice(self._user_scan, request.limit))
            done = len(page) < request.limit
            if done:
                self._user_scan = None
            return page, done
        pipe = self.client.pipeline(transaction=request.atomic)
        for command in request.commands:
            pipe.execute_command(*command)
        return pipe.execute()


class AsyncRedisClient(_Base):
    """The same for asyncio (``redis.asyncio``)."""

    def _client_type(self) -> Any:
        return self._redis.asyncio.Redis

    async def run(self, flow: Flow[Request, T]) -> T:
        try:
            if not self._schema_ready:
                await adrive(_marker(), self._perform)
                self._schema_ready = True
            return await adrive(flow, self._perform)
        except self._redis.RedisError as exc:
            raise self._failure(exc) from exc

    async def close(self) -> None:
        if self._owns_client:  # a caller's client stays the caller's to close
            await self.client.aclose()

    async def _perform(self, request: Request) -> Any:
        if isinstance(request, Script):
            return await self._script(request.source)(keys=request.keys, args=request.args)
        if isinstance(request, UserKeys):
            if self._user_scan is None:
                self._user_scan = self.client.scan_iter(match=USER_PATTERN, count=request.limit)
            page = []
            async for key in self._user_scan:
                page.append(key)
                if len(page) == request.limit:
                    return page, False
            self._user_scan = None
            return page, True
        async with self.client.pipeline(transaction=request.atomic) as pipe:
            for command in request.commands:
                pipe.execute_command(*command)
            return await pipe.execute()


class _Store:
    _what: ClassVar[str]  # how a failure names the store: "Redis session store"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<url hidden>)"  # the URL may hold a password


class RedisStoreBase(_Store):
    """What every blocking Redis store is made of: a URL or an existing client (one ``Backend``
    shares it with its other stores), the repr hiding the URL, and ``close``. A store adds its
    operations, each one flow run through ``self._db``."""

    def __init__(self, url: str | None = None, *, client: Any = None, timeout: float = 5.0) -> None:
        self._db = RedisClient(self._what, url, client, timeout)

    def close(self) -> None:
        self._db.close()


class AsyncRedisStoreBase(_Store):
    """The same for an asyncio store (``redis.asyncio``)."""

    def __init__(self, url: str | None = None, *, client: Any = None, timeout: float = 5.0) -> None:
        self._db = AsyncRedisClient(self._what, url, client, timeout)

    async def close(self) -> None:
        await self._db.close()


class Retention:
    """A layout whose keys outlive their record's expiry by ``retention`` seconds, so an ended
    record reports as expired, not unknown, for that long."""

    def __init__(self, retention: float) -> None:
        if isinstance(retention, bool) or not isinstance(retention, (int, float)) or retention < 0:
            raise ConfigurationError("retention must be >= 0 seconds")
        self.retention = float(retention)

    def _expire_ms(self, at: float) -> int:
        """The key's expiry (Unix milliseconds, for ``PEXPIREAT``) for a record ending ``at``."""
        return int((at + self.retention) * 1000)
