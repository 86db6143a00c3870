"""The rows a store keeps: plain frozen values, holding token hashes only (never a token)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FamilyRecord", "Rotation", "Snapshot", "TokenRecord"]


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """One refresh token of a family; ``used_at`` is set when it was rotated or superseded."""

    token_hash: bytes
    family_id: str
    issued_at: float
    expires_at: float
    used_at: float | None = None


@dataclass(frozen=True, slots=True)
class FamilyRecord:
    """One login on one device: the chain of refresh tokens that rotate into each other.

    ``head_hash`` is the one live (unused) token; ``prev_hash`` the token whose rotation produced
    it, the only one a ``reuse_grace`` retry may present, or None when no token may (a new
    family, or the one retry was made). ``expires_at`` is the head's expiry.
    """

    family_id: str
    user_id: str
    device_id: str
    claims: Mapping[str, Any] = field(hash=False)
    created_at: float
    last_used_at: float
    expires_at: float
    head_hash: bytes
    session_expires_at: float | None = None
    revoked_at: float | None = None
    prev_hash: bytes | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A presented token and its family, as read together."""

    token: TokenRecord
    family: FamilyRecord


@dataclass(frozen=True, slots=True)
class Rotation:
    """A planned rotation, applied by a store atomically or not at all.

    The store marks ``expected_head`` used only if it is still the family's head, unused and
    unexpired at ``now``, and the family is not revoked (that conditional write decides races);
    it then inserts ``successor`` as the new head and records ``prev_hash`` as the token a grace
    retry may present (None: none may).
    """

    family_id: str
    expected_head: bytes
    prev_hash: bytes | None
    successor: TokenRecord
    now: float
