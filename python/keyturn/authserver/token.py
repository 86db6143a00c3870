"""``POST /oauth/token`` (RFC 6749 §3.2): the ``client_credentials`` grant (§4.4) for registered
clients, and the ``refresh_token`` grant (§6) for the refresh families keyturn already keeps.

client_credentials
    The client authenticates (``client_secret_basic``, ``client_secret_post`` or
    ``private_key_jwt``). ``scope`` must name only scopes the client is registered for
    (``invalid_scope`` otherwise); without ``scope`` the token carries every scope the client is
    registered for (RFC 6749 §3.3 lets the server pick a documented default; the registration is
    the operator's statement of what the client needs). ``resource`` (RFC 8707) or ``audience``
    names the one audience the token is for, which must be one the client is registered for
    (``invalid_target`` otherwise); without either the token is for all of them. The access token
    follows RFC 9068: ``typ: at+jwt``, ``sub`` = ``client_id`` = the client's id, ``scope``,
    ``aud``, ``jti``, ``iat``, ``exp``. No refresh token (§4.4.3: the client can always ask again).

refresh_token
    ``TokenService.rotate``, with its reuse detection: a token presented twice ends the family.
    A family issued to a registered client (``client_id`` in its claims) is rotated only for that
    client, authenticated; a family of a user's login (no client) is rotated as ``/auth/refresh``
    does, for whoever holds the token, and refused (``invalid_grant``) to a registered client,
    which was never its holder (§6: "ensure that the refresh token was issued to the authenticated
    client"). ``scope`` may only repeat the family's grant: a family cannot be narrowed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from keyturn.asgi._http import NO_STORE, Receive, Request, Send, call, respond
from keyturn.asgi.cookies import seconds_until
from keyturn.authserver._oauth import OAuthError, read_form
from keyturn.authserver._tokens import Families, snapshot
from keyturn.authserver.authentication import Authenticator, invalid_client
from keyturn.clients import Client
from keyturn.errors import RefreshError
from keyturn.issuer import Issuer, SigningSource

__all__ = ["TokenEndpoint"]

#: RFC 6749 §3.3 scope-token.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")

Grant = Callable[[Request, dict[str, str]], Awaitable[dict[str, Any]]]


def requested_scopes(form: dict[str, str]) -> list[str] | None:
    """The ``scope`` parameter's scopes (§3.3: space-delimited), or None when not given."""
    value = form.get("scope")
    if value is None:
        return None
    names = value.split(" ")
    if not all(_SCOPE_TOKEN.fullmatch(name) for name in names):
        raise OAuthError("invalid_scope", "scope must be scope-tokens separated by single spaces")
    return names


class TokenEndpoint:
    """``POST /oauth/token``; see the module documentation."""

    def __init__(
        self,
        authenticator: Authenticator,
        *,
        keys: SigningSource,
        issuer: Issuer,
        families: Families | None,
    ) -> None:
        self._authenticator = authenticator
        self._keys = keys
        self._issuer = issuer
        self._families = families
        self._issuers: dict[tuple[str, ...], Issuer] = {}
        self._grants: dict[str, Grant] = {"client_credentials": self.client_credentials}
        if families is not None:
            self._grants["refresh_token"] = self.refresh_token

    async def __call__(self, request: Request, receive: Receive, send: Send) -> None:
        form = await read_form(request, receive)
        grant_type = form.get("grant_type")
        if grant_type is None:
            raise OAuthError("invalid_request", "grant_type missing")
        grant = self._grants.get(grant_type)
        if grant is None:
            raise OAuthError("unsupported_grant_type", "supported: " + ", ".join(self._grants))
        await respond(send, 200, await grant(request, form), NO_STORE)

    # --- client_credentials ------------------------------------------------------------------

    async def client_credentials(self, request: Request, form: dict[str, str]) -> dict[str, Any]:
        client = await self._authenticator.required(request, form)
        requested = requested_scopes(form)
        if requested is not None and not client.allows_scopes(requested):
            raise OAuthError("invalid_scope", "a requested scope is not granted to this client")
        granted = sorted(set(client.scopes if requested is None else requested))
        audience = self._audience(client, form)
        scope = " ".join(granted) or None
        token = self._issuer_for(audience).issue(
            client.client_id, client_id=client.client_id, scope=scope
        )
        answer: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self._issuer.ttl,
        }
        if scope is not None:
            answer["scope"] = scope
        return answer

    @staticmethod
    def _audience(client: Client, form: dict[str, str]) -> tuple[str, ...]:
        named = {form[name] for name in ("resource", "audience") if name in form}
        if len(named) > 1:
            raise OAuthError("invalid_request", "resource and audience name different audiences")
        if not named:
            return client.audiences
        audience = named.pop()
        if not client.allows_audience(audience):
            raise OAuthError("invalid_target", "the audience is not granted to this client")
        return (audience,)

    def _issuer_for(self, audience: Sequence[str]) -> Issuer:
        """An issuer signing for these audiences (one per set: clients have few)."""
        key = tuple(audience)
        issuer = self._issuers.get(key)
        if issuer is None:
            issuer = Issuer(
                self._keys,
                issuer=self._issuer.issuer,
                audience=key,
                ttl=self._issuer.ttl,
                typ=self._issuer.typ,
            )
            self._issuers[key] = issuer
        return issuer

    # --- refresh_token -------------------------------------------------------------------------

    async def refresh_token(self, request: Request, form: dict[str, str]) -> dict[str, Any]:
        assert self._families is not None  # the grant is offered only with families
        client = await self._authenticator.client(request, form)
        token = form.get("refresh_token")
        if token is None:
            raise OAuthError("invalid_request", "refresh_token missing")
        found = await snapshot(self._families, token)
        if found is None:
            raise OAuthError("invalid_grant", "refresh_invalid")
        holder = found.family.claims.get("client_id")
        if holder is not None and client is None:
            raise invalid_client()
        if client is not None and holder != client.client_id:
            raise OAuthError("invalid_grant", "the refresh token was not issued to this client")
        requested = requested_scopes(form)
        if requested is not None and set(requested) != set(
            str(found.family.claims.get("scope", "")).split()
        ):
            raise OAuthError("invalid_scope", "a refresh keeps the family's scope")
        try:
            pair = await call(self._families.rotate, token)
        except RefreshError as error:
            raise OAuthError("invalid_grant", error.code) from None
        return {
            "access_token": pair.access,
            "token_type": "Bearer",
            "expires_in": seconds_until(pair.access_expires_at),
            "refresh_token": pair.refresh,
        }
