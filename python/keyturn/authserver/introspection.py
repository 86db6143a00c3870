"""``POST /oauth/introspect`` (RFC 7662): is this token active, and what does it say.

Only an authenticated client may ask (§2.1; ``invalid_client`` otherwise), and it learns only about
tokens it may see (``_tokens``: its own, or addressed to its audiences). An access token is active
when keyturn's verifier accepts it now, the revocation list included; a refresh token when
rotating it now would succeed (not used, not expired, its family not revoked). Everything else,
junk and other clients' tokens included, is ``{"active": false}`` and nothing more (§2.2).
Introspecting never changes a token.
"""

from __future__ import annotations

from typing import Any

from keyturn.asgi._http import NO_STORE, Receive, Request, Send, respond
from keyturn.authserver._tokens import TokenReader

__all__ = ["IntrospectionEndpoint"]

#: The claims an active answer carries (RFC 7662 §2.2), when the token has them.
_MEMBERS = ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "nbf", "jti")


class IntrospectionEndpoint:
    def __init__(self, reader: TokenReader) -> None:
        self._read = reader

    async def __call__(self, request: Request, receive: Receive, send: Send) -> None:
        _, found = await self._read(request, receive)
        answer: dict[str, Any] = {"active": False}
        if found.active:
            answer = {"active": True, "token_type": found.kind}
            answer.update({name: found.claims[name] for name in _MEMBERS if name in found.claims})
        await respond(send, 200, answer, NO_STORE)
