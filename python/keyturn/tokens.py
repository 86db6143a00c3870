"""Issuing and verifying access tokens.

Python decides the policy once; Rust executes it per token. A ``Verifier`` normalises its keys and
options at construction, compiles them into a ``keyturn._core.CompiledVerifier``, and ``verify`` is
then a single call into Rust. Keys may come from a ``KeySource`` (a ``Keyring`` or a
``RemoteJWKS``): the verifier recompiles whenever the source's ``keys_version`` changes.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypeVar, runtime_checkable

from keyturn._core import MAX_TOKEN_BYTES as _MAX_TOKEN_BYTES
from keyturn._core import CompiledVerifier, HmacKey, SigningKey, VerifyingKey, encode
from keyturn._jwks_parse import keys_from_jwks
from keyturn._limits import MAX_LEEWAY, MAX_TTL
from keyturn.errors import ConfigurationError, InvalidKey, TokenError, UnknownKey
from keyturn.revocation import Revocations
from keyturn.signer import Signer

__all__ = [
    "DEFAULT_ALGORITHMS",
    "AsyncKeySource",
    "Issuer",
    "KeySource",
    "Keys",
    "SigningSource",
    "Verifier",
    "decode",
    "keys_from_jwks",
]

DEFAULT_ALGORITHMS = ("EdDSA", "Ed25519")
#: Claims the Issuer writes itself and never takes from ``**claims``.
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})

VerificationKey: TypeAlias = "VerifyingKey | HmacKey"
_Result = TypeVar("_Result")


@runtime_checkable
class KeySource(Protocol):
    """Keys that change over time (``Keyring``, ``RemoteJWKS``)."""

    @property
    def keys_version(self) -> int:
        """Changes whenever the set of usable keys changes."""
        ...

    def verification_keys(self) -> Sequence[VerificationKey]:
        """The keys usable now (may fetch when cold)."""
        ...

    def refresh_on_unknown_kid(self) -> bool:
        """May refetch (rate-limited); True if ``keys_version`` changed."""
        ...


@runtime_checkable
class AsyncKeySource(KeySource, Protocol):
    """A key source that can fetch without blocking the event loop."""

    async def averification_keys(self) -> Sequence[VerificationKey]: ...
    async def arefresh_on_unknown_kid(self) -> bool: ...


class SigningSource(Protocol):
    """Something that names the key signing now (a ``Keyring``)."""

    @property
    def current(self) -> Signer: ...


Keys: TypeAlias = (
    "VerifyingKey | HmacKey | Sequence[VerifyingKey | HmacKey] | Mapping[str, Any] | KeySource"
)


# --- keys ------------------------------------------------------------------------------------


class _FixedKeys:
    """A KeySource that never changes: keys given directly or as a JWKS dict."""

    keys_version = 0

    def __init__(self, keys: Sequence[VerificationKey]) -> None:
        if not keys:
            raise ConfigurationError("no key usable for signature verification was given")
        self._keys = tuple(keys)

    def verification_keys(self) -> Sequence[VerificationKey]:
        return self._keys

    def refresh_on_unknown_kid(self) -> bool:
        return False


def _key_source(keys: Keys) -> KeySource:
    """Every accepted form of ``keys``, normalised once for both Verifier and decode."""
    if isinstance(keys, (VerifyingKey, HmacKey)):
        return _FixedKeys([keys])
    if isinstance(keys, SigningKey):
        raise InvalidKey("verify with the public key (signing_key.public_key), not the private key")
    if isinstance(keys, KeySource):
        return keys
    if isinstance(keys, Mapping):
        return _FixedKeys(keys_from_jwks(keys))
    if isinstance(keys, Sequence) and not isinstance(keys, (str, bytes)):
        for key in keys:
            if not isinstance(key, (VerifyingKey, HmacKey)):
                raise InvalidKey("keys must be VerifyingKey or HmacKey objects")
        return _FixedKeys(keys)
    raise InvalidKey(
        "keys must be a VerifyingKey, an HmacKey, a list of them, a JWKS dict or a key source"
    )


# --- policy ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Policy:
    algorithms: tuple[str, ...]
    issuer: tuple[str, ...] | None
    audience: tuple[str, ...] | None
    leeway: float
    require: tuple[str, ...]
    typ: str | None
    max_age: float | None
    max_token_bytes: int
    cache: int

    def compile(self, keys: Sequence[VerificationKey]) -> CompiledVerifier:
        return CompiledVerifier(
            keys,
            algorithms=self.algorithms,
            issuer=self.issuer,
            audience=self.audience,
            leeway=self.leeway,
            require=self.require,
            typ=self.typ,
            max_age=self.max_age,
            max_token_bytes=self.max_token_bytes,
            cache_size=self.cache,
        )


def _policy(
    *,
    algorithms: str | Collection[str],
    issuer: str | Collection[str] | None,
    audience: str | Collection[str] | None,
    leeway: float,
    require: str | Collection[str],
    typ: str | None,
    max_age: float | None,
    max_token_bytes: int | None,
    cache: int = 0,
) -> _Policy:
    if isinstance(leeway, bool) or not isinstance(leeway, (int, float)):
        raise ConfigurationError("leeway must be a number of seconds")
    if not 0 <= leeway <= MAX_LEEWAY:
        raise ConfigurationError(f"leeway must be between 0 and {MAX_LEEWAY} seconds")
    if max_age is not None and not (_is_number(max_age) and math.isfinite(max_age) and max_age > 0):
        raise ConfigurationError("max_age must be a positive finite number of seconds")
    if max_token_bytes is not None and not (
        isinstance(max_token_bytes, int) and max_token_bytes > 0
    ):
        raise ConfigurationError("max_token_bytes must be a positive whole number")
    if isinstance(cache, bool) or not isinstance(cache, int) or cache < 0:
        raise ConfigurationError("cache must be a number of tokens (0 turns it off)")
    return _Policy(
        algorithms=_names("algorithms", algorithms),
        issuer=None if issuer is None else _names("issuer", issuer),
        audience=None if audience is None else _names("audience", audience),
        leeway=leeway,
        require=_names("require", require, allow_empty=True),
        typ=typ,
        max_age=max_age,
        max_token_bytes=_MAX_TOKEN_BYTES if max_token_bytes is None else max_token_bytes,
        cache=cache,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _names(
    what: str, value: str | Collection[str], *, allow_empty: bool = False
) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(name, str) and name for name in names):
        raise ConfigurationError(f"{what} must be a string or a collection of non-empty strings")
    if not names and not allow_empty:
        raise ConfigurationError(f"{what} must name at least one value")
    return names


# --- verifier --------------------------------------------------------------------------------


class Verifier:
    """A verification policy compiled once; ``verify`` is then one call into Rust.

    ``issuer`` and ``audience`` must be given (``None`` explicitly skips that check); a string or
    a collection of strings, any one matching. ``leeway`` is at most 5 minutes.

    ``cache=N`` keeps up to N verified tokens: a repeat of one skips parsing and the signature
    check, but every claim check still runs against the clock. The cache belongs to one compiled
    key set, so any change of keys (rotation, retirement, revocation, a JWKS refresh) starts it
    empty.

    ``revocations`` is consulted after every successful verify, a cache hit included: a revoked
    token raises ``TokenRevoked`` (in ``verify_many``, is returned as one).
    """

    __slots__ = ("_async_source", "_fixed", "_policy", "_revocations", "_source", "_state")

    def __init__(
        self,
        keys: Keys,
        *,
        issuer: str | Collection[str] | None,
        audience: str | Collection[str] | None,
        algorithms: str | Collection[str] = DEFAULT_ALGORITHMS,
        leeway: float = 0,
        require: str | Collection[str] = ("exp",),
        typ: str | None = None,
        max_age: float | None = None,
        max_token_bytes: int | None = None,
        cache: int = 0,
        revocations: Revocations | None = None,
    ) -> None:
        self._revocations = revocations
        self._policy = _policy(
            algorithms=algorithms,
            issuer=issuer,
            audience=audience,
            leeway=leeway,
            require=require,
            typ=typ,
            max_age=max_age,
            max_token_bytes=max_token_bytes,
            cache=cache,
        )
        self._source = _key_source(keys)
        # Checked once: a runtime Protocol isinstance is too slow for every averify.
        self._async_source = self._source if isinstance(self._source, AsyncKeySource) else None
        # (keys_version, compiled) as one tuple so concurrent recompiles never mix the two.
        self._state: tuple[int, CompiledVerifier] | None = None
        # Fixed keys compile now (bad keys fail at construction); a source compiles on first use,
        # so building a Verifier never fetches.
        self._fixed = self._compiled() if isinstance(self._source, _FixedKeys) else None

    @property
    def issuer(self) -> tuple[str, ...] | None:
        return self._policy.issuer

    @property
    def audience(self) -> tuple[str, ...] | None:
        return self._policy.audience

    @property
    def algorithms(self) -> tuple[str, ...]:
        return self._policy.algorithms

    @property
    def leeway(self) -> float:
        return self._policy.leeway

    @property
    def cache_stats(self) -> tuple[int, int, int, int] | None:
        """``(hits, misses, entries, capacity)`` of the current key set's cache, or None."""
        state = self._state
        return None if state is None else state[1].cache_stats

    def verify(self, token: str | bytes, now: float | None = None) -> dict[str, Any]:
        """The token's claims, or a ``TokenError`` subclass. ``now`` overrides the clock."""
        claims = self._run(CompiledVerifier.verify, token, now)
        if self._revocations is not None:
            self._revocations.check(claims)
        return claims

    def verify_complete(
        self, token: str | bytes, now: float | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(header, claims)``, for callers that need the protected header too."""
        header, claims = self._run(CompiledVerifier.verify_complete, token, now)
        if self._revocations is not None:
            self._revocations.check(claims)
        return header, claims

    def _run(
        self,
        method: Callable[[CompiledVerifier, str | bytes, float | None], _Result],
        token: str | bytes,
        now: float | None,
    ) -> _Result:
        compiled = self._fixed or self._compiled()
        try:
            return method(compiled, token, now)
        except UnknownKey:
            # The source may have learnt keys since (a rotation at the issuer): one retry.
            if not self._source.refresh_on_unknown_kid():
                raise
        return method(self._compiled(), token, now)

    def verify_many(
        self, tokens: Sequence[str | bytes], now: float | None = None
    ) -> list[dict[str, Any] | TokenError]:
        """One result per token, same order: its claims or the ``TokenError`` ``verify`` raises."""
        results = self._verify_many(tokens, now)
        if self._revocations is not None:
            return self._revocations.screen(results)
        return results

    def _verify_many(
        self, tokens: Sequence[str | bytes], now: float | None
    ) -> list[dict[str, Any] | TokenError]:
        if self._fixed is not None:
            return self._fixed.verify_many(tokens, now)
        results = self._compiled().verify_many(tokens, now)
        unknown = [i for i, result in enumerate(results) if isinstance(result, UnknownKey)]
        if unknown and self._source.refresh_on_unknown_kid():
            retried = self._compiled().verify_many([tokens[i] for i in unknown], now)
            for index, result in zip(unknown, retried, strict=True):
                results[index] = result
        return results

    async def averify(self, token: str | bytes, now: float | None = None) -> dict[str, Any]:
        """``verify`` that fetches keys through the source's async side, if it has one."""
        claims = await self._averify(token, now)
        if self._revocations is not None:
            await self._revocations.acheck(claims)
        return claims

    async def _averify(self, token: str | bytes, now: float | None) -> dict[str, Any]:
        source = self._async_source
        if source is None:
            return self._run(CompiledVerifier.verify, token, now)
        compiled = await self._acompiled(source)
        try:
            return compiled.verify(token, now)
        except UnknownKey:
            if not await source.arefresh_on_unknown_kid():
                raise
        return (await self._acompiled(source)).verify(token, now)

    def _compiled(self) -> CompiledVerifier:
        version = self._source.keys_version
        state = self._state
        if state is None or state[0] != version:
            # Version first, keys second: if the keys change in between, the next call recompiles.
            state = (version, self._policy.compile(self._source.verification_keys()))
            self._state = state
        return state[1]

    async def _acompiled(self, source: AsyncKeySource) -> CompiledVerifier:
        version = source.keys_version
        state = self._state
        if state is None or state[0] != version:
            state = (version, self._policy.compile(await source.averification_keys()))
            self._state = state
        return state[1]

    def __repr__(self) -> str:
        policy = self._policy
        return (
            f"Verifier(issuer={policy.issuer!r}, audience={policy.audience!r}, "
            f"algorithms={policy.algorithms!r}, leeway={policy.leeway!r})"
        )


def decode(
    token: str | bytes,
    key_or_keys: Keys,
    *,
    algorithms: str | Collection[str] = DEFAULT_ALGORITHMS,
    issuer: str | Collection[str] | None = None,
    audience: str | Collection[str] | None = None,
    leeway: float = 0,
    require: str | Collection[str] = (),
    typ: str | None = None,
    max_age: float | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Verify one token with a one-off policy. Build a ``Verifier`` to verify many."""
    verifier = Verifier(
        key_or_keys,
        algorithms=algorithms,
        issuer=issuer,
        audience=audience,
        leeway=leeway,
        require=require,
        typ=typ,
        max_age=max_age,
    )
    return verifier.verify(token, now)


# --- issuer ----------------------------------------------------------------------------------


class Issuer:
    """Signs RFC 9068 access tokens with a keyring's current key (or one fixed signer)."""

    def __init__(
        self,
        keyring_or_signer: SigningSource | Signer,
        *,
        issuer: str,
        audience: str | Collection[str],
        ttl: int = 600,
        typ: str = "at+jwt",
        allow_long_ttl: bool = False,
    ) -> None:
        if not isinstance(issuer, str) or not issuer:
            raise ConfigurationError("issuer must be a non-empty string")
        audiences = _names("audience", audience)
        self._issuer = issuer
        self._audience: str | list[str] = audiences[0] if len(audiences) == 1 else list(audiences)
        self._ttl = _ttl(ttl, allow_long_ttl)
        self._typ = typ
        self._source = _signing_source(keyring_or_signer)
        # A demoted key must stay verifiable until its last token expires, even for a verifier
        # with the largest leeway.
        retire_after = getattr(keyring_or_signer, "retire_after", None)
        if isinstance(retire_after, (int, float)) and self._ttl + MAX_LEEWAY > retire_after:
            raise ConfigurationError(
                f"the keyring retires keys {retire_after:g} s after demotion, less than ttl + "
                f"{MAX_LEEWAY} s of leeway: tokens would outlive their key"
            )

    @property
    def issuer(self) -> str:
        return self._issuer

    @property
    def audience(self) -> str | list[str]:
        return self._audience

    @property
    def ttl(self) -> int:
        """Lifetime of every token this issuer signs, in seconds."""
        return self._ttl

    @property
    def typ(self) -> str:
        return self._typ

    def issue(self, subject: str, /, **claims: Any) -> str:
        """A signed access token for ``subject``.

        ``client_id`` and ``scope`` (a string or a list of scopes) follow RFC 9068; other claims
        pass through; a claim given as ``None`` is left out. Registered claims cannot be passed.
        """
        if not isinstance(subject, str) or not subject:
            raise ConfigurationError("subject must be a non-empty string")
        clash = REGISTERED_CLAIMS.intersection(claims)
        if clash:
            raise ConfigurationError(f"the issuer sets {', '.join(sorted(clash))} itself")
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self._issuer,
            "sub": subject,
            "aud": self._audience,
            "iat": now,
            "exp": now + self._ttl,
            "jti": secrets.token_urlsafe(16),
        }
        for name, value in claims.items():
            if value is not None:
                payload[name] = _scope(value) if name == "scope" else value
        return encode(payload, self._signer(), headers={"typ": self._typ})

    def verifier(self, **options: Any) -> Verifier:
        """A Verifier that accepts this issuer's tokens (override any option by keyword)."""
        options.setdefault("issuer", self._issuer)
        options.setdefault("audience", self._audience)
        options.setdefault("typ", self._typ)
        options.setdefault("algorithms", self._algorithms())
        if "keys" not in options:
            options["keys"] = self._verification_keys()
        return Verifier(**options)

    def _algorithms(self) -> tuple[str, ...]:
        """The algorithms of the keys that sign or signed now (a keyring moving between
        algorithms holds both); Ed25519 adds its fully specified name."""
        names = {self._signer().alg}
        if isinstance(self._source, KeySource):
            names.update(
                key.alg or key.algorithms[0]
                for key in self._source.verification_keys()
                if isinstance(key, VerifyingKey)
            )
        if names & {"EdDSA", "Ed25519"}:
            names.update(DEFAULT_ALGORITHMS)
        return tuple(sorted(names))

    def _signer(self) -> Signer:
        return self._source.current

    def _verification_keys(self) -> Keys:
        if isinstance(self._source, KeySource):
            return self._source
        signer = self._source.current
        if isinstance(signer, SigningKey):
            return signer.public_key
        if isinstance(signer, HmacKey):
            return signer
        raise ConfigurationError("a custom signer's public key is unknown here: pass keys=")


class _OneSigner:
    """A SigningSource that always names the same signer."""

    def __init__(self, signer: Signer) -> None:
        self.current = signer


def _signing_source(value: SigningSource | Signer) -> SigningSource:
    if isinstance(value, Signer):
        return _OneSigner(value)
    if not hasattr(value, "current"):
        raise ConfigurationError(
            "sign with a Keyring, a SigningKey, an HmacKey or an object with kid, alg and sign()"
        )
    return value


def _ttl(ttl: object, allow_long_ttl: bool) -> int:
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
        raise ConfigurationError("ttl must be a positive whole number of seconds")
    if ttl > MAX_TTL and not allow_long_ttl:
        raise ConfigurationError(
            f"ttl above {MAX_TTL} seconds defeats short-lived tokens; pass allow_long_ttl=True"
        )
    return ttl


def _scope(value: object) -> object:
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(sorted(value) if isinstance(value, (set, frozenset)) else value)
    return value
