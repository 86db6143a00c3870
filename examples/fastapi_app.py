"""A FastAPI service with keyturn: the app logs users in, keyturn does the rest.

    pip install 'keyturn[server]' fastapi
    uvicorn examples.fastapi_app:app

* ``POST /login`` is the app's own code: it checks a password, then calls ``issue_pair``. Mobile and
  CLI clients get both tokens in the body; browsers (``"cookie": true``) get the refresh token in
  an httpOnly cookie and never see it.
* ``POST /auth/refresh``, ``/auth/logout``, ``/auth/logout-all`` and ``GET
  /.well-known/jwks.json`` come from ``keyturn.asgi``.
* Everything else needs ``Authorization: Bearer <access token>``; the verified claims are in
  ``request.state.claims``.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel

import keyturn as kt
from keyturn.asgi import BearerAuth, RefreshCookie, jwks_endpoint, refresh_endpoints

ISSUER = "https://auth.example.com"
AUDIENCE = "api.example.com"
# Stand-in for your user store: keep password hashes (argon2, scrypt), never passwords.
DEMO_USERS = {"alice": "correct horse battery staple"}


class Login(BaseModel):
    username: str
    password: str
    device: str = "default"
    cookie: bool = False


def password_ok(username: str, password: str) -> bool:
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
    service = kt.TokenService(issuer, store=kt.SQLiteStore(database))
    cookie = RefreshCookie()
    api = FastAPI(title="keyturn example")

    @api.post("/login")
    def login(body: Login, response: Response) -> dict[str, Any]:
        if not password_ok(body.username, body.password):
            raise HTTPException(status_code=401, detail="wrong username or password")
        pair = service.issue_pair(body.username, body.device)
        answer: dict[str, Any] = {"access_token": pair.access, "token_type": "Bearer"}
        if body.cookie:
            for value in cookie.set_cookies(pair.refresh, pair.refresh_expires_at):
                response.headers.append("set-cookie", value)
        else:
            answer["refresh_token"] = pair.refresh
        return answer

    @api.get("/api/me")
    def me(request: Request) -> dict[str, Any]:
        return {"user": request.state.claims["sub"], "scope": request.state.claims.get("scope")}

    @api.get("/api/sessions")
    def sessions(request: Request) -> list[dict[str, Any]]:
        mine = service.sessions(request.state.claims["sub"])
        return [{"device": s.device_id, "last_used_at": s.last_used_at} for s in mine]

    api.add_middleware(BearerAuth, verifier=verifier, public=["/login", "/docs", "/openapi.json"])
    return refresh_endpoints(service, verifier=verifier, app=jwks_endpoint(ring, app=api))


app = create_app(
    Path(os.environ.get("KEYTURN_KEYRING", "keyturn-keys.json")),
    Path(os.environ.get("KEYTURN_DB", "keyturn.db")),
)
