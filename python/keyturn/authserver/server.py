"""``authorization_server(...)``: the metadata, token, introspection and revocation endpoints as one
ASGI app in front of ``app`` (which gets every other path)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from keyturn.asgi._http import (
    ASGIApp,
    Receive,
    Request,
    Scope,
    Send,
    answer_errors,
    not_found,
    routed,
)
from keyturn.authserver._tokens import AccessTokens, Families, TokenReader
from keyturn.authserver.authentication import Authenticator, Registry
from keyturn.authserver.introspection import IntrospectionEndpoint
from keyturn.authserver.metadata import (
    DEFAULT_PATHS,
    GRANT_TYPES,
    Metadata,
    MetadataKeys,
    Paths,
)
from keyturn.authserver.ratelimit import FailureLimiter
from keyturn.authserver.revocation import RevocationEndpoint
from keyturn.authserver.token import TokenEndpoint
from keyturn.clients import ASSERTION_ALGORITHMS
from keyturn.issuer import Issuer, SigningSource
from keyturn.revocation import Revocations

__all__ = ["AuthorizationKeys", "authorization_server"]

Endpoint = Callable[[Request, Receive, Send], Awaitable[None]]


class AuthorizationKeys(SigningSource, MetadataKeys, Protocol):
    """A keyring (``Keyring``, or the file-following one ``keyturn serve`` uses)."""


class _AuthorizationServer:
    def __init__(self, metadata: Metadata, routes: dict[str, Endpoint], app: ASGIApp) -> None:
        self._metadata = metadata
        self._routes = routes
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") in self._metadata.document_paths:
            await self._metadata.serve(scope, send)
            return
        endpoint = await routed(scope, receive, send, self._routes, "POST", self._app)
        if endpoint is not None:
            request = Request.of(scope)
            await answer_errors(
                lambda: endpoint(request, receive, send), send, "authorization server endpoint"
            )


def authorization_server(
    issuer: Issuer,
    *,
    keys: AuthorizationKeys,
    clients: Registry,
    families: Families | None = None,
    revocations: Revocations | None = None,
    limiter: FailureLimiter | None = None,
    scopes: Sequence[str] = (),
    paths: Paths = DEFAULT_PATHS,
    app: ASGIApp = not_found,
) -> ASGIApp:
    """keyturn as the authorization server of ``issuer`` (an https URL, or http on loopback).

    ``keys``: the keyring ``issuer`` signs with (access tokens for clients are signed by it, for
    the audiences each client asks for); ``clients``: the ``ClientRegistry`` (or async one);
    ``families``: the ``TokenService`` whose refresh tokens the ``refresh_token`` grant,
    introspection and revocation serve (None: access tokens only); ``revocations``: the
    ``Revocations`` access tokens are revoked into and introspected against; ``limiter``: the
    failed-authentication limiter (default ``FailureLimiter()``); ``scopes``: published as
    ``scopes_supported``. Serve the JWKS at ``paths.jwks`` too (``keyturn.asgi.jwks_endpoint``).
    """
    metadata = Metadata(
        issuer.issuer,
        keys,
        lambda: issuer.verifier().algorithms,
        paths=paths,
        assertion_algorithms=ASSERTION_ALGORITHMS,
        scopes=scopes,
        grant_types=GRANT_TYPES if families is not None else ("client_credentials",),
    )
    authenticator = Authenticator(
        clients,
        limiter or FailureLimiter(),
        audiences=(metadata.url(metadata.paths.token), issuer.issuer),
    )
    access = AccessTokens(issuer, revocations)
    audience = issuer.audience
    paths = metadata.paths  # under the issuer's path
    reader = TokenReader(authenticator, access=access, families=families, audience=audience)
    routes: dict[str, Endpoint] = {
        paths.token: TokenEndpoint(authenticator, keys=keys, issuer=issuer, families=families),
        paths.introspection: IntrospectionEndpoint(reader),
        paths.revocation: RevocationEndpoint(reader, revocations=revocations),
    }
    return _AuthorizationServer(metadata, routes, app)
