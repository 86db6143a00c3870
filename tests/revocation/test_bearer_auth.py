"""A revoked access token is refused at the HTTP edge: BearerAuth answers 401 with the
``token_revoked`` code before the app runs (direct ASGI calls)."""

from __future__ import annotations

import asyncio
from typing import Any

import keyturn as kt
from keyturn.asgi import BearerAuth


def call(app: Any, token: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/me",
        "scheme": "http",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body = scope["state"]["claims"]["sub"].encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_a_revoked_token_is_a_401_with_its_code() -> None:
    issuer = kt.Issuer(kt.Keyring.generate(), issuer="https://auth.test", audience="api.test")
    revocations = kt.Revocations(kt.MemoryRevocationStore())
    app = BearerAuth(echo, issuer.verifier(revocations=revocations, cache=64))
    token = issuer.issue("user-1")
    assert call(app, token)[0]["status"] == 200
    revocations.revoke(issuer.verifier().verify(token))
    start = call(app, token)[0]
    assert start["status"] == 401
    challenge = dict(start["headers"])[b"www-authenticate"]
    assert b'error="invalid_token"' in challenge
    assert b'error_description="token_revoked"' in challenge
