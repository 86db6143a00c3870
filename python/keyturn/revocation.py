"""Immediate revocation of access tokens: a ``jti`` (and ``sid``) denylist and per-subject
watermarks.

Short-lived access tokens bound the damage of a stolen one; ``Revocations`` is for when minutes
are too long. A ``Verifier`` given ``revocations=`` consults it after every successful verify
(a verified-token cache hit included) and raises ``TokenRevoked`` for:

- a token whose ``jti`` was revoked (the entry is kept until the token would have expired, plus
  the largest leeway),
- a token whose ``sid`` was revoked (the browser session it was minted from ended), whenever
  issued: the entry sits in the jti denylist under a digest no jti can have, kept as long as a
  watermark, and
- a token whose ``sub`` has a watermark T and whose ``iat`` is before T, or missing ("every token
  this subject was issued before T is dead": logout everywhere, a password change). ``iat`` has
  whole seconds, so a token issued in the same second as the watermark, after it, dies too.

The answers live in a ``RevocationStore`` or an ``AsyncRevocationStore`` (memory, SQLite,
PostgreSQL, Redis; see ``keyturn.stores``). ``max_staleness`` adds an in-process cache: an answer
fetched at most that many seconds ago is reused, so a revocation made by another process takes
effect within ``max_staleness`` seconds; one made through this object takes effect at once.
Stores key entries by SHA-256 of the ``jti`` / ``sid`` / ``sub``, so none appears in the
database. The rules are written once, as sans-IO flows (``keyturn._drive``) that the plain
methods drive with a sync store and the ``a`` methods with either kind.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from keyturn._drive import Flow, adrive, drive
from keyturn._limits import MAX_LEEWAY, MAX_TTL
from keyturn.errors import ConfigurationError, TokenError, TokenRevoked

__all__ = [
    "JTI_MARGIN",
    "SUBJECT_RETENTION",
    "AsyncRevocationStore",
    "Found",
    "RevocationStore",
    "Revocations",
    "is_async_store",
]

T = TypeVar("T")

#: A revoked jti is kept this long past the token's ``exp``: the largest verifier leeway.
JTI_MARGIN = float(MAX_LEEWAY)
#: A watermark is kept this long: the longest default access-token life plus the largest leeway.
SUBJECT_RETENTION = float(MAX_TTL + MAX_LEEWAY)


class Found(NamedTuple):
    """What a store knows about some hashed ``jti`` and ``sub`` values."""

    revoked_jtis: set[bytes]
    watermarks: dict[bytes, float]


class RevocationStore(Protocol):
    """Atomic storage for revocations; ``Revocations`` holds the rules. Every method raises
    ``keyturn.StoreError`` (never a driver exception) when the backend cannot complete it."""

    def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        """Deny the jti; an existing entry keeps the later ``keep_until``."""
        ...

    def raise_watermark(self, subject_hash: bytes, issued_before: float, keep_until: float) -> None:
        """Set the subject's watermark to ``issued_before`` unless it is already later."""
        ...

    def lookup(self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Found:
        """Which of these jtis are revoked, and the watermarks of these subjects (one round trip
        where the backend allows)."""
        ...

    def purge(self, now: float) -> int:
        """Delete entries kept until ``now`` or earlier; the number deleted (0 on Redis, which
        deletes each entry itself at its keep time)."""
        ...

    def close(self) -> None: ...


class AsyncRevocationStore(Protocol):
    """``RevocationStore`` for asyncio: the same methods, with the same meaning, as coroutines."""

    async def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None: ...

    async def raise_watermark(
        self, subject_hash: bytes, issued_before: float, keep_until: float
    ) -> None: ...

    async def lookup(
        self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]
    ) -> Found: ...

    async def purge(self, now: float) -> int: ...

    async def close(self) -> None: ...


def is_async_store(store: RevocationStore | AsyncRevocationStore) -> bool:
    """The one rule telling the two kinds apart (as ``AsyncTokenService`` does for refresh
    stores): a store whose ``lookup`` is a coroutine function is an async store."""
    return inspect.iscoroutinefunction(store.lookup)


class _RevokeJti(NamedTuple):
    jti_hash: bytes
    keep_until: float


class _RaiseWatermark(NamedTuple):
    subject_hash: bytes
    issued_before: float
    keep_until: float


class _Lookup(NamedTuple):
    jti_hashes: frozenset[bytes]
    subject_hashes: frozenset[bytes]


class _Purge(NamedTuple):
    now: float


_Request = _RevokeJti | _RaiseWatermark | _Lookup | _Purge


async def _call_in_thread(store: RevocationStore, request: _Request) -> Any:
    """``_call`` for a sync store from asyncio: its I/O waits in a worker thread."""
    return await asyncio.to_thread(_call, store, request)


def _call(store: RevocationStore | AsyncRevocationStore, request: _Request) -> Any:
    """Send one request to the store: its answer, or (an async store) the coroutine of it."""
    if isinstance(request, _RevokeJti):
        return store.revoke_jti(*request)
    if isinstance(request, _RaiseWatermark):
        return store.raise_watermark(*request)
    if isinstance(request, _Lookup):
        return store.lookup(*request)
    return store.purge(request.now)


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def _session_digest(sid: str) -> bytes:
    """A ``sid``'s entry in the denylist beside the jtis: 0xFF never occurs in UTF-8, so no jti
    (or subject) of any value hashes to a session's digest."""
    return hashlib.sha256(b"\xff" + sid.encode("utf-8", "surrogatepass")).digest()


class _Probe(NamedTuple):
    """The claims revocation looks at, hashed; ``None`` where a claim is absent or not a string."""

    jti: bytes | None
    subject: bytes | None
    iat: float | None
    session: bytes | None = None

    @classmethod
    def of(cls, claims: Mapping[str, Any]) -> _Probe:
        jti, sub, iat, sid = (claims.get(name) for name in ("jti", "sub", "iat", "sid"))
        return cls(
            _digest(jti) if isinstance(jti, str) else None,
            _digest(sub) if isinstance(sub, str) else None,
            float(iat) if isinstance(iat, (int, float)) and not isinstance(iat, bool) else None,
            _session_digest(sid) if isinstance(sid, str) else None,
        )

    def denied(self) -> list[bytes]:
        """The digests this token is denied by when the denylist holds one."""
        return [d for d in (self.jti, self.session) if d is not None]

    def revoked(self, found: Found) -> bool:
        if any(digest in found.revoked_jtis for digest in self.denied()):
            return True
        watermark = None if self.subject is None else found.watermarks.get(self.subject)
        # No iat: nothing shows the token was issued after the watermark.
        return watermark is not None and (self.iat is None or self.iat < watermark)


class _Cache:
    """Bounded LRU of store answers, each trusted for ``max_staleness`` seconds."""

    def __init__(self, max_staleness: float, max_entries: int) -> None:
        self.max_staleness = max_staleness
        self._max_entries = max_entries
        self._entries: OrderedDict[bytes, tuple[float, float | bool | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes, now: float) -> tuple[bool, float | bool | None]:
        """``(fresh, value)``."""
        if self.max_staleness <= 0:
            return False, None
        with self._lock:
            entry = self._entries.get(key)
            # A clock that stepped back makes the age negative: refetch rather than trust it.
            if entry is None or not 0 <= now - entry[0] < self.max_staleness:
                return False, None
            self._entries.move_to_end(key)
            return True, entry[1]

    def put(self, key: bytes, now: float, value: float | bool | None) -> None:
        if self.max_staleness <= 0:
            return
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)


def _jti_key(jti: bytes) -> bytes:
    return b"j" + jti


def _subject_key(subject: bytes) -> bytes:
    return b"s" + subject


class Revocations:
    """The revocation source a ``Verifier`` consults (``Verifier(..., revocations=...)``).

    It takes a sync store (``SQLiteRevocationStore``, ...) or an async one
    (``AsyncPostgresRevocationStore``, ``AsyncRedisRevocationStore``), told apart by one rule
    (``is_async_store``). The ``a``-prefixed methods (``acheck``, ``arevoke``, ...) work with
    both: they await an async store, and run a sync store's I/O in a worker thread. The plain
    methods need a sync store; with an async one they raise ``ConfigurationError``.
    """

    def __init__(
        self,
        store: RevocationStore | AsyncRevocationStore,
        *,
        max_staleness: float = 0.0,
        max_entries: int = 100_000,
        subject_retention: float = SUBJECT_RETENTION,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 <= _seconds("max_staleness", max_staleness) <= 3600:
            raise ConfigurationError("max_staleness must be between 0 and 3600 seconds")
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ConfigurationError("max_entries must be a positive whole number")
        if not _seconds("subject_retention", subject_retention) > JTI_MARGIN:
            raise ConfigurationError("subject_retention must outlast the longest token")
        if not callable(getattr(store, "lookup", None)):
            raise ConfigurationError(
                f"Revocations needs a revocation store (SQLiteRevocationStore, ...), "
                f"not {type(store).__name__}"
            )
        self._store = store
        self._native_async = is_async_store(store)
        self._cache = _Cache(float(max_staleness), max_entries)
        self._subject_retention = float(subject_retention)
        self._clock = clock

    @property
    def store(self) -> RevocationStore | AsyncRevocationStore:
        return self._store

    def __repr__(self) -> str:
        return f"Revocations({self._store!r}, max_staleness={self._cache.max_staleness!r})"

    # --- the two drivers --------------------------------------------------------------------

    def _sync_store(self) -> RevocationStore:
        if self._native_async:
            raise ConfigurationError(
                f"{type(self._store).__name__} is an async store: use the a-methods "
                "(acheck, arevoke_jti, ...; Verifier.averify)"
            )
        return cast("RevocationStore", self._store)

    def _run(self, flow: Flow[_Request, T]) -> T:
        return drive(flow, functools.partial(_call, self._sync_store()))

    async def _arun(self, flow: Flow[_Request, T]) -> T:
        if self._native_async:
            return await adrive(flow, functools.partial(_call, self._store))
        return await adrive(flow, functools.partial(_call_in_thread, self._sync_store()))

    # --- revoking ---------------------------------------------------------------------------

    def revoke(self, claims: Mapping[str, Any]) -> None:
        """Revoke one verified token by its ``jti`` (until its ``exp``)."""
        self._run(self._revoke_jti(*_jti_and_exp(claims)))

    async def arevoke(self, claims: Mapping[str, Any]) -> None:
        await self._arun(self._revoke_jti(*_jti_and_exp(claims)))

    def revoke_jti(self, jti: str, expires_at: float) -> None:
        """Deny the token with this ``jti`` until ``expires_at`` (its ``exp``) has passed."""
        self._run(self._revoke_jti(jti, expires_at))

    async def arevoke_jti(self, jti: str, expires_at: float) -> None:
        await self._arun(self._revoke_jti(jti, expires_at))

    def revoke_subject(self, subject: str, before: float | None = None) -> float:
        """Kill every token of ``subject`` issued before ``before`` (default now); returns it."""
        return self._run(self._revoke_subject(subject, before))

    async def arevoke_subject(self, subject: str, before: float | None = None) -> float:
        return await self._arun(self._revoke_subject(subject, before))

    def revoke_session(self, sid: str) -> None:
        """Kill every token whose ``sid`` claim is this session's, whenever issued (a browser
        session that ended: ``keyturn.sessions``); kept as long as a watermark."""
        self._run(self._revoke_session(sid))

    async def arevoke_session(self, sid: str) -> None:
        await self._arun(self._revoke_session(sid))

    def purge(self) -> int:
        """Delete entries no token can need any more; the number deleted."""
        return self._run(self._purge())

    async def apurge(self) -> int:
        return await self._arun(self._purge())

    def close(self) -> None:
        self._sync_store().close()

    async def aclose(self) -> None:
        if self._native_async:
            await cast("AsyncRevocationStore", self._store).close()
        else:
            await asyncio.to_thread(self._sync_store().close)

    def _revoke_jti(self, jti: str, expires_at: float) -> Flow[_Request, None]:
        _check_name("jti", jti)
        keep_until = _seconds("expires_at", expires_at) + JTI_MARGIN
        digest = _digest(jti)
        yield _RevokeJti(digest, keep_until)
        self._cache.put(_jti_key(digest), self._clock(), True)

    def _revoke_subject(self, subject: str, before: float | None) -> Flow[_Request, float]:
        _check_name("subject", subject)
        now = self._clock()
        watermark = now if before is None else _seconds("before", before)
        digest = _digest(subject)
        yield _RaiseWatermark(digest, watermark, watermark + self._subject_retention)
        # Read back: another process may hold a later watermark.
        yield from self._fetch([_Probe(None, digest, None)], now)
        return watermark

    def _revoke_session(self, sid: str) -> Flow[_Request, None]:
        _check_name("sid", sid)
        now = self._clock()
        digest = _session_digest(sid)
        yield _RevokeJti(digest, now + self._subject_retention)
        self._cache.put(_jti_key(digest), now, True)

    def _purge(self) -> Flow[_Request, int]:
        deleted: int = yield _Purge(self._clock())
        return deleted

    # --- checking ---------------------------------------------------------------------------

    def is_revoked(self, claims: Mapping[str, Any]) -> bool:
        return self._run(self._is_revoked(claims))

    async def ais_revoked(self, claims: Mapping[str, Any]) -> bool:
        return await self._arun(self._is_revoked(claims))

    def check(self, claims: Mapping[str, Any]) -> None:
        """Raise ``TokenRevoked`` if these verified claims belong to a revoked token."""
        if self.is_revoked(claims):
            raise TokenRevoked("the token was revoked")

    async def acheck(self, claims: Mapping[str, Any]) -> None:
        """``check`` for asyncio: an answer the cache holds costs no thread and no await on I/O."""
        if await self.ais_revoked(claims):
            raise TokenRevoked("the token was revoked")

    def screen(
        self, results: Sequence[dict[str, Any] | TokenError]
    ) -> list[dict[str, Any] | TokenError]:
        """``verify_many`` results with every revoked token's claims replaced by ``TokenRevoked``
        (one store round trip for the whole batch)."""
        return self._run(self._screen(results))

    async def ascreen(
        self, results: Sequence[dict[str, Any] | TokenError]
    ) -> list[dict[str, Any] | TokenError]:
        return await self._arun(self._screen(results))

    def _is_revoked(self, claims: Mapping[str, Any]) -> Flow[_Request, bool]:
        probe = _Probe.of(claims)
        return probe.revoked((yield from self._known([probe])))

    def _screen(
        self, results: Sequence[dict[str, Any] | TokenError]
    ) -> Flow[_Request, list[dict[str, Any] | TokenError]]:
        probes = {i: _Probe.of(r) for i, r in enumerate(results) if isinstance(r, dict)}
        found = yield from self._known(list(probes.values()))
        screened = list(results)
        for index, probe in probes.items():
            if probe.revoked(found):
                screened[index] = TokenRevoked("the token was revoked")
        return screened

    def _known(self, probes: Sequence[_Probe]) -> Flow[_Request, Found]:
        """What the cache knows freshly, completed from the store in one lookup."""
        now = self._clock()
        found = Found(set(), {})
        stale = [probe for probe in probes if not self._from_cache(probe, now, found)]
        if stale:
            fetched = yield from self._fetch(stale, now)
            found.revoked_jtis.update(fetched.revoked_jtis)
            found.watermarks.update(fetched.watermarks)
        return found

    def _from_cache(self, probe: _Probe, now: float, found: Found) -> bool:
        answers = [(key, self._cache.get(key, now)) for key in _keys(probe)]
        if not all(fresh for _, (fresh, _) in answers):
            return False
        for key, (_, value) in answers:
            if key[:1] == b"j" and value:
                found.revoked_jtis.add(key[1:])
            elif key[:1] == b"s" and isinstance(value, float):
                found.watermarks[key[1:]] = value
        return True

    def _fetch(self, probes: Sequence[_Probe], now: float) -> Flow[_Request, Found]:
        jtis = frozenset(digest for p in probes for digest in p.denied())
        subjects = frozenset(p.subject for p in probes if p.subject is not None)
        if not jtis and not subjects:
            return Found(set(), {})
        found: Found = yield _Lookup(jtis, subjects)
        for jti in jtis:
            self._cache.put(_jti_key(jti), now, jti in found.revoked_jtis)
        for subject in subjects:
            self._cache.put(_subject_key(subject), now, found.watermarks.get(subject))
        return found


def _jti_and_exp(claims: Mapping[str, Any]) -> tuple[str, float]:
    jti, exp = claims.get("jti"), claims.get("exp")
    if not isinstance(jti, str):
        raise ConfigurationError("only a token with a string jti can be revoked by jti")
    return jti, _seconds("exp", exp)


def _keys(probe: _Probe) -> list[bytes]:
    keys = [_jti_key(digest) for digest in probe.denied()]
    return keys if probe.subject is None else [*keys, _subject_key(probe.subject)]


def _seconds(what: str, value: object) -> float:
    """A finite number of seconds (or a Unix time), never a bool or a string."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigurationError(f"{what} must be a finite number of seconds")
    return float(value)


def _check_name(what: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{what} must be a non-empty string")
