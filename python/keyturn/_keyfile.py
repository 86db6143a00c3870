"""A keyring that follows its file, for long-running processes such as ``keyturn serve``.

``keyturn keys rotate|revoke|maintain`` change the keyring file from another process; a server
holding a ``Keyring`` in memory would go on signing with (and accepting) the old keys until it
restarts. ``KeyringFile`` checks the file at most once per ``interval`` and reloads it when it
changed, so a revocation takes effect within about a second. ``Keyring.save`` replaces the file
atomically, so a reload never sees half a file; a file that fails to load keeps the keys in use.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from keyturn._core import SigningKey, VerifyingKey
from keyturn.errors import ConfigurationError, KeyturnError
from keyturn.keyring import Keyring

__all__ = ["KeyringFile"]

logger = logging.getLogger("keyturn.keyring")

_Stamp = tuple[int, int, int]


class KeyringFile:
    """The ``Keyring`` last loaded from ``path``, reloaded when the file changes.

    Usable wherever a keyring is: ``Issuer(...)``, ``Verifier(keys=...)``, ``jwks_endpoint(...)``.
    It is read-only: change the keys with ``keyturn keys`` (or ``Keyring.load`` / ``save``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._path = os.fspath(path)
        if (
            isinstance(interval, bool)
            or not isinstance(interval, (int, float))
            or not (math.isfinite(interval) and interval >= 0)
        ):
            raise ConfigurationError("interval must be a finite number of seconds >= 0")
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        # (keyring, its file stamp, reload count) replaced as one tuple: readers never mix two.
        self._state = (Keyring.load(self._path), _stamp(self._path), 0)
        self._checked = clock()

    def _ring(self) -> Keyring:
        if self._clock() - self._checked >= self._interval:
            self._check()
        return self._state[0]

    def _check(self) -> None:
        with self._lock:
            now = self._clock()
            if now - self._checked < self._interval:
                return  # another thread checked meanwhile
            self._checked = now
            _, stamp, reloads = self._state
            try:
                fresh_stamp = _stamp(self._path)
                if fresh_stamp != stamp:
                    self._state = (Keyring.load(self._path), fresh_stamp, reloads + 1)
                    logger.info("keyring reloaded from %s", self._path)
            except (OSError, KeyturnError) as error:
                logger.warning("keyring %s not reloaded, keeping its keys: %s", self._path, error)

    # --- what Issuer, Verifier and jwks_endpoint use ----------------------------------------

    @property
    def current(self) -> SigningKey:
        return self._ring().current

    @property
    def retire_after(self) -> float:
        return self._ring().retire_after

    @property
    def keys_version(self) -> int:
        self._ring()  # reload first if a check is due
        ring, _, reloads = self._state
        # A reload starts a new Keyring whose own version restarts: combine both.
        return (reloads << 32) + ring.keys_version

    def verification_keys(self) -> tuple[VerifyingKey, ...]:
        return self._ring().verification_keys()

    def refresh_on_unknown_kid(self) -> bool:
        # A new kid may be in the file already; the check stays rate-limited by ``interval``.
        before = self.keys_version
        return self.keys_version != before

    def jwks(self) -> dict[str, Any]:
        return self._ring().jwks()

    def max_age_hint(self) -> int:
        return self._ring().max_age_hint()

    def __repr__(self) -> str:
        return f"KeyringFile({self._path!r}, {self._state[0]!r})"


def _stamp(path: str) -> _Stamp:
    status = os.stat(path, follow_symlinks=False)  # the file Keyring.load opens, not a target
    return (status.st_ino, status.st_mtime_ns, status.st_size)
