"""The keyturn exception hierarchy.

It lives in Python (like pyca/cryptography's) so users can catch it at any depth; the Rust core
imports these classes and raises them from one conversion point (``src/errors.rs``).

Every class carries a stable ``code`` string that services can log and map to HTTP responses.
Messages never contain a token, a secret or key material.
"""

from __future__ import annotations

__all__ = [
    "AlgorithmNotAllowed",
    "ConfigurationError",
    "ExpiredRefresh",
    "ExpiredToken",
    "InvalidAudience",
    "InvalidClaim",
    "InvalidIssuer",
    "InvalidKey",
    "InvalidRefresh",
    "InvalidSignature",
    "InvalidType",
    "JWKSError",
    "KeyringError",
    "KeyturnError",
    "MalformedToken",
    "MissingClaim",
    "NotYetValid",
    "RefreshError",
    "ReplayedRefresh",
    "RevokedRefresh",
    "StoreError",
    "TokenError",
    "TokenRevoked",
    "UnknownKey",
]


class KeyturnError(Exception):
    """Root of every error keyturn raises on purpose."""

    code: str = "keyturn_error"

    def __init__(
        self, message: str = "", *, claim: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.claim = claim
        if code is not None:
            # A more precise code than the class's (e.g. InvalidKey "rsa_modulus_too_small").
            self.code = code

    def __reduce__(self) -> tuple[object, ...]:
        # Keep instances picklable across processes (verify_many results, multiprocessing tests).
        return (_rebuild, (self.__class__, str(self), self.claim, self.code))


def _rebuild(
    cls: type[KeyturnError], message: str, claim: str | None, code: str | None = None
) -> KeyturnError:
    return cls(message, claim=claim, code=code)


class ConfigurationError(KeyturnError, ValueError):
    """A keyturn object was configured in a way that would weaken its checks."""

    code = "configuration_invalid"


class InvalidKey(KeyturnError, ValueError):
    """Key material could not be imported or is not allowed for this use."""

    code = "key_invalid"


class KeyringError(KeyturnError):
    """A keyring file or keyring operation is invalid."""

    code = "keyring_invalid"


class JWKSError(KeyturnError):
    """A JWKS could not be fetched, parsed or trusted."""

    code = "jwks_error"


class StoreError(KeyturnError):
    """The token store could not complete an operation; nothing was half-written."""

    code = "store_unavailable"


# --- access tokens -------------------------------------------------------------------------------


class TokenError(KeyturnError):
    """An access token was rejected."""

    code = "token_invalid"


class MalformedToken(TokenError):
    """The token is not a well-formed compact JWS/JWT."""

    code = "token_malformed"


class InvalidSignature(TokenError):
    """The signature does not verify."""

    code = "signature_invalid"


class AlgorithmNotAllowed(TokenError):
    """The token's algorithm is not allowed by the verifier or the key."""

    code = "algorithm_not_allowed"


class UnknownKey(TokenError):
    """No key is known for the token's ``kid``."""

    code = "key_unknown"


class ExpiredToken(TokenError):
    """The token has expired."""

    code = "token_expired"


class NotYetValid(TokenError):
    """The token is not valid yet (``nbf`` or ``iat`` in the future)."""

    code = "token_not_yet_valid"


class InvalidClaim(TokenError):
    """A claim has the wrong type or value."""

    code = "claim_invalid"


class InvalidIssuer(InvalidClaim):
    """The ``iss`` claim does not match."""

    code = "issuer_invalid"


class InvalidAudience(InvalidClaim):
    """The ``aud`` claim does not match."""

    code = "audience_invalid"


class MissingClaim(InvalidClaim):
    """A required claim is absent."""

    code = "claim_missing"


class InvalidType(InvalidClaim):
    """The ``typ`` header does not match."""

    code = "type_invalid"


class TokenRevoked(TokenError):
    """The token was revoked before it expired."""

    code = "token_revoked"


# --- refresh tokens ------------------------------------------------------------------------------


class RefreshError(KeyturnError):
    """A refresh token was rejected."""

    code = "refresh_error"


class InvalidRefresh(RefreshError):
    """The refresh token is malformed or unknown."""

    code = "refresh_invalid"


class ExpiredRefresh(RefreshError):
    """The refresh token has expired."""

    code = "refresh_expired"


class ReplayedRefresh(RefreshError):
    """An already-used refresh token was presented: its whole family is now revoked."""

    code = "refresh_replayed"


class RevokedRefresh(RefreshError):
    """The refresh token's family was revoked (logout, device revocation or an earlier replay)."""

    code = "refresh_revoked"
