"""A browser app with keyturn: the recommended pattern, in code a reader can copy.

    pip install 'keyturn[server,fastapi]'
    uvicorn examples.webapp.app:app        # then open http://127.0.0.1:8000/

Sign-in is at an OpenID Provider when one is configured, else a local password form
(``POST /login``, two demo users), never both: one deployment has one source of identities. To
sign in at a provider, register ``http://127.0.0.1:8000/auth/callback`` there as the client's
redirect URI and set::

    KEYTURN_OIDC_ISSUER=https://idp.example.org     # discovery: {issuer}/.well-known/...
    KEYTURN_OIDC_CLIENT_ID=webapp
    KEYTURN_OIDC_CLIENT_SECRET=...                   # client_secret_basic
    KEYTURN_OIDC_REDIRECT_URI=http://127.0.0.1:8000/auth/callback   # the default

(or pass ``build(..., provider=ProviderConfig(...))``). The page then shows "Sign in with your
provider" (``GET /auth/login``, ``keyturn.asgi.login_endpoints``): Authorization Code with PKCE,
the pending login kept in the app's database, and a callback that maps the provider's ``sub`` to
the local user. Logging out here ends this app's session, not the one at the provider.

Either way, a successful sign-in gives the browser two HttpOnly cookies and nothing its script
can steal:

* ``__Host-keyturn_session``: the server-side session (``SessionService``), SameSite=Lax;
* ``__Host-keyturn_refresh``: the refresh token of a family bound to that session (every access
  token it mints carries the session's ``sid``), SameSite=Strict;

plus the readable ``__Host-keyturn_csrf`` double-submit cookie. The page (``static/app.js``)
holds the access token in a JavaScript variable only: on load and on any 401 it calls
``POST /auth/refresh`` and retries once (silent refresh). Logout ends the refresh family and the
session; "log out everywhere" ends every session, refresh family and access token of the user.

Every cookie request (refresh, logout, token exchange, the sign-in form itself) must come from
this origin: keyturn checks the CSRF token, ``Sec-Fetch-Site`` or ``Origin`` before anything else.
"""

from __future__ import annotations

import asyncio
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
)
from starlette.routing import Route

import keyturn as kt
from keyturn.asgi import (
    BearerAuth,
    RefreshCookie,
    Reject,
    SessionCookie,
    is_same_origin,
    jwks_endpoint,
    login_endpoints,
    read_body,
    refresh_endpoints,
    session_endpoints,
)

ISSUER = "https://auth.example.com"
AUDIENCE = "api.example.com"
SCOPE = "read"  # what the page's API calls need; a real app decides per user
STATIC = Path(__file__).resolve().parent / "static"
# Stand-in for your user store: keep password hashes (argon2, scrypt), never passwords.
DEMO_USERS = {"alice": "correct horse battery staple", "bob": "hunter2 hunter2 hunter2"}
# The page sends its own scripts only: no inline script can run, injected or not.
PAGE_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}


def password_ok(username: str, password: str) -> bool:
    expected = DEMO_USERS.get(username, "")
    return hmac.compare_digest(expected.encode(), password.encode()) and bool(expected)


@dataclass(frozen=True)
class ProviderConfig:
    """Where users sign in: the provider's issuer URL and this app's client registration."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)  # kept out of logs and tracebacks
    redirect_uri: str = "http://127.0.0.1:8000/auth/callback"

    @classmethod
    def from_env(cls) -> ProviderConfig | None:
        issuer = os.environ.get("KEYTURN_OIDC_ISSUER")
        if not issuer:
            return None
        return cls(
            issuer,
            os.environ["KEYTURN_OIDC_CLIENT_ID"],
            os.environ["KEYTURN_OIDC_CLIENT_SECRET"],
            os.environ.get("KEYTURN_OIDC_REDIRECT_URI", cls.redirect_uri),
        )


class ScopedTokens:
    """The token service as the sign-in callback sees it: every family it starts carries the
    API's scope beside the ``sid`` the callback binds (the password form grants the same)."""

    def __init__(self, tokens: kt.TokenService) -> None:
        self.tokens = tokens

    def issue_pair(
        self, user_id: str, device_id: str, claims: Mapping[str, Any] | None = None
    ) -> kt.TokenPair:
        return self.tokens.issue_pair(user_id, device_id, {**(claims or {}), "scope": SCOPE})


def provider_subject(login: kt.Login) -> str:
    # The local user id. A real app looks the (issuer, sub) pair up in its user table.
    return login.subject


def open_keyring(path: Path) -> kt.Keyring:
    if not path.exists():
        kt.Keyring.generate().save(path)
    return kt.Keyring.load(path)


class WebApp:
    """The app's own routes: the page, its script, the password form (when there is no
    provider) and one API call."""

    def __init__(
        self, tokens: kt.TokenService, sessions: kt.SessionService, *, passwords: bool
    ) -> None:
        self.tokens = tokens
        self.sessions = sessions
        self.passwords = passwords
        self.session_cookie = SessionCookie()
        self.refresh_cookie = RefreshCookie()
        # The page with the one sign-in it offers: a button to the provider or the form.
        sign_in = (STATIC / ("password.html" if passwords else "provider.html")).read_text()
        self.html = (STATIC / "index.html").read_text().replace("<!-- sign-in -->", sign_in)

    def routes(self) -> list[Route]:
        login = [Route("/login", self.login, methods=["POST"])] if self.passwords else []
        return [
            Route("/", self.page),
            Route("/app.js", self.script),
            *login,
            Route("/api/me", self.me),
        ]

    async def page(self, request: StarletteRequest) -> HTMLResponse:
        return HTMLResponse(self.html, headers=PAGE_HEADERS)

    async def script(self, request: StarletteRequest) -> FileResponse:
        return FileResponse(STATIC / "app.js", media_type="text/javascript")

    async def login(self, request: StarletteRequest) -> Any:
        # Login CSRF: a cross-site form must not sign the browser into the attacker's account.
        if not is_same_origin(request.scope):
            return PlainTextResponse("cross-site request refused", 403)
        try:
            body = await read_body(request.receive, limit=1024)
        except Reject as reject:
            return PlainTextResponse(reject.description, reject.status)
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        username, password = form.get("username", ""), form.get("password", "")
        if not password_ok(username, password):
            return PlainTextResponse("wrong username or password", 401)
        # A new session id on every sign-in; the id the browser held before dies (fixation).
        started = await asyncio.to_thread(
            self.sessions.start,
            username,
            device="web",
            user_agent=request.headers.get("user-agent", ""),
            replacing=request.cookies.get(self.session_cookie.name),
        )
        # The family's access tokens carry the session's sid: ending the session ends them.
        claims = {"scope": SCOPE, "sid": started.session.handle}
        pair = await asyncio.to_thread(self.tokens.issue_pair, username, "web", claims)
        response = RedirectResponse("/", 303)
        for value in [
            *self.session_cookie.set_cookies(started.id, started.session.expires_at),
            *self.refresh_cookie.set_cookies(pair.refresh, pair.refresh_expires_at),
        ]:
            response.headers.append("set-cookie", value)
        return response

    async def me(self, request: StarletteRequest) -> JSONResponse:
        claims = request.state.claims  # verified by BearerAuth, scope "read" checked
        return JSONResponse({"user": claims["sub"], "sid": claims.get("sid")})


@dataclass(frozen=True)
class Site:
    """The assembled app and the parts an operator (or a test) reaches for."""

    app: Any
    ring: kt.Keyring
    verifier: kt.Verifier
    tokens: kt.TokenService
    sessions: kt.SessionService


def sign_in_at(
    provider: ProviderConfig,
    backend: kt.Backend,
    tokens: kt.TokenService,
    sessions: kt.SessionService,
    *,
    app: Any,
) -> Any:
    """``GET /auth/login`` and ``/auth/callback`` in front of ``app``: a sign-in at the provider
    starts a session and a refresh family bound to it, as the password form does."""
    client = kt.OAuthClient.discover(
        provider.issuer, kt.ClientSecretBasic(provider.client_id, provider.client_secret)
    )
    party = kt.RelyingParty(
        client,
        redirect_uri=provider.redirect_uri,
        states=backend.login_states,  # a login started at one worker finishes at any other
        scope="openid email",
    )
    tokens_with_scope = ScopedTokens(tokens)
    return login_endpoints(
        party, tokens_with_scope, map_user=provider_subject, sessions=sessions, app=app
    )


def build(keyring_path: Path, database: Path, provider: ProviderConfig | None = None) -> Site:
    ring = open_keyring(keyring_path)
    # Short-lived access tokens: the page refreshes silently, so 5 minutes costs nothing.
    issuer = kt.Issuer(ring, issuer=ISSUER, audience=AUDIENCE, ttl=300)
    backend = kt.open_backend(f"sqlite:///{database}")
    revocations = kt.Revocations(backend.revocations)
    verifier = issuer.verifier(revocations=revocations)
    tokens = kt.TokenService(issuer, backend.tokens, revocations=revocations)
    sessions = kt.SessionService(backend.sessions, tokens=tokens, revocations=revocations)
    site = Starlette(routes=WebApp(tokens, sessions, passwords=provider is None).routes())
    protected: Any = BearerAuth(
        site, verifier, public=["/", "/app.js", "/login", "/favicon.ico"], scopes={"/api": SCOPE}
    )
    if provider is not None:
        protected = sign_in_at(provider, backend, tokens, sessions, app=protected)
    exchange = session_endpoints(sessions, issuer, scope=SCOPE, app=protected)
    api = refresh_endpoints(tokens, verifier=verifier, revocations=revocations, app=exchange)
    return Site(jwks_endpoint(ring, app=api), ring, verifier, tokens, sessions)


app = build(
    Path(os.environ.get("KEYTURN_KEYRING", "keyturn-keys.json")),
    Path(os.environ.get("KEYTURN_DB", "keyturn.db")),
    ProviderConfig.from_env(),
)
