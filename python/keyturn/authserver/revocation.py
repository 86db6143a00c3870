"""``POST /oauth/revoke`` (RFC 7009): end a token before its time.

A refresh token ends its whole family (``TokenService.logout``: every refresh token of that login
and the access tokens it would mint). An access token goes on the ``jti`` denylist
(``Revocations``) until it would have expired; without a ``Revocations`` configured, revoking an
access token is ``unsupported_token_type`` (§2.2.1), the honest answer.

Only an authenticated client may revoke, and only tokens it may see (``_tokens``). The answer is
200 for unknown, invalid, expired, already revoked and other clients' tokens alike (§2.2: "invalid
tokens do not cause an error"), so revoking tells nothing about a token. ``token_type_hint`` is
ignored (§2.1 allows it): a refresh token's ``ktr_`` shape already says which kind it is.
"""

from __future__ import annotations

import contextlib

from keyturn.asgi._http import NO_STORE, Receive, Request, Send, call, respond
from keyturn.authserver._oauth import OAuthError
from keyturn.authserver._tokens import TokenReader
from keyturn.errors import RefreshError
from keyturn.revocation import Revocations

__all__ = ["RevocationEndpoint"]


class RevocationEndpoint:
    def __init__(self, reader: TokenReader, *, revocations: Revocations | None) -> None:
        self._read = reader
        self._revocations = revocations

    async def __call__(self, request: Request, receive: Receive, send: Send) -> None:
        token, found = await self._read(request, receive)
        # A used refresh token still ends its family: whoever revokes it held the family once.
        if found.active or found.kind == "refresh_token":
            await self._revoke(token, found.kind, found.claims)
        await respond(send, 200, None, NO_STORE)

    async def _revoke(self, token: str, kind: str, claims: dict[str, object]) -> None:
        if kind == "refresh_token":
            families = self._read.families
            assert families is not None  # read() finds refresh tokens only in families
            with contextlib.suppress(RefreshError):  # gone in between: the outcome is the same
                await call(families.logout, token)
            return
        if self._revocations is None:
            raise OAuthError("unsupported_token_type", "access tokens cannot be revoked here")
        await self._revocations.arevoke(claims)  # a sync store runs in a worker thread
