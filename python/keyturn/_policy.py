"""A verifier's policy, checked once when it is configured and compiled into the Rust core.

Every option is validated here (a ``ConfigurationError`` names the bad one), so that the core
executes a policy that cannot be weaker than it looks.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from keyturn._core import MAX_TOKEN_BYTES, CompiledVerifier
from keyturn._limits import MAX_CACHE, MAX_LEEWAY
from keyturn.errors import ConfigurationError
from keyturn.key_source import VerificationKey

__all__ = ["Policy", "names", "policy"]


@dataclass(frozen=True)
class Policy:
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


def policy(
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
) -> Policy:
    if isinstance(leeway, bool) or not isinstance(leeway, (int, float)):
        raise ConfigurationError("leeway must be a number of seconds")
    if not 0 <= leeway <= MAX_LEEWAY:
        raise ConfigurationError(f"leeway must be between 0 and {MAX_LEEWAY} seconds")
    if max_age is not None and not (_is_number(max_age) and math.isfinite(max_age) and max_age > 0):
        raise ConfigurationError("max_age must be a positive finite number of seconds")
    if max_token_bytes is not None and not (
        _is_number(max_token_bytes)
        and isinstance(max_token_bytes, int)
        and 0 < max_token_bytes <= MAX_TOKEN_BYTES
    ):
        # It can lower the core's cap, never raise it: the cap is what bounds parsing work.
        raise ConfigurationError(
            f"max_token_bytes must be a whole number between 1 and {MAX_TOKEN_BYTES}"
        )
    if isinstance(cache, bool) or not isinstance(cache, int) or not 0 <= cache <= MAX_CACHE:
        raise ConfigurationError(
            f"cache must be a number of tokens up to {MAX_CACHE} (0 turns it off)"
        )
    if typ is not None and not (isinstance(typ, str) and typ):
        raise ConfigurationError("typ must be a non-empty string or None")
    return Policy(
        algorithms=names("algorithms", algorithms),
        issuer=None if issuer is None else names("issuer", issuer),
        audience=None if audience is None else names("audience", audience),
        leeway=leeway,
        require=names("require", require, allow_empty=True),
        typ=typ,
        max_age=max_age,
        max_token_bytes=MAX_TOKEN_BYTES if max_token_bytes is None else max_token_bytes,
        cache=cache,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def names(what: str, value: str | Collection[str], *, allow_empty: bool = False) -> tuple[str, ...]:
    """One name or several, as a tuple of non-empty strings."""
    # Anything else (a number, None) stands alone, and is refused below like a bad member.
    given = (
        tuple(value) if isinstance(value, Collection) and not isinstance(value, str) else (value,)
    )
    if not all(isinstance(name, str) and name for name in given):
        raise ConfigurationError(f"{what} must be a string or a collection of non-empty strings")
    if not given and not allow_empty:
        raise ConfigurationError(f"{what} must name at least one value")
    return given
