"""What a client store does: atomic storage operations on ``StoredClient`` rows and spent
assertion ``jti``s, no policy."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from keyturn.clients.records import Client, StoredClient


@runtime_checkable
class ClientStore(Protocol):
    """Atomic storage operations for registered clients, no policy. Every method raises
    ``keyturn.StoreError`` (never a driver exception) when the backend cannot complete it."""

    def create(self, client: Client, secret_hash: bytes | None) -> bool:
        """Insert the client; False (writing nothing) when its id is taken."""

    def load(self, client_id: str) -> StoredClient | None:
        """The client and its secret hashes, or None."""

    def list_clients(self) -> list[Client]:
        """Every client, ordered by id."""

    def set_enabled(self, client_id: str, enabled: bool) -> bool:
        """Enable or disable; False when no client has this id."""

    def rotate_secret(self, client_id: str, new_hash: bytes, previous_until: float) -> bool:
        """In one atomic step: the current hash becomes the previous one (valid until
        ``previous_until``) and ``new_hash`` the current one. False (writing nothing) when the
        client is unknown or has no secret."""

    def remember_jti(self, client_id: str, jti_hash: bytes, until: float, now: float) -> bool:
        """Remember the client's assertion id until ``until``; True if it was not remembered
        already (at ``now``). Atomic: of concurrent calls with one jti exactly one gets True."""

    def purge(self, now: float) -> int:
        """Forget jtis remembered until before ``now``; return how many were deleted."""

    def close(self) -> None:
        """Release connections (a pool or client shared through a ``Backend`` stays open)."""


@runtime_checkable
class AsyncClientStore(Protocol):
    async def create(self, client: Client, secret_hash: bytes | None) -> bool: ...

    async def load(self, client_id: str) -> StoredClient | None: ...

    async def list_clients(self) -> list[Client]: ...

    async def set_enabled(self, client_id: str, enabled: bool) -> bool: ...

    async def rotate_secret(
        self, client_id: str, new_hash: bytes, previous_until: float
    ) -> bool: ...

    async def remember_jti(
        self, client_id: str, jti_hash: bytes, until: float, now: float
    ) -> bool: ...

    async def purge(self, now: float) -> int: ...

    async def close(self) -> None: ...


#: One store call as the flows yield it: a function of the store, so mypy checks it on both
#: protocols (the idiom of ``refresh/service.py``).
