"""ASGI 3 pieces with no framework dependency: the JWKS endpoint, the refresh/logout endpoints and a
bearer-token middleware. They run under any ASGI server and wrap any ASGI app (Starlette, FastAPI).

Each endpoint factory takes an ``app`` to fall through to for the paths it does not own, so they
chain: ``refresh_endpoints(service, verifier=v, app=jwks_endpoint(ring, app=my_app))``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import inspect
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl

from keyturn.errors import ConfigurationError, JWKSError, RefreshError, StoreError, TokenError

__all__ = ["BearerAuth", "RefreshCookie", "jwks_endpoint", "refresh_endpoints"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("keyturn.asgi")

#: Refresh requests are tiny; anything bigger is refused before it is parsed.
MAX_BODY_BYTES = 8 * 1024
_JSON = (b"content-type", b"application/json")
# RFC 6749 §5.1: token responses must never be cached.
_NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]


class AccessVerifier(Protocol):
    """What the middleware needs from a :class:`keyturn.Verifier`."""

    async def averify(self, token: str) -> dict[str, Any]: ...


class KeySet(Protocol):
    """What the JWKS endpoint needs from a :class:`keyturn.Keyring`."""

    def jwks(self) -> dict[str, Any]: ...

    def max_age_hint(self) -> int: ...


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

    def revoke_subject(self, subject: str, before: float | None = None) -> float: ...


# --- responses ------------------------------------------------------------------------------------


async def _respond(
    send: Send,
    status: int,
    body: Mapping[str, Any] | None,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    head = [*headers, (b"content-length", str(len(payload)).encode())]
    if body is not None:
        head.append(_JSON)
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": payload})


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The default fall-through app: 404 for HTTP, a refused handshake for websockets."""
    if scope["type"] == "http":
        await _respond(send, 404, {"error": "not_found"})
    elif scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})


def _method_not_allowed(allow: str) -> Callable[[Send], Awaitable[None]]:
    async def respond(send: Send) -> None:
        await _respond(send, 405, {"error": "method_not_allowed"}, [(b"allow", allow.encode())])

    return respond


class _Reject(Exception):
    """A refusal to answer as an RFC 6749 error body; never carries a token."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


# --- requests -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    # Headers and cookies carry tokens: kept out of repr so no log or traceback can show them.
    scope: Scope = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    cookies: dict[str, str] = field(repr=False)
    repeated_cookies: frozenset[str] = frozenset()  # names sent more than once

    @classmethod
    def of(cls, scope: Scope) -> _Request:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            # Repeated headers are joined (Cookie the way HTTP/2 splits it); a repeated
            # Authorization header therefore never verifies.
            headers[name] = f"{headers[name]}; {value}" if name in headers else value
        return cls(scope, headers, *_parse_cookies(headers.get("cookie", "")))

    def origin(self) -> str:
        return f"{self.scope.get('scheme', 'http')}://{self.headers.get('host', '')}"


def _parse_cookies(header: str) -> tuple[dict[str, str], frozenset[str]]:
    """The first value of each cookie, and the names that came more than once.

    A repeated name is how cookie tossing shows: another site (a sibling subdomain) planted a
    cookie of that name beside ours, and which one comes first is up to the browser.
    """
    cookies: dict[str, str] = {}
    repeated: set[str] = set()
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if not (sep and name):
            continue
        if name in cookies:
            repeated.add(name)
        else:
            cookies[name] = value.strip().strip('"')
    return cookies, frozenset(repeated)


async def _read_body(receive: Receive, limit: int = MAX_BODY_BYTES) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Reject(400, "invalid_request", "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _Reject(400, "invalid_request", "request body too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _bearer_token(request: _Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _www_authenticate(realm: str, error: TokenError | None) -> tuple[bytes, bytes]:
    # RFC 6750 §3.1: no error attribute when the request carried no token at all.
    value = f'Bearer realm="{realm}"'
    if error is not None:
        value += f', error="invalid_token", error_description="{error.code}"'
    return (b"www-authenticate", value.encode())


async def _verify_bearer(
    request: _Request, verifier: AccessVerifier
) -> tuple[dict[str, Any] | None, TokenError | None]:
    token = _bearer_token(request)
    if token is None:
        return None, None
    try:
        return await verifier.averify(token), None
    except TokenError as error:
        return None, error


async def _unauthorized(send: Send, realm: str, error: TokenError | None) -> None:
    body = {"error": "invalid_token", "error_description": error.code if error else "missing"}
    await _respond(send, 401, body, [_www_authenticate(realm, error)])


# --- bearer middleware ----------------------------------------------------------------------------


def _public_prefix(prefix: object) -> str:
    """A ``public`` entry without its trailing slash; ``"/"`` stays the root (``"" + "/"`` would
    otherwise be a prefix of every path and silently switch authentication off)."""
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise ConfigurationError(f"public paths must be strings starting with '/', not {prefix!r}")
    return prefix.rstrip("/") or "/"


class BearerAuth:
    """Verify ``Authorization: Bearer`` on every request and put the claims in
    ``scope["state"]["claims"]`` (``request.state.claims`` in Starlette and FastAPI).

    A missing, expired, forged or malformed token answers 401 with an RFC 6750
    ``WWW-Authenticate`` header; the wrapped app never sees the request. When the keys (a remote
    JWKS) or the revocation store cannot be reached, the request is refused with 503. ``public``
    lists path prefixes that pass through unauthenticated (``"/auth"`` covers ``/auth/...``, not
    ``/authx``); ``"/"`` is the root path alone, never "everything" (to make every path public,
    do not wrap the app).
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: AccessVerifier,
        *,
        realm: str = "api",
        public: Sequence[str] = (),
    ) -> None:
        if '"' in realm or "\\" in realm:
            raise ValueError("realm must not contain quotes or backslashes")
        self.app = app
        self.verifier = verifier
        self.realm = realm
        self.public = tuple(_public_prefix(prefix) for prefix in public)

    def _is_public(self, path: str) -> bool:
        return any(
            path == prefix or (prefix != "/" and path.startswith(prefix + "/"))
            for prefix in self.public
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._is_public(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        try:
            claims, error = await _verify_bearer(_Request.of(scope), self.verifier)
        except (JWKSError, StoreError) as unavailable:
            # Keys or revocations cannot be consulted: fail closed, and say it is temporary.
            logger.warning("bearer verification unavailable: %s", unavailable.code)
            if scope["type"] == "http":
                await _respond(send, 503, {"error": "temporarily_unavailable"}, _NO_STORE)
            else:
                await send({"type": "websocket.close", "code": 1011})
            return
        if claims is not None:
            state = {**scope.get("state", {}), "claims": claims}
            await self.app({**scope, "state": state}, receive, send)
        elif scope["type"] == "http":
            await _unauthorized(send, self.realm, error)
        else:
            await send({"type": "websocket.close", "code": 1008})


# --- JWKS -----------------------------------------------------------------------------------------


def jwks_endpoint(
    keyring: KeySet, *, path: str = "/.well-known/jwks.json", app: ASGIApp = not_found
) -> ASGIApp:
    """Serve ``keyring.jwks()`` (public keys only) at ``path``, with ``Cache-Control`` from the
    rotation schedule so verifiers learn a *next* key before it signs anything."""
    wrong_method = _method_not_allowed("GET, HEAD")

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != path:
            await app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await wrong_method(send)
            return
        body = json.dumps(keyring.jwks(), separators=(",", ":")).encode()
        cache = f"public, max-age={int(keyring.max_age_hint())}".encode()
        headers = [_JSON, (b"cache-control", cache), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    return endpoint


# --- refresh cookies ------------------------------------------------------------------------------


def _seconds_until(moment: float) -> int:
    return max(0, int(moment - time.time()))


_HOST_PREFIX = "__Host-"


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
            if not name or any(c in name for c in ' =;,"\t\r\n') or not name.isascii():
                raise ConfigurationError(f"cookie name {name!r} is not a valid cookie name")
        if not self.path.startswith("/") or any(c in self.path for c in ";\r\n"):
            raise ConfigurationError("cookie path must start with '/' and contain no ';'")
        if self.name.startswith(_HOST_PREFIX) and self.path != "/":
            # A browser silently drops a __Host- cookie with any other path: refuse it here.
            raise ConfigurationError("a __Host- cookie must have path '/' (use __Secure- instead)")

    def set_cookies(self, refresh: str, expires_at: float) -> list[str]:
        """``Set-Cookie`` values for a freshly issued refresh token (login or rotation)."""
        max_age = _seconds_until(expires_at)
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


def _cookie_headers(values: Iterable[str]) -> list[tuple[bytes, bytes]]:
    return [(b"set-cookie", value.encode("latin-1")) for value in values]


# --- refresh and logout endpoints -----------------------------------------------------------------


async def _call(function: Callable[..., object], *args: object) -> Any:
    """Await an async service method; run a sync one in a worker thread (it does database I/O)."""
    if inspect.iscoroutinefunction(function):
        return await function(*args)
    return await asyncio.to_thread(function, *args)


def _token_from_body(body: bytes, content_type: str) -> str | None:
    if not body:
        return None
    if content_type.startswith("application/x-www-form-urlencoded"):
        try:
            fields = dict(parse_qsl(body.decode("utf-8"), strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise _Reject(400, "invalid_request", "malformed form body") from None
        if fields.get("grant_type", "refresh_token") != "refresh_token":
            raise _Reject(400, "unsupported_grant_type", "only refresh_token is supported here")
        data: object = fields
    elif content_type.startswith("application/json"):
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _Reject(400, "invalid_request", "malformed JSON body") from None
    else:
        raise _Reject(400, "invalid_request", "send JSON or a form body")
    token = data.get("refresh_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise _Reject(400, "invalid_request", "refresh_token missing")
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
        self.routes: dict[str, Callable[[_Request, Receive, Send], Awaitable[None]]] = {
            f"{prefix}/refresh": self.refresh,
            f"{prefix}/logout": self.logout,
            f"{prefix}/logout-all": self.logout_all,
        }
        self.wrong_method = _method_not_allowed("POST")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.routes.get(scope.get("path", "")) if scope["type"] == "http" else None
        if handler is None:
            await self.app(scope, receive, send)
        elif scope["method"] != "POST":
            await self.wrong_method(send)
        else:
            await self.guarded(handler, _Request.of(scope), receive, send)

    async def guarded(
        self,
        handler: Callable[[_Request, Receive, Send], Awaitable[None]],
        request: _Request,
        receive: Receive,
        send: Send,
    ) -> None:
        """Every failure becomes an RFC 6749 JSON error; nothing internal reaches the client."""
        try:
            await handler(request, receive, send)
        except _Reject as reject:
            body = {"error": reject.error, "error_description": reject.description}
            await _respond(send, reject.status, body, _NO_STORE)
        except StoreError as error:
            logger.warning("token store unavailable: %s", error.code)
            await _respond(send, 503, {"error": "temporarily_unavailable"}, _NO_STORE)
        except Exception:
            logger.exception("refresh endpoint failed")
            await _respond(send, 500, {"error": "server_error"}, _NO_STORE)

    def same_origin(self, request: _Request) -> bool:
        """CSRF check for cookie-borne tokens: a matching double-submit token, else the browser's
        ``Sec-Fetch-Site``, else an allowed ``Origin``. No evidence at all is a refusal."""
        echoed = request.headers.get("x-csrf-token", "")
        expected = request.cookies.get(self.cookie.csrf_name, "")
        if echoed and expected and hmac.compare_digest(echoed.encode(), expected.encode()):
            return True
        site = request.headers.get("sec-fetch-site")
        if site is not None:
            return site == "same-origin"
        origin = request.headers.get("origin")
        allowed = self.allowed_origins or {request.origin()}
        return origin is not None and origin in allowed

    async def presented(self, request: _Request, receive: Receive) -> tuple[str, bool]:
        """The refresh token and whether it came in the cookie (a browser) or the body."""
        body = await _read_body(receive)
        token = _token_from_body(body, request.headers.get("content-type", "").lower())
        if token is not None:
            return token, False
        for name in (self.cookie.name, self.cookie.csrf_name):
            if name in request.repeated_cookies:
                # Which copy is ours is unknowable: rotating either could plant the other's.
                raise _Reject(400, "invalid_request", f"cookie {name} sent more than once")
        cookie = request.cookies.get(self.cookie.name)
        if not cookie:
            raise _Reject(400, "invalid_request", "no refresh token in the body or cookie")
        if not self.same_origin(request):
            raise _Reject(400, "invalid_request", "cross-site request refused")
        return cookie, True

    async def refresh(self, request: _Request, receive: Receive, send: Send) -> None:
        token, via_cookie = await self.presented(request, receive)
        try:
            pair = cast(RefreshPair, await _call(self.service.rotate, token))
        except RefreshError as error:
            # A replayed token has already revoked its family inside rotate(); say only "no".
            headers = _cookie_headers(self.cookie.clear_cookies()) if via_cookie else []
            body = {"error": "invalid_grant", "error_description": error.code}
            await _respond(send, 400, body, [*headers, *_NO_STORE])
            return
        answer: dict[str, Any] = {
            "access_token": pair.access,
            "token_type": "Bearer",
            "expires_in": _seconds_until(pair.access_expires_at),
        }
        if via_cookie:
            headers = _cookie_headers(
                self.cookie.set_cookies(pair.refresh, pair.refresh_expires_at)
            )
        else:
            answer["refresh_token"] = pair.refresh
            headers = []
        await _respond(send, 200, answer, [*headers, *_NO_STORE])

    async def logout(self, request: _Request, receive: Receive, send: Send) -> None:
        token, via_cookie = await self.presented(request, receive)
        # RFC 7009 §2.2: an invalid token is not an error; the outcome is the same.
        with contextlib.suppress(RefreshError):
            await _call(self.service.logout, token)
        headers = _cookie_headers(self.cookie.clear_cookies()) if via_cookie else []
        await _respond(send, 200, {"logged_out": True}, [*headers, *_NO_STORE])

    async def logout_all(self, request: _Request, receive: Receive, send: Send) -> None:
        await _read_body(receive)
        claims, error = await _verify_bearer(request, self.verifier)
        subject = claims.get("sub") if claims else None
        if not isinstance(subject, str):
            await _unauthorized(send, "auth", error)
            return
        await _call(self.service.logout_all, subject)
        if self.revocations is not None:
            # Access tokens already out die now too, not at their exp.
            await _call(self.revocations.revoke_subject, subject)
        headers = _cookie_headers(self.cookie.clear_cookies())
        await _respond(send, 200, {"logged_out": True}, [*headers, *_NO_STORE])


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
