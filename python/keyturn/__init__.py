"""keyturn: strict, fast token authentication.

Ed25519-signed access tokens, claim validation that cannot be talked out of its checks, signing
keys that rotate through a published JWKS, and opaque refresh tokens with rotation and reuse
detection.
"""

from __future__ import annotations

from keyturn._core import HmacKey, SigningKey, VerifyingKey, encode
from keyturn.asgi import BearerAuth, jwks_endpoint, refresh_endpoints
from keyturn.errors import (
    AlgorithmNotAllowed,
    ConfigurationError,
    ExpiredRefresh,
    ExpiredToken,
    InvalidAudience,
    InvalidClaim,
    InvalidIssuer,
    InvalidKey,
    InvalidRefresh,
    InvalidSignature,
    InvalidType,
    JWKSError,
    KeyringError,
    KeyturnError,
    MalformedToken,
    MissingClaim,
    NotYetValid,
    RefreshError,
    ReplayedRefresh,
    RevokedRefresh,
    StoreError,
    TokenError,
    TokenRevoked,
    UnknownKey,
)
from keyturn.jwks import RemoteJWKS
from keyturn.keyring import KeyInfo, Keyring, KeyState
from keyturn.refresh import AsyncTokenService, DeviceSession, TokenPair, TokenService
from keyturn.refresh.stores import (
    AsyncPostgresStore,
    AsyncRedisStore,
    MemoryStore,
    PostgresStore,
    RedisStore,
    SQLiteStore,
)
from keyturn.revocation import Revocations
from keyturn.revocation_stores import (
    PostgresRevocationStore,
    RedisRevocationStore,
    SQLiteRevocationStore,
)
from keyturn.signer import Signer
from keyturn.stores import Backend, open_backend
from keyturn.stores.memory import MemoryRevocationStore
from keyturn.tokens import Issuer, KeySource, Verifier, decode

__all__ = [
    "AlgorithmNotAllowed",
    "AsyncPostgresStore",
    "AsyncRedisStore",
    "AsyncTokenService",
    "Backend",
    "BearerAuth",
    "ConfigurationError",
    "DeviceSession",
    "ExpiredRefresh",
    "ExpiredToken",
    "HmacKey",
    "InvalidAudience",
    "InvalidClaim",
    "InvalidIssuer",
    "InvalidKey",
    "InvalidRefresh",
    "InvalidSignature",
    "InvalidType",
    "Issuer",
    "JWKSError",
    "KeyInfo",
    "KeySource",
    "KeyState",
    "Keyring",
    "KeyringError",
    "KeyturnError",
    "MalformedToken",
    "MemoryRevocationStore",
    "MemoryStore",
    "MissingClaim",
    "NotYetValid",
    "PostgresRevocationStore",
    "PostgresStore",
    "RedisRevocationStore",
    "RedisStore",
    "RefreshError",
    "RemoteJWKS",
    "ReplayedRefresh",
    "Revocations",
    "RevokedRefresh",
    "SQLiteRevocationStore",
    "SQLiteStore",
    "Signer",
    "SigningKey",
    "StoreError",
    "TokenError",
    "TokenPair",
    "TokenRevoked",
    "TokenService",
    "UnknownKey",
    "Verifier",
    "VerifyingKey",
    "decode",
    "encode",
    "jwks_endpoint",
    "open_backend",
    "refresh_endpoints",
]
