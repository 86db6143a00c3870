"""Where a verifier's keys come from: every accepted form of ``keys``, normalised to a
``KeySource``.

A ``KeySource`` (a ``Keyring``, a ``RemoteJWKS``, a ``KeyringFile``) may change its keys over
time: it says so through ``keys_version``, and a ``Verifier`` recompiles when that changes. Keys
given directly (one key, a list, a JWKS dict) become a source that never changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeAlias, runtime_checkable

from keyturn._core import HmacKey, SigningKey, VerifyingKey
from keyturn._jwks_parse import keys_from_jwks
from keyturn.errors import ConfigurationError, InvalidKey, JWKSError

__all__ = ["AsyncKeySource", "FixedKeys", "KeySource", "Keys", "VerificationKey", "key_source"]

VerificationKey: TypeAlias = "VerifyingKey | HmacKey"


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


Keys: TypeAlias = (
    "VerifyingKey | HmacKey | Sequence[VerifyingKey | HmacKey] | Mapping[str, Any] | KeySource"
)


class FixedKeys:
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


def key_source(keys: Keys) -> KeySource:
    """Every accepted form of ``keys``, normalised once for both Verifier and decode."""
    if isinstance(keys, (VerifyingKey, HmacKey)):
        return FixedKeys([keys])
    if isinstance(keys, SigningKey):
        raise InvalidKey("verify with the public key (signing_key.public_key), not the private key")
    if isinstance(keys, KeySource):
        return keys
    if isinstance(keys, Mapping):
        try:
            return FixedKeys(keys_from_jwks(keys))
        except JWKSError as error:  # a set the caller configured, not one fetched from an issuer
            raise ConfigurationError(f"keys: {error}") from None
    if isinstance(keys, Sequence) and not isinstance(keys, (str, bytes)):
        for key in keys:
            if not isinstance(key, (VerifyingKey, HmacKey)):
                raise InvalidKey("keys must be VerifyingKey or HmacKey objects")
        return FixedKeys(keys)
    raise InvalidKey(
        "keys must be a VerifyingKey, an HmacKey, a list of them, a JWKS dict or a key source"
    )
