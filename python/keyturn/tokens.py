"""Verifying access tokens.

Python decides the policy once; Rust executes it per token. A ``Verifier`` normalises its keys
(``key_source``) and options (``_policy``) at construction, compiles them into a
``keyturn._core.CompiledVerifier``, and ``verify`` is then a single call into Rust. Keys may come
from a ``KeySource`` (a ``Keyring`` or a ``RemoteJWKS``): the verifier recompiles whenever the
source's ``keys_version`` changes. ``decode`` is one verify with a one-off policy.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from keyturn._core import CompiledVerifier
from keyturn._policy import policy
from keyturn.errors import TokenError, UnknownKey
from keyturn.key_source import AsyncKeySource, FixedKeys, Keys, key_source
from keyturn.revocation import Revocations

__all__ = ["DEFAULT_ALGORITHMS", "Verifier", "decode"]

DEFAULT_ALGORITHMS = ("EdDSA", "Ed25519")

_Result = TypeVar("_Result")


class Verifier:
    """A verification policy compiled once; ``verify`` is then one call into Rust.

    ``issuer`` and ``audience`` must be given (``None`` explicitly skips that check); a string or
    a collection of strings, any one matching. ``leeway`` is at most 5 minutes.

    ``cache=N`` keeps up to N (at most 2**20) verified tokens: a repeat of one skips parsing and
    the signature check, but every claim check still runs against the clock. The cache belongs to
    one compiled key set, so any change of keys (rotation, retirement, revocation, a JWKS refresh)
    starts it empty.

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
        self._policy = policy(
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
        self._source = key_source(keys)
        # Checked once: a runtime Protocol isinstance is too slow for every averify.
        self._async_source = self._source if isinstance(self._source, AsyncKeySource) else None
        # (keys_version, compiled) as one tuple so concurrent recompiles never mix the two.
        self._state: tuple[int, CompiledVerifier] | None = None
        # Fixed keys compile now (bad keys fail at construction); a source compiles on first use,
        # so building a Verifier never fetches.
        self._fixed = self._compiled() if isinstance(self._source, FixedKeys) else None

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
        settings = self._policy
        return (
            f"Verifier(issuer={settings.issuer!r}, audience={settings.audience!r}, "
            f"algorithms={settings.algorithms!r}, leeway={settings.leeway!r})"
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
