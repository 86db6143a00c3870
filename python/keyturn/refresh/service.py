"""TokenService and AsyncTokenService: refresh-token rotation with reuse detection.

Both run the same flows (generators yielding store calls, see ``_drive``); only how a store call
is performed differs. The decisions come from ``rules``; atomicity is the store's job.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from keyturn._drive import Flow, acall, aclose, adrive, drive, native_async
from keyturn._limits import DAY
from keyturn.errors import ConfigurationError, InvalidRefresh, ReplayedRefresh, StoreError
from keyturn.refresh import format as token_format
from keyturn.refresh import rules
from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord
from keyturn.refresh.store import AsyncStore, Store
from keyturn.revocation import Revocations

__all__ = ["AccessTokenIssuer", "AsyncTokenService", "DeviceSession", "TokenPair", "TokenService"]

#: A lost race is re-decided from a fresh read; only grace retries can lose more than once.
_MAX_ATTEMPTS = 64
_MAX_ID_LENGTH = 255
#: How many families a service remembers for one-round-trip rotations.
_KNOWN_FAMILIES = 10_000


class AccessTokenIssuer(Protocol):
    """All a token service needs from ``keyturn.Issuer``."""

    @property
    def ttl(self) -> float: ...

    def issue(self, subject: str, /, **claims: Any) -> str: ...


@dataclass(frozen=True, slots=True)
class TokenPair:
    """An access token and the refresh token that will replace it; repr shows neither token."""

    access: str = field(repr=False)
    refresh: str = field(repr=False)
    access_expires_at: float
    refresh_expires_at: float
    family_id: str


@dataclass(frozen=True, slots=True)
class DeviceSession:
    """One live refresh family: a login on one device."""

    device_id: str
    family_id: str
    created_at: float
    last_used_at: float


#: One store call, as the flows yield it: a function of the store. The sync driver calls it; the
#: async one awaits it, or runs a sync store's in a thread. Flows never yield one directly but
#: through ``_ask``, which types its result.
_Call = Callable[[Store | AsyncStore], Any]
_R = TypeVar("_R")


def _ask(call: Callable[[Store | AsyncStore], _R | Awaitable[_R]]) -> Flow[_Call, _R]:
    """Yield one store call and return its result, typed: mypy checks the call's arguments against
    both ``Store`` and ``AsyncStore`` and infers ``_R`` from what both return (awaited)."""
    result: _R = yield call
    return result


@dataclass(frozen=True, slots=True)
class _Signed:
    """An access token signed for one rotation; a lost optimistic commit reuses it."""

    access: str = field(repr=False)
    expires_at: float


class _Service:
    """Configuration and the flows shared by the sync and async services."""

    _takes_async_stores = False

    def __init__(
        self,
        issuer: AccessTokenIssuer,
        store: Store | AsyncStore,
        *,
        refresh_ttl: float = 30 * DAY,
        session_max_age: float | None = None,
        reuse_grace: float = 0,
        purge_batch_size: int = 1000,
        clock: Callable[[], float] = time.time,
        revocations: Revocations | None = None,
    ) -> None:
        _check_config(refresh_ttl, session_max_age, reuse_grace, purge_batch_size)
        # Optional: logout_all also kills the user's access tokens at once (a subject watermark).
        self._revocations = revocations
        self._issuer = issuer
        self._store = store
        self._native_async = native_async(
            self, store, takes_async=self._takes_async_stores, twin="AsyncTokenService"
        )
        self._refresh_ttl = float(refresh_ttl)
        self._session_max_age = None if session_max_age is None else float(session_max_age)
        self._reuse_grace = float(reuse_grace)
        self._purge_batch_size = purge_batch_size
        self._clock = clock
        self._families = _KnownFamilies()

    @property
    def store(self) -> Store | AsyncStore:
        return self._store

    def _issue_pair(
        self, user_id: str, device_id: str, claims: Mapping[str, Any] | None
    ) -> Flow[_Call, TokenPair]:
        _check_id("user_id", user_id)
        _check_id("device_id", device_id)
        grant = _check_claims(claims)
        now = self._clock()
        family_id = token_format.new_family_id()
        refresh = token_format.new_token(family_id)
        session_end = None if self._session_max_age is None else now + self._session_max_age
        token = TokenRecord(
            token_hash=token_format.token_hash(refresh),
            family_id=family_id,
            issued_at=now,
            expires_at=rules.expiry(now, self._refresh_ttl, session_end),
        )
        family = FamilyRecord(
            family_id=family_id,
            user_id=user_id,
            device_id=device_id,
            claims=grant,
            created_at=now,
            last_used_at=now,
            expires_at=token.expires_at,
            head_hash=token.token_hash,
            session_expires_at=session_end,
        )
        pair = self._pair(self._sign(family, now), refresh, token)
        yield from _create_family(family, token)
        self._families.remember(family)
        return pair

    def _rotate(self, refresh: str) -> Flow[_Call, TokenPair]:
        parsed = token_format.parse(refresh)
        known = self._families.get(parsed.family_id)
        signed: _Signed | None = None
        if known is not None:
            # The common case in one store round trip: assume the token is the live head. If it
            # is not, the store writes nothing, and the token is read and decided on below.
            now = self._clock()
            successor, successor_hash = _next_token(known.family_id)
            rotation = rules.plan_optimistic_rotation(
                known, parsed.token_hash, successor_hash, now, self._refresh_ttl
            )
            signed = self._sign(known, now)
            pair = self._pair(signed, successor, rotation.successor)
            if (yield from _commit_rotation(rotation)):
                return pair
        return (yield from self._read_and_rotate(parsed, signed))

    def _read_and_rotate(
        self, parsed: token_format.ParsedToken, signed: _Signed | None
    ) -> Flow[_Call, TokenPair]:
        """Decide on a fresh read. An access token already signed for this call (a lost
        optimistic commit, a lost race) is reused: one rotation signs once. Its claims come from
        the family's immutable fields, which every read of the family returns unchanged."""
        for _ in range(_MAX_ATTEMPTS):
            now = self._clock()
            snapshot = yield from _load(parsed)
            outcome = rules.decide(snapshot, now, self._reuse_grace)
            refused = rules.refusal(outcome)
            if refused is not None:
                raise refused
            assert snapshot is not None  # refusal() covers the unknown token
            if outcome is rules.Outcome.REPLAY:
                yield from _revoke_family(snapshot.family.family_id, now)
                raise ReplayedRefresh()
            self._families.remember(snapshot.family)
            successor, successor_hash = _next_token(snapshot.family.family_id)
            rotation = rules.plan_rotation(
                snapshot, outcome, successor_hash, now, self._refresh_ttl
            )
            # Sign before committing, not after: once committed, the presented token is spent, so
            # a signing failure then (no current key, a KMS down) would leave the client nothing
            # and its retry would read as a replay that revokes the family. Signed first, a
            # failure changes nothing. A lost commit costs one unused signature, never two.
            signed = signed or self._sign(snapshot.family, now)
            pair = self._pair(signed, successor, rotation.successor)
            if (yield from _commit_rotation(rotation)):
                return pair
        raise StoreError("refresh rotation kept losing races; try again")

    def _logout(self, refresh: str) -> Flow[_Call, None]:
        parsed = token_format.parse(refresh)
        snapshot = yield from _load(parsed)
        if snapshot is None:
            raise InvalidRefresh("refresh token is not known")
        yield from _revoke_family(snapshot.family.family_id, self._clock())

    def _revoke_user(self, user_id: str, device_id: str | None) -> Flow[_Call, int]:
        _check_id("user_id", user_id)
        if device_id is not None:
            _check_id("device_id", device_id)
        return (yield from _revoke_user(user_id, device_id, self._clock()))

    def _sessions(self, user_id: str) -> Flow[_Call, list[DeviceSession]]:
        _check_id("user_id", user_id)
        now = self._clock()
        families = yield from _list_families(user_id)
        live = [f for f in families if rules.is_live_session(f, now)]
        live.sort(key=lambda f: (f.created_at, f.family_id))
        return [DeviceSession(f.device_id, f.family_id, f.created_at, f.last_used_at) for f in live]

    def _purge_expired(self) -> Flow[_Call, int]:
        now = self._clock()
        total = 0
        while True:
            removed = yield from _purge_batch(now, self._purge_batch_size)
            total += removed
            if removed < self._purge_batch_size:
                return total

    def _sign(self, family: FamilyRecord, now: float) -> _Signed:
        access = self._issuer.issue(family.user_id, **{"sid": family.family_id, **family.claims})
        return _Signed(access, now + float(self._issuer.ttl))

    @staticmethod
    def _pair(signed: _Signed, refresh: str, token: TokenRecord) -> TokenPair:
        return TokenPair(
            access=signed.access,
            refresh=refresh,
            access_expires_at=signed.expires_at,
            refresh_expires_at=token.expires_at,
            family_id=token.family_id,
        )


class TokenService(_Service):
    """Issues and rotates token pairs against a synchronous store."""

    def _run(self, flow: Flow[_Call, Any]) -> Any:
        return drive(flow, lambda call: call(self._store))

    def issue_pair(
        self, user_id: str, device_id: str, claims: Mapping[str, Any] | None = None
    ) -> TokenPair:
        """Start a new family (a login on one device) and return its first pair."""
        pair: TokenPair = self._run(self._issue_pair(user_id, device_id, claims))
        return pair

    def rotate(self, refresh: str) -> TokenPair:
        """Trade a refresh token for a new pair; a replayed token revokes its whole family."""
        pair: TokenPair = self._run(self._rotate(refresh))
        return pair

    def logout(self, refresh: str) -> None:
        """Revoke the family of this refresh token, server-side."""
        self._run(self._logout(refresh))

    def logout_all(self, user_id: str) -> int:
        """Revoke every family of the user; returns how many were live."""
        count: int = self._run(self._revoke_user(user_id, None))
        if self._revocations is not None:
            self._revocations.revoke_subject(user_id)
        return count

    def revoke_device(self, user_id: str, device_id: str) -> int:
        """Revoke the user's families on one device; returns how many were live."""
        count: int = self._run(self._revoke_user(user_id, device_id))
        return count

    def sessions(self, user_id: str) -> list[DeviceSession]:
        """The user's live sessions, oldest first."""
        found: list[DeviceSession] = self._run(self._sessions(user_id))
        return found

    def purge_expired(self) -> int:
        """Delete expired tokens and families, in bounded batches; returns rows removed."""
        count: int = self._run(self._purge_expired())
        return count

    def close(self) -> None:
        self._store.close()


class AsyncTokenService(_Service):
    """The same service for asyncio: takes an async store, or a sync one run in a worker thread."""

    _takes_async_stores = True

    async def _perform(self, call: _Call) -> Any:
        return await acall(self._store, self._native_async, call)

    async def _run(self, flow: Flow[_Call, Any]) -> Any:
        return await adrive(flow, self._perform)

    async def issue_pair(
        self, user_id: str, device_id: str, claims: Mapping[str, Any] | None = None
    ) -> TokenPair:
        """Start a new family (a login on one device) and return its first pair."""
        pair: TokenPair = await self._run(self._issue_pair(user_id, device_id, claims))
        return pair

    async def rotate(self, refresh: str) -> TokenPair:
        """Trade a refresh token for a new pair; a replayed token revokes its whole family."""
        pair: TokenPair = await self._run(self._rotate(refresh))
        return pair

    async def logout(self, refresh: str) -> None:
        """Revoke the family of this refresh token, server-side."""
        await self._run(self._logout(refresh))

    async def logout_all(self, user_id: str) -> int:
        """Revoke every family of the user; returns how many were live."""
        count: int = await self._run(self._revoke_user(user_id, None))
        if self._revocations is not None:
            await self._revocations.arevoke_subject(user_id)  # a sync store: in a thread
        return count

    async def revoke_device(self, user_id: str, device_id: str) -> int:
        """Revoke the user's families on one device; returns how many were live."""
        count: int = await self._run(self._revoke_user(user_id, device_id))
        return count

    async def sessions(self, user_id: str) -> list[DeviceSession]:
        """The user's live sessions, oldest first."""
        found: list[DeviceSession] = await self._run(self._sessions(user_id))
        return found

    async def purge_expired(self) -> int:
        """Delete expired tokens and families, in bounded batches; returns rows removed."""
        count: int = await self._run(self._purge_expired())
        return count

    async def close(self) -> None:
        await aclose(self._store)


# --- store calls: each binds its arguments now; mypy checks the call on both protocols and the
# result against the type each function declares -------------------------------------------------


def _create_family(family: FamilyRecord, token: TokenRecord) -> Flow[_Call, None]:
    return _ask(lambda store: store.create_family(family, token))


def _load(parsed: token_format.ParsedToken) -> Flow[_Call, Snapshot | None]:
    return _ask(lambda store: store.load(parsed.token_hash, parsed.family_id))


def _commit_rotation(rotation: Rotation) -> Flow[_Call, bool]:
    return _ask(lambda store: store.commit_rotation(rotation))


def _revoke_family(family_id: str, now: float) -> Flow[_Call, None]:
    return _ask(lambda store: store.revoke_family(family_id, now))


def _revoke_user(user_id: str, device_id: str | None, now: float) -> Flow[_Call, int]:
    return _ask(lambda store: store.revoke_user(user_id, device_id, now))


def _list_families(user_id: str) -> Flow[_Call, list[FamilyRecord]]:
    return _ask(lambda store: store.list_families(user_id))


def _purge_batch(now: float, limit: int) -> Flow[_Call, int]:
    return _ask(lambda store: store.purge_batch(now, limit))


def _next_token(family_id: str) -> tuple[str, bytes]:
    token = token_format.new_token(family_id)
    return token, token_format.token_hash(token)


class _KnownFamilies:
    """Families this service has seen, for one-round-trip rotations.

    Only a family's immutable fields (user, claims, session end) are ever read from here; its
    state (head, revocation) is always checked by the store, atomically.
    """

    def __init__(self, limit: int = _KNOWN_FAMILIES) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._families: dict[str, FamilyRecord] = {}

    def get(self, family_id: str) -> FamilyRecord | None:
        return self._families.get(family_id)

    def remember(self, family: FamilyRecord) -> None:
        with self._lock:
            self._families.pop(family.family_id, None)
            if len(self._families) >= self._limit:
                del self._families[next(iter(self._families))]  # the oldest
            self._families[family.family_id] = family


def _check_config(
    refresh_ttl: float, session_max_age: float | None, reuse_grace: float, batch: int
) -> None:
    if not refresh_ttl > 0:
        raise ConfigurationError("refresh_ttl must be a positive number of seconds")
    if session_max_age is not None and not session_max_age > 0:
        raise ConfigurationError("session_max_age must be None or a positive number of seconds")
    if not 0 <= reuse_grace < refresh_ttl:
        raise ConfigurationError("reuse_grace must be >= 0 seconds and shorter than refresh_ttl")
    if not isinstance(batch, int) or batch < 1:
        raise ConfigurationError("purge_batch_size must be a positive integer")


def _check_id(name: str, value: object) -> None:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_ID_LENGTH:
        raise ConfigurationError(f"{name} must be a non-empty string of at most 255 characters")


def _check_claims(claims: Mapping[str, Any] | None) -> dict[str, Any]:
    grant = dict(claims or {})
    if not all(isinstance(name, str) for name in grant):
        raise ConfigurationError("claims must have string names")
    try:
        # Round-trip now so every store later returns exactly what was granted.
        restored: dict[str, Any] = json.loads(json.dumps(grant, allow_nan=False))
    except (TypeError, ValueError):
        raise ConfigurationError("claims must be JSON-serializable") from None
    return restored
