"""Helpers shared by the tests in tests/tokens (``from .tokens_support import ...``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

import keyturn as kt

ISS = "https://auth.example.com"
AUD = "api.example.com"
#: A fixed clock for claim tests (passed as `now=`), far from the real one.
NOW = 1_800_000_000


class WrappedSigner:
    """A Signer whose private key lives outside keyturn's own key types: it stands for a KMS.

    Records every message it signs so tests can see what keyturn asked it to sign.
    """

    def __init__(self, key: kt.SigningKey, *, kid: str | None = "kms-key") -> None:
        self._key = key
        self._kid = kid
        self.signed: list[bytes] = []

    @property
    def kid(self) -> str | None:
        return self._kid

    @property
    def alg(self) -> str:
        return "EdDSA"

    def sign(self, message: bytes, /) -> bytes:
        self.signed.append(message)
        return self._key.sign(message)


class PendingKeys:
    """A KeySource whose refresh brings in keys published after the first fetch.

    A real implementation of the protocol (a RemoteJWKS reduced to its caching rule), not a mock.
    """

    def __init__(self, active: Sequence[kt.VerifyingKey], pending: Sequence[kt.VerifyingKey]):
        self._active = list(active)
        self._pending = list(pending)
        self.keys_version = 1
        self.refreshes = 0

    def verification_keys(self) -> Sequence[kt.VerifyingKey]:
        return tuple(self._active)

    def refresh_on_unknown_kid(self) -> bool:
        self.refreshes += 1
        if not self._pending:
            return False
        self._active += self._pending
        self._pending = []
        self.keys_version += 1
        return True


#: Every error class's code, spelled out (docs/concepts.md, "Errors"; test_error_codes.py checks
#: this table against the docs and the classes once, so ``expect`` can check a literal per call).
CODES: dict[type[kt.KeyturnError], str] = {
    kt.KeyturnError: "keyturn_error",
    kt.ConfigurationError: "configuration_invalid",
    kt.InvalidKey: "key_invalid",
    kt.KeyringError: "keyring_invalid",
    kt.JWKSError: "jwks_error",
    kt.StoreError: "store_unavailable",
    kt.TokenError: "token_invalid",
    kt.MalformedToken: "token_malformed",
    kt.InvalidSignature: "signature_invalid",
    kt.AlgorithmNotAllowed: "algorithm_not_allowed",
    kt.UnknownKey: "key_unknown",
    kt.ExpiredToken: "token_expired",
    kt.NotYetValid: "token_not_yet_valid",
    kt.InvalidClaim: "claim_invalid",
    kt.InvalidIssuer: "issuer_invalid",
    kt.InvalidAudience: "audience_invalid",
    kt.MissingClaim: "claim_missing",
    kt.InvalidType: "type_invalid",
    kt.TokenRevoked: "token_revoked",
    kt.RefreshError: "refresh_error",
    kt.InvalidRefresh: "refresh_invalid",
    kt.ExpiredRefresh: "refresh_expired",
    kt.ReplayedRefresh: "refresh_replayed",
    kt.RevokedRefresh: "refresh_revoked",
    kt.ProviderError: "provider_error",
    kt.GrantError: "grant_refused",
    kt.LoginError: "login_failed",
    kt.ClientAuthError: "invalid_client",
    kt.ClientError: "client_error",
    kt.SessionError: "session_error",
    kt.InvalidSession: "session_invalid",
    kt.ExpiredSession: "session_expired",
}


def expect(
    error: type[kt.KeyturnError], call: Callable[..., Any], *args: Any, **kwargs: Any
) -> kt.KeyturnError:
    """Run ``call`` and check it raises exactly ``error`` (not a subclass) carrying the literal
    code ``CODES`` spells out for that class."""
    with pytest.raises(error) as info:
        call(*args, **kwargs)
    assert type(info.value) is error
    assert info.value.code == CODES[error]
    return info.value


def outcome(result: object) -> object:
    """A verify result reduced to what must match between verify and verify_many."""
    if isinstance(result, kt.TokenError):
        return (type(result), result.code)
    return result
