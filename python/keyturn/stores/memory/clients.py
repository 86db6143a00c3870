"""The memory backend's registered clients: ``MemoryClientStore``, in dicts behind a lock. For tests
and single-process services: nothing survives the process."""

from __future__ import annotations

import dataclasses
import threading

from keyturn.clients import Client, SecretHashes, StoredClient

__all__ = ["MemoryClientStore"]


class MemoryClientStore:
    """Registered clients in this process only."""

    def __init__(self) -> None:
        self._clients: dict[str, StoredClient] = {}
        self._jtis: dict[tuple[str, bytes], float] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "MemoryClientStore()"

    def create(self, client: Client, secret_hash: bytes | None) -> bool:
        with self._lock:
            if client.client_id in self._clients:
                return False
            self._clients[client.client_id] = StoredClient(client, SecretHashes(secret_hash))
            return True

    def load(self, client_id: str) -> StoredClient | None:
        with self._lock:
            return self._clients.get(client_id)

    def list_clients(self) -> list[Client]:
        with self._lock:
            return [self._clients[i].client for i in sorted(self._clients)]

    def set_enabled(self, client_id: str, enabled: bool) -> bool:
        with self._lock:
            stored = self._clients.get(client_id)
            if stored is None:
                return False
            client = dataclasses.replace(stored.client, enabled=enabled)
            self._clients[client_id] = StoredClient(client, stored.secrets)
            return True

    def rotate_secret(self, client_id: str, new_hash: bytes, previous_until: float) -> bool:
        with self._lock:
            stored = self._clients.get(client_id)
            if stored is None or stored.secrets.current is None:
                return False
            hashes = SecretHashes(new_hash, stored.secrets.current, previous_until)
            self._clients[client_id] = StoredClient(stored.client, hashes)
            return True

    def remember_jti(self, client_id: str, jti_hash: bytes, until: float, now: float) -> bool:
        with self._lock:
            remembered = self._jtis.get((client_id, jti_hash))
            if remembered is not None and remembered > now:
                return False
            self._jtis[(client_id, jti_hash)] = until
            return True

    def purge(self, now: float) -> int:
        with self._lock:
            expired = [key for key, until in self._jtis.items() if until <= now]
            for key in expired:
                del self._jtis[key]
        return len(expired)

    def close(self) -> None:
        """Nothing to release."""
