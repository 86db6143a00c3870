"""FastAPI dependencies: the verified claims of a bearer token, required scopes, and the current
browser session, each registered as an OpenAPI security scheme so ``/docs`` shows it.

Needs FastAPI (``pip install 'keyturn[fastapi]'``); ``import keyturn`` never imports this module.

.. code-block:: python

    from typing import Annotated, Any
    from keyturn.fastapi import Bearer

    auth = Bearer(verifier)

    @app.get("/orders")
    async def orders(claims: Annotated[dict[str, Any], auth.require_scopes("read:orders")]): ...

    @app.get("/me", dependencies=[auth.require_scopes()])   # any valid token
    async def me(): ...
"""

# No ``from __future__ import annotations``: FastAPI reads the dependencies' annotations at runtime,
# and they name a scheme that is local to each Bearer.
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyCookie, HTTPBearer, SecurityScopes

from keyturn.asgi._http import Request as RawRequest
from keyturn.asgi._http import logger
from keyturn.asgi._scopes import challenge, check_realm, granted, scope_set, spelled
from keyturn.asgi.bearer import AccessVerifier, bearer_token
from keyturn.asgi.sessions import SessionCookie
from keyturn.errors import ConfigurationError, JWKSError, StoreError, TokenError

__all__ = ["Bearer", "CurrentSession"]


class Bearer:
    """``Authorization: Bearer`` checked by ``verifier`` (a :class:`keyturn.Verifier`), shown in
    OpenAPI as the HTTP bearer scheme ``scheme_name``.

    ``require_scopes(*scopes)`` is a ``Security(...)`` marker: put it in a parameter's
    ``Annotated[...]`` to receive the claims, or in ``dependencies=[...]``. Scopes of nested
    ``Security`` markers add up (FastAPI's ``SecurityScopes``) and are listed in the operation's
    OpenAPI security requirement. Refusals are those of :class:`keyturn.asgi.BearerAuth`:
    401 ``invalid_token`` (no or bad token), 403 ``insufficient_scope``, 503 when keys or
    revocations cannot be consulted; the body is ``{"detail": {"error": ..., ...}}``.
    """

    def __init__(
        self,
        verifier: AccessVerifier,
        *,
        realm: str = "api",
        scheme_name: str = "keyturnBearer",
        description: str | None = "A keyturn access token (JWT)",
    ) -> None:
        self.verifier = verifier
        self.realm = check_realm(realm)
        # Only for OpenAPI: the header is parsed by keyturn's own rules (a repeated
        # Authorization header never verifies), exactly as BearerAuth parses it.
        scheme = HTTPBearer(
            bearerFormat="JWT", scheme_name=scheme_name, description=description, auto_error=False
        )

        async def claims(
            request: Request,
            security_scopes: SecurityScopes,
            _shown: Annotated[Any, Depends(scheme)],
        ) -> dict[str, Any]:
            return await self._verify(request, security_scopes.scopes)

        #: The dependency itself: ``Depends(auth.claims)`` is ``auth.require_scopes()``.
        self.claims = claims

    def require_scopes(self, *scopes: str) -> Any:
        """A dependency marker giving the claims of a valid token that grants every scope."""
        if scopes:
            scope_set(scopes)  # a malformed scope is a ConfigurationError where it is declared
        return Security(self.claims, scopes=list(scopes))

    async def _verify(self, request: Request, scopes: list[str]) -> dict[str, Any]:
        needed = spelled(scopes) or None
        token = bearer_token(RawRequest.of(request.scope))
        if token is None:
            body = {"error": "invalid_token", "error_description": "missing"}
            raise _refusal(401, body, challenge(self.realm, None, None, needed))
        try:
            claims = await self.verifier.averify(token)
        except TokenError as error:
            body = {"error": "invalid_token", "error_description": error.code}
            header = challenge(self.realm, "invalid_token", error.code, needed)
            raise _refusal(401, body, header) from None
        except (JWKSError, StoreError) as unavailable:
            # Keys or revocations cannot be consulted: fail closed, and say it is temporary.
            logger.warning("bearer verification unavailable: %s", unavailable.code)
            raise HTTPException(503, {"error": "temporarily_unavailable"}) from None
        if needed is not None and not set(scopes) <= granted(claims):
            body = {"error": "insufficient_scope", "scope": needed}
            raise _refusal(403, body, challenge(self.realm, "insufficient_scope", None, needed))
        return claims


def _refusal(status: int, body: dict[str, str], header: str) -> HTTPException:
    return HTTPException(status, body, headers={"WWW-Authenticate": header})


class CurrentSession:
    """The browser session that :class:`keyturn.asgi.SessionMiddleware` loaded, as a dependency
    (``Depends(current_session)``), shown in OpenAPI as the cookie scheme ``scheme_name``.

    The middleware has already refused a bad cookie (400/401); a request with no session cookie
    reaches the dependency, which answers 401 ``{"detail": {"error": "invalid_request",
    "error_description": "no session cookie"}}``. Using it without the middleware in front is a
    ``ConfigurationError`` (an answer 500), never an anonymous pass.
    """

    def __init__(
        self,
        *,
        cookie: SessionCookie | None = None,
        scheme_name: str = "keyturnSession",
        description: str | None = "A keyturn browser session (HttpOnly cookie)",
    ) -> None:
        name = (cookie or SessionCookie()).name
        scheme = APIKeyCookie(
            name=name, scheme_name=scheme_name, description=description, auto_error=False
        )

        async def session(request: Request, _shown: Annotated[Any, Depends(scheme)]) -> Any:
            return _loaded_session(request)

        #: The dependency itself: ``Depends(current.session)``.
        self.session = session


def _loaded_session(request: Request) -> Any:
    state = request.scope.get("state", {})
    if "session" not in state:
        raise ConfigurationError("CurrentSession needs keyturn.asgi.SessionMiddleware in front")
    if state["session"] is None:
        body = {"error": "invalid_request", "error_description": "no session cookie"}
        raise HTTPException(401, body)
    return state["session"]
