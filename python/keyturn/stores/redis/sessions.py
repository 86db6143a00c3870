"""RedisSessionStore and AsyncRedisSessionStore: browser sessions in Redis (redis-py, the
backend's client), every key expiring by itself.

Key layout (Redis Cluster compatible: every script touches one key):

- ``keyturn:session:{<sha256 hex of the id>}``  hash: the session (``handle``, ``user_id``,
  ``device``, ``user_agent``, ``data`` as JSON, the four times); expires ``retention`` seconds
  after ``idle_expires_at`` (moved by every recorded request), so an ended session reports as
  expired, not unknown, for that long
- ``keyturn:sessions:{<user_id>}``  hash: the user's index, handle -> session hash hex; expires
  ``retention`` after the latest absolute expiry of its sessions. Entries of sessions that are
  gone are dropped when the index is read.

The index entry is written before the session, so a session is always found by
``logout_everywhere``. A rotation ends the old key (a script: one caller wins) before it writes
the successor: a crash in between leaves the user signed out, never with two ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from keyturn._drive import Flow
from keyturn._limits import DAY
from keyturn.sessions.records import Session, data_json
from keyturn.stores.redis._client import (
    AsyncRedisStoreBase,
    Batch,
    RedisStoreBase,
    Request,
    Retention,
    Script,
)

__all__ = ["AsyncRedisSessionStore", "RedisSessionStore", "index_key", "session_key"]


# KEYS[1] the user's index; ARGV handle, session hash hex, expiry (Unix ms): add the entry and
# make the index live at least that long.
_INDEX_ADD = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
end
return 1
"""
# KEYS[1] a session; ARGV last_seen, idle_expires_at, seen_before, key expiry (Unix ms).
_TOUCH = """
local f = redis.call('HMGET', KEYS[1], 'last_seen', 'idle_expires_at')
if not f[1] or tonumber(f[1]) > tonumber(ARGV[3]) or tonumber(f[2]) <= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1], 'idle_expires_at', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1
"""
# KEYS[1] a session; ARGV now: delete it if live, returning its handle.
_END_LIVE = """
local f = redis.call('HMGET', KEYS[1], 'idle_expires_at', 'handle')
if not f[1] or tonumber(f[1]) <= tonumber(ARGV[1]) then return false end
redis.call('DEL', KEYS[1])
return f[2]
"""
# KEYS[1] a session; ARGV data, now.
_SET_DATA = """
local idle = redis.call('HGET', KEYS[1], 'idle_expires_at')
if not idle or tonumber(idle) <= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1])
return 1
"""
# KEYS[1] a session: delete it, returning its fields (none: it was not stored).
_DELETE = """
local f = redis.call('HGETALL', KEYS[1])
if #f > 0 then redis.call('DEL', KEYS[1]) end
return f
"""
# KEYS[1] a session; ARGV user_id, handle: delete it only if it is that user's with that handle.
_DELETE_OWNED = """
local f = redis.call('HMGET', KEYS[1], 'user_id', 'handle')
if f[1] ~= ARGV[1] or f[2] ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
return 1
"""


def session_key(session_hash: bytes) -> str:
    return f"keyturn:session:{{{session_hash.hex()}}}"


def index_key(user_id: str) -> str:
    return f"keyturn:sessions:{{{user_id}}}"


class _Layout(Retention):
    """The store's operations as sans-IO flows of Redis requests."""

    def create(self, session: Session) -> Flow[Request, None]:
        index_args = (
            session.handle,
            session.session_hash.hex(),
            self._expire_ms(session.expires_at),
        )
        yield Script(_INDEX_ADD, (index_key(session.user_id),), index_args)
        key = session_key(session.session_hash)
        yield Batch(
            (
                ("HSET", key, *_fields(session)),
                ("PEXPIREAT", key, self._expire_ms(session.idle_expires_at)),
            ),
            atomic=True,
        )

    def load(self, session_hash: bytes) -> Flow[Request, Session | None]:
        (fields,) = yield Batch((("HGETALL", session_key(session_hash)),), atomic=False)
        return _session(session_hash, fields) if fields else None

    def touch(
        self, session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
    ) -> Flow[Request, bool]:
        args = (
            repr(last_seen),
            repr(idle_expires_at),
            repr(seen_before),
            self._expire_ms(idle_expires_at),
        )
        touched = yield Script(_TOUCH, (session_key(session_hash),), args)
        return bool(touched)

    def replace(self, session_hash: bytes, successor: Session, now: float) -> Flow[Request, bool]:
        old_handle = yield Script(_END_LIVE, (session_key(session_hash),), (repr(now),))
        if not old_handle:
            return False
        yield from self.create(successor)
        yield _forget(successor.user_id, [old_handle])
        return True

    def set_data(
        self, session_hash: bytes, data: Mapping[str, Any], now: float
    ) -> Flow[Request, bool]:
        args = (data_json(data), repr(now))
        written = yield Script(_SET_DATA, (session_key(session_hash),), args)
        return bool(written)

    def delete(self, session_hash: bytes) -> Flow[Request, Session | None]:
        flat = yield Script(_DELETE, (session_key(session_hash),), ())
        if not flat:
            return None
        session = _session(session_hash, dict(zip(flat[::2], flat[1::2], strict=True)))
        yield _forget(session.user_id, [session.handle])
        return session

    def delete_handle(self, user_id: str, handle: str) -> Flow[Request, bool]:
        (found,) = yield Batch((("HGET", index_key(user_id), handle),), atomic=False)
        if found is None:
            return False
        deleted = yield Script(
            _DELETE_OWNED, (session_key(bytes.fromhex(found.decode())),), (user_id, handle)
        )
        yield _forget(user_id, [handle])
        return bool(deleted)

    def delete_user(self, user_id: str) -> Flow[Request, int]:
        (entries,) = yield Batch((("HGETALL", index_key(user_id)),), atomic=False)
        deleted = 0
        for handle, found in sorted(entries.items()):
            key = session_key(bytes.fromhex(found.decode()))
            deleted += int((yield Script(_DELETE_OWNED, (key,), (user_id, handle.decode()))))
        if entries:
            yield _forget(user_id, list(entries))
        return deleted

    def list_user(self, user_id: str) -> Flow[Request, list[Session]]:
        (entries,) = yield Batch((("HGETALL", index_key(user_id)),), atomic=False)
        pairs = sorted((h, bytes.fromhex(s.decode())) for h, s in entries.items())
        stored = yield Batch(tuple(("HGETALL", session_key(s)) for _, s in pairs), atomic=False)
        sessions = [
            _session(session_hash, fields)
            for (_, session_hash), fields in zip(pairs, stored, strict=True)
            if fields
        ]
        gone = [handle for (handle, _), fields in zip(pairs, stored, strict=True) if not fields]
        if gone:
            yield _forget(user_id, gone)
        return [s for s in sessions if s.user_id == user_id]

    def purge(self, ended_before: float, limit: int) -> Flow[Request, int]:
        """Keys expire by themselves (``retention`` after their session ended): nothing to do."""
        yield from ()
        return 0


def _forget(user_id: str, handles: list[Any]) -> Batch:
    return Batch((("HDEL", index_key(user_id), *handles),), atomic=False)


class RedisSessionStore(RedisStoreBase):
    """Browser sessions in Redis (standalone or Cluster)."""

    _what = "Redis session store"

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

    def create(self, session: Session) -> None:
        self._db.run(self._layout.create(session))

    def load(self, session_hash: bytes) -> Session | None:
        return self._db.run(self._layout.load(session_hash))

    def touch(
        self, session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
    ) -> bool:
        flow = self._layout.touch(session_hash, last_seen, idle_expires_at, seen_before)
        return self._db.run(flow)

    def replace(self, session_hash: bytes, successor: Session, now: float) -> bool:
        return self._db.run(self._layout.replace(session_hash, successor, now))

    def set_data(self, session_hash: bytes, data: Mapping[str, Any], now: float) -> bool:
        return self._db.run(self._layout.set_data(session_hash, data, now))

    def delete(self, session_hash: bytes) -> Session | None:
        return self._db.run(self._layout.delete(session_hash))

    def delete_handle(self, user_id: str, handle: str) -> bool:
        return self._db.run(self._layout.delete_handle(user_id, handle))

    def delete_user(self, user_id: str) -> int:
        return self._db.run(self._layout.delete_user(user_id))

    def list_user(self, user_id: str) -> list[Session]:
        return self._db.run(self._layout.list_user(user_id))

    def purge(self, ended_before: float, limit: int) -> int:
        return self._db.run(self._layout.purge(ended_before, limit))


class AsyncRedisSessionStore(AsyncRedisStoreBase):
    """The same store for asyncio (``AsyncSessionService``)."""

    _what = "Redis session store"

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

    async def create(self, session: Session) -> None:
        await self._db.run(self._layout.create(session))

    async def load(self, session_hash: bytes) -> Session | None:
        return await self._db.run(self._layout.load(session_hash))

    async def touch(
        self, session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
    ) -> bool:
        flow = self._layout.touch(session_hash, last_seen, idle_expires_at, seen_before)
        return await self._db.run(flow)

    async def replace(self, session_hash: bytes, successor: Session, now: float) -> bool:
        return await self._db.run(self._layout.replace(session_hash, successor, now))

    async def set_data(self, session_hash: bytes, data: Mapping[str, Any], now: float) -> bool:
        return await self._db.run(self._layout.set_data(session_hash, data, now))

    async def delete(self, session_hash: bytes) -> Session | None:
        return await self._db.run(self._layout.delete(session_hash))

    async def delete_handle(self, user_id: str, handle: str) -> bool:
        return await self._db.run(self._layout.delete_handle(user_id, handle))

    async def delete_user(self, user_id: str) -> int:
        return await self._db.run(self._layout.delete_user(user_id))

    async def list_user(self, user_id: str) -> list[Session]:
        return await self._db.run(self._layout.list_user(user_id))

    async def purge(self, ended_before: float, limit: int) -> int:
        return await self._db.run(self._layout.purge(ended_before, limit))


def _fields(session: Session) -> list[str]:
    fields = {
        "handle": session.handle,
        "user_id": session.user_id,
        "device": session.device,
        "user_agent": session.user_agent,
        "data": data_json(session.data),
        "created_at": repr(session.created_at),
        "last_seen": repr(session.last_seen),
        "idle_expires_at": repr(session.idle_expires_at),
        "expires_at": repr(session.expires_at),
    }
    return [part for pair in fields.items() for part in pair]


def _session(session_hash: bytes, fields: dict[bytes, bytes]) -> Session:
    return Session(
        handle=fields[b"handle"].decode(),
        session_hash=session_hash,
        user_id=fields[b"user_id"].decode(),
        device=fields[b"device"].decode(),
        user_agent=fields[b"user_agent"].decode(),
        data=json.loads(fields[b"data"]),
        created_at=float(fields[b"created_at"]),
        last_seen=float(fields[b"last_seen"]),
        idle_expires_at=float(fields[b"idle_expires_at"]),
        expires_at=float(fields[b"expires_at"]),
    )
