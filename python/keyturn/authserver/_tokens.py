"""Reading a presented token without using it, and who may see it.

A refresh token is read from its family's store (``load``, never ``rotate``: introspecting a
token must not spend it or trip reuse detection); an access token is verified by keyturn's own
verifier, with the revocation list.

Visibility (RFC 7662 §2.2 leaves it to the server; RFC 7009 §2.1 asks for the token's own client)
is the stricter reading of both: a client may introspect or revoke a token that was issued to it
(its ``client_id``), or a token addressed to an audience it is registered for (a resource server
checking the tokens it receives). A refresh family issued without a client (a user's login) is
addressed to the audience of the access tokens it mints. Any other token is answered as if it did
not exist: ``{"active": false}``, and a revocation that does nothing, so a client cannot learn
which tokens exist by asking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from keyturn.asgi._http import Receive, Request, call
from keyturn.authserver._oauth import OAuthError, read_form
from keyturn.authserver.authentication import Authenticator
from keyturn.clients import Client
from keyturn.errors import RefreshError, TokenError
from keyturn.issuer import Issuer
from keyturn.refresh import format as token_format
from keyturn.refresh import rules
from keyturn.refresh.records import Snapshot
from keyturn.refresh.store import AsyncStore, Store
from keyturn.revocation import Revocations
from keyturn.tokens import Verifier

__all__ = ["AccessTokens", "Families", "KnownToken", "TokenReader", "read", "snapshot"]


class Families(Protocol):
    """What the endpoints need from a :class:`keyturn.TokenService` (or the async one)."""

    @property
    def store(self) -> Store | AsyncStore: ...

    def rotate(self, refresh: str) -> Any: ...

    def logout(self, refresh: str) -> Any: ...


@dataclass(frozen=True)
class KnownToken:
    """A token as this server knows it: its kind, whether it is active, and what it says.

    ``claims`` are the RFC 7662 members (``sub``, ``scope``, ``client_id``, ``exp``, ``iat``,
    ...) of an active token, or of a refresh token's family whatever its state.
    """

    kind: str  # "access_token" | "refresh_token" | "unknown"
    active: bool
    claims: dict[str, Any]

    def visible_to(self, client: Client) -> bool:
        if self.claims.get("client_id") == client.client_id:
            return True
        audience = self.claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience or []
        return any(client.allows_audience(name) for name in audiences)


UNKNOWN = KnownToken("unknown", False, {})


async def snapshot(families: Families, token: str) -> Snapshot | None:
    """The refresh token's record and family, or None (malformed or not known)."""
    try:
        parsed = token_format.parse(token)
    except RefreshError:
        return None
    found: Snapshot | None = await call(families.store.load, parsed.token_hash, parsed.family_id)
    return found


def family_claims(found: Snapshot, audience: str | list[str]) -> dict[str, Any]:
    family = found.family
    claims = {name: family.claims[name] for name in ("scope", "client_id") if name in family.claims}
    return {
        **claims,
        "sub": family.user_id,
        "aud": audience,
        "iat": int(found.token.issued_at),
        "exp": int(found.token.expires_at),
    }


class AccessTokens:
    """Verifies access tokens for one client: keyturn's issuer, ``typ``, keys and revocation
    list, and an audience the client is registered for. (A token issued to the client is
    addressed to its audiences, so this is the whole visibility rule for access tokens but the
    ``client_id`` check.) One verifier per audience set: clients have few."""

    def __init__(self, issuer: Issuer, revocations: Revocations | None) -> None:
        self._issuer = issuer
        self._revocations = revocations
        self._verifiers: dict[tuple[str, ...], Verifier] = {}

    def verifier(self, client: Client) -> Verifier:
        verifier = self._verifiers.get(client.audiences)
        if verifier is None:
            verifier = self._issuer.verifier(
                audience=client.audiences, revocations=self._revocations
            )
            self._verifiers[client.audiences] = verifier
        return verifier


async def read(
    token: str,
    client: Client,
    *,
    families: Families | None,
    access: AccessTokens,
    audience: str | list[str],
) -> KnownToken:
    """What ``token`` is, as ``client`` may know it (a refresh token by its ``ktr_`` shape, else
    an access token); ``UNKNOWN`` for a token the client may not see."""
    if token.startswith(token_format.PREFIX):
        found = None if families is None else await snapshot(families, token)
        if found is None:
            return UNKNOWN
        # Active exactly when rotating it now would succeed (not used, expired or revoked).
        active = rules.decide(found, time.time(), 0) is rules.Outcome.ROTATE
        presented = KnownToken("refresh_token", active, family_claims(found, audience))
    else:
        try:
            claims = await access.verifier(client).averify(token)
        except TokenError:
            return UNKNOWN
        presented = KnownToken("access_token", True, claims)
    return presented if presented.visible_to(client) else UNKNOWN


class TokenReader:
    """What introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1) both do first: read the
    form of a request from an authenticated client (``invalid_client`` otherwise), take its
    ``token`` (``invalid_request`` without one), and read that token as the client may see it."""

    def __init__(
        self,
        authenticator: Authenticator,
        *,
        access: AccessTokens,
        families: Families | None,
        audience: str | list[str],
    ) -> None:
        self._authenticator = authenticator
        self._access = access
        self.families = families
        self._audience = audience

    async def __call__(self, request: Request, receive: Receive) -> tuple[str, KnownToken]:
        form = await read_form(request, receive)
        client = await self._authenticator.required(request, form)
        token = form.get("token")
        if token is None:
            raise OAuthError("invalid_request", "token missing")
        found = await read(
            token, client, families=self.families, access=self._access, audience=self._audience
        )
        return token, found
