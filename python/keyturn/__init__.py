"""keyturn: strict, fast token authentication.

Ed25519-signed access tokens, claim validation that cannot be talked out of its checks, signing
keys that rotate through a published JWKS, and opaque refresh tokens with rotation and reuse
detection.
"""

from __future__ import annotations

from keyturn._core import HmacKey, SigningKey, VerifyingKey, encode
from keyturn._keyring_entry import KeyState
from keyturn._oauth_http import BackChannel
from keyturn.asgi import BearerAuth, jwks_endpoint, refresh_endpoints
from keyturn.client_auth import ClientSecretBasic, ClientSecretPost, PrivateKeyJWT, PublicClient
from keyturn.client_credentials import ClientCredentials
from keyturn.clients import AsyncClientRegistry, Client, ClientRegistry
from keyturn.discovery import ProviderMetadata, discover
from keyturn.errors import (
    AlgorithmNotAllowed,
    ClientAuthError,
    ClientError,
    ConfigurationError,
    ExpiredRefresh,
    ExpiredSession,
    ExpiredToken,
    GrantError,
    InvalidAudience,
    InvalidClaim,
    InvalidIssuer,
    InvalidKey,
    InvalidRefresh,
    InvalidSession,
    InvalidSignature,
    InvalidType,
    JWKSError,
    KeyringError,
    KeyturnError,
    LoginError,
    MalformedToken,
    MissingClaim,
    NotYetValid,
    ProviderError,
    RefreshError,
    ReplayedRefresh,
    RevokedRefresh,
    SessionError,
    StoreError,
    TokenError,
    TokenRevoked,
    UnknownKey,
)
from keyturn.issuer import Issuer
from keyturn.jwks import RemoteJWKS
from keyturn.key_source import KeySource
from keyturn.keyring import KeyInfo, Keyring
from keyturn.oauth_client import OAuthClient, TokenResponse
from keyturn.oidc import IdTokenVerifier
from keyturn.refresh import AsyncTokenService, DeviceSession, TokenPair, TokenService
from keyturn.relying_party import Login, LoginStart, RelyingParty
from keyturn.revocation import Revocations
from keyturn.sessions import (
    AsyncSessionService,
    LoggedOut,
    Session,
    SessionService,
    StartedSession,
)
from keyturn.signer import Signer
from keyturn.stores import AsyncBackend, Backend, open_async_backend, open_backend
from keyturn.stores.memory import (
    MemoryClientStore,
    MemoryLoginStates,
    MemoryRevocationStore,
    MemorySessionStore,
    MemoryStore,
)
from keyturn.stores.postgres import (
    AsyncPostgresClientStore,
    AsyncPostgresRevocationStore,
    AsyncPostgresStore,
    PostgresClientStore,
    PostgresRevocationStore,
    PostgresStore,
)
from keyturn.stores.postgres.login_states import AsyncPostgresLoginStates, PostgresLoginStates
from keyturn.stores.postgres.sessions import AsyncPostgresSessionStore, PostgresSessionStore
from keyturn.stores.redis import (
    AsyncRedisClientStore,
    AsyncRedisRevocationStore,
    AsyncRedisStore,
    RedisClientStore,
    RedisRevocationStore,
    RedisStore,
)
from keyturn.stores.redis.login_states import AsyncRedisLoginStates, RedisLoginStates
from keyturn.stores.redis.sessions import AsyncRedisSessionStore, RedisSessionStore
from keyturn.stores.sqlite import SQLiteClientStore, SQLiteRevocationStore, SQLiteStore
from keyturn.stores.sqlite.login_states import SQLiteLoginStates
from keyturn.stores.sqlite.sessions import SQLiteSessionStore
from keyturn.tokens import Verifier, decode

__all__ = [
    "AlgorithmNotAllowed",
    "AsyncBackend",
    "AsyncClientRegistry",
    "AsyncPostgresClientStore",
    "AsyncPostgresLoginStates",
    "AsyncPostgresRevocationStore",
    "AsyncPostgresSessionStore",
    "AsyncPostgresStore",
    "AsyncRedisClientStore",
    "AsyncRedisLoginStates",
    "AsyncRedisRevocationStore",
    "AsyncRedisSessionStore",
    "AsyncRedisStore",
    "AsyncSessionService",
    "AsyncTokenService",
    "BackChannel",
    "Backend",
    "BearerAuth",
    "Client",
    "ClientAuthError",
    "ClientCredentials",
    "ClientError",
    "ClientRegistry",
    "ClientSecretBasic",
    "ClientSecretPost",
    "ConfigurationError",
    "DeviceSession",
    "ExpiredRefresh",
    "ExpiredSession",
    "ExpiredToken",
    "GrantError",
    "HmacKey",
    "IdTokenVerifier",
    "InvalidAudience",
    "InvalidClaim",
    "InvalidIssuer",
    "InvalidKey",
    "InvalidRefresh",
    "InvalidSession",
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
    "LoggedOut",
    "Login",
    "LoginError",
    "LoginStart",
    "MalformedToken",
    "MemoryClientStore",
    "MemoryLoginStates",
    "MemoryRevocationStore",
    "MemorySessionStore",
    "MemoryStore",
    "MissingClaim",
    "NotYetValid",
    "OAuthClient",
    "PostgresClientStore",
    "PostgresLoginStates",
    "PostgresRevocationStore",
    "PostgresSessionStore",
    "PostgresStore",
    "PrivateKeyJWT",
    "ProviderError",
    "ProviderMetadata",
    "PublicClient",
    "RedisClientStore",
    "RedisLoginStates",
    "RedisRevocationStore",
    "RedisSessionStore",
    "RedisStore",
    "RefreshError",
    "RelyingParty",
    "RemoteJWKS",
    "ReplayedRefresh",
    "Revocations",
    "RevokedRefresh",
    "SQLiteClientStore",
    "SQLiteLoginStates",
    "SQLiteRevocationStore",
    "SQLiteSessionStore",
    "SQLiteStore",
    "Session",
    "SessionError",
    "SessionService",
    "Signer",
    "SigningKey",
    "StartedSession",
    "StoreError",
    "TokenError",
    "TokenPair",
    "TokenResponse",
    "TokenRevoked",
    "TokenService",
    "UnknownKey",
    "Verifier",
    "VerifyingKey",
    "decode",
    "discover",
    "encode",
    "jwks_endpoint",
    "open_async_backend",
    "open_backend",
    "refresh_endpoints",
]
