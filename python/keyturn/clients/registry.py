"""``ClientRegistry`` / ``AsyncClientRegistry``: registration, secret rotation, authentication
and ``private_key_jwt`` assertions, written once as flows with a sync and an async driver."""

from __future__ import annotations

import builtins
import functools
import hashlib
import hmac
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from keyturn._drive import Flow, acall, aclose, adrive, drive, native_async
from keyturn._limits import MAX_LEEWAY
from keyturn.clients._checks import (
    check_audiences,
    check_client_id,
    check_jwks,
    check_jwks_uri,
    check_method,
    check_name,
    check_scopes,
    claimed_issuer,
    new_client_id,
    new_secret,
    plausible,
    unknown_client,
)
from keyturn.clients.records import (
    ASSERTION_ALGORITHMS,
    MAX_ASSERTION_LIFETIME,
    SECRET_METHODS,
    AuthMethod,
    Client,
    SecretHashes,
    StoredClient,
    jti_hash,
    secret_hash,
)
from keyturn.clients.store import AsyncClientStore, ClientStore
from keyturn.errors import ClientAuthError, ClientError, ConfigurationError, KeyturnError
from keyturn.tokens import Verifier

_Call = Callable[[ClientStore | AsyncClientStore], Any]

#: A presented secret longer than this is refused before hashing (a generated one is 47).
_MAX_SECRET_CHARS = 512
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_MAX_JTI = 256
_FAILED = "client authentication failed"
#: Compared against when the client is unknown, so that path costs what a known one does.
_DUMMY_HASH = hashlib.sha256(b"keyturn: no such client").digest()


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
            client_id=check_client_id(client_id) if client_id is not None else new_client_id(),
            name=check_name(name),
            auth_method=check_method(auth_method),
            scopes=check_scopes(scopes),
            audiences=check_audiences(audiences),
            enabled=True,
            created_at=self._clock(),
            jwks=check_jwks(auth_method, jwks, jwks_uri),
            jwks_uri=check_jwks_uri(auth_method, jwks, jwks_uri),
        )
        secret = new_secret() if client.auth_method in SECRET_METHODS else None
        digest = None if secret is None else secret_hash(secret)
        if not (yield lambda store: store.create(client, digest)):
            raise ClientError(f"a client with id {client.client_id!r} exists", code="client_exists")
        return client, secret

    def _get(self, client_id: str) -> Flow[_Call, Client | None]:
        if not plausible(client_id):
            return None
        stored: StoredClient | None = yield lambda store: store.load(client_id)
        return None if stored is None else stored.client

    def _list(self) -> Flow[_Call, builtins.list[Client]]:
        clients: builtins.list[Client] = yield lambda store: store.list_clients()
        return clients

    def _set_enabled(self, client_id: str, enabled: bool) -> Flow[_Call, None]:
        if not (yield lambda store: store.set_enabled(client_id, enabled)):
            raise unknown_client(client_id)

    def _rotate_secret(self, client_id: str, overlap: float) -> Flow[_Call, str]:
        if isinstance(overlap, bool) or not isinstance(overlap, (int, float)) or overlap < 0:
            raise ConfigurationError("overlap must be a number of seconds >= 0")
        secret = new_secret()
        digest, until = secret_hash(secret), self._clock() + overlap
        if (yield lambda store: store.rotate_secret(client_id, digest, until)):
            return secret
        stored: StoredClient | None = yield lambda store: store.load(client_id)
        if stored is None:
            raise unknown_client(client_id)
        raise ClientError(
            f"client {client_id!r} authenticates with private_key_jwt: it has no secret",
            code="client_has_no_secret",
        )

    def _authenticate(self, client_id: str, secret: str, method: str) -> Flow[_Call, Client]:
        if method not in SECRET_METHODS:
            raise ConfigurationError(f"method must be one of {sorted(SECRET_METHODS)}")
        stored: StoredClient | None = None
        if plausible(client_id) and isinstance(secret, str):
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
        named = claimed_issuer(assertion)
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
