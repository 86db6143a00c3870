"""Machine-to-machine access tokens (RFC 6749 §4.4), cached and renewed before they expire.

``ClientCredentials(client, scope=...)`` answers ``token()`` / ``await atoken()`` with an access
token that has at least ``renew_before`` seconds left, or renews it:

* **Single flight.** At most one token request is in flight; every thread and coroutine that needs
  a token while it runs waits for that one (never longer than the back channel's timeout). While
  the cached token is still valid, only the caller that starts the renewal waits; everyone else
  keeps getting the cached token.
* **Backoff.** A failed request (the provider down, or refusing the client) is not repeated at
  once: the next attempt waits 1, 2, 4, ... seconds, at most ``max_backoff``. Meanwhile a still
  valid cached token is served; without one, the last error is raised at once, so a flood of
  callers cannot hammer a failing provider.
* A token without ``expires_in`` is assumed to live ``DEFAULT_LIFETIME`` seconds.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Mapping

from keyturn._flight import Flight
from keyturn.errors import ConfigurationError, KeyturnError, ProviderError
from keyturn.oauth_client import OAuthClient, TokenResponse

__all__ = ["DEFAULT_LIFETIME", "ClientCredentials"]

DEFAULT_LIFETIME = 300.0
_FIRST_BACKOFF = 1.0


class ClientCredentials:
    """A cached client-credentials access token; see the module documentation for the rules.

    ``extra``: more form parameters (``resource``, ``audience``); ``clock``: the monotonic clock
    expiry and backoff are measured on (tests move it by hand).
    """

    def __init__(
        self,
        client: OAuthClient,
        *,
        scope: str | None = None,
        extra: Mapping[str, str] | None = None,
        renew_before: float = 60,
        max_backoff: float = 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not renew_before >= 0 or not max_backoff >= _FIRST_BACKOFF:
            raise ConfigurationError("renew_before must be >= 0 and max_backoff >= 1")
        self._client = client
        self._form = {
            "grant_type": "client_credentials",
            **({} if scope is None else {"scope": scope}),
            **(extra or {}),
        }
        self._renew_before = float(renew_before)
        self._max_backoff = float(max_backoff)
        self._clock = clock
        self._lock = threading.Lock()
        self._flight: Flight | None = None
        self._token: str | None = None
        self._expires = -math.inf  # on self._clock
        self._renew_at = -math.inf
        self._failures = 0
        self._retry_at = -math.inf
        self._error: KeyturnError | None = None
        self.requests = 0  # token requests made, for monitoring

    def __repr__(self) -> str:
        return f"ClientCredentials({self._client!r}, requests={self.requests})"

    def token(self) -> str:
        """A valid access token, from the cache or a renewal (ProviderError if none can be had)."""
        flight, leader = self._plan()
        if flight is not None:
            if leader:
                self._run(flight)
            else:
                flight.wait()
        return self._valid_or_raise()

    async def atoken(self) -> str:
        """``token()`` for asyncio: the request runs in a worker thread, waiters do not block."""
        flight, leader = self._plan()
        if flight is not None:
            if leader:
                await asyncio.to_thread(self._run, flight)
            else:
                await flight.wait_async()
        return self._valid_or_raise()

    def _plan(self) -> tuple[Flight | None, bool]:
        """The flight to join and whether this caller leads it; (None, False): answer now."""
        now = self._clock()
        with self._lock:
            valid = now < self._expires
            if valid and now < self._renew_at:
                return None, False
            if self._flight is not None:
                return (None, False) if valid else (self._flight, False)
            if now < self._retry_at:
                return None, False  # backing off: the cached token or the last error
            self._flight = Flight(self._client.back_channel.timeout)
            return self._flight, True

    def _run(self, flight: Flight) -> None:
        try:
            self.requests += 1
            try:
                response = self._client.grant(self._form)
            except KeyturnError as exc:
                self._failed(exc)
            else:
                self._succeeded(response)
        finally:
            with self._lock:
                self._flight = None
            flight.finish()

    def _succeeded(self, response: TokenResponse) -> None:
        now = self._clock()
        lifetime = (
            DEFAULT_LIFETIME
            if response.expires_at is None
            else max(0.0, response.expires_at - time.time())
        )
        with self._lock:
            self._token = response.access_token
            self._expires = now + lifetime
            # Renew renew_before early, but never in the first half of a short-lived token.
            self._renew_at = now + max(lifetime / 2, lifetime - self._renew_before)
            self._failures = 0
            self._retry_at = -math.inf
            self._error = None

    def _failed(self, error: KeyturnError) -> None:
        now = self._clock()
        with self._lock:
            self._failures += 1
            backoff = min(self._max_backoff, _FIRST_BACKOFF * 2 ** (self._failures - 1))
            self._retry_at = now + backoff
            self._error = error

    def _valid_or_raise(self) -> str:
        with self._lock:
            if self._token is not None and self._clock() < self._expires:
                return self._token
            error = self._error
        if error is not None:
            raise error
        raise ProviderError("no access token could be obtained", code="provider_unavailable")
