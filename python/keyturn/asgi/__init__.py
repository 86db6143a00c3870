"""ASGI 3 pieces with no framework dependency: the JWKS endpoint, the refresh/logout endpoints, a
bearer-token middleware (with scopes), a browser-session middleware and the session endpoints.
They run under any ASGI server and wrap any ASGI app (Starlette, FastAPI).

Each endpoint factory takes an ``app`` to fall through to for the paths it does not own, so they
chain: ``refresh_endpoints(service, verifier=v, app=jwks_endpoint(ring, app=my_app))``.

One module per job: ``bearer`` (the middleware), ``_scopes`` (required and granted scopes),
``jwks`` (the key-set endpoint), ``refresh`` (the refresh/logout endpoints), ``login`` (sign-in
at an identity provider), ``cookies`` (the refresh cookie and its CSRF check), ``sessions`` (the
session cookie and middleware), ``session_endpoints`` (token exchange, session logout), ``_http``
(the request and response helpers they share).
"""

from keyturn.asgi._http import (
    MAX_BODY_BYTES,
    ASGIApp,
    Receive,
    Reject,
    Scope,
    Send,
    not_found,
    read_body,
)
from keyturn.asgi.bearer import AccessVerifier, BearerAuth
from keyturn.asgi.cookies import RefreshCookie, is_same_origin
from keyturn.asgi.jwks import KeySet, jwks_endpoint
from keyturn.asgi.login import LoginIssuer, login_endpoints
from keyturn.asgi.refresh import RefreshPair, RefreshService, SubjectRevoker, refresh_endpoints
from keyturn.asgi.session_endpoints import session_endpoints
from keyturn.asgi.sessions import SessionCookie, SessionMiddleware

__all__ = [
    "MAX_BODY_BYTES",
    "ASGIApp",
    "AccessVerifier",
    "BearerAuth",
    "KeySet",
    "LoginIssuer",
    "Receive",
    "RefreshCookie",
    "RefreshPair",
    "RefreshService",
    "Reject",
    "Scope",
    "Send",
    "SessionCookie",
    "SessionMiddleware",
    "SubjectRevoker",
    "is_same_origin",
    "jwks_endpoint",
    "login_endpoints",
    "not_found",
    "read_body",
    "refresh_endpoints",
    "session_endpoints",
]
