"""The JWKS endpoint: a keyring's public keys, cached as long as the rotation schedule allows."""

from __future__ import annotations

import json
from typing import Any, Protocol

from keyturn.asgi._http import (
    JSON_TYPE,
    ASGIApp,
    Receive,
    Scope,
    Send,
    method_not_allowed,
    not_found,
)


class KeySet(Protocol):
    """What the JWKS endpoint needs from a :class:`keyturn.Keyring`."""

    def jwks(self) -> dict[str, Any]: ...

    def max_age_hint(self) -> int: ...


def jwks_endpoint(
    keyring: KeySet, *, path: str = "/.well-known/jwks.json", app: ASGIApp = not_found
) -> ASGIApp:
    """Serve ``keyring.jwks()`` (public keys only) at ``path``, with ``Cache-Control`` from the
    rotation schedule so verifiers learn a *next* key before it signs anything."""
    wrong_method = method_not_allowed("GET, HEAD")

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != path:
            await app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await wrong_method(send)
            return
        body = json.dumps(keyring.jwks(), separators=(",", ":")).encode()
        cache = f"public, max-age={int(keyring.max_age_hint())}".encode()
        length = str(len(body)).encode()
        headers = [JSON_TYPE, (b"cache-control", cache), (b"content-length", length)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    return endpoint
