"""A registered client's records and the constants of the client registry (what a store keeps:
hashes of secrets and jtis, never the values)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

AuthMethod = Literal["client_secret_basic", "client_secret_post", "private_key_jwt"]
AUTH_METHODS: tuple[AuthMethod, ...] = (
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
)
SECRET_METHODS = frozenset({"client_secret_basic", "client_secret_post"})
SECRET_PREFIX = "ktc_"  # noqa: S105 (a prefix, not a secret)
#: The longest an assertion may still be valid for; it also bounds how long a jti is remembered.
MAX_ASSERTION_LIFETIME = 300
#: Signature algorithms of client keys. No HS*: ``client_secret_jwt`` would make the client's
#: secret a verification key, and keyturn stores secrets only as hashes.
ASSERTION_ALGORITHMS = (
    "EdDSA",
    "Ed25519",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
)


def secret_hash(secret: str) -> bytes:
    """The SHA-256 a store keeps of a client secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def jti_hash(jti: str) -> bytes:
    """The SHA-256 a store keeps of an assertion's ``jti`` (fixed size, whatever the client
    sent)."""
    return hashlib.sha256(jti.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True)
class Client:
    """A registered client. Holds no secret (not even its hash): safe to log and to show."""

    client_id: str
    name: str
    auth_method: AuthMethod
    scopes: tuple[str, ...]
    audiences: tuple[str, ...]
    enabled: bool
    created_at: float
    #: ``private_key_jwt`` only, exactly one of the two: the public JWKS, or where to fetch it.
    jwks: Mapping[str, Any] | None = field(default=None, compare=False)
    jwks_uri: str | None = None

    def allows_scopes(self, requested: Iterable[str]) -> bool:
        """Whether every requested scope is one this client may have."""
        return set(requested) <= set(self.scopes)

    def allows_audience(self, audience: str) -> bool:
        return audience in self.audiences


@dataclass(frozen=True)
class SecretHashes:
    """What a store keeps of a client's secrets: SHA-256 digests only. ``previous`` works while
    the clock is before ``previous_until`` (the rotation overlap)."""

    current: bytes | None
    previous: bytes | None = None
    previous_until: float | None = None

    def __repr__(self) -> str:
        return "SecretHashes(<hidden>)"


@dataclass(frozen=True)
class StoredClient:
    client: Client
    secrets: SecretHashes
