"""What a browser does with its session: ``POST {prefix}/token`` trades it for a short-lived access
token carrying ``sid``; ``POST {prefix}/session/logout`` ends it; ``POST
{prefix}/session/logout-all`` ends every session, refresh family and access token of its user.

Every one is a cookie request, so every one passes the CSRF check of ``/auth/refresh`` before the
session is even looked up: a refused request reads and writes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, cast

from keyturn.asgi._http import (
    NO_STORE,
    ASGIApp,
    Receive,
    Reject,
    Request,
    Scope,
    Send,
    answer_errors,
    call,
    not_found,
    read_body,
    respond,
    routed,
)
from keyturn.asgi._scopes import scope_set
from keyturn.asgi.cookies import RefreshCookie, cookie_headers, same_origin
from keyturn.asgi.sessions import SessionCookie, presented_id
from keyturn.asgi.sessions import SessionReader as _Reader
from keyturn.errors import SessionError

__all__ = ["SessionRecord", "SessionTokens", "TokenMinter", "session_endpoints"]


class SessionRecord(Protocol):
    """What the endpoints read from a :class:`keyturn.Session`."""

    @property
    def user_id(self) -> str: ...
    @property
    def handle(self) -> str: ...


class SessionTokens(_Reader, Protocol):
    """A :class:`keyturn.SessionService` or an :class:`keyturn.AsyncSessionService`."""

    def end(self, session_id: str) -> object: ...

    def logout_everywhere(self, user_id: str) -> object: ...


class TokenMinter(Protocol):
    """What the exchange needs from a :class:`keyturn.Issuer`."""

    @property
    def ttl(self) -> int: ...

    def issue(self, subject: str, /, **claims: Any) -> str: ...


Handler = Callable[[Request, Receive, Send], Awaitable[None]]


class _SessionEndpoints:
    def __init__(
        self,
        service: SessionTokens,
        issuer: TokenMinter,
        *,
        prefix: str,
        cookie: SessionCookie,
        refresh_cookie: RefreshCookie,
        allowed_origins: Sequence[str] | None,
        scope: str | None,
        app: ASGIApp,
    ) -> None:
        self.service = service
        self.issuer = issuer
        self.cookie = cookie
        self.refresh_cookie = refresh_cookie
        self.allowed_origins = None if allowed_origins is None else frozenset(allowed_origins)
        self.scope = scope
        self.app = app
        prefix = prefix.rstrip("/")
        self.routes: dict[str, Handler] = {
            f"{prefix}/token": self.token,
            f"{prefix}/session/logout": self.logout,
            f"{prefix}/session/logout-all": self.logout_all,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = await routed(scope, receive, send, self.routes, "POST", self.app)
        if handler is not None:
            request = Request.of(scope)
            await answer_errors(lambda: handler(request, receive, send), send, "session endpoint")

    async def presented(self, request: Request, receive: Receive) -> str:
        """The session id of a same-origin cookie request; a ``Reject`` for anything else."""
        await read_body(receive)  # nothing is read from it, but an oversized one is refused
        session_id = presented_id(request, self.cookie)
        if self.cookie.csrf_name in request.repeated_cookies:
            raise Reject(
                400, "invalid_request", f"cookie {self.cookie.csrf_name} sent more than once"
            )
        if session_id is None:
            raise Reject(401, "invalid_request", "no session cookie")
        if not same_origin(request, self.cookie, self.allowed_origins):
            raise Reject(403, "invalid_request", "cross-site request refused")
        return session_id

    async def live(self, session_id: str, send: Send) -> SessionRecord | None:
        """The live session, or None after answering 401 with the cookie cleared."""
        try:
            return cast(SessionRecord, await call(self.service.get, session_id))
        except SessionError as error:
            clear = cookie_headers([self.cookie.clear_cookie()])
            body = {"error": "invalid_grant", "error_description": error.code}
            await respond(send, 401, body, [*clear, *NO_STORE])
            return None

    async def token(self, request: Request, receive: Receive, send: Send) -> None:
        session = await self.live(await self.presented(request, receive), send)
        if session is None:
            return
        # ``sid`` ties the token to the session: ending the session revokes it (by sid).
        access = self.issuer.issue(session.user_id, sid=session.handle, scope=self.scope)
        answer = {"access_token": access, "token_type": "Bearer", "expires_in": self.issuer.ttl}
        await respond(send, 200, answer, NO_STORE)

    async def logout(self, request: Request, receive: Receive, send: Send) -> None:
        session_id = await self.presented(request, receive)
        # An unknown or expired id is already logged out: the outcome is the same (RFC 7009 §2.2).
        with contextlib.suppress(SessionError):
            await call(self.service.end, session_id)
        clear = cookie_headers([self.cookie.clear_cookie()])
        await respond(send, 200, {"logged_out": True}, [*clear, *NO_STORE])

    async def logout_all(self, request: Request, receive: Receive, send: Send) -> None:
        session = await self.live(await self.presented(request, receive), send)
        if session is None:
            return
        await call(self.service.logout_everywhere, session.user_id)
        # The user's refresh families died too: this browser's refresh cookie with them.
        clear = cookie_headers([self.cookie.clear_cookie(), *self.refresh_cookie.clear_cookies()])
        await respond(send, 200, {"logged_out": True}, [*clear, *NO_STORE])


def session_endpoints(
    service: SessionTokens,
    issuer: TokenMinter,
    *,
    prefix: str = "/auth",
    cookie: SessionCookie | None = None,
    refresh_cookie: RefreshCookie | None = None,
    allowed_origins: Sequence[str] | None = None,
    scope: str | None = None,
    app: ASGIApp = not_found,
) -> ASGIApp:
    """``POST {prefix}/token``, ``{prefix}/session/logout`` and ``{prefix}/session/logout-all``.

    ``issuer`` signs the exchanged access tokens (give it a short ``ttl``; its verifier must
    consult the ``Revocations`` the service revokes ``sid`` in), each with ``sub`` = the
    session's user, ``sid`` = the session's handle and ``scope`` if given. ``refresh_cookie`` is
    the policy whose cookies ``logout-all`` clears (the user's refresh families end with it).
    """
    if scope is not None:
        scope_set(scope)  # a malformed scope is a ConfigurationError now, not a token later
    return _SessionEndpoints(
        service,
        issuer,
        prefix=prefix,
        cookie=cookie or SessionCookie(),
        refresh_cookie=refresh_cookie or RefreshCookie(),
        allowed_origins=allowed_origins,
        scope=scope,
        app=app,
    )
