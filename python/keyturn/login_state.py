"""Where a sign-in waits between ``/auth/login`` and ``/auth/callback``: server-side, single use.

Why a server-side row and not a signed cookie holding the whole state: the row is taken
(read-and-deleted atomically) by the first callback that names it, so a reused ``state`` is refused
by the relying party itself, not only by the provider's one-time code; the PKCE verifier and the
nonce never leave the server; and the browser holds one small cookie per login (a random binding
value, under 100 bytes), so two logins in two tabs never clobber each other and no cookie grows.
The binding cookie ties the row to the browser that started the login (login CSRF: a callback
carrying an attacker's ``state`` in a victim's browser has no matching cookie).

Rows are keyed by SHA-256 of ``state`` and expire after the login's time to live. Two stores:
``MemoryLoginStates`` (one process; bounded) and ``SQLiteLoginStates`` (a file shared by
processes and restarts). Any object with ``put`` and ``take`` serves.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Protocol, TypeVar

from keyturn._sqlite import ThreadConnections
from keyturn.errors import ConfigurationError, StoreError

__all__ = ["LoginStates", "MemoryLoginStates", "PendingLogin", "SQLiteLoginStates"]

T = TypeVar("T")


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
    def from_json(cls, text: str) -> PendingLogin:
        return cls(**json.loads(text))


class LoginStates(Protocol):
    """Storage for pending logins: ``take`` must be atomic (one caller ever gets a row)."""

    def put(self, state: str, login: PendingLogin) -> None: ...

    def take(self, state: str) -> PendingLogin | None:
        """Remove and return the row for ``state``; None if absent. An expired row is returned
        (and removed) so the caller can say "expired" rather than "unknown"."""


def state_key(state: str) -> str:
    """Rows are keyed by a hash: a leaked table does not hand out live ``state`` values."""
    return hashlib.sha256(state.encode()).hexdigest()


class MemoryLoginStates:
    """Pending logins in this process, at most ``capacity`` of them (the oldest go first)."""

    def __init__(self, capacity: int = 10_000) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ConfigurationError("capacity must be a positive int")
        self._capacity = capacity
        self._rows: OrderedDict[str, PendingLogin] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, state: str, login: PendingLogin) -> None:
        now = time.time()
        with self._lock:
            # Unauthenticated requests create rows: expired ones go first, then the oldest.
            for key in [k for k, row in self._rows.items() if row.expires_at <= now]:
                del self._rows[key]
            while len(self._rows) >= self._capacity:
                self._rows.popitem(last=False)
            self._rows[state_key(state)] = login

    def take(self, state: str) -> PendingLogin | None:
        with self._lock:
            return self._rows.pop(state_key(state), None)

    def __len__(self) -> int:
        return len(self._rows)


def _create_table(connection: sqlite3.Connection) -> None:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS keyturn_login_states ("
        " state_hash TEXT PRIMARY KEY, login TEXT NOT NULL, expires_at REAL NOT NULL)"
    )


class SQLiteLoginStates:
    """Pending logins in an SQLite file (WAL), shared by every process that opens it.

    ``take`` is one ``DELETE ... RETURNING`` statement: of two callbacks racing with one state,
    exactly one gets the row. Each ``put`` also deletes rows that expired.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0) -> None:
        self._connections = ThreadConnections(
            path,
            timeout=timeout,
            prepare=_create_table,
            owner="SQLiteLoginStates",
            for_tests="MemoryLoginStates",
        )

    def __repr__(self) -> str:
        return f"SQLiteLoginStates({self._connections.path!r})"

    def put(self, state: str, login: PendingLogin) -> None:
        def insert(connection: sqlite3.Connection) -> None:
            connection.execute(
                "DELETE FROM keyturn_login_states WHERE expires_at <= ?", (time.time(),)
            )
            connection.execute(
                "INSERT INTO keyturn_login_states VALUES (?, ?, ?)",
                (state_key(state), login.to_json(), login.expires_at),
            )

        self._guard(insert)

    def take(self, state: str) -> PendingLogin | None:
        row = self._guard(
            lambda c: c.execute(
                "DELETE FROM keyturn_login_states WHERE state_hash = ? RETURNING login",
                (state_key(state),),
            ).fetchone()
        )
        return None if row is None else PendingLogin.from_json(row[0])

    def close(self) -> None:
        self._connections.close()

    def _guard(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return operation(self._connections.get())
        except sqlite3.Error as exc:
            raise StoreError(f"login state store: {type(exc).__name__}") from None
