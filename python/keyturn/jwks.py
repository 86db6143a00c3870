"""RemoteJWKS: verification keys from an issuer's published JWK Set, through rotations and outages.

``Verifier(keys=RemoteJWKS(url))`` reads ``keys_version`` on every verify (a clock read and a
compare), asks for ``verification_keys()`` only when that version changed, and calls
``refresh_on_unknown_kid()`` once when a token names a kid it does not know.

Freshness
    A fetched set is fresh for the response's ``Cache-Control: max-age`` (less its ``Age``),
    clamped to [``MIN_MAX_AGE``, ``MAX_MAX_AGE``] = [60 s, 24 h] (in ``keyturn._limits``) so that a
    server can neither make every verify refetch nor pin a set for days; ``no-cache``/``no-store``
    count as the lower bound.
    Without ``max-age`` the set is fresh for ``ttl``. ``Expires`` is ignored. When the server sends
    an ``ETag`` the next fetch revalidates with ``If-None-Match``; a 304 keeps the set and starts
    its freshness again.

Refreshing
    Once a set is stale, the next ``keys_version`` read starts one refresh in a background thread
    and keeps answering from the set it has, so a verify never waits for the network on a warm
    cache (and never blocks an event loop). Only a cold cache (nothing fetched yet, or a set past
    its stale bound) makes ``verification_keys()`` fetch in the caller's thread.

Single flight and cooldown
    At most one request is in flight per RemoteJWKS: every thread and coroutine that needs a fetch
    while one is running waits for that one, for no longer than that fetch's ``timeout`` (then it
    answers from what it has: the cached set, or ``JWKSError`` / ``UnknownKey``). A new request
    on behalf of an unknown kid, or after a failed cold fetch, is made at most once per
    ``cooldown`` seconds, counted from the previous request; a flood of random kids therefore
    costs at most one request per cooldown window, and none of its verifies waits longer than
    ``timeout``. (A caller with an unknown kid joins a fetch already in flight rather than being
    turned away by the cooldown: when an issuer rotates, every token signed by the new key
    during the fetch that brings that key must verify, not only the first.)

Outages (stale-if-error)
    A failed refresh keeps the last good set in use for up to ``stale_for`` seconds after it went
    stale, logging a WARNING on ``keyturn.jwks`` each time; the set is retried at most once per
    ``max(cooldown, 1 s)``. Past that bound the set is dropped, ``keys_version`` changes, and
    ``verification_keys()`` raises ``JWKSError`` until a fetch succeeds. A refresh that returns an
    invalid set counts as a failure (the old set stays).

Transport
    ``https`` (system trust store, or ``ssl_context``) to any host; ``http`` only to loopback
    (127.0.0.0/8, ::1, ``localhost``); every other URL is refused when the object is built.
    Redirects are not followed (a 3xx is a ``JWKSError``), proxies from the environment are not
    used, bodies over ``max_bytes`` are refused while reading, and ``timeout`` is one deadline
    over the exchange as a whole: connect, TLS handshake, request, status line, headers (``100
    Continue`` interim responses included), body and chunked trailers, however slowly the server
    trickles them (name resolution is left to the system resolver and its own timeouts). A
    discovered ``jwks_uri`` must be https unless the issuer is loopback http, and ``headers`` go
    only to the origin they were configured for.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from keyturn._core import VerifyingKey
from keyturn._flight import Flight as _Flight
from keyturn._jwks_http import (
    Endpoint,
    Response,
    check_headers,
    check_max_bytes,
    fetch,
    published_endpoint,
    seconds,
)
from keyturn._jwks_parse import DEFAULT_MIN_RSA_BITS, parse_json_object, parse_jwks, shown
from keyturn._limits import DAY, MAX_FETCHED_BYTES, MAX_MAX_AGE, MIN_MAX_AGE
from keyturn.discovery import discovery_url
from keyturn.errors import ConfigurationError, JWKSError

__all__ = ["RemoteJWKS"]

log = logging.getLogger("keyturn.jwks")

#: Retries of a failing refresh are at least this far apart, even with ``cooldown=0``.
_MIN_RETRY = 1.0


# Prefork servers (gunicorn, uvicorn --workers) fork after import: a child must not inherit a
# flight whose thread stayed in the parent, or a lock that thread held.
_live: weakref.WeakSet[RemoteJWKS] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for jwks in list(_live):
        jwks._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _min_rsa_bits(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 8192:
        raise ConfigurationError("min_rsa_bits must be an int between 1024 and 8192")
    return value


def _fingerprint(keys: tuple[VerifyingKey, ...]) -> frozenset[tuple[str, bytes]]:
    return frozenset((key.kid, key.to_bytes()) for key in keys)


class RemoteJWKS:
    """An issuer's JWK Set, fetched over https, cached, refreshed on rotation, kept through outages.

    ``url``: the ``jwks_uri`` (``https``, or ``http`` to loopback); ``ttl``: seconds a set stays
    fresh when the response has no ``max-age``; ``cooldown``: least seconds between refetches
    for unknown kids or after a failed fetch; ``timeout``: seconds for the whole exchange;
    ``max_bytes``: largest body read; ``headers``: extra request headers (never logged);
    ``stale_for``: seconds a stale set keeps serving while refreshes fail; ``ssl_context``:
    trust settings (default: the system store); ``min_rsa_bits``: least RSA modulus used
    (2048; 1024 is an explicit opt-in for providers still on 1024-bit keys); ``clock``: the
    monotonic clock freshness and cooldown are measured on (tests move it by hand). The module
    documentation gives the exact caching, single-flight and outage rules.
    """

    def __init__(
        self,
        url: str,
        *,
        ttl: float = 600,
        cooldown: float = 30,
        timeout: float = 5,
        max_bytes: int = MAX_FETCHED_BYTES,
        headers: Mapping[str, str] | None = None,
        stale_for: float = DAY,
        ssl_context: ssl.SSLContext | None = None,
        min_rsa_bits: int = DEFAULT_MIN_RSA_BITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._endpoint = Endpoint.parse(url)
        self._ttl = seconds("ttl", ttl, inclusive=False)
        self._cooldown = seconds("cooldown", cooldown, inclusive=True)
        self._timeout = seconds("timeout", timeout, inclusive=False)
        self._stale_for = seconds("stale_for", stale_for, inclusive=True)
        self._max_bytes = check_max_bytes(max_bytes)
        self._min_rsa_bits = _min_rsa_bits(min_rsa_bits)
        self._headers = check_headers(headers)
        self._context = ssl_context if ssl_context is not None else ssl.create_default_context()
        self._clock = clock

        self._lock = threading.Lock()
        self._flight: _Flight | None = None
        self._keys: tuple[VerifyingKey, ...] | None = None
        self._fingerprint: frozenset[tuple[str, bytes]] = frozenset()
        self._version = 0
        self._etag: str | None = None
        self._fetched_at = -math.inf
        self._fresh_until = -math.inf
        self._usable_until = -math.inf
        self._next_check = math.inf  # when keys_version next looks at the clock's verdict
        self._last_attempt = -math.inf
        self._last_error: JWKSError | None = None
        _live.add(self)

    # --- discovery ---

    @classmethod
    def from_issuer(cls, issuer: str, **options: Any) -> RemoteJWKS:
        """Find the JWKS through OpenID Connect discovery (``issuer`` + ``/.well-known/...``).

        The discovery document's ``issuer`` must equal ``issuer`` exactly, and its ``jwks_uri``
        must be https (plain http only when the issuer itself is a loopback http URL: a document
        fetched over TLS must not send us to plain text). ``options`` are RemoteJWKS's keyword
        arguments; the transport ones (timeout, max_bytes, ssl_context) apply to discovery too,
        and ``headers`` go only to the issuer's origin: a ``jwks_uri`` on another scheme, host or
        port is fetched without them (pass them to ``RemoteJWKS(jwks_uri, headers=...)`` directly
        to send them there).
        """
        discovery = cls(discovery_url(issuer), **options)
        document = parse_json_object(discovery._get(etag=None).body, "OpenID configuration")
        if document.get("issuer") != issuer:
            raise JWKSError(
                f"OpenID configuration names issuer {shown(document.get('issuer'))}, "
                f"not {shown(issuer)}"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise JWKSError("OpenID configuration has no jwks_uri string")
        endpoint = published_endpoint(jwks_uri, "discovered jwks_uri")
        if endpoint.scheme != "https" and discovery._endpoint.scheme == "https":
            raise JWKSError(
                f"discovered jwks_uri {endpoint.display()!r} is not https, but the issuer is"
            )
        if endpoint.origin() != discovery._endpoint.origin() and options.get("headers"):
            log.info("headers not sent to jwks_uri %s: another origin", endpoint.display())
            options = {**options, "headers": None}
        return cls(jwks_uri, **options)

    @classmethod
    async def afrom_issuer(cls, issuer: str, **options: Any) -> RemoteJWKS:
        """``from_issuer`` without blocking the event loop."""
        return await asyncio.to_thread(cls.from_issuer, issuer, **options)

    # --- the KeySource protocol ---

    @property
    def keys_version(self) -> int:
        """Changes whenever the set of usable keys changes; cheap enough to read on every verify."""
        if self._clock() >= self._next_check:  # all a verify pays: one clock read, one compare
            self._on_due()
        return self._version

    def verification_keys(self) -> tuple[VerifyingKey, ...]:
        """The usable keys now, fetching in this thread when the cache is cold."""
        self._on_due()
        self._take_part(*self._join_or_start(only_if_cold=True))
        return self._keys_or_error()

    def refresh_on_unknown_kid(self) -> bool:
        """Refetch unless one happened within ``cooldown``; True if the usable keys changed."""
        before = self._version
        self._take_part(*self._join_or_start(only_if_cold=False))
        return self._version != before

    async def averification_keys(self) -> tuple[VerifyingKey, ...]:
        """``verification_keys`` for asyncio: the fetch runs in a worker thread."""
        self._on_due()
        await self._atake_part(*self._join_or_start(only_if_cold=True))
        return self._keys_or_error()

    async def arefresh_on_unknown_kid(self) -> bool:
        """``refresh_on_unknown_kid`` for asyncio: the fetch runs in a worker thread."""
        before = self._version
        await self._atake_part(*self._join_or_start(only_if_cold=False))
        return self._version != before

    def __repr__(self) -> str:
        count = len(self._keys) if self._keys is not None else 0
        return f"RemoteJWKS({self._endpoint.display()!r}, keys={count}, version={self._version})"

    # --- flights ---

    def _join_or_start(self, *, only_if_cold: bool) -> tuple[_Flight | None, bool]:
        """The flight to wait for and whether this caller leads it; (None, False) for no fetch."""
        now = self._clock()
        with self._lock:
            if only_if_cold and self._keys is not None:
                return None, False
            if self._flight is not None:
                return self._flight, False
            if now - self._last_attempt < self._cooldown:
                return None, False
            return self._start_locked(now), True

    def _start_locked(self, now: float) -> _Flight:
        self._flight = _Flight(self._timeout)
        self._last_attempt = now
        return self._flight

    def _take_part(self, flight: _Flight | None, leader: bool) -> None:
        if flight is None:
            return
        if leader:
            self._run(flight)
        else:
            flight.wait()

    async def _atake_part(self, flight: _Flight | None, leader: bool) -> None:
        if flight is None:
            return
        if leader:
            # A cancelled leader leaves the thread running; it still finishes the flight.
            await asyncio.to_thread(self._run, flight)
        else:
            await flight.wait_async()

    def _on_due(self) -> None:
        """If the set went stale or a retry is due, refresh in the background; drop a dead set."""
        now = self._clock()
        with self._lock:
            if now < self._next_check or self._keys is None:
                return
            if now >= self._usable_until:
                self._drop_locked()
                return
            self._next_check = self._usable_until  # until the refresh below reports back
            if self._flight is not None:
                return
            flight = self._start_locked(now)
        threading.Thread(
            target=self._run, args=(flight,), name="keyturn-jwks-refresh", daemon=True
        ).start()

    def _run(self, flight: _Flight) -> None:
        """Lead a flight: one request, its outcome recorded, then every waiter released."""
        try:
            with self._lock:
                etag = self._etag if self._keys is not None else None
            try:
                response = self._get(etag)
                keys = (
                    None
                    if response.status == 304
                    else parse_jwks(response.body, min_rsa_bits=self._min_rsa_bits)
                )
            except JWKSError as exc:
                self._failed(exc)
            else:
                self._succeeded(response, keys)
        finally:
            with self._lock:
                self._flight = None
            flight.finish()

    def _get(self, etag: str | None) -> Response:
        try:
            return fetch(
                self._endpoint,
                headers=self._headers,
                etag=etag,
                timeout=self._timeout,
                max_bytes=self._max_bytes,
                context=self._context,
            )
        except JWKSError as exc:
            raise JWKSError(f"{self._endpoint.display()}: {exc}") from None

    # --- outcomes ---

    def _lifetime(self, max_age: float | None) -> float:
        if max_age is None:
            return self._ttl
        return min(max(max_age, MIN_MAX_AGE), MAX_MAX_AGE)

    def _succeeded(self, response: Response, keys: tuple[VerifyingKey, ...] | None) -> None:
        now = self._clock()
        with self._lock:
            if keys is None and self._keys is None:
                # Our set was dropped while the 304 was on its way: nothing left to keep.
                error = JWKSError(f"{self._endpoint.display()}: 304 for a key set no longer held")
                self._failed_locked(error, now)
                return
            if keys is not None:
                self._install_locked(keys)
            self._etag = response.etag or (self._etag if keys is None else None)
            if self._last_error is not None:
                log.info("JWKS from %s is reachable again", self._endpoint.display())
            self._last_error = None
            self._fetched_at = now
            self._fresh_until = now + self._lifetime(response.max_age)
            self._usable_until = self._fresh_until + self._stale_for
            self._next_check = self._fresh_until

    def _install_locked(self, keys: tuple[VerifyingKey, ...]) -> None:
        fingerprint = _fingerprint(keys)
        if fingerprint == self._fingerprint:
            return  # the same keys again: keep the objects the verifier already compiled
        self._keys = keys  # before the version, so a reader of the new version sees these keys
        self._fingerprint = fingerprint
        self._version += 1

    def _failed(self, error: JWKSError) -> None:
        now = self._clock()
        with self._lock:
            self._failed_locked(error, now)

    def _failed_locked(self, error: JWKSError, now: float) -> None:
        self._last_error = error
        if self._keys is None:
            log.warning("JWKS fetch failed and no key set is cached: %s", error)
            return
        if now >= self._fresh_until:
            self._next_check = min(now + max(self._cooldown, _MIN_RETRY), self._usable_until)
        log.warning(
            "JWKS refresh failed: %s; still using the key set fetched %.0f s ago "
            "(for at most %.0f s more)",
            error,
            now - self._fetched_at,
            max(0.0, self._usable_until - now),
        )

    def _drop_locked(self) -> None:
        log.warning(
            "JWKS from %s: the last good key set is older than its freshness plus stale_for=%gs; "
            "no key from it is used until a fetch succeeds",
            self._endpoint.display(),
            self._stale_for,
        )
        self._keys = None
        self._fingerprint = frozenset()
        self._etag = None
        self._next_check = math.inf
        self._version += 1

    def _after_fork(self) -> None:
        """In a forked child: the parent's fetch thread does not exist here, nor its lock owner."""
        self._lock = threading.Lock()
        if self._flight is not None:
            self._flight = None
            self._last_attempt = -math.inf
            if self._keys is not None:
                self._next_check = min(self._next_check, self._fresh_until)

    def _keys_or_error(self) -> tuple[VerifyingKey, ...]:
        keys = self._keys
        if keys is not None:
            return keys
        reason = self._last_error or "no key set could be fetched yet"
        raise JWKSError(f"no usable JWKS: {reason}")
