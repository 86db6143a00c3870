"""The bearer-token middleware: verify ``Authorization: Bearer`` and the route's scopes before the
wrapped app runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from keyturn.asgi._http import NO_STORE, ASGIApp, Receive, Request, Scope, Send, logger, respond
from keyturn.asgi._scopes import ScopeRules, challenge, check_realm, granted, spelled
from keyturn.errors import ConfigurationError, JWKSError, StoreError, TokenError


class AccessVerifier(Protocol):
    """What the middleware needs from a :class:`keyturn.Verifier`."""

    async def averify(self, token: str) -> dict[str, Any]: ...


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _www_authenticate(
    realm: str, error: TokenError | None, scope: str | None = None
) -> tuple[bytes, bytes]:
    # RFC 6750 §3.1: no error attribute when the request carried no token at all.
    code = None if error is None else "invalid_token"
    value = challenge(realm, code, None if error is None else error.code, scope)
    return (b"www-authenticate", value.encode())


async def verify_bearer(
    request: Request, verifier: AccessVerifier
) -> tuple[dict[str, Any] | None, TokenError | None]:
    token = bearer_token(request)
    if token is None:
        return None, None
    try:
        return await verifier.averify(token), None
    except TokenError as error:
        return None, error


async def unauthorized(
    send: Send, realm: str, error: TokenError | None, scope: str | None = None
) -> None:
    """401: no token, or a token that did not verify. ``scope`` names what the route needs (RFC
    6750 §3), so a client can ask for it when it obtains a token."""
    body = {"error": "invalid_token", "error_description": error.code if error else "missing"}
    await respond(send, 401, body, [_www_authenticate(realm, error, scope)])


async def insufficient_scope(send: Send, realm: str, needed: str) -> None:
    """403 (RFC 6750 §3.1): the token is valid but lacks a scope the route requires."""
    header = challenge(realm, "insufficient_scope", None, needed)
    body = {"error": "insufficient_scope", "scope": needed}
    await respond(send, 403, body, [(b"www-authenticate", header.encode())])


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

    ``scopes`` maps ``"PATH"`` or ``"METHOD PATH"`` prefixes to the scopes they require, e.g.
    ``{"/orders": "read:orders", "POST /orders": ["write:orders"]}``; every matching rule applies
    (see :class:`~keyturn.asgi._scopes.ScopeRules`; ``"/"`` here covers every path). A valid token
    whose ``scope`` claim lacks one answers 403 ``insufficient_scope`` naming what is needed.
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: AccessVerifier,
        *,
        realm: str = "api",
        public: Sequence[str] = (),
        scopes: Mapping[str, str | Iterable[str]] | None = None,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.realm = check_realm(realm)
        self.public = tuple(_public_prefix(prefix) for prefix in public)
        self.scopes = ScopeRules(scopes or {})

    def _is_public(self, path: str) -> bool:
        return any(
            path == prefix or (prefix != "/" and path.startswith(prefix + "/"))
            for prefix in self.public
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._is_public(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        # A websocket handshake is a GET (RFC 6455 §4.1).
        needed = self.scopes.required(scope.get("method", "GET"), scope.get("path", ""))
        try:
            claims, error = await verify_bearer(Request.of(scope), self.verifier)
        except (JWKSError, StoreError) as unavailable:
            # Keys or revocations cannot be consulted: fail closed, and say it is temporary.
            logger.warning("bearer verification unavailable: %s", unavailable.code)
            if scope["type"] == "http":
                await respond(send, 503, {"error": "temporarily_unavailable"}, NO_STORE)
            else:
                await send({"type": "websocket.close", "code": 1011})
            return
        missing = needed - granted(claims) if claims is not None else needed
        if claims is not None and not missing:
            state = {**scope.get("state", {}), "claims": claims}
            await self.app({**scope, "state": state}, receive, send)
        elif scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
        elif claims is None:
            await unauthorized(send, self.realm, error, spelled(needed) if needed else None)
        else:
            await insufficient_scope(send, self.realm, spelled(needed))
