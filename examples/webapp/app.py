"""A browser app with keyturn: the recommended pattern, in code a reader can copy.

    pip install 'keyturn[server,fastapi]'
    uvicorn examples.webapp.app:app        # then open http://127.0.0.1:8000/

Sign-in is a local password form (``POST /login``; swap in ``keyturn.asgi.login_endpoints`` to
sign in at an identity provider instead: its callback issues the same refresh cookie). A
successful sign-in gives the browser two HttpOnly cookies and nothing its script can steal:

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

import keyturn as kt
from keyturn.asgi import (
    BearerAuth,
    RefreshCookie,
    Reject,
    SessionCookie,
    is_same_origin,
    jwks_endpoint,
    read_body,
    refresh_endpoints,
    session_endpoints,
)

ISSUER = "https://auth.example.com"
AUDIENCE = "api.example.com"
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


def open_keyring(path: Path) -> kt.Keyring:
    if not path.exists():
        kt.Keyring.generate().save(path)
    return kt.Keyring.load(path)


class WebApp:
    """The app's own routes: the page, its script, the sign-in form and one API call."""

    def __init__(self, tokens: kt.TokenService, sessions: kt.SessionService) -> None:
        self.tokens = tokens
        self.sessions = sessions
        self.session_cookie = SessionCookie()
        self.refresh_cookie = RefreshCookie()

    def routes(self) -> list[Route]:
        return [
            Route("/", self.page),
            Route("/app.js", self.script),
            Route("/login", self.login, methods=["POST"]),
            Route("/api/me", self.me),
        ]

    async def page(self, request: StarletteRequest) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

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
        claims = {"scope": "read", "sid": started.session.handle}
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


def build(keyring_path: Path, database: Path) -> Site:
    ring = open_keyring(keyring_path)
    # Short-lived access tokens: the page refreshes silently, so 5 minutes costs nothing.
    issuer = kt.Issuer(ring, issuer=ISSUER, audience=AUDIENCE, ttl=300)
    backend = kt.open_backend(f"sqlite:///{database}")
    revocations = kt.Revocations(backend.revocations)
    verifier = issuer.verifier(revocations=revocations)
    tokens = kt.TokenService(issuer, backend.tokens, revocations=revocations)
    sessions = kt.SessionService(backend.sessions, tokens=tokens, revocations=revocations)
    site = Starlette(routes=WebApp(tokens, sessions).routes())
    protected = BearerAuth(
        site, verifier, public=["/", "/app.js", "/login", "/favicon.ico"], scopes={"/api": "read"}
    )
    exchange = session_endpoints(sessions, issuer, scope="read", app=protected)
    api = refresh_endpoints(tokens, verifier=verifier, revocations=revocations, app=exchange)
    return Site(jwks_endpoint(ring, app=api), ring, verifier, tokens, sessions)


app = build(
    Path(os.environ.get("KEYTURN_KEYRING", "keyturn-keys.json")),
    Path(os.environ.get("KEYTURN_DB", "keyturn.db")),
).app
