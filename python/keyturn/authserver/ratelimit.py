"""Failed client authentications, counted per client and per address, in this process.

A client id or an address that failed ``limit`` times within ``window`` seconds is refused
without its credentials being checked until the oldest of those failures is ``window`` seconds
old. Refused means answered at once, the same way whatever was presented, so a throttled caller
learns nothing, not even whether a guess would have been right.

Successes do not reset the count (otherwise an attacker could interleave guesses with a
legitimate client's logins). Failures age out instead. Attempts are counted when they fail, not
when they start, so requests already in flight when a bound is reached still finish: a caller
with N parallel connections gets at most ``limit + N - 1`` attempts in a window. Counting attempts
as they start would close that gap, but would also refuse a legitimate burst of parallel token
requests from one host; with 256-bit secrets the extra guesses are worth nothing.

The trade-off, written down: a per-client limit lets anyone who knows a client id lock that
client out for ``window`` seconds by failing on its behalf. keyturn accepts it: the limit is per
client *and* per address, so one address trips its own limit long before a client's
(``address_limit`` < ``client_limit`` by default), a client's already-issued tokens keep working,
and ``ClientCredentials`` backs off and keeps serving its cached token. The address is the ASGI
``client`` (behind a proxy, configure the server to take it from the forwarded header, e.g.
uvicorn's ``--proxy-headers --forwarded-allow-ips``; otherwise every caller shares the proxy's
address).

The state lives in one process's memory: each worker of a multi-process server counts on its own
(the limits then hold per worker). Bounded memory: at most ``max_keys`` keys, oldest first out.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from keyturn.errors import ConfigurationError

__all__ = ["FailureLimiter"]


class _Window:
    """The last ``limit`` failure times of one key, oldest first."""

    def __init__(self, limit: int) -> None:
        self.times: deque[float] = deque(maxlen=limit)

    def blocked_for(self, now: float, window: float) -> float:
        """Seconds until this key may try again (0: it may now)."""
        times = self.times
        if len(times) < (times.maxlen or 0):
            return 0.0
        return max(0.0, times[0] + window - now)


class FailureLimiter:
    """Counts failed client authentications; see the module documentation for the rules."""

    def __init__(
        self,
        *,
        client_limit: int = 20,
        address_limit: int = 10,
        window: float = 60.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (
            ("client_limit", client_limit),
            ("address_limit", address_limit),
            ("max_keys", max_keys),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{name} must be a positive whole number")
        if isinstance(window, bool) or not isinstance(window, (int, float)):
            raise ConfigurationError("window must be a number of seconds")
        if not (math.isfinite(window) and 0 < window <= 86_400):
            raise ConfigurationError("window must be between 0 and 86400 seconds")
        self._limits = {"client": client_limit, "address": address_limit}
        self._window = float(window)
        self._max_keys = max_keys
        self._clock = clock
        self._windows: OrderedDict[tuple[str, bytes], _Window] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client_id: str | None, address: str | None) -> float:
        """Seconds the caller must wait before its credentials are checked again (0: check now)."""
        now = self._clock()
        with self._lock:
            waits = [
                window.blocked_for(now, self._window)
                for key in self._keys(client_id, address)
                if (window := self._windows.get(key)) is not None
            ]
        return max(waits, default=0.0)

    def failed(self, client_id: str | None, address: str | None) -> None:
        """Count one failed authentication against the client id and the address."""
        now = self._clock()
        with self._lock:
            for key in self._keys(client_id, address):
                window = self._windows.get(key)
                if window is None:
                    window = self._windows[key] = _Window(self._limits[key[0]])
                window.times.append(now)
                self._windows.move_to_end(key)
            while len(self._windows) > self._max_keys:
                self._windows.popitem(last=False)

    @staticmethod
    def _keys(client_id: str | None, address: str | None) -> list[tuple[str, bytes]]:
        # Hashed: a presented client id may be any string up to the body limit, and 100 000 of
        # those must not cost more than 100 000 digests.
        keys = [] if client_id is None else [("client", _digest(client_id))]
        return keys if address is None else [*keys, ("address", _digest(address))]


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
