"""What a session store does: atomic storage operations, no policy (``SessionService`` decides).

Sessions are found by the SHA-256 of their id. Every timestamp is seconds since the epoch.
A session is *live* at ``now`` while ``now < idle_expires_at`` (which is never later than the
absolute ``expires_at``). Every method raises ``keyturn.StoreError`` (never a driver exception)
when the backend cannot complete it, and then has changed nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from keyturn.sessions.records import Session

__all__ = ["AsyncSessionStore", "SessionStore"]


@runtime_checkable
class SessionStore(Protocol):
    def create(self, session: Session) -> None:
        """Store a new session (listed under its user before it can be used)."""

    def load(self, session_hash: bytes) -> Session | None:
        """The stored session with this hash (live or not), or None."""

    def touch(
        self, session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
    ) -> bool:
        """Record a request: set ``last_seen`` and ``idle_expires_at`` only if the session is
        live at ``last_seen`` and its stored ``last_seen`` is at or before ``seen_before`` (so of
        many concurrent requests one writes); return whether it wrote."""

    def replace(self, session_hash: bytes, successor: Session, now: float) -> bool:
        """End the session if it is live at ``now`` and store ``successor`` in its place; return
        whether it did. Of concurrent calls for one session exactly one succeeds, and the old
        id is dead before the successor exists."""

    def set_data(self, session_hash: bytes, data: Mapping[str, Any], now: float) -> bool:
        """Replace the data of the session if it is live at ``now``; return whether it did."""

    def delete(self, session_hash: bytes) -> Session | None:
        """End the session (live or not); the session it was, or None if none was stored."""

    def delete_handle(self, user_id: str, handle: str) -> bool:
        """End the session with this handle if it belongs to ``user_id``; return whether it did."""

    def delete_user(self, user_id: str) -> int:
        """End every session of the user; return how many were stored."""

    def list_user(self, user_id: str) -> list[Session]:
        """Every stored session of the user (live or not)."""

    def purge(self, ended_before: float, limit: int) -> int:
        """Delete at most ``limit`` sessions whose ``idle_expires_at`` is at or before
        ``ended_before``; return how many."""

    def close(self) -> None:
        """Release connections."""


@runtime_checkable
class AsyncSessionStore(Protocol):
    async def create(self, session: Session) -> None: ...

    async def load(self, session_hash: bytes) -> Session | None: ...

    async def touch(
        self, session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
    ) -> bool: ...

    async def replace(self, session_hash: bytes, successor: Session, now: float) -> bool: ...

    async def set_data(self, session_hash: bytes, data: Mapping[str, Any], now: float) -> bool: ...

    async def delete(self, session_hash: bytes) -> Session | None: ...

    async def delete_handle(self, user_id: str, handle: str) -> bool: ...

    async def delete_user(self, user_id: str) -> int: ...

    async def list_user(self, user_id: str) -> list[Session]: ...

    async def purge(self, ended_before: float, limit: int) -> int: ...

    async def close(self) -> None: ...
