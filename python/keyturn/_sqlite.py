"""One SQLite connection per thread, shared by keyturn's SQLite stores (stdlib ``sqlite3``).

Connections are autocommit (``isolation_level=None``: each store opens its own transactions) and
in WAL mode, so readers never block the writer; each is prepared (schema) when it opens.

Writers in one process queue on a lock per database file (``write_lock``) before ``BEGIN
IMMEDIATE``. Without it they meet at SQLite's busy handler, which polls with sleeps that grow to
100 ms: under contention a writer can sleep long after the lock came free, which was the soak's
p99 (hundreds of ms). A thread waiting on a ``threading.Lock`` wakes the moment it is released.
The busy timeout stays, for writers in other processes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable

from keyturn.errors import ConfigurationError

__all__ = ["ThreadConnections", "write_lock"]

_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def write_lock(path: str) -> threading.Lock:
    """The process-wide lock for writing to the database file at ``path`` (every store opened on
    the same file, by any spelling of its path, shares it)."""
    key = os.path.realpath(path)
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


class ThreadConnections:
    """Opens one connection per thread on a database file and closes them all on ``close``."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float,
        prepare: Callable[[sqlite3.Connection], None],
        owner: str,
        for_tests: str,
    ) -> None:
        self.path = os.fspath(path)
        if self.path == ":memory:" or self.path.startswith("file:"):
            # Each connection to :memory: would be its own empty database.
            raise ConfigurationError(f"{owner} needs a file path (use {for_tests} for tests)")
        self._timeout = timeout
        self.write_lock = write_lock(self.path)
        self._prepare = prepare
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    def get(self) -> sqlite3.Connection:
        """This thread's connection, opened and prepared on first use."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._open()
            self._local.connection = connection
        return connection

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._use_wal(connection)
            self._prepare(connection)
        except BaseException:
            connection.close()
            raise
        with self._lock:
            self._connections.append(connection)
        return connection

    def _use_wal(self, connection: sqlite3.Connection) -> None:
        # WAL is a property of the file: once on, it stays on, and asking again is needless.
        # Switching takes the file's write lock from inside a read, and SQLite refuses such an
        # upgrade at once ("database is locked", no busy handler) while another connection
        # writes, so this process's writers are held off first.
        with self.write_lock:
            (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
            if mode != "wal":
                connection.execute("PRAGMA journal_mode=WAL")

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
            self._local = threading.local()
        for connection in connections:
            connection.close()
