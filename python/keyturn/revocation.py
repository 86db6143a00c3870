"""Immediate revocation of access tokens: a ``jti`` denylist and per-subject watermarks.

Short-lived access tokens bound the damage of a stolen one; ``Revocations`` is for when minutes
are too long. A ``Verifier`` given ``revocations=`` consults it after every successful verify
(a verified-token cache hit included) and raises ``TokenRevoked`` for:

- a token whose ``jti`` was revoked (the entry is kept until the token would have expired, plus
  the largest leeway), and
- a token whose ``sub`` has a watermark T and whose ``iat`` is before T, or missing ("every token
  this subject was issued before T is dead": logout everywhere, a password change). ``iat`` has
  whole seconds, so a token issued in the same second as the watermark, after it, dies too.

The answers live in a ``RevocationStore`` (memory, SQLite, PostgreSQL, Redis; see
``keyturn.stores``). ``max_staleness`` adds an in-process cache: an answer fetched at
most that many seconds ago is reused, so a revocation made by another process takes effect within
``max_staleness`` seconds; one made through this object takes effect at once. Stores key entries
by SHA-256 of the ``jti`` / ``sub``, so neither appears in the database.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple, Protocol

from keyturn._limits import MAX_LEEWAY, MAX_TTL
from keyturn.errors import ConfigurationError, TokenError, TokenRevoked

__all__ = [
    "JTI_MARGIN",
    "SUBJECT_RETENTION",
    "Found",
    "RevocationStore",
    "Revocations",
]

#: A revoked jti is kept this long past the token's ``exp``: the largest verifier leeway.
JTI_MARGIN = float(MAX_LEEWAY)
#: A watermark is kept this long: the longest default access-token life plus the largest leeway.
SUBJECT_RETENTION = float(MAX_TTL + MAX_LEEWAY)


class Found(NamedTuple):
    """What a store knows about some hashed ``jti`` and ``sub`` values."""

    revoked_jtis: set[bytes]
    watermarks: dict[bytes, float]


class RevocationStore(Protocol):
    """Atomic storage for revocations; ``Revocations`` holds the rules."""

    #: False only for stores that never wait on I/O (``acheck`` then skips the worker thread).
    blocking: ClassVar[bool]

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
        """Delete entries kept until ``now`` or earlier; the number deleted."""
        ...

    def close(self) -> None: ...


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class _Probe(NamedTuple):
    """The claims revocation looks at, hashed; ``None`` where a claim is absent or not a string."""

    jti: bytes | None
    subject: bytes | None
    iat: float | None

    @classmethod
    def of(cls, claims: Mapping[str, Any]) -> _Probe:
        jti, sub, iat = claims.get("jti"), claims.get("sub"), claims.get("iat")
        return cls(
            _digest(jti) if isinstance(jti, str) else None,
            _digest(sub) if isinstance(sub, str) else None,
            float(iat) if isinstance(iat, (int, float)) and not isinstance(iat, bool) else None,
        )

    def revoked(self, found: Found) -> bool:
        if self.jti is not None and self.jti in found.revoked_jtis:
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
    """The revocation source a ``Verifier`` consults (``Verifier(..., revocations=...)``)."""

    def __init__(
        self,
        store: RevocationStore,
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
        self._store = store
        self._cache = _Cache(float(max_staleness), max_entries)
        self._subject_retention = float(subject_retention)
        self._clock = clock

    @property
    def store(self) -> RevocationStore:
        return self._store

    def __repr__(self) -> str:
        return f"Revocations({self._store!r}, max_staleness={self._cache.max_staleness!r})"

    # --- revoking ---------------------------------------------------------------------------

    def revoke(self, claims: Mapping[str, Any]) -> None:
        """Revoke one verified token by its ``jti`` (until its ``exp``)."""
        jti, exp = claims.get("jti"), claims.get("exp")
        if not isinstance(jti, str):
            raise ConfigurationError("only a token with a string jti can be revoked by jti")
        self.revoke_jti(jti, _seconds("exp", exp))

    def revoke_jti(self, jti: str, expires_at: float) -> None:
        """Deny the token with this ``jti`` until ``expires_at`` (its ``exp``) has passed."""
        _check_name("jti", jti)
        digest = _digest(jti)
        self._store.revoke_jti(digest, _seconds("expires_at", expires_at) + JTI_MARGIN)
        self._cache.put(_jti_key(digest), self._clock(), True)

    def revoke_subject(self, subject: str, before: float | None = None) -> float:
        """Kill every token of ``subject`` issued before ``before`` (default now); returns it."""
        _check_name("subject", subject)
        now = self._clock()
        watermark = now if before is None else _seconds("before", before)
        digest = _digest(subject)
        self._store.raise_watermark(digest, watermark, watermark + self._subject_retention)
        # Read back: another process may hold a later watermark.
        self._fetch([_Probe(None, digest, None)], now)
        return watermark

    def purge(self) -> int:
        """Delete entries no token can need any more; the number deleted."""
        return self._store.purge(self._clock())

    def close(self) -> None:
        self._store.close()

    # --- checking ---------------------------------------------------------------------------

    def is_revoked(self, claims: Mapping[str, Any]) -> bool:
        probe = _Probe.of(claims)
        return probe.revoked(self._known([probe]))

    def check(self, claims: Mapping[str, Any]) -> None:
        """Raise ``TokenRevoked`` if these verified claims belong to a revoked token."""
        if self.is_revoked(claims):
            raise TokenRevoked("the token was revoked")

    async def acheck(self, claims: Mapping[str, Any]) -> None:
        """``check`` that waits on the store in a worker thread, off the event loop."""
        probe = _Probe.of(claims)
        now = self._clock()
        if self._store.blocking and self._missing([probe], now):
            found = await asyncio.to_thread(self._known, [probe])
        else:
            found = self._known([probe])
        if probe.revoked(found):
            raise TokenRevoked("the token was revoked")

    def screen(
        self, results: Sequence[dict[str, Any] | TokenError]
    ) -> list[dict[str, Any] | TokenError]:
        """``verify_many`` results with every revoked token's claims replaced by ``TokenRevoked``
        (one store round trip for the whole batch)."""
        probes = {i: _Probe.of(r) for i, r in enumerate(results) if isinstance(r, dict)}
        found = self._known(list(probes.values()))
        screened = list(results)
        for index, probe in probes.items():
            if probe.revoked(found):
                screened[index] = TokenRevoked("the token was revoked")
        return screened

    def _missing(self, probes: Sequence[_Probe], now: float) -> bool:
        return any(not self._cache.get(key, now)[0] for probe in probes for key in _keys(probe))

    def _known(self, probes: Sequence[_Probe]) -> Found:
        """What the cache knows freshly, completed from the store in one lookup."""
        now = self._clock()
        found = Found(set(), {})
        stale: list[_Probe] = []
        for probe in probes:
            if not self._from_cache(probe, now, found):
                stale.append(probe)
        if stale:
            fetched = self._fetch(stale, now)
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

    def _fetch(self, probes: Sequence[_Probe], now: float) -> Found:
        jtis = {p.jti for p in probes if p.jti is not None}
        subjects = {p.subject for p in probes if p.subject is not None}
        if not jtis and not subjects:
            return Found(set(), {})
        found = self._store.lookup(jtis, subjects)
        for jti in jtis:
            self._cache.put(_jti_key(jti), now, jti in found.revoked_jtis)
        for subject in subjects:
            self._cache.put(_subject_key(subject), now, found.watermarks.get(subject))
        return found


def _keys(probe: _Probe) -> list[bytes]:
    keys = [] if probe.jti is None else [_jti_key(probe.jti)]
    return keys if probe.subject is None else [*keys, _subject_key(probe.subject)]


def _seconds(what: str, value: object) -> float:
    """A finite number of seconds (or a Unix time), never a bool or a string."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigurationError(f"{what} must be a finite number of seconds")
    return float(value)


def _check_name(what: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{what} must be a non-empty string")
