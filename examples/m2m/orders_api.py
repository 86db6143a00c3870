"""The orders service: a resource server that trusts keyturn's tokens and nothing else.

It finds keyturn the way it would find any issuer, by discovery (``RemoteJWKS.from_issuer``), and
accepts a request only with an access token that keyturn signed for this service's audience and
that carries the scope the route needs::

    KEYTURN_ISSUER=http://127.0.0.1:8000 uvicorn --factory examples.m2m.orders_api:build --port 8001

(start ``keyturn serve`` first: ``build`` runs discovery). See billing_job.py for the
caller, and docs/service-to-service.md for the whole walk-through.
"""

from __future__ import annotations

import json
import os
from typing import Any

import keyturn as kt
from keyturn.asgi import ASGIApp, BearerAuth, Receive, Scope, Send

ISSUER = os.environ.get("KEYTURN_ISSUER", "http://127.0.0.1:8000")
AUDIENCE = os.environ.get("ORDERS_AUDIENCE", "https://orders.internal")
ORDERS = [{"id": 1, "total": "12.50"}, {"id": 2, "total": "7.00"}]


async def orders(scope: Scope, receive: Receive, send: Send) -> None:
    """GET /orders: the orders, and which client asked (from the verified token)."""
    if scope["type"] != "http":
        return
    claims: dict[str, Any] = scope["state"]["claims"]
    body = json.dumps({"orders": ORDERS, "caller": claims["client_id"]}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def build(issuer: str = ISSUER, audience: str = AUDIENCE) -> ASGIApp:
    verifier = kt.Verifier(
        keys=kt.RemoteJWKS.from_issuer(issuer),  # the JWKS keyturn's metadata names
        issuer=issuer,
        audience=audience,  # a token keyturn signed for another service is refused here
        typ="at+jwt",  # RFC 9068 access tokens only
    )
    return BearerAuth(orders, verifier, scopes={"/orders": "orders:read"})
