"""The refresh and logout endpoints: ``POST {prefix}/refresh``, ``/logout`` and ``/logout-all``,
taking the refresh token from a JSON or form body (mobile, CLI) or the httpOnly cookie (browsers).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl

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
from keyturn.asgi.bearer import AccessVerifier, unauthorized, verify_bearer
from keyturn.asgi.cookies import RefreshCookie, cookie_headers, same_origin, seconds_until
from keyturn.errors import RefreshError


class RefreshPair(Protocol):
    """What the endpoints read from a :class:`keyturn.TokenPair`."""

    @property
    def access(self) -> str: ...
    @property
    def refresh(self) -> str: ...
    @property
    def access_expires_at(self) -> float: ...
    @property
    def refresh_expires_at(self) -> float: ...


class RefreshService(Protocol):
    """A :class:`keyturn.TokenService` or an :class:`keyturn.AsyncTokenService`."""

    def rotate(self, refresh: str) -> RefreshPair | Awaitable[RefreshPair]: ...

    def logout(self, refresh: str) -> object: ...

    def logout_all(self, user_id: str) -> object: ...


class SubjectRevoker(Protocol):
    """What ``logout-all`` needs from a :class:`keyturn.Revocations` to kill access tokens too."""

    async def arevoke_subject(self, subject: str, before: float | None = None) -> float: ...


def _token_from_body(body: bytes, content_type: str) -> str | None:
    if not body:
        return None
    if content_type.startswith("application/x-www-form-urlencoded"):
        try:
            fields = dict(parse_qsl(body.decode("utf-8"), strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise Reject(400, "invalid_request", "malformed form body") from None
        if fields.get("grant_type", "refresh_token") != "refresh_token":
            raise Reject(400, "unsupported_grant_type", "only refresh_token is supported here")
        data: object = fields
    elif content_type.startswith("application/json"):
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise Reject(400, "invalid_request", "malformed JSON body") from None
    else:
        raise Reject(400, "invalid_request", "send JSON or a form body")
    if not isinstance(data, dict):
        raise Reject(400, "invalid_request", "the JSON body must be an object")
    token = data.get("refresh_token")
    if token is None or token == "":
        raise Reject(400, "invalid_request", "refresh_token missing")
    if not isinstance(token, str):
        # Say what is wrong: a client sending a number is not missing the field.
        raise Reject(400, "invalid_request", "refresh_token must be a string")
    return token


class _RefreshEndpoints:
    def __init__(
        self,
        service: RefreshService,
        verifier: AccessVerifier,
        *,
        prefix: str,
        cookie: RefreshCookie,
        allowed_origins: Sequence[str] | None,
        revocations: SubjectRevoker | None,
        app: ASGIApp,
    ) -> None:
        self.service = service
        self.revocations = revocations
        self.verifier = verifier
        self.cookie = cookie
        self.allowed_origins = None if allowed_origins is None else frozenset(allowed_origins)
        self.app = app
        prefix = prefix.rstrip("/")
        self.routes: dict[str, Callable[[Request, Receive, Send], Awaitable[None]]] = {
            f"{prefix}/refresh": self.refresh,
            f"{prefix}/logout": self.logout,
            f"{prefix}/logout-all": self.logout_all,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = await routed(scope, receive, send, self.routes, "POST", self.app)
        if handler is not None:
            request = Request.of(scope)
            await answer_errors(lambda: handler(request, receive, send), send, "refresh endpoint")

    async def presented(self, request: Request, receive: Receive) -> tuple[str, bool]:
        """The refresh token and whether it came in the cookie (a browser) or the body."""
        body = await read_body(receive)
        token = _token_from_body(body, request.headers.get("content-type", "").lower())
        if token is not None:
            return token, False
        for name in (self.cookie.name, self.cookie.csrf_name):
            if name in request.repeated_cookies:
                # Which copy is ours is unknowable: rotating either could plant the other's.
                raise Reject(400, "invalid_request", f"cookie {name} sent more than once")
        cookie = request.cookies.get(self.cookie.name)
        if not cookie:
            raise Reject(400, "invalid_request", "no refresh token in the body or cookie")
        if not same_origin(request, self.cookie, self.allowed_origins):
            raise Reject(400, "invalid_request", "cross-site request refused")
        return cookie, True

    async def refresh(self, request: Request, receive: Receive, send: Send) -> None:
        token, via_cookie = await self.presented(request, receive)
        try:
            pair = cast(RefreshPair, await call(self.service.rotate, token))
        except RefreshError as error:
            # A replayed token has already revoked its family inside rotate(); say only "no".
            headers = cookie_headers(self.cookie.clear_cookies()) if via_cookie else []
            body = {"error": "invalid_grant", "error_description": error.code}
            await respond(send, 400, body, [*headers, *NO_STORE])
            return
        answer: dict[str, Any] = {
            "access_token": pair.access,
            "token_type": "Bearer",
            "expires_in": seconds_until(pair.access_expires_at),
        }
        if via_cookie:
            headers = cookie_headers(self.cookie.set_cookies(pair.refresh, pair.refresh_expires_at))
        else:
            answer["refresh_token"] = pair.refresh
            headers = []
        await respond(send, 200, answer, [*headers, *NO_STORE])

    async def logout(self, request: Request, receive: Receive, send: Send) -> None:
        token, via_cookie = await self.presented(request, receive)
        # RFC 7009 §2.2: an invalid token is not an error; the outcome is the same.
        with contextlib.suppress(RefreshError):
            await call(self.service.logout, token)
        headers = cookie_headers(self.cookie.clear_cookies()) if via_cookie else []
        await respond(send, 200, {"logged_out": True}, [*headers, *NO_STORE])

    async def logout_all(self, request: Request, receive: Receive, send: Send) -> None:
        await read_body(receive)
        claims, error = await verify_bearer(request, self.verifier)
        subject = claims.get("sub") if claims else None
        if not isinstance(subject, str):
            await unauthorized(send, "auth", error)
            return
        await call(self.service.logout_all, subject)
        if self.revocations is not None:
            # Access tokens already out die now too, not at their exp.
            await self.revocations.arevoke_subject(subject)
        headers = cookie_headers(self.cookie.clear_cookies())
        await respond(send, 200, {"logged_out": True}, [*headers, *NO_STORE])


def refresh_endpoints(
    service: RefreshService,
    *,
    verifier: AccessVerifier,
    prefix: str = "/auth",
    cookie: RefreshCookie | None = None,
    allowed_origins: Sequence[str] | None = None,
    revocations: SubjectRevoker | None = None,
    app: ASGIApp = not_found,
) -> ASGIApp:
    """``POST {prefix}/refresh``, ``{prefix}/logout`` and ``{prefix}/logout-all``.

    The refresh token comes from the JSON (or RFC 6749 form) body ``refresh_token`` for mobile and
    CLI clients, or from the httpOnly cookie for browsers; cookie requests must pass the CSRF check
    (``allowed_origins`` defaults to the request's own origin). ``logout-all`` needs a valid access
    token. ``verifier`` checks those access tokens; with ``revocations`` (the ``Revocations`` that
    verifier consults), ``logout-all`` also revokes every access token the user holds. The cookie
    policy defaults to ``RefreshCookie()`` (``__Host-`` names, Path=/); login code must set the
    cookie with the same policy.
    """
    return _RefreshEndpoints(
        service,
        verifier,
        prefix=prefix,
        cookie=cookie or RefreshCookie(),
        allowed_origins=allowed_origins,
        revocations=revocations,
        app=app,
    )
