"""The browser's side of refresh: the httpOnly refresh cookie, its double-submit CSRF twin, and the
same-origin check a cookie-borne request must pass."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from keyturn.asgi._http import Request, Scope
from keyturn.errors import ConfigurationError

_HOST_PREFIX = "__Host-"


def seconds_until(moment: float) -> int:
    return max(0, int(moment - time.time()))


def check_cookie_name(name: str) -> None:
    if not name or any(c in name for c in ' =;,"\t\r\n') or not name.isascii():
        raise ConfigurationError(f"cookie name {name!r} is not a valid cookie name")


class CsrfCookie(Protocol):
    """A cookie policy with a readable double-submit CSRF cookie (refresh or session cookie)."""

    @property
    def csrf_name(self) -> str: ...


@dataclass(frozen=True)
class RefreshCookie:
    """How browsers hold the refresh token: an httpOnly cookie, plus a readable double-submit CSRF
    cookie that same-origin JavaScript echoes in ``X-CSRF-Token``.

    Both names carry the ``__Host-`` prefix by default: a browser then accepts them only from this
    very host (Secure, no Domain, Path=/), so a sibling subdomain cannot plant ("toss") a cookie of
    the same name. The prefix requires ``Path=/``; to keep the refresh cookie off every other path
    use ``RefreshCookie(name="__Secure-keyturn_refresh", path="/auth")``, which a sibling subdomain
    can shadow (docs/asgi.md weighs the two). Either way, a request that carries either cookie
    name twice is refused.
    """

    name: str = "__Host-keyturn_refresh"
    path: str = "/"
    csrf_name: str = "__Host-keyturn_csrf"

    def __post_init__(self) -> None:
        for name in (self.name, self.csrf_name):
            check_cookie_name(name)
        if not self.path.startswith("/") or any(c in self.path for c in ";\r\n"):
            raise ConfigurationError("cookie path must start with '/' and contain no ';'")
        if self.name.startswith(_HOST_PREFIX) and self.path != "/":
            # A browser silently drops a __Host- cookie with any other path: refuse it here.
            raise ConfigurationError("a __Host- cookie must have path '/' (use __Secure- instead)")

    def set_cookies(self, refresh: str, expires_at: float) -> list[str]:
        """``Set-Cookie`` values for a freshly issued refresh token (login or rotation)."""
        max_age = seconds_until(expires_at)
        return [
            f"{self.name}={refresh}; Max-Age={max_age}; Path={self.path}; "
            "HttpOnly; Secure; SameSite=Strict",
            f"{self.csrf_name}={secrets.token_urlsafe(32)}; Max-Age={max_age}; Path=/; "
            "Secure; SameSite=Strict",
        ]

    def clear_cookies(self) -> list[str]:
        return [
            f"{self.name}=; Max-Age=0; Path={self.path}; HttpOnly; Secure; SameSite=Strict",
            f"{self.csrf_name}=; Max-Age=0; Path=/; Secure; SameSite=Strict",
        ]


def cookie_headers(values: Iterable[str]) -> list[tuple[bytes, bytes]]:
    return [(b"set-cookie", value.encode("latin-1")) for value in values]


def same_origin(
    request: Request, cookie: CsrfCookie, allowed_origins: frozenset[str] | None
) -> bool:
    """CSRF check for cookie-borne tokens: a matching double-submit token, else the browser's
    ``Sec-Fetch-Site``, else an allowed ``Origin`` (the request's own when none are configured).
    No evidence at all is a refusal."""
    echoed = request.headers.get("x-csrf-token", "")
    expected = request.cookies.get(cookie.csrf_name, "")
    if echoed and expected and hmac.compare_digest(echoed.encode(), expected.encode()):
        return True
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    return origin_allowed(request, allowed_origins)


def origin_allowed(request: Request, allowed_origins: frozenset[str] | None) -> bool:
    """The request's ``Origin`` is one of ``allowed_origins`` (the request's own when none are
    configured); a request without one is refused."""
    origin = request.headers.get("origin")
    return origin is not None and origin in (allowed_origins or {request.origin()})


def is_same_origin(
    scope: Scope,
    *,
    csrf: CsrfCookie | None = None,
    allowed_origins: Collection[str] | None = None,
) -> bool:
    """:func:`same_origin` for application code holding an ASGI scope: a sign-in form, say, which
    must refuse a cross-site post (login CSRF) before any cookie exists."""
    allowed = None if allowed_origins is None else frozenset(allowed_origins)
    return same_origin(Request.of(scope), csrf or RefreshCookie(), allowed)
