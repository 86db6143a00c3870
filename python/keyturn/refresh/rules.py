"""The refresh rotation rules, as pure functions shared by both services and every store."""

from __future__ import annotations

import enum

from keyturn.errors import ExpiredRefresh, InvalidRefresh, RefreshError, RevokedRefresh
from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord

__all__ = [
    "Outcome",
    "decide",
    "expiry",
    "is_live_session",
    "plan_optimistic_rotation",
    "plan_rotation",
    "refusal",
]


class Outcome(enum.Enum):
    """What presenting a refresh token leads to."""

    ROTATE = "rotate"
    GRACE_RETRY = "grace_retry"
    REPLAY = "replay"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


def decide(snapshot: Snapshot | None, now: float, reuse_grace: float) -> Outcome:
    """Decide what a presented token leads to, in the order: unknown, expired, revoked, used."""
    if snapshot is None:
        return Outcome.UNKNOWN
    token, family = snapshot.token, snapshot.family
    if now >= token.expires_at:
        return Outcome.EXPIRED
    if family.revoked_at is not None:
        return Outcome.REVOKED
    if token.used_at is None:
        return Outcome.ROTATE
    if _is_grace_retry(token, family, now, reuse_grace):
        return Outcome.GRACE_RETRY
    return Outcome.REPLAY


def _is_grace_retry(token: TokenRecord, family: FamilyRecord, now: float, grace: float) -> bool:
    # Only the token whose rotation produced the live head, and only within the window counted
    # from its first use: superseded successors and older generations are always replays.
    return (
        grace > 0
        and family.prev_hash == token.token_hash
        and token.used_at is not None
        and now - token.used_at <= grace
    )


def refusal(outcome: Outcome) -> RefreshError | None:
    """The error a refused outcome raises (``REPLAY`` is raised only after revoking the family)."""
    if outcome is Outcome.UNKNOWN:
        return InvalidRefresh("refresh token is not known")
    if outcome is Outcome.EXPIRED:
        return ExpiredRefresh()
    if outcome is Outcome.REVOKED:
        return RevokedRefresh()
    return None


def expiry(now: float, refresh_ttl: float, session_expires_at: float | None) -> float:
    """A new token lives ``refresh_ttl`` seconds, but never past the session's absolute end."""
    ends = now + refresh_ttl
    return ends if session_expires_at is None else min(ends, session_expires_at)


def plan_rotation(
    snapshot: Snapshot, outcome: Outcome, successor_hash: bytes, now: float, refresh_ttl: float
) -> Rotation:
    """The atomic write for a ``ROTATE`` or ``GRACE_RETRY`` outcome.

    A rotation uses up the presented token, which becomes the one a grace retry may present. A
    grace retry supersedes the live head instead (so there is never more than one live
    successor) and records that no token may retry any more: the lost-response retry is
    honoured once, and a second presentation is a replay.
    """
    token, family = snapshot.token, snapshot.family
    if outcome is Outcome.ROTATE:
        expected_head, retry_hash = token.token_hash, token.token_hash
    elif outcome is Outcome.GRACE_RETRY:
        expected_head, retry_hash = family.head_hash, None
    else:
        raise ValueError(f"no rotation for outcome {outcome.value}")
    return _rotation(family, expected_head, retry_hash, successor_hash, now, refresh_ttl)


def plan_optimistic_rotation(
    family: FamilyRecord, presented_hash: bytes, successor_hash: bytes, now: float, ttl: float
) -> Rotation:
    """The ``ROTATE`` write, planned before reading the token, from a family seen earlier (only
    its immutable fields are used).

    Sound because a store applies a rotation only if its expected head is still the family's
    unused, unexpired head in an unrevoked family, which is exactly when ``decide`` says
    ``ROTATE``. In every other case nothing is written and the caller reads and decides.
    """
    return _rotation(family, presented_hash, presented_hash, successor_hash, now, ttl)


def _rotation(
    family: FamilyRecord,
    expected_head: bytes,
    prev_hash: bytes | None,
    successor_hash: bytes,
    now: float,
    refresh_ttl: float,
) -> Rotation:
    successor = TokenRecord(
        token_hash=successor_hash,
        family_id=family.family_id,
        issued_at=now,
        expires_at=expiry(now, refresh_ttl, family.session_expires_at),
    )
    return Rotation(
        family_id=family.family_id,
        expected_head=expected_head,
        prev_hash=prev_hash,
        successor=successor,
        now=now,
    )


def is_live_session(family: FamilyRecord, now: float) -> bool:
    return family.revoked_at is None and family.expires_at > now
