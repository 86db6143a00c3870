"""The OpenID Connect id_token profile (OIDC Core 1.0 §3.1.3.7), signature always verified.

``IdTokenVerifier(metadata, client_id)`` checks, in order: the signature with the provider's
keys under ``id_token_signing_alg_values_supported`` ∩ what keyturn verifies (never ``none``,
never an HMAC algorithm keyed by the client secret); ``exp``, ``iat``, ``sub``, ``iss``, ``aud``
present; ``iss`` exactly the provider's issuer (for an Entra ``{tenantid}`` template: the template
filled with the token's ``tid``); ``aud`` contains ``client_id`` and no audience the caller did
not trust; ``azp`` present when ``aud`` has several values, and equal to ``client_id`` whenever
present; ``nonce`` equal to the caller's (and a nonce nobody asked for refused); ``auth_time``
present and recent enough when ``max_age`` is given; ``at_hash``/``c_hash`` when the caller
passes the access token / code. openid-client skips the signature for id_tokens from the token
endpoint; keyturn never does.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Collection
from typing import Any

from keyturn._core import constant_time_eq
from keyturn.discovery import TENANT_PLACEHOLDER, ProviderMetadata
from keyturn.errors import (
    ConfigurationError,
    InvalidAudience,
    InvalidClaim,
    InvalidIssuer,
    MissingClaim,
)
from keyturn.jwks import RemoteJWKS
from keyturn.key_source import Keys
from keyturn.tokens import Verifier

__all__ = ["ID_TOKEN_ALGORITHMS", "IdTokenVerifier"]

#: What keyturn verifies in an id_token. HS* is left out: an HMAC id_token is keyed by the client
#: secret, which a verifier of provider tokens should not hold as a verification key.
ID_TOKEN_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
)
#: The hash behind at_hash/c_hash for each algorithm (OIDC Core §3.1.3.6, §3.3.2.11).
_HASHES = {
    **{
        f"{family}{bits}": f"sha{bits}" for family in ("RS", "PS", "ES") for bits in (256, 384, 512)
    },
    "EdDSA": "sha512",
    "Ed25519": "sha512",
}
_TENANT_ID_MAX = 64


class IdTokenVerifier:
    """Verifies id_tokens from one provider for one client.

    ``keys`` defaults to ``RemoteJWKS(metadata.jwks_uri)``; ``trusted_audiences`` are other
    audiences an id_token may also name (none by default); ``leeway`` as for ``Verifier``.
    """

    def __init__(
        self,
        metadata: ProviderMetadata,
        client_id: str,
        *,
        keys: Keys | None = None,
        trusted_audiences: Collection[str] = (),
        leeway: float = 0,
    ) -> None:
        if not isinstance(client_id, str) or not client_id:
            raise ConfigurationError("client_id must be a non-empty string")
        algorithms = [
            alg
            for alg in metadata.id_token_signing_alg_values_supported
            if alg in ID_TOKEN_ALGORITHMS
        ]
        if not algorithms:
            raise ConfigurationError(
                "the provider signs id_tokens with no algorithm keyturn verifies: "
                f"{list(metadata.id_token_signing_alg_values_supported)}"
            )
        self._metadata = metadata
        self._client_id = client_id
        self._audiences = frozenset({client_id, *trusted_audiences})
        self._leeway = leeway
        self._verifier = Verifier(
            keys=keys if keys is not None else RemoteJWKS(metadata.jwks_uri),
            # A {tenantid} issuer is checked below, once the token's tid is known.
            issuer=None if metadata.multi_tenant else metadata.issuer,
            audience=client_id,
            algorithms=algorithms,
            leeway=leeway,
            require=("exp", "iat", "sub", "iss", "aud"),
        )

    @property
    def algorithms(self) -> tuple[str, ...]:
        return self._verifier.algorithms

    def verify(
        self,
        token: str | bytes,
        *,
        nonce: str | None = None,
        max_age: float | None = None,
        access_token: str | None = None,
        code: str | None = None,
        now: float | None = None,
    ) -> dict[str, Any]:
        """The id_token's claims, or the ``TokenError`` subclass of the first rule it breaks."""
        header, claims = self._verifier.verify_complete(token, now)
        self._check_issuer(claims)
        self._check_audience(claims)
        _check_nonce(claims, nonce)
        if max_age is not None:
            self._check_auth_time(claims, max_age, now)
        alg = header["alg"]
        if access_token is not None:
            _check_hash(claims, "at_hash", access_token, alg)
        if code is not None:
            _check_hash(claims, "c_hash", code, alg)
        return claims

    def _check_issuer(self, claims: dict[str, Any]) -> None:
        template = self._metadata.issuer
        if not self._metadata.multi_tenant:
            return  # compared exactly in Rust
        tid = claims.get("tid")
        if not isinstance(tid, str) or not _plausible_tenant(tid):
            raise InvalidIssuer(
                "a multi-tenant id_token needs a tid naming its tenant", claim="tid"
            )
        if claims["iss"] != template.replace(TENANT_PLACEHOLDER, tid):
            raise InvalidIssuer("iss is not the issuer template filled with tid", claim="iss")

    def _check_audience(self, claims: dict[str, Any]) -> None:
        aud = claims["aud"]
        audiences = [aud] if isinstance(aud, str) else aud
        untrusted = [a for a in audiences if a not in self._audiences]
        if untrusted:
            raise InvalidAudience("aud names an audience this client does not trust", claim="aud")
        azp = claims.get("azp")
        if len(audiences) > 1 and azp is None:
            raise MissingClaim("azp is required when aud has several values", claim="azp")
        if azp is not None and azp != self._client_id:
            raise InvalidClaim("azp is not this client", claim="azp")

    def _check_auth_time(self, claims: dict[str, Any], max_age: float, now: float | None) -> None:
        auth_time = claims.get("auth_time")
        if auth_time is None:
            raise MissingClaim("auth_time is required when max_age is given", claim="auth_time")
        if isinstance(auth_time, bool) or not isinstance(auth_time, (int, float)):
            raise InvalidClaim("auth_time must be a number", claim="auth_time")
        moment = now if now is not None else time.time()
        if moment > auth_time + max_age + self._leeway:
            raise InvalidClaim("the authentication is older than max_age", claim="auth_time")


def _plausible_tenant(tid: str) -> bool:
    """A tenant id fills one path segment: no separator, no way to climb or inject."""
    return 0 < len(tid) <= _TENANT_ID_MAX and all(c.isalnum() or c in "-._" for c in tid)


def _check_nonce(claims: dict[str, Any], nonce: str | None) -> None:
    got = claims.get("nonce")
    if nonce is None:
        if got is not None:
            raise InvalidClaim("the id_token carries a nonce nobody asked for", claim="nonce")
        return
    if got is None:
        raise MissingClaim("nonce is required: one was sent with the request", claim="nonce")
    if not isinstance(got, str) or not constant_time_eq(got.encode(), nonce.encode()):
        raise InvalidClaim("nonce does not match the request's", claim="nonce")


def _check_hash(claims: dict[str, Any], name: str, value: str, alg: str) -> None:
    """at_hash / c_hash: base64url of the left half of the alg's hash of the ASCII value."""
    got = claims.get(name)
    if got is None:
        raise MissingClaim(f"{name} is required when the caller checks it", claim=name)
    digest = hashlib.new(_HASHES[alg], value.encode()).digest()
    expected = base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=")
    if not isinstance(got, str) or not constant_time_eq(got.encode(), expected):
        raise InvalidClaim(f"{name} does not match", claim=name)
