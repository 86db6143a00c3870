"""Starlette's own authentication, backed by keyturn: ``request.user`` and ``request.auth.scopes``
from a verified bearer token, so ``starlette.authentication.requires("read:orders")`` works.

Needs Starlette (``pip install 'keyturn[fastapi]'`` brings it); ``import keyturn`` never imports
this module.

.. code-block:: python

    from starlette.applications import Starlette
    from starlette.authentication import requires
    from keyturn.starlette import bearer_middleware

    @requires("read:orders")
    async def orders(request): return JSONResponse(request.user.claims)

    app = Starlette(routes=[...], middleware=[bearer_middleware(verifier)])

Starlette answers a missing scope with its own plain 403 (``requires``); for the RFC 6750
``insufficient_scope`` answer with ``WWW-Authenticate`` use :class:`keyturn.asgi.BearerAuth`'s
``scopes=`` instead (or as well).
"""

from __future__ import annotations

from typing import Any

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response

from keyturn.asgi._http import NO_STORE, Request, logger
from keyturn.asgi._scopes import challenge, check_realm, granted
from keyturn.asgi.bearer import AccessVerifier, bearer_token
from keyturn.errors import JWKSError, StoreError, TokenError

__all__ = ["BearerBackend", "TokenRefused", "TokenUser", "bearer_middleware", "refused"]


class TokenUser(BaseUser):
    """The bearer of a verified token: ``identity`` is its ``sub``, ``claims`` all its claims."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def identity(self) -> str:
        return str(self.claims.get("sub", ""))

    @property
    def display_name(self) -> str:
        return self.identity


class TokenRefused(AuthenticationError):
    """Why a request was refused: an invalid token (401) or keys/revocations unavailable (503)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


class BearerBackend(AuthenticationBackend):
    """No ``Authorization: Bearer`` header: anonymous (Starlette's ``UnauthenticatedUser``, so
    ``requires`` refuses it). A token that does not verify: :class:`TokenRefused`, answered by
    :func:`refused`. A valid one: its ``scope`` claim as the credentials' scopes."""

    def __init__(self, verifier: AccessVerifier) -> None:
        self.verifier = verifier

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        token = bearer_token(Request.of(conn.scope))
        if token is None:
            return None
        try:
            claims = await self.verifier.averify(token)
        except TokenError as error:
            raise TokenRefused(401, error.code) from None
        except (JWKSError, StoreError) as unavailable:
            logger.warning("bearer verification unavailable: %s", unavailable.code)
            raise TokenRefused(503, "temporarily_unavailable") from None
        return AuthCredentials(sorted(granted(claims))), TokenUser(claims)


def refused(realm: str = "api") -> Any:
    """An ``on_error`` for ``AuthenticationMiddleware`` answering as :class:`BearerAuth` does."""
    check_realm(realm)

    def on_error(conn: HTTPConnection, error: AuthenticationError) -> Response:
        if isinstance(error, TokenRefused) and error.status == 503:
            no_store = {name.decode(): value.decode() for name, value in NO_STORE}
            return JSONResponse({"error": "temporarily_unavailable"}, 503, headers=no_store)
        code = error.code if isinstance(error, TokenRefused) else "token_invalid"
        header = challenge(realm, "invalid_token", code, None)
        body = {"error": "invalid_token", "error_description": code}
        return JSONResponse(body, 401, headers={"WWW-Authenticate": header})

    return on_error


def bearer_middleware(verifier: AccessVerifier, *, realm: str = "api") -> Middleware:
    """``Middleware(AuthenticationMiddleware, ...)`` with :class:`BearerBackend` and
    :func:`refused`, for ``Starlette(middleware=[...])``."""
    return Middleware(
        AuthenticationMiddleware, backend=BearerBackend(verifier), on_error=refused(realm)
    )
