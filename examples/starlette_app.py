"""A Starlette service with keyturn, using the async token service.

    pip install 'keyturn[server]' starlette
    uvicorn examples.starlette_app:app

``POST /login`` (the app's own code) checks a password and calls ``issue_pair``; keyturn.asgi
serves ``/auth/refresh``, ``/auth/logout``, ``/auth/logout-all`` and the JWKS; ``BearerAuth``
guards the rest and leaves the verified claims in ``request.state.claims``.
"""

from __future__ import annotations

import hmac
import json
import os
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import keyturn as kt
from keyturn.asgi import BearerAuth, RefreshCookie, jwks_endpoint, refresh_endpoints

ISSUER = "https://auth.example.com"
AUDIENCE = "api.example.com"
# Stand-in for your user store: keep password hashes (argon2, scrypt), never passwords.
DEMO_USERS = {"alice": "correct horse battery staple"}


def password_ok(username: object, password: object) -> bool:
    if not isinstance(username, str) or not isinstance(password, str):
        return False
    expected = DEMO_USERS.get(username, "")
    return hmac.compare_digest(expected.encode(), password.encode()) and bool(expected)


def open_keyring(path: Path) -> kt.Keyring:
    if not path.exists():
        kt.Keyring.generate().save(path)
    return kt.Keyring.load(path)


def create_app(keyring_path: Path, database: Path) -> Any:
    ring = open_keyring(keyring_path)
    issuer = kt.Issuer(ring, issuer=ISSUER, audience=AUDIENCE, ttl=600)
    verifier = issuer.verifier()
    service = kt.AsyncTokenService(issuer, kt.SQLiteStore(database))
    cookie = RefreshCookie()

    async def login(request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict) or not password_ok(
            body.get("username"), body.get("password")
        ):
            return JSONResponse({"error": "wrong username or password"}, status_code=401)
        pair = await service.issue_pair(body["username"], str(body.get("device", "default")))
        answer: dict[str, Any] = {"access_token": pair.access, "token_type": "Bearer"}
        if body.get("cookie"):
            response = JSONResponse(answer)
            for value in cookie.set_cookies(pair.refresh, pair.refresh_expires_at):
                response.headers.append("set-cookie", value)
            return response
        return JSONResponse({**answer, "refresh_token": pair.refresh})

    async def me(request: Request) -> JSONResponse:
        claims = request.state.claims
        return JSONResponse({"user": claims["sub"], "scope": claims.get("scope")})

    api = Starlette(
        routes=[Route("/login", login, methods=["POST"]), Route("/api/me", me)],
        middleware=[Middleware(BearerAuth, verifier=verifier, public=["/login"])],
    )
    return refresh_endpoints(service, verifier=verifier, app=jwks_endpoint(ring, app=api))


app = create_app(
    Path(os.environ.get("KEYTURN_KEYRING", "keyturn-keys.json")),
    Path(os.environ.get("KEYTURN_DB", "keyturn.db")),
)
