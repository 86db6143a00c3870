"""How a client proves who it is at a provider's token endpoint (OIDC Core §9, RFC 6749 §2.3).

``ClientSecretBasic`` (HTTP Basic, the RFC 6749 default), ``ClientSecretPost`` (the secret in the
form), ``PrivateKeyJWT`` (RFC 7523: a short-lived JWT signed with a keyturn ``SigningKey`` or any
``Signer``; no shared secret at all) and ``PublicClient`` (``none``: a client that cannot keep a
secret, which then relies on PKCE alone). Secrets never appear in a ``repr``.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Protocol
from urllib.parse import quote

from keyturn._core import encode
from keyturn.errors import ConfigurationError
from keyturn.signer import Signer

__all__ = [
    "ClientAuth",
    "ClientSecretBasic",
    "ClientSecretPost",
    "PrivateKeyJWT",
    "PublicClient",
]


class ClientAuth(Protocol):
    """Adds a client's credentials to one token-endpoint request."""

    @property
    def client_id(self) -> str: ...

    @property
    def method(self) -> str:
        """The ``token_endpoint_auth_method`` name (OIDC Dynamic Registration §2)."""

    def apply(self, form: dict[str, str], headers: dict[str, str], *, audience: str) -> None:
        """Write the credentials into the form or the headers; ``audience`` is the issuer."""


def _client_id(value: object) -> str:
    if not isinstance(value, str) or not value or not value.isprintable():
        raise ConfigurationError("client_id must be a non-empty printable string")
    return value


def _secret(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError("client_secret must be a non-empty string")
    return value


class PublicClient:
    """``none``: the client is named in the form and proves nothing (PKCE protects the code)."""

    method = "none"

    def __init__(self, client_id: str) -> None:
        self.client_id = _client_id(client_id)

    def apply(self, form: dict[str, str], headers: dict[str, str], *, audience: str) -> None:
        form["client_id"] = self.client_id

    def __repr__(self) -> str:
        return f"PublicClient({self.client_id!r})"


class ClientSecretBasic:
    """``client_secret_basic``: HTTP Basic with the id and secret form-encoded first (§2.3.1)."""

    method = "client_secret_basic"

    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = _client_id(client_id)
        self._secret = _secret(client_secret)

    def apply(self, form: dict[str, str], headers: dict[str, str], *, audience: str) -> None:
        # RFC 6749 §2.3.1 form-encodes both parts before Base64; a ':' in the id stays unambiguous.
        pair = f"{quote(self.client_id, safe='')}:{quote(self._secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()

    def __repr__(self) -> str:
        return f"ClientSecretBasic({self.client_id!r}, client_secret=<hidden>)"


class ClientSecretPost:
    """``client_secret_post``: the id and secret as form parameters."""

    method = "client_secret_post"

    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = _client_id(client_id)
        self._secret = _secret(client_secret)

    def apply(self, form: dict[str, str], headers: dict[str, str], *, audience: str) -> None:
        form["client_id"] = self.client_id
        form["client_secret"] = self._secret

    def __repr__(self) -> str:
        return f"ClientSecretPost({self.client_id!r}, client_secret=<hidden>)"


class PrivateKeyJWT:
    """``private_key_jwt`` (RFC 7523 §2.2): a fresh assertion per request, ``lifetime`` seconds.

    ``aud`` is the provider's issuer identifier by default, the stricter choice of
    draft-ietf-oauth-rfc7523bis (a token endpoint URL as audience let a malicious provider in a
    mix-up replay the assertion at another); pass ``audience=`` (the token endpoint URL) for a
    provider that still requires that.
    """

    method = "private_key_jwt"

    def __init__(
        self, client_id: str, key: Signer, *, audience: str | None = None, lifetime: int = 60
    ) -> None:
        self.client_id = _client_id(client_id)
        if not isinstance(key, Signer):
            raise ConfigurationError("key must be a keyturn SigningKey or a Signer")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int) or not 0 < lifetime <= 300:
            raise ConfigurationError("lifetime must be an int of 1..300 seconds")
        self._key = key
        self._audience = audience
        self._lifetime = lifetime

    def assertion(self, audience: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self._audience or audience,
            "jti": secrets.token_urlsafe(24),  # lets the provider refuse a replayed assertion
            "iat": now,
            "exp": now + self._lifetime,
        }
        return encode(claims, self._key, alg=self._key.alg)

    def apply(self, form: dict[str, str], headers: dict[str, str], *, audience: str) -> None:
        form["client_id"] = self.client_id
        form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        form["client_assertion"] = self.assertion(audience)

    def __repr__(self) -> str:
        return f"PrivateKeyJWT({self.client_id!r}, kid={self._key.kid!r})"
