"""``keyturn serve``'s housekeeping: at start and every ``--purge-interval`` seconds after, what no
token, session or client assertion can need any more is deleted from ``--db``, each kind through
its own service's purge (the calls docs/operations.md tells a library user to schedule). Without
it a long-running server's database only grows: every rotation, session and ``private_key_jwt``
assertion leaves a row behind.

A purge that fails (the database unreachable) is logged and tried again next time; it never stops
the server, whose requests do not depend on it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from keyturn.errors import StoreError

__all__ = ["PurgeLoop"]

logger = logging.getLogger("keyturn.purge")

#: How long ``stop`` waits for a purge in progress before the server closes the database.
_STOP_WAIT = 30.0


class PurgeLoop:
    """Runs every purge of ``purges`` (what it deletes -> the call, which returns how many) in a
    daemon thread: once at ``start``, then every ``interval`` seconds until ``stop``."""

    def __init__(self, interval: float, purges: Mapping[str, Callable[[], int]]) -> None:
        self._interval = interval
        self._purges = dict(purges)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="keyturn-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(_STOP_WAIT)

    def run_once(self) -> dict[str, int]:
        """Every purge once; how many entries each deleted (a failed one is left out)."""
        deleted: dict[str, int] = {}
        for what, purge in self._purges.items():
            try:
                deleted[what] = purge()
            except StoreError as error:
                logger.warning("purge of %s failed (next in %gs): %s", what, self._interval, error)
            except Exception:  # a bug must not end the loop for every later purge
                logger.exception("purge of %s failed", what)
        logger.info("purged: %s", ", ".join(f"{n} {what}" for what, n in deleted.items()))
        return deleted

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self.run_once()
            self._stopped.wait(self._interval)
