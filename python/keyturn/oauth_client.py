"""One registered client at one provider: the token endpoint, revocation and userinfo.

``OAuthClient(metadata, auth)`` (or ``OAuthClient.discover(issuer, auth)``) is what every grant
shares: ``grant(form)`` authenticates the client, POSTs to the token endpoint under the back
channel's limits and returns a checked :class:`TokenResponse`. The refresh-token grant, RFC 7009
revocation and userinfo (with OIDC Core §5.3.2's ``sub`` check) live here too; the sign-in
(:mod:`keyturn.relying_party`), client credentials (:mod:`keyturn.client_credentials`) and device
authorization (:mod:`keyturn.device`) build on it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from keyturn._oauth_http import BackChannel
from keyturn.client_auth import ClientAuth
from keyturn.discovery import ProviderMetadata, discover
from keyturn.errors import ConfigurationError, ProviderError

__all__ = ["OAuthClient", "TokenResponse"]


def _invalid(message: str) -> ProviderError:
    return ProviderError(f"token response: {message}", code="provider_response_invalid")


def _optional_str(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _invalid(f"{name} is not a non-empty string")
    return value


@dataclass(frozen=True)
class TokenResponse:
    """A successful token-endpoint answer (RFC 6749 §5.1). Tokens stay out of ``repr``.

    ``expires_at`` is this process's ``time.time()`` when the access token expires (None when the
    provider did not say); ``document`` is the whole JSON answer.
    """

    access_token: str = field(repr=False)
    token_type: str
    expires_at: float | None
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    scope: str | None = None
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def parse(cls, document: Mapping[str, Any], *, now: float | None = None) -> TokenResponse:
        access = _optional_str(document, "access_token")
        if access is None:
            raise _invalid("access_token is missing")
        token_type = _optional_str(document, "token_type")
        # RFC 6749 §7.1: compared case-insensitively. DPoP-bound tokens need a proof keyturn
        # does not make, so only Bearer is accepted.
        if token_type is None or token_type.lower() != "bearer":
            raise _invalid("token_type is not Bearer")
        return cls(
            access_token=access,
            token_type="Bearer",  # noqa: S106 (a token type, not a password)
            expires_at=_expires_at(document.get("expires_in"), now),
            refresh_token=_optional_str(document, "refresh_token"),
            id_token=_optional_str(document, "id_token"),
            scope=_optional_str(document, "scope"),
            document=dict(document),
        )


def _expires_at(value: object, now: float | None) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise _invalid("expires_in is not a non-negative number")
    return (time.time() if now is None else now) + float(value)


class OAuthClient:
    """A client registered at one provider, with its authentication and back-channel limits."""

    def __init__(
        self,
        metadata: ProviderMetadata,
        auth: ClientAuth,
        *,
        back_channel: BackChannel | None = None,
    ) -> None:
        if not isinstance(metadata, ProviderMetadata):
            raise ConfigurationError("metadata must be a ProviderMetadata (see keyturn.discover)")
        self.metadata = metadata
        self.auth = auth
        self.back_channel = back_channel if back_channel is not None else BackChannel()

    @classmethod
    def discover(
        cls, issuer: str, auth: ClientAuth, *, back_channel: BackChannel | None = None
    ) -> OAuthClient:
        """Discovery (exact issuer match) under the same limits as every later request."""
        channel = back_channel if back_channel is not None else BackChannel()
        metadata = discover(
            issuer,
            timeout=channel.timeout,
            max_bytes=channel.max_bytes,
            ssl_context=channel.ssl_context,
        )
        return cls(metadata, auth, back_channel=channel)

    @property
    def client_id(self) -> str:
        return self.auth.client_id

    def __repr__(self) -> str:
        return f"OAuthClient({self.metadata.issuer!r}, {self.auth!r})"

    def endpoint(self, name: str) -> str:
        """A metadata endpoint this operation needs; ConfigurationError if the provider has none."""
        url = getattr(self.metadata, name)
        if not isinstance(url, str):
            raise ConfigurationError(f"the provider publishes no {name}")
        return url

    def authenticated(
        self, form: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The form and headers of a request to a client-authenticated endpoint."""
        form_out, headers_out = dict(form), dict(headers or {})
        self.auth.apply(form_out, headers_out, audience=self.metadata.issuer)
        return form_out, headers_out

    def grant(self, form: Mapping[str, str]) -> TokenResponse:
        """POST a grant to the token endpoint; a checked answer, or GrantError/ProviderError."""
        url = self.endpoint("token_endpoint")
        body, headers = self.authenticated(form)
        return TokenResponse.parse(self.back_channel.post_form(url, body, headers))

    async def agrant(self, form: Mapping[str, str]) -> TokenResponse:
        return await asyncio.to_thread(self.grant, form)

    def refresh(self, refresh_token: str, *, scope: str | None = None) -> TokenResponse:
        """The refresh-token grant (RFC 6749 §6). A new refresh token, if any, replaces the old:
        providers that rotate refuse the old one from now on."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if scope is not None:
            form["scope"] = scope
        return self.grant(form)

    async def arefresh(self, refresh_token: str, *, scope: str | None = None) -> TokenResponse:
        return await asyncio.to_thread(lambda: self.refresh(refresh_token, scope=scope))

    def revoke(
        self,
        token: str,
        *,
        token_type_hint: str = "refresh_token",  # noqa: S107 (a hint, not a password)
    ) -> None:
        """RFC 7009: the provider forgets ``token`` (a 200 also for a token it did not know)."""
        url = self.endpoint("revocation_endpoint")
        form, headers = self.authenticated({"token": token, "token_type_hint": token_type_hint})
        self.back_channel.post_expecting_no_body(url, form, headers)

    async def arevoke(self, token: str, *, token_type_hint: str = "refresh_token") -> None:  # noqa: S107
        await asyncio.to_thread(lambda: self.revoke(token, token_type_hint=token_type_hint))

    def userinfo(self, access_token: str, *, subject: str) -> dict[str, Any]:
        """The userinfo claims, refused unless they describe ``subject`` (the id_token's ``sub``):
        OIDC Core §5.3.2, so a token substituted for another user's cannot change who signs in."""
        url = self.endpoint("userinfo_endpoint")
        claims = self.back_channel.get_json(url, {"Authorization": f"Bearer {access_token}"})
        if claims.get("sub") != subject:
            raise ProviderError(
                "userinfo describes another subject than the id_token",
                code="userinfo_subject_mismatch",
            )
        return claims

    async def auserinfo(self, access_token: str, *, subject: str) -> dict[str, Any]:
        return await asyncio.to_thread(lambda: self.userinfo(access_token, subject=subject))
