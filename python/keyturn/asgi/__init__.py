"""ASGI 3 pieces with no framework dependency: the JWKS endpoint, the refresh/logout endpoints and a
bearer-token middleware. They run under any ASGI server and wrap any ASGI app (Starlette, FastAPI).

Each endpoint factory takes an ``app`` to fall through to for the paths it does not own, so they
chain: ``refresh_endpoints(service, verifier=v, app=jwks_endpoint(ring, app=my_app))``.

One module per job: ``bearer`` (the middleware), ``jwks`` (the key-set endpoint), ``refresh`` (the
refresh/logout endpoints), ``login`` (sign-in at an identity provider), ``cookies`` (the refresh
cookie and its CSRF check), ``_http`` (the request and response helpers they share).
"""

from keyturn.asgi._http import MAX_BODY_BYTES, ASGIApp, Receive, Scope, Send, not_found
from keyturn.asgi.bearer import AccessVerifier, BearerAuth
from keyturn.asgi.cookies import RefreshCookie
from keyturn.asgi.jwks import KeySet, jwks_endpoint
from keyturn.asgi.login import LoginIssuer, login_endpoints
from keyturn.asgi.refresh import RefreshPair, RefreshService, SubjectRevoker, refresh_endpoints

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
    "Scope",
    "Send",
    "SubjectRevoker",
    "jwks_endpoint",
    "login_endpoints",
    "not_found",
    "refresh_endpoints",
]
