"""What a refresh-token store does: atomic storage operations, no policy.

Every timestamp is seconds since the epoch (float). Every method raises ``keyturn.StoreError``
(never a driver exception) when the backend cannot complete it, and then has changed nothing.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord

__all__ = ["AsyncStore", "Store"]


@runtime_checkable
class Store(Protocol):
    def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        """Insert a new family and its first token."""

    def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        """The token with this hash and its family, or None (also when the family differs)."""

    def commit_rotation(self, rotation: Rotation) -> bool:
        """Apply the rotation if its expected head is still the family's head, unused and
        unexpired at ``rotation.now``, and the family is not revoked; return whether it was
        applied. All or nothing. Every backend answers True, writing nothing, when this very
        rotation (its successor is the head already) was applied before: a retried call whose
        reply was lost."""

    def revoke_family(self, family_id: str, now: float) -> None:
        """Mark the family revoked (keeping the first revocation time)."""

    def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        """Revoke the user's unrevoked families (on one device, if given); return how many."""

    def list_families(self, user_id: str) -> list[FamilyRecord]:
        """Every family of the user that is still stored."""

    def purge_batch(self, now: float, limit: int) -> int:
        """Delete at most ``limit`` rows that expired before ``now``; return how many."""

    def close(self) -> None:
        """Release connections."""


@runtime_checkable
class AsyncStore(Protocol):
    async def create_family(self, family: FamilyRecord, token: TokenRecord) -> None: ...

    async def load(self, token_hash: bytes, family_id: str) -> Snapshot | None: ...

    async def commit_rotation(self, rotation: Rotation) -> bool: ...

    async def revoke_family(self, family_id: str, now: float) -> None: ...

    async def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int: ...

    async def list_families(self, user_id: str) -> list[FamilyRecord]: ...

    async def purge_batch(self, now: float, limit: int) -> int: ...

    async def close(self) -> None: ...
