"""SessionService and AsyncSessionService: browser sessions on a store, one flow for both.

Each operation is a generator (see ``keyturn._drive``) that yields what it needs done:
a store call, or ending tokens elsewhere (a ``sid`` or subject revocation, the user's refresh
families). The sync service performs them in place; the async one awaits an async store (a
sync one runs in a worker thread), ``AsyncTokenService`` and ``Revocations``' ``a`` methods.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from keyturn._drive import Flow, acall, aclose, adrive, drive, native_async
from keyturn._limits import DAY, HOUR
from keyturn.errors import ConfigurationError, ExpiredSession, InvalidSession
from keyturn.refresh.service import AsyncTokenService, TokenService
from keyturn.revocation import Revocations
from keyturn.sessions import format as session_format
from keyturn.sessions.records import LoggedOut, Session, StartedSession, data_json
from keyturn.sessions.store import AsyncSessionStore, SessionStore

__all__ = ["AsyncSessionService", "SessionService"]

_MAX_ID_LENGTH = 255
#: A longer User-Agent header is cut to this many characters (it is only shown in session lists).
MAX_USER_AGENT = 512
#: The largest ``max_data_bytes`` a service accepts: session data is for small things.
_MAX_DATA_CAP = 64 * 1024

#: One store call, bound to its arguments: mypy checks it against both store protocols.
_Call = Callable[[SessionStore | AsyncSessionStore], Any]


@dataclass(frozen=True, slots=True)
class _EndTokens:
    """End tokens outside the session store: ``sid`` (the access tokens minted from one session),
    ``subject`` (every access token of a user) or ``families`` (the user's refresh families)."""

    kind: str
    name: str


class _Service:
    """Configuration and the flows shared by the sync and async services."""

    _takes_async_stores = False

    def __init__(
        self,
        store: SessionStore | AsyncSessionStore,
        *,
        idle_timeout: float = 30 * 60,
        absolute_timeout: float = 8 * HOUR,
        touch_interval: float = 60,
        max_data_bytes: int = 4096,
        retention: float = DAY,
        purge_batch_size: int = 1000,
        revocations: Revocations | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._idle = _seconds("idle_timeout", idle_timeout)
        self._absolute = _seconds("absolute_timeout", absolute_timeout)
        self._touch_interval = _seconds("touch_interval", touch_interval, zero=True)
        self._retention = _seconds("retention", retention, zero=True)
        if self._absolute < self._idle:
            raise ConfigurationError("absolute_timeout must be at least idle_timeout")
        if self._touch_interval > self._idle / 2:
            # A request records itself at most once per touch_interval, so the idle timeout runs
            # from up to touch_interval before the last request: keep that a small part of it.
            raise ConfigurationError("touch_interval must be at most half of idle_timeout")
        _count("max_data_bytes", max_data_bytes, _MAX_DATA_CAP)
        _count("purge_batch_size", purge_batch_size, None)
        self._max_data = max_data_bytes
        self._purge_batch = purge_batch_size
        self._store = store
        self._native_async = native_async(
            self, store, takes_async=self._takes_async_stores, twin="AsyncSessionService"
        )
        self._revocations = revocations
        self._clock = clock

    @property
    def store(self) -> SessionStore | AsyncSessionStore:
        return self._store

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._store!r})"

    # --- flows -------------------------------------------------------------------------------

    def _start(
        self,
        user_id: str,
        device: str,
        user_agent: str,
        data: Mapping[str, Any] | None,
        replacing: str | None,
    ) -> Flow[_Call | _EndTokens, StartedSession]:
        _check_id("user_id", user_id)
        _check_text("device", device, _MAX_ID_LENGTH)
        if not isinstance(user_agent, str):
            raise ConfigurationError("user_agent must be a string")
        # A header the browser sent: kept, as far as every store can hold it, never refused.
        agent = _storable(user_agent[:MAX_USER_AGENT])
        granted = self._check_data(data)
        if replacing is not None:
            # Login: the id the browser held before (anyone's, or a stale one) dies first, so a
            # planted id can never become a signed-in session (session fixation).
            yield from self._end_quietly(replacing)
        now = self._clock()
        session_id = session_format.new_id()
        session = Session(
            handle=session_format.new_handle(),
            session_hash=session_format.id_hash(session_id),
            user_id=user_id,
            device=device,
            user_agent=agent,
            data=granted,
            created_at=now,
            last_seen=now,
            idle_expires_at=now + self._idle,
            expires_at=now + self._absolute,
        )
        yield _create(session)
        return StartedSession(session_id, session)

    def _end_quietly(self, session_id: str) -> Flow[_Call | _EndTokens, None]:
        try:
            session_hash = session_format.parse(session_id)
        except InvalidSession:
            return
        ended: Session | None = yield _delete(session_hash)
        if ended is not None:
            yield from self._end_sid(ended.handle)

    def _get(self, session_id: str) -> Flow[_Call | _EndTokens, Session]:
        session_hash, session, now = yield from self._live(session_id)
        if now - session.last_seen < self._touch_interval:
            return session
        idle_end = min(now + self._idle, session.expires_at)
        seen_before = now - self._touch_interval
        touched = yield _touch(session_hash, now, idle_end, seen_before)
        # Not touched: a concurrent request recorded itself first, which is as good.
        return replace(session, last_seen=now, idle_expires_at=idle_end) if touched else session

    def _rotate(
        self, session_id: str, data: Mapping[str, Any] | None
    ) -> Flow[_Call | _EndTokens, StartedSession]:
        granted = None if data is None else self._check_data(data)
        session_hash, session, now = yield from self._live(session_id)
        new_id = session_format.new_id()
        successor = replace(
            session,
            handle=session_format.new_handle(),
            session_hash=session_format.id_hash(new_id),
            data=session.data if granted is None else granted,
            last_seen=now,
            idle_expires_at=min(now + self._idle, session.expires_at),
        )
        if not (yield _replace(session_hash, successor, now)):
            raise InvalidSession("the session was ended or rotated meanwhile")
        # Tokens minted under the old privileges die with the old id.
        yield from self._end_sid(session.handle)
        return StartedSession(new_id, successor)

    def _set_data(
        self, session_id: str, data: Mapping[str, Any]
    ) -> Flow[_Call | _EndTokens, Session]:
        granted = self._check_data(data)
        session_hash, session, now = yield from self._live(session_id)
        if not (yield _set_data(session_hash, granted, now)):
            raise InvalidSession("the session was ended or rotated meanwhile")
        return replace(session, data=granted)

    def _end(self, session_id: str) -> Flow[_Call | _EndTokens, None]:
        session_hash = session_format.parse(session_id)
        ended: Session | None = yield _delete(session_hash)
        if ended is None:
            raise InvalidSession("session is not known")
        yield from self._end_sid(ended.handle)

    def _end_session(self, user_id: str, handle: str) -> Flow[_Call | _EndTokens, None]:
        _check_id("user_id", user_id)
        if not _is_handle(handle):
            raise InvalidSession("session handle is malformed")
        if not (yield _delete_handle(user_id, handle)):
            raise InvalidSession("the user has no session with this handle")
        yield from self._end_sid(handle)

    def _sessions(self, user_id: str) -> Flow[_Call | _EndTokens, list[Session]]:
        _check_id("user_id", user_id)
        now = self._clock()
        stored: list[Session] = yield _list_user(user_id)
        live = [s for s in stored if s.live_at(now)]
        return sorted(live, key=lambda s: (s.created_at, s.handle))

    def _logout_everywhere(self, user_id: str) -> Flow[_Call | _EndTokens, LoggedOut]:
        _check_id("user_id", user_id)
        sessions: int = yield _delete_user(user_id)
        families: int | None = yield _EndTokens("families", user_id)
        before: float | None = yield _EndTokens("subject", user_id)
        return LoggedOut(sessions, families, before)

    def _purge_expired(self) -> Flow[_Call | _EndTokens, int]:
        ended_before = self._clock() - self._retention
        total = 0
        while True:
            removed: int = yield _purge(ended_before, self._purge_batch)
            total += removed
            if removed < self._purge_batch:
                return total

    def _live(self, session_id: str) -> Flow[_Call | _EndTokens, tuple[bytes, Session, float]]:
        """The presented session, live now; ``InvalidSession`` / ``ExpiredSession`` otherwise."""
        session_hash = session_format.parse(session_id)
        session: Session | None = yield _load(session_hash)
        if session is None:
            raise InvalidSession("session is not known")
        now = self._clock()
        if not session.live_at(now):
            raise ExpiredSession("the session has expired")
        return session_hash, session, now

    def _end_sid(self, handle: str) -> Flow[_Call | _EndTokens, None]:
        yield _EndTokens("sid", handle)

    def _check_data(self, data: Mapping[str, Any] | None) -> dict[str, Any]:
        granted = dict(data or {})
        if not all(isinstance(name, str) for name in granted):
            raise ConfigurationError("session data must have string names")
        try:
            text = data_json(granted)
            size = len(text.encode("utf-8"))
        except (TypeError, ValueError):  # UnicodeEncodeError (a lone surrogate) is a ValueError
            raise ConfigurationError("session data must be JSON-serializable") from None
        if size > self._max_data:
            raise ConfigurationError(
                f"session data is {size} bytes as JSON, over max_data_bytes ({self._max_data})",
                code="session_data_too_large",
            )
        # Round-trip now so every store later returns exactly what was stored.
        restored: dict[str, Any] = json.loads(text)
        return restored


class SessionService(_Service):
    """Browser sessions on a synchronous store; see ``keyturn.sessions`` for the whole story."""

    def __init__(
        self,
        store: SessionStore,
        *,
        tokens: TokenService | None = None,
        revocations: Revocations | None = None,
        **options: Any,
    ) -> None:
        if isinstance(tokens, AsyncTokenService):
            raise ConfigurationError("SessionService needs a TokenService, not an async one")
        super().__init__(store, revocations=revocations, **options)
        self._tokens = tokens

    def start(
        self,
        user_id: str,
        *,
        device: str = "",
        user_agent: str = "",
        data: Mapping[str, Any] | None = None,
        replacing: str | None = None,
    ) -> StartedSession:
        """Open a session for a user who just signed in; ``replacing`` is the id the browser held
        before, which ends first (a new id on every login)."""
        started: StartedSession = self._run(
            self._start(user_id, device, user_agent, data, replacing)
        )
        return started

    def get(self, session_id: str) -> Session:
        """The live session with this id, its request recorded (at most once per
        ``touch_interval``); ``InvalidSession`` or ``ExpiredSession`` otherwise."""
        session: Session = self._run(self._get(session_id))
        return session

    def rotate(self, session_id: str, *, data: Mapping[str, Any] | None = None) -> StartedSession:
        """A new id for the same session (privilege change); the old id and the access tokens
        minted from it are dead at once. ``data`` replaces the session's data if given."""
        started: StartedSession = self._run(self._rotate(session_id, data))
        return started

    def set_data(self, session_id: str, data: Mapping[str, Any]) -> Session:
        """Replace the session's data (JSON, at most ``max_data_bytes``)."""
        session: Session = self._run(self._set_data(session_id, data))
        return session

    def end(self, session_id: str) -> None:
        """Log out: end this session and the access tokens minted from it."""
        self._run(self._end(session_id))

    def end_session(self, user_id: str, handle: str) -> None:
        """End one of the user's sessions by its handle (a device in the session list)."""
        self._run(self._end_session(user_id, handle))

    def sessions(self, user_id: str) -> list[Session]:
        """The user's live sessions, oldest first."""
        found: list[Session] = self._run(self._sessions(user_id))
        return found

    def logout_everywhere(self, user_id: str) -> LoggedOut:
        """End every session of the user, their refresh families (with ``tokens=``) and every
        access token issued to them until now (with ``revocations=``)."""
        done: LoggedOut = self._run(self._logout_everywhere(user_id))
        return done

    def purge_expired(self) -> int:
        """Delete sessions that ended more than ``retention`` ago; returns how many."""
        count: int = self._run(self._purge_expired())
        return count

    def close(self) -> None:
        self._store.close()

    def _run(self, flow: Flow[_Call | _EndTokens, Any]) -> Any:
        return drive(flow, self._perform)

    def _perform(self, request: _Call | _EndTokens) -> Any:
        if not isinstance(request, _EndTokens):
            return request(self._store)
        if request.kind == "families":
            return None if self._tokens is None else self._tokens.logout_all(request.name)
        return _revoke(self._revocations, request)


class AsyncSessionService(_Service):
    """The same service for asyncio: takes an async store, or a sync one run in a worker
    thread."""

    _takes_async_stores = True

    def __init__(
        self,
        store: SessionStore | AsyncSessionStore,
        *,
        tokens: AsyncTokenService | None = None,
        revocations: Revocations | None = None,
        **options: Any,
    ) -> None:
        if isinstance(tokens, TokenService):
            raise ConfigurationError("AsyncSessionService needs an AsyncTokenService")
        super().__init__(store, revocations=revocations, **options)
        self._tokens = tokens

    async def start(
        self,
        user_id: str,
        *,
        device: str = "",
        user_agent: str = "",
        data: Mapping[str, Any] | None = None,
        replacing: str | None = None,
    ) -> StartedSession:
        """See ``SessionService.start``."""
        started: StartedSession = await self._run(
            self._start(user_id, device, user_agent, data, replacing)
        )
        return started

    async def get(self, session_id: str) -> Session:
        """See ``SessionService.get``."""
        session: Session = await self._run(self._get(session_id))
        return session

    async def rotate(
        self, session_id: str, *, data: Mapping[str, Any] | None = None
    ) -> StartedSession:
        """See ``SessionService.rotate``."""
        started: StartedSession = await self._run(self._rotate(session_id, data))
        return started

    async def set_data(self, session_id: str, data: Mapping[str, Any]) -> Session:
        """See ``SessionService.set_data``."""
        session: Session = await self._run(self._set_data(session_id, data))
        return session

    async def end(self, session_id: str) -> None:
        """See ``SessionService.end``."""
        await self._run(self._end(session_id))

    async def end_session(self, user_id: str, handle: str) -> None:
        """See ``SessionService.end_session``."""
        await self._run(self._end_session(user_id, handle))

    async def sessions(self, user_id: str) -> list[Session]:
        """See ``SessionService.sessions``."""
        found: list[Session] = await self._run(self._sessions(user_id))
        return found

    async def logout_everywhere(self, user_id: str) -> LoggedOut:
        """See ``SessionService.logout_everywhere``."""
        done: LoggedOut = await self._run(self._logout_everywhere(user_id))
        return done

    async def purge_expired(self) -> int:
        """See ``SessionService.purge_expired``."""
        count: int = await self._run(self._purge_expired())
        return count

    async def close(self) -> None:
        await aclose(self._store)

    async def _run(self, flow: Flow[_Call | _EndTokens, Any]) -> Any:
        return await adrive(flow, self._perform)

    async def _perform(self, request: _Call | _EndTokens) -> Any:
        if isinstance(request, _EndTokens):
            if request.kind == "families":
                return None if self._tokens is None else await self._tokens.logout_all(request.name)
            if self._revocations is None:
                return None
            if request.kind == "sid":
                return await self._revocations.arevoke_session(request.name)
            return await self._revocations.arevoke_subject(request.name)
        return await acall(self._store, self._native_async, request)


def _revoke(revocations: Revocations | None, request: _EndTokens) -> float | None:
    """Deny the access tokens a ``sid`` or ``subject`` request names; the subject's watermark."""
    if revocations is None:
        return None
    if request.kind == "sid":
        revocations.revoke_session(request.name)
        return None
    return revocations.revoke_subject(request.name)


# --- store calls: each binds its arguments now, and mypy checks the call on both protocols ---


def _create(session: Session) -> _Call:
    return lambda store: store.create(session)


def _load(session_hash: bytes) -> _Call:
    return lambda store: store.load(session_hash)


def _touch(session_hash: bytes, last_seen: float, idle_end: float, seen_before: float) -> _Call:
    return lambda store: store.touch(session_hash, last_seen, idle_end, seen_before)


def _replace(session_hash: bytes, successor: Session, now: float) -> _Call:
    return lambda store: store.replace(session_hash, successor, now)


def _set_data(session_hash: bytes, data: Mapping[str, Any], now: float) -> _Call:
    return lambda store: store.set_data(session_hash, data, now)


def _delete(session_hash: bytes) -> _Call:
    return lambda store: store.delete(session_hash)


def _delete_handle(user_id: str, handle: str) -> _Call:
    return lambda store: store.delete_handle(user_id, handle)


def _delete_user(user_id: str) -> _Call:
    return lambda store: store.delete_user(user_id)


def _list_user(user_id: str) -> _Call:
    return lambda store: store.list_user(user_id)


def _purge(ended_before: float, limit: int) -> _Call:
    return lambda store: store.purge(ended_before, limit)


# --- checks ----------------------------------------------------------------------------------


def _seconds(name: str, value: object, *, zero: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        kind = "a non-negative" if zero else "a positive"
        raise ConfigurationError(f"{name} must be {kind} number of seconds")
    return float(value)


def _count(name: str, value: object, cap: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be a positive whole number")
    if cap is not None and value > cap:
        raise ConfigurationError(f"{name} must be at most {cap}")


def _check_id(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{name} must be a non-empty string of at most 255 characters")
    _check_text(name, value, _MAX_ID_LENGTH)


def _check_text(name: str, value: object, limit: int) -> None:
    if not isinstance(value, str) or len(value) > limit:
        raise ConfigurationError(f"{name} must be a string of at most {limit} characters")
    if _storable(value) != value:
        # PostgreSQL text holds no NUL, and no store holds a lone surrogate.
        raise ConfigurationError(f"{name} must be text without NUL characters or lone surrogates")


def _storable(text: str) -> str:
    """``text`` with what some store cannot hold (NUL, lone surrogates) as U+FFFD."""
    return "".join("\ufffd" if c == "\x00" or "\ud800" <= c <= "\udfff" else c for c in text)


def _is_handle(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) == session_format.HANDLE_LENGTH
        and all(c in "0123456789abcdef" for c in value)
    )
