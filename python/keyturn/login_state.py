"""Where a sign-in waits between ``/auth/login`` and ``/auth/callback``: server-side, single use.

Why a server-side row and not a signed cookie holding the whole state: the row is taken
(read-and-deleted atomically) by the first callback that names it, so a reused ``state`` is refused
by the relying party itself, not only by the provider's one-time code; the PKCE verifier and the
nonce never leave the server; and the browser holds one small cookie per login (a random binding
value, under 100 bytes), so two logins in two tabs never clobber each other and no cookie grows.
The binding cookie ties the row to the browser that started the login (login CSRF: a callback
carrying an attacker's ``state`` in a victim's browser has no matching cookie).

This module holds the record and what a store does. The stores are one per backend, in
``keyturn.stores`` (``open_backend(...).login_states``): ``MemoryLoginStates`` (one process;
bounded), ``SQLiteLoginStates`` (a file shared by processes and restarts), and PostgreSQL and
Redis, blocking and asyncio. A store only ever sees ``state_key(state)``, never the ``state``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Protocol, runtime_checkable

__all__ = ["AsyncLoginStates", "LoginStates", "PendingLogin", "state_key"]


@dataclass(frozen=True)
class PendingLogin:
    """What the callback needs to finish one login. Secrets stay out of ``repr``."""

    binding_hash: str = field(repr=False)  # SHA-256 (hex) of the browser's binding cookie
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    expires_at: float
    return_to: str | None = None
    max_age: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> PendingLogin:
        return cls(**json.loads(text))


@runtime_checkable
class LoginStates(Protocol):
    """Storage for pending logins, keyed by ``state_key(state)``. Every method raises
    ``keyturn.StoreError`` (never a driver exception) when the backend cannot complete it."""

    def put(self, state_hash: str, login: PendingLogin, now: float) -> None:
        """Keep ``login`` until ``login.expires_at``; rows expired at ``now`` may go first."""

    def take(self, state_hash: str) -> PendingLogin | None:
        """Remove and return the row; None if absent. Atomic: of concurrent takes of one row
        exactly one gets it. A row past its ``expires_at`` that is still stored is returned (and
        removed) so the caller can say "expired" rather than "unknown"."""

    def close(self) -> None:
        """Release connections."""


@runtime_checkable
class AsyncLoginStates(Protocol):
    """``LoginStates`` for asyncio (PostgreSQL and Redis; ``RelyingParty.astart_login`` and
    ``acomplete_login`` await it, ``start_login``/``complete_login`` refuse it)."""

    async def put(self, state_hash: str, login: PendingLogin, now: float) -> None: ...

    async def take(self, state_hash: str) -> PendingLogin | None: ...

    async def close(self) -> None: ...


def state_key(state: str) -> str:
    """Rows are keyed by a hash (hex): a leaked table does not hand out live ``state`` values."""
    return hashlib.sha256(state.encode()).hexdigest()
