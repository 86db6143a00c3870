"""The browser session on the web: its cookie (``__Host-``, HttpOnly, Secure, SameSite=Lax) and a
middleware that loads the session the cookie names into ``scope["state"]["session"]``."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from keyturn.asgi._http import (
    NO_STORE,
    ASGIApp,
    Receive,
    Reject,
    Request,
    Scope,
    Send,
    call,
    logger,
    respond,
)
from keyturn.asgi.cookies import (
    check_cookie_name,
    cookie_headers,
    origin_allowed,
    seconds_until,
)
from keyturn.errors import ConfigurationError, SessionError, StoreError

__all__ = ["SessionCookie", "SessionMiddleware", "SessionReader"]

_HOST_PREFIX = "__Host-"


class SessionReader(Protocol):
    """What the middleware needs from a :class:`keyturn.SessionService` (or the async one):
    ``get`` returns the live session (its request recorded) or raises a ``SessionError``."""

    def get(self, session_id: str) -> object | Awaitable[object]: ...


@dataclass(frozen=True)
class SessionCookie:
    """How a browser holds its session id: ``name`` (HttpOnly, Secure, SameSite=Lax, Path=/,
    until the session's absolute expiry) plus the readable double-submit CSRF cookie
    ``csrf_name`` that same-origin JavaScript echoes in ``X-CSRF-Token`` (the same name as
    :class:`RefreshCookie`'s, so one check serves both).

    ``Lax``, not ``Strict`` as the refresh cookie is: a session cookie must come along when the
    user follows a link to the site from elsewhere (a top-level GET), or every such visit would
    look signed out. Lax still keeps it off cross-site POSTs, iframes and fetches; the state-
    changing endpoints check CSRF on top. The name must keep its ``__Host-`` prefix: a session
    cookie is a login, and no sibling subdomain may plant one (session fixation).
    """

    name: str = "__Host-keyturn_session"
    csrf_name: str = "__Host-keyturn_csrf"

    def __post_init__(self) -> None:
        for name in (self.name, self.csrf_name):
            check_cookie_name(name)
        if not self.name.startswith(_HOST_PREFIX):
            raise ConfigurationError("the session cookie name must start with __Host-")

    def set_cookies(self, session_id: str, expires_at: float) -> list[str]:
        """``Set-Cookie`` values for a session just started or rotated."""
        max_age = seconds_until(expires_at)
        return [
            f"{self.name}={session_id}; Max-Age={max_age}; Path=/; HttpOnly; Secure; SameSite=Lax",
            f"{self.csrf_name}={secrets.token_urlsafe(32)}; Max-Age={max_age}; Path=/; "
            "Secure; SameSite=Strict",
        ]

    def clear_cookie(self) -> str:
        """The value that deletes the session cookie (the CSRF cookie may still serve a refresh
        cookie, so it stays)."""
        return f"{self.name}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"


def presented_id(request: Request, cookie: SessionCookie) -> str | None:
    """The session id the request's cookie carries, None without one; a cookie sent twice is a
    ``Reject``: one copy was planted (tossed) beside ours, and which is ours is unknowable."""
    if cookie.name in request.repeated_cookies:
        raise Reject(400, "invalid_request", f"cookie {cookie.name} sent more than once")
    return request.cookies.get(cookie.name) or None


class SessionMiddleware:
    """Load the session named by the session cookie into ``scope["state"]["session"]``
    (``request.state.session`` in Starlette and FastAPI): the service's session record, or None
    when the request carries no session cookie.

    Refusals (the app is not called, nothing is written): a session cookie sent twice is 400
    ``invalid_request``; a malformed, oversized, unknown, ended or expired id is 401 with the
    ``SessionError`` code (``session_invalid``, ``session_expired``) and the cookie cleared;
    a store that cannot be reached is 503. Websockets are closed (1008; 1011 for the store).

    A websocket handshake that carries a session cookie must also carry an ``Origin`` among
    ``allowed_origins`` (default: the app's own). No CSRF token can ride a handshake, and
    SameSite=Lax lets the cookie come from any page of the same *site*: a sibling subdomain could
    otherwise open a socket in the user's name (cross-site websocket hijacking). A handshake
    without ``Origin`` is refused too: every browser sends one, and sessions are for browsers.
    """

    def __init__(
        self,
        app: ASGIApp,
        service: SessionReader,
        *,
        cookie: SessionCookie | None = None,
        allowed_origins: Collection[str] | None = None,
    ) -> None:
        self.app = app
        self.service = service
        self.cookie = cookie or SessionCookie()
        self.allowed_origins = None if allowed_origins is None else frozenset(allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            session = await self._load(Request.of(scope))
        except Reject as reject:
            body = {"error": reject.error, "error_description": reject.description}
            await _refuse(scope, send, reject.status, body, [])
        except SessionError as error:
            clear = cookie_headers([self.cookie.clear_cookie()])
            await _refuse(scope, send, 401, {"error": error.code}, clear)
        except StoreError as error:
            logger.warning("session store unavailable: %s", error.code)
            await _refuse(scope, send, 503, {"error": "temporarily_unavailable"}, [], code=1011)
        else:
            state = {**scope.get("state", {}), "session": session}
            await self.app({**scope, "state": state}, receive, send)

    async def _load(self, request: Request) -> Any:
        session_id = presented_id(request, self.cookie)
        if session_id is None:
            return None
        websocket = request.scope["type"] == "websocket"
        if websocket and not origin_allowed(request, self.allowed_origins):
            raise Reject(403, "invalid_request", "the websocket's Origin is not allowed")
        return await call(self.service.get, session_id)


async def _refuse(
    scope: Scope,
    send: Send,
    status: int,
    body: dict[str, str],
    headers: list[tuple[bytes, bytes]],
    *,
    code: int = 1008,
) -> None:
    if scope["type"] == "http":
        await respond(send, status, body, [*headers, *NO_STORE])
    else:
        await send({"type": "websocket.close", "code": code})
