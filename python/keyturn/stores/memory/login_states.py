"""The memory backend's login states: ``MemoryLoginStates``, a bounded dict behind one lock. For
tests and single-process services: nothing survives the process."""

from __future__ import annotations

import threading
from collections import OrderedDict

from keyturn.errors import ConfigurationError
from keyturn.login_state import PendingLogin

__all__ = ["MemoryLoginStates"]


class MemoryLoginStates:
    """Pending logins in this process, at most ``capacity`` of them (the oldest go first)."""

    def __init__(self, capacity: int = 10_000) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ConfigurationError("capacity must be a positive int")
        self._capacity = capacity
        self._rows: OrderedDict[str, PendingLogin] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryLoginStates(pending={len(self._rows)})"

    def put(self, state_hash: str, login: PendingLogin, now: float) -> None:
        with self._lock:
            # Unauthenticated requests create rows: expired ones go first, then the oldest.
            for key in [k for k, row in self._rows.items() if row.expires_at <= now]:
                del self._rows[key]
            while len(self._rows) >= self._capacity:
                self._rows.popitem(last=False)
            self._rows[state_hash] = login

    def take(self, state_hash: str) -> PendingLogin | None:
        with self._lock:
            return self._rows.pop(state_hash, None)

    def __len__(self) -> int:
        return len(self._rows)

    def close(self) -> None:
        """Nothing to release."""
