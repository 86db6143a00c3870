"""Registered clients: the machines keyturn issues tokens to when it is its own authorization
server (client credentials, RFC 6749 §4.4).

A client has an id, a name, one authentication method, the scopes and audiences it may ask for,
and an enabled flag. ``client_secret_basic`` / ``client_secret_post`` clients hold a secret that is
shown once, at ``add`` or ``rotate_secret``, and stored only as its SHA-256: the secret is 256 bits
from ``secrets`` (``ktc_`` + 43 base64url characters), so no password hash (salt, work factor) is
needed, as for refresh tokens; nobody can guess a preimage of 2**256 possibilities, and a stolen
database yields no usable secret. ``private_key_jwt`` clients (RFC 7523) hold no secret at all,
only their public JWKS or a ``jwks_uri``.

How the token endpoint uses it (``keyturn.authserver``)::

    from keyturn.clients import ClientRegistry
    from keyturn.errors import ClientAuthError
    from keyturn.stores import open_backend

    backend = open_backend("sqlite:///keyturn.db")
    registry = ClientRegistry(backend.clients)          # AsyncClientRegistry for asyncio

    client, secret = registry.add("billing", scopes="invoices:read", audiences=["api.internal"])
    # ``secret`` is shown to the operator once; the store only ever sees its hash.

    try:
        # client_secret_basic / client_secret_post: the method the request used
        client = registry.authenticate(client_id, secret, method="client_secret_basic")
        # private_key_jwt: client_assertion (client_id is optional in the form, RFC 7523 §3)
        client = registry.verify_assertion(
            assertion, audience=[token_endpoint_url, issuer], client_id=form_client_id
        )
    except ClientAuthError as error:      # error.code == "invalid_client", one message for all
        ...                               # 401 with WWW-Authenticate
    if not client.allows_scopes(requested_scopes):
        ...                               # invalid_scope
    if not client.allows_audience(audience):
        ...                               # invalid_target (RFC 8707)

Every authentication failure (unknown client, wrong secret, disabled client, the wrong method, a
bad, expired, too long-lived or replayed assertion) raises ``ClientAuthError`` with code
``invalid_client`` and one fixed message: it never says which part was wrong. Secrets are compared
as SHA-256 digests with ``hmac.compare_digest``, and an unknown client is compared against a
dummy digest, so timing does not tell a known id from an unknown one either.

``rotate_secret(client_id, overlap=s)`` gives a new secret; the previous one keeps working for
``overlap`` seconds (deploy the new secret, then it lapses by itself). Rotating again during an
overlap ends the older secret at once: at most two secrets work at any moment.

Assertions (``verify_assertion``): signed by one of the client's keys (``EdDSA``, ``RS*``,
``PS*``, ``ES*``; never HMAC), ``iss`` = ``sub`` = the client id, ``aud`` exactly one value that
is one of the ``audience`` given (the token endpoint URL, RFC 7523 §3; the issuer identifier too,
as draft-ietf-oauth-rfc7523bis asks and keyturn's own ``PrivateKeyJWT`` sends), ``exp`` required
and at most ``MAX_ASSERTION_LIFETIME`` (5 minutes) ahead, ``jti`` required: a ``jti`` seen before
is refused while the assertion that carried it could still be valid (the store remembers it until
its ``exp`` plus the leeway, atomically on every backend: of two racing requests one wins).
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from keyturn import _core
from keyturn._drive import Flow, acall, aclose, adrive, drive, native_async
from keyturn._jwks_parse import keys_from_jwks
from keyturn._limits import MAX_LEEWAY
from keyturn.errors import ClientAuthError, ClientError, ConfigurationError, KeyturnError
from keyturn.tokens import Verifier

__all__ = [
    "ASSERTION_ALGORITHMS",
    "AUTH_METHODS",
    "MAX_ASSERTION_LIFETIME",
    "SECRET_PREFIX",
    "AsyncClientRegistry",
    "AsyncClientStore",
    "AuthMethod",
    "Client",
    "ClientRegistry",
    "ClientStore",
    "SecretHashes",
    "StoredClient",
    "jti_hash",
    "secret_hash",
]

AuthMethod = Literal["client_secret_basic", "client_secret_post", "private_key_jwt"]
AUTH_METHODS: tuple[AuthMethod, ...] = (
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
)
SECRET_METHODS = frozenset({"client_secret_basic", "client_secret_post"})
SECRET_PREFIX = "ktc_"  # noqa: S105 (a prefix, not a secret)
#: 256 bits: the secret needs no slow hash (module docstring).
_SECRET_BYTES = 32
#: A presented secret longer than this is refused before hashing (a generated one is 47).
_MAX_SECRET_CHARS = 512
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
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: RFC 3986 unreserved characters: an id travels form-encoded in HTTP Basic, in forms and in URLs
#: unchanged, and is a safe Redis key part. Stricter than RFC 6749's VSCHAR on purpose.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._~-]{1,128}")
#: RFC 6749 §3.3 scope-token.
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,128}")
_MAX_NAME = 200
_MAX_AUDIENCE = 512
_MAX_JTI = 256
_FAILED = "client authentication failed"
#: Compared against when the client is unknown, so that path costs what a known one does.
_DUMMY_HASH = hashlib.sha256(b"keyturn: no such client").digest()


def secret_hash(secret: str) -> bytes:
    """The SHA-256 a store keeps of a client secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def jti_hash(jti: str) -> bytes:
    """The SHA-256 a store keeps of an assertion's ``jti`` (fixed size, whatever the client
    sent)."""
    return hashlib.sha256(jti.encode("utf-8", "surrogatepass")).digest()


# --- records ------------------------------------------------------------------------------------


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


# --- store protocols ----------------------------------------------------------------------------


@runtime_checkable
class ClientStore(Protocol):
    """Atomic storage operations for registered clients, no policy. Every method raises
    ``keyturn.StoreError`` (never a driver exception) when the backend cannot complete it."""

    def create(self, client: Client, secret_hash: bytes | None) -> bool:
        """Insert the client; False (writing nothing) when its id is taken."""

    def load(self, client_id: str) -> StoredClient | None:
        """The client and its secret hashes, or None."""

    def list_clients(self) -> list[Client]:
        """Every client, ordered by id."""

    def set_enabled(self, client_id: str, enabled: bool) -> bool:
        """Enable or disable; False when no client has this id."""

    def rotate_secret(self, client_id: str, new_hash: bytes, previous_until: float) -> bool:
        """In one atomic step: the current hash becomes the previous one (valid until
        ``previous_until``) and ``new_hash`` the current one. False (writing nothing) when the
        client is unknown or has no secret."""

    def remember_jti(self, client_id: str, jti_hash: bytes, until: float, now: float) -> bool:
        """Remember the client's assertion id until ``until``; True if it was not remembered
        already (at ``now``). Atomic: of concurrent calls with one jti exactly one gets True."""

    def purge(self, now: float) -> int:
        """Forget jtis remembered until before ``now``; return how many were deleted."""

    def close(self) -> None:
        """Release connections (a pool or client shared through a ``Backend`` stays open)."""


@runtime_checkable
class AsyncClientStore(Protocol):
    async def create(self, client: Client, secret_hash: bytes | None) -> bool: ...

    async def load(self, client_id: str) -> StoredClient | None: ...

    async def list_clients(self) -> list[Client]: ...

    async def set_enabled(self, client_id: str, enabled: bool) -> bool: ...

    async def rotate_secret(
        self, client_id: str, new_hash: bytes, previous_until: float
    ) -> bool: ...

    async def remember_jti(
        self, client_id: str, jti_hash: bytes, until: float, now: float
    ) -> bool: ...

    async def purge(self, now: float) -> int: ...

    async def close(self) -> None: ...


#: One store call as the flows yield it: a function of the store, so mypy checks it on both
#: protocols (the idiom of ``refresh/service.py``).
_Call = Callable[[ClientStore | AsyncClientStore], Any]


# --- the registry ---------------------------------------------------------------------------------


class _Registry:
    """Validation and the flows shared by the sync and async registries."""

    _takes_async_stores = False

    def __init__(
        self,
        store: ClientStore | AsyncClientStore,
        *,
        leeway: float = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(leeway, bool) or not 0 <= leeway <= MAX_LEEWAY:
            raise ConfigurationError(f"leeway must be 0..{MAX_LEEWAY:g} seconds")
        self._native_async = native_async(
            self, store, takes_async=self._takes_async_stores, twin="AsyncClientRegistry"
        )
        self._store = store
        self._leeway = float(leeway)
        self._clock = clock
        self._remote: dict[str, Any] = {}  # jwks_uri -> RemoteJWKS, one cache per URL

    @property
    def store(self) -> ClientStore | AsyncClientStore:
        return self._store

    def _add(
        self,
        name: str,
        auth_method: str,
        scopes: str | Iterable[str],
        audiences: str | Iterable[str],
        client_id: str | None,
        jwks: Mapping[str, Any] | None,
        jwks_uri: str | None,
    ) -> Flow[_Call, tuple[Client, str | None]]:
        client = Client(
            client_id=_check_client_id(client_id) if client_id is not None else _new_client_id(),
            name=_check_name(name),
            auth_method=_check_method(auth_method),
            scopes=_check_scopes(scopes),
            audiences=_check_audiences(audiences),
            enabled=True,
            created_at=self._clock(),
            jwks=_check_jwks(auth_method, jwks, jwks_uri),
            jwks_uri=_check_jwks_uri(auth_method, jwks, jwks_uri),
        )
        secret = _new_secret() if client.auth_method in SECRET_METHODS else None
        digest = None if secret is None else secret_hash(secret)
        if not (yield lambda store: store.create(client, digest)):
            raise ClientError(f"a client with id {client.client_id!r} exists", code="client_exists")
        return client, secret

    def _get(self, client_id: str) -> Flow[_Call, Client | None]:
        if not _plausible(client_id):
            return None
        stored: StoredClient | None = yield lambda store: store.load(client_id)
        return None if stored is None else stored.client

    def _list(self) -> Flow[_Call, builtins.list[Client]]:
        clients: builtins.list[Client] = yield lambda store: store.list_clients()
        return clients

    def _set_enabled(self, client_id: str, enabled: bool) -> Flow[_Call, None]:
        if not (yield lambda store: store.set_enabled(client_id, enabled)):
            raise _unknown(client_id)

    def _rotate_secret(self, client_id: str, overlap: float) -> Flow[_Call, str]:
        if isinstance(overlap, bool) or not isinstance(overlap, (int, float)) or overlap < 0:
            raise ConfigurationError("overlap must be a number of seconds >= 0")
        secret = _new_secret()
        digest, until = secret_hash(secret), self._clock() + overlap
        if (yield lambda store: store.rotate_secret(client_id, digest, until)):
            return secret
        stored: StoredClient | None = yield lambda store: store.load(client_id)
        if stored is None:
            raise _unknown(client_id)
        raise ClientError(
            f"client {client_id!r} authenticates with private_key_jwt: it has no secret",
            code="client_has_no_secret",
        )

    def _authenticate(self, client_id: str, secret: str, method: str) -> Flow[_Call, Client]:
        if method not in SECRET_METHODS:
            raise ConfigurationError(f"method must be one of {sorted(SECRET_METHODS)}")
        stored: StoredClient | None = None
        if _plausible(client_id) and isinstance(secret, str):
            stored = yield lambda store: store.load(client_id)
        presented = secret_hash(secret[:_MAX_SECRET_CHARS]) if isinstance(secret, str) else b""
        hashes = stored.secrets if stored is not None else SecretHashes(None)
        # Both comparisons always run (a dummy digest where there is none): constant time.
        current = hmac.compare_digest(presented, hashes.current or _DUMMY_HASH)
        previous = hmac.compare_digest(presented, hashes.previous or _DUMMY_HASH) and (
            hashes.previous_until is not None and self._clock() < hashes.previous_until
        )
        if (
            stored is None
            or not (current or previous)
            or not isinstance(secret, str)
            or len(secret) > _MAX_SECRET_CHARS
            or not stored.client.enabled
            or stored.client.auth_method != method
        ):
            raise ClientAuthError(_FAILED)
        return stored.client

    def _assertion_client(self, assertion: str, client_id: str | None) -> Flow[_Call, Client]:
        """The enabled ``private_key_jwt`` client the assertion names (not yet verified)."""
        named = _claimed_issuer(assertion)
        if named is None or (client_id is not None and client_id != named):
            raise ClientAuthError(_FAILED)
        stored: StoredClient | None = yield lambda store: store.load(named)
        if (
            stored is None
            or not stored.client.enabled
            or stored.client.auth_method != "private_key_jwt"
        ):
            raise ClientAuthError(_FAILED)
        return stored.client

    def _verifier(self, client: Client, audience: str | Collection[str]) -> Verifier:
        keys: Any = client.jwks
        if client.jwks_uri is not None:
            keys = self._remote_jwks(client.jwks_uri)
        return Verifier(
            keys=keys,
            issuer=client.client_id,
            audience=audience,
            algorithms=ASSERTION_ALGORITHMS,
            leeway=self._leeway,
            require=("exp", "iss", "sub", "aud", "jti"),
        )

    def _remote_jwks(self, uri: str) -> Any:
        from keyturn.jwks import RemoteJWKS

        remote = self._remote.get(uri)
        if remote is None:
            remote = self._remote.setdefault(uri, RemoteJWKS(uri))
        return remote

    def _spend_jti(
        self, client: Client, claims: Mapping[str, Any], now: float
    ) -> Flow[_Call, None]:
        """The checks the Verifier does not make, then the one-time use of the jti."""
        jti, audience, expires = claims.get("jti"), claims.get("aud"), claims["exp"]
        if (
            claims.get("sub") != client.client_id
            or not isinstance(jti, str)
            or not 0 < len(jti) <= _MAX_JTI
            # One audience only (rfc7523bis): an assertion that names several servers could be
            # replayed by one of them at another.
            or (isinstance(audience, list) and len(audience) != 1)
            or expires > now + MAX_ASSERTION_LIFETIME
        ):
            raise ClientAuthError(_FAILED)
        until = float(expires) + self._leeway
        if not (
            yield lambda store: store.remember_jti(client.client_id, jti_hash(jti), until, now)
        ):
            raise ClientAuthError(_FAILED)

    def _purge(self) -> Flow[_Call, int]:
        now = self._clock()
        removed: int = yield lambda store: store.purge(now)
        return removed


class ClientRegistry(_Registry):
    """Registered clients on a sync ``ClientStore`` (``Backend.clients``)."""

    def _run(self, flow: Flow[_Call, Any]) -> Any:
        return drive(flow, lambda call: call(self._store))

    def add(
        self,
        name: str,
        *,
        auth_method: AuthMethod = "client_secret_basic",
        scopes: str | Iterable[str] = (),
        audiences: str | Iterable[str],
        client_id: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        jwks_uri: str | None = None,
    ) -> tuple[Client, str | None]:
        """Register a client; returns it and its secret (None for ``private_key_jwt``). The
        secret is shown this once: only its hash is stored. ``client_id`` defaults to a random
        one; ``scopes`` is a space-separated string or a list."""
        added: tuple[Client, str | None] = self._run(
            self._add(name, auth_method, scopes, audiences, client_id, jwks, jwks_uri)
        )
        return added

    def get(self, client_id: str) -> Client | None:
        client: Client | None = self._run(self._get(client_id))
        return client

    def list(self) -> builtins.list[Client]:
        """Every client, ordered by id."""
        clients: builtins.list[Client] = self._run(self._list())
        return clients

    def disable(self, client_id: str) -> None:
        """The client can no longer authenticate (tokens it already holds live until they expire,
        or revoke them)."""
        self._run(self._set_enabled(client_id, False))

    def enable(self, client_id: str) -> None:
        self._run(self._set_enabled(client_id, True))

    def rotate_secret(self, client_id: str, *, overlap: float = 0) -> str:
        """A new secret (shown this once); the previous one keeps working ``overlap`` seconds."""
        secret: str = self._run(self._rotate_secret(client_id, overlap))
        return secret

    def authenticate(self, client_id: str, secret: str, *, method: AuthMethod) -> Client:
        """The client, if ``secret`` is its secret, it is enabled and registered for ``method``
        (how the request carried the secret); else ``ClientAuthError``."""
        client: Client = self._run(self._authenticate(client_id, secret, method))
        return client

    def verify_assertion(
        self,
        assertion: str,
        *,
        audience: str | Collection[str],
        client_id: str | None = None,
        assertion_type: str = _ASSERTION_TYPE,
    ) -> Client:
        """The client a ``private_key_jwt`` assertion (RFC 7523 §2.2) proves, or
        ``ClientAuthError``. ``audience``: the token endpoint URL (and the issuer identifier);
        ``client_id`` and ``assertion_type`` as the request's form carried them."""
        if assertion_type != _ASSERTION_TYPE:
            raise ClientAuthError(_FAILED)
        client: Client = self._run(self._assertion_client(assertion, client_id))
        now = self._clock()
        try:
            claims = self._verifier(client, audience).verify(assertion, now=now)
        except KeyturnError:  # a bad token, or the client's keys cannot be had
            raise ClientAuthError(_FAILED) from None
        self._run(self._spend_jti(client, claims, now))
        return client

    def purge(self) -> int:
        """Forget assertion ids whose assertions have expired; returns how many."""
        removed: int = self._run(self._purge())
        return removed

    def close(self) -> None:
        self._store.close()


class AsyncClientRegistry(_Registry):
    """The same registry for asyncio: an async store, or a sync one run in a worker thread."""

    _takes_async_stores = True

    async def _run(self, flow: Flow[_Call, Any]) -> Any:
        return await adrive(flow, functools.partial(acall, self._store, self._native_async))

    async def add(
        self,
        name: str,
        *,
        auth_method: AuthMethod = "client_secret_basic",
        scopes: str | Iterable[str] = (),
        audiences: str | Iterable[str],
        client_id: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        jwks_uri: str | None = None,
    ) -> tuple[Client, str | None]:
        added: tuple[Client, str | None] = await self._run(
            self._add(name, auth_method, scopes, audiences, client_id, jwks, jwks_uri)
        )
        return added

    async def get(self, client_id: str) -> Client | None:
        client: Client | None = await self._run(self._get(client_id))
        return client

    async def list(self) -> builtins.list[Client]:
        clients: builtins.list[Client] = await self._run(self._list())
        return clients

    async def disable(self, client_id: str) -> None:
        await self._run(self._set_enabled(client_id, False))

    async def enable(self, client_id: str) -> None:
        await self._run(self._set_enabled(client_id, True))

    async def rotate_secret(self, client_id: str, *, overlap: float = 0) -> str:
        secret: str = await self._run(self._rotate_secret(client_id, overlap))
        return secret

    async def authenticate(self, client_id: str, secret: str, *, method: AuthMethod) -> Client:
        client: Client = await self._run(self._authenticate(client_id, secret, method))
        return client

    async def verify_assertion(
        self,
        assertion: str,
        *,
        audience: str | Collection[str],
        client_id: str | None = None,
        assertion_type: str = _ASSERTION_TYPE,
    ) -> Client:
        if assertion_type != _ASSERTION_TYPE:
            raise ClientAuthError(_FAILED)
        client: Client = await self._run(self._assertion_client(assertion, client_id))
        now = self._clock()
        try:
            claims = await self._verifier(client, audience).averify(assertion, now=now)
        except KeyturnError:
            raise ClientAuthError(_FAILED) from None
        await self._run(self._spend_jti(client, claims, now))
        return client

    async def purge(self) -> int:
        removed: int = await self._run(self._purge())
        return removed

    async def close(self) -> None:
        await aclose(self._store)


# --- validation -----------------------------------------------------------------------------------


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def _new_client_id() -> str:
    # Hex: never starts with "-" (a command-line option) and needs no quoting anywhere.
    return secrets.token_hex(12)


def _plausible(client_id: object) -> bool:
    """Whether ``client_id`` could name a client at all (else it is not looked up)."""
    return isinstance(client_id, str) and _CLIENT_ID.fullmatch(client_id) is not None


def _unknown(client_id: str) -> ClientError:
    return ClientError(f"no client has the id {client_id!r}", code="client_unknown")


def _check_client_id(value: object) -> str:
    if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
        raise ConfigurationError(
            "client_id must be 1..128 characters of A-Z a-z 0-9 . _ ~ - (RFC 3986 unreserved)"
        )
    return value


def _check_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_NAME:
        raise ConfigurationError(f"name must be a non-empty string of at most {_MAX_NAME} chars")
    if not value.isprintable():
        raise ConfigurationError("name must be printable (no control characters)")
    return value


def _check_method(value: object) -> AuthMethod:
    for method in AUTH_METHODS:
        if value == method:
            return method
    raise ConfigurationError(f"auth_method must be one of {', '.join(AUTH_METHODS)}")


def _words(value: str | Iterable[str], what: str) -> list[str]:
    if isinstance(value, str):
        return value.split()
    words = list(value)
    if not all(isinstance(word, str) for word in words):
        raise ConfigurationError(f"{what} must be strings")
    return words


def _check_scopes(value: str | Iterable[str]) -> tuple[str, ...]:
    scopes = _words(value, "scopes")
    for scope in scopes:
        if not _SCOPE.fullmatch(scope):
            raise ConfigurationError(
                f"scope {scope!r} is not an RFC 6749 scope-token (printable ASCII, no space, "
                'no " or \\)'
            )
    return tuple(sorted(set(scopes)))


def _check_audiences(value: str | Iterable[str]) -> tuple[str, ...]:
    audiences = _words(value, "audiences")
    if not audiences:
        raise ConfigurationError("a client needs at least one allowed audience")
    for audience in audiences:
        if len(audience) > _MAX_AUDIENCE or not audience.isascii() or not audience.isprintable():
            raise ConfigurationError(f"audience {audience!r} must be printable ASCII")
    return tuple(sorted(set(audiences)))


def _check_jwks(
    method: object, jwks: Mapping[str, Any] | None, jwks_uri: str | None
) -> Mapping[str, Any] | None:
    if method != "private_key_jwt":
        if jwks is not None or jwks_uri is not None:
            raise ConfigurationError("jwks and jwks_uri are for private_key_jwt clients only")
        return None
    if (jwks is None) == (jwks_uri is None):
        raise ConfigurationError("a private_key_jwt client needs jwks or jwks_uri (one of the two)")
    if jwks is None:
        return None
    try:
        # Refuses private material and duplicate kids; skips keys unusable for verification.
        keys = keys_from_jwks(jwks)
    except KeyturnError as error:
        raise ConfigurationError(f"the client's JWKS is refused: {error}") from None
    usable = [key for key in keys if key.algorithms[0] in ASSERTION_ALGORITHMS]
    if not usable:
        raise ConfigurationError("the client's JWKS has no public signature key keyturn verifies")
    # A plain JSON copy: the store writes it as JSON and the caller's dict may change later.
    copied: dict[str, Any] = json.loads(json.dumps(dict(jwks)))
    return copied


def _check_jwks_uri(method: object, jwks: object, jwks_uri: str | None) -> str | None:
    if method != "private_key_jwt" or jwks_uri is None:
        return None
    from keyturn.jwks import RemoteJWKS

    RemoteJWKS(jwks_uri)  # the URL rules (https, or http to loopback); fetches nothing
    return jwks_uri


def _claimed_issuer(assertion: object) -> str | None:
    """The ``iss`` of an unverified assertion: only to find whose keys verify it."""
    if not isinstance(assertion, str):
        return None
    try:
        _, claims = _core.unverified_parts(assertion)
    except KeyturnError:
        return None
    issuer = claims.get("iss")
    return issuer if _plausible(issuer) else None
