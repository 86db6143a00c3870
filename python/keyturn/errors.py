"""The keyturn exception hierarchy.

It lives in Python (like pyca/cryptography's) so users can catch it at any depth; the Rust core
imports these classes and raises them from one conversion point (``src/python/errors.rs``).

Every class carries a stable ``code`` string that services can log and map to HTTP responses.
Messages never contain a token, a secret or key material.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = [
    "AlgorithmNotAllowed",
    "ClientAuthError",
    "ClientError",
    "ConfigurationError",
    "ExpiredRefresh",
    "ExpiredSession",
    "ExpiredToken",
    "GrantError",
    "InvalidAudience",
    "InvalidClaim",
    "InvalidIssuer",
    "InvalidKey",
    "InvalidRefresh",
    "InvalidSession",
    "InvalidSignature",
    "InvalidType",
    "JWKSError",
    "KeyringError",
    "KeyturnError",
    "LoginError",
    "MalformedToken",
    "MissingClaim",
    "NotYetValid",
    "ProviderError",
    "RefreshError",
    "ReplayedRefresh",
    "RevokedRefresh",
    "SessionError",
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


# --- registered clients (keyturn as an authorization server) ------------------------------------


class ClientAuthError(KeyturnError):
    """Client authentication failed (RFC 6749 §5.2 ``invalid_client``).

    One class, one code, one message for every cause (unknown client, wrong secret, disabled
    client, a bad, expired or replayed assertion): the caller learns nothing about which part was
    wrong, so probing for client ids or secrets gains nothing.
    """

    code = "invalid_client"


class ClientError(KeyturnError):
    """An administrative operation on a registered client cannot be done.

    Codes: ``client_unknown`` (no client has this id), ``client_exists`` (the id is taken),
    ``client_has_no_secret`` (a ``private_key_jwt`` client has keys, not a secret to rotate).
    """

    code = "client_error"


# --- browser sessions ----------------------------------------------------------------------------


class SessionError(KeyturnError):
    """A browser session id was refused; nothing was written."""

    code = "session_error"


class InvalidSession(SessionError):
    """The session id is malformed or unknown: never issued, ended, rotated away, or another
    user's."""

    code = "session_invalid"


class ExpiredSession(SessionError):
    """The session ran past its idle or its absolute timeout."""

    code = "session_expired"


# --- identity providers --------------------------------------------------------------------------

#: RFC 6749 §5.2: an ``error`` value is printable ASCII without ``"`` and ``\\``.
_PROVIDER_CODE_MAX = 64


def provider_code(value: object) -> str:
    """An ``error`` value from a provider, kept only if it is a well-formed RFC 6749 code.

    It came over the network: anything else (too long, control characters) is not repeated.
    """
    if (
        isinstance(value, str)
        and 0 < len(value) <= _PROVIDER_CODE_MAX
        and all(" " <= c <= "~" and c not in '"\\' for c in value)
    ):
        return value
    return "unrecognised"


class ProviderError(KeyturnError):
    """An identity provider could not be reached or answered something unusable.

    Codes: ``provider_unavailable`` (no complete, bounded answer: refused connection, timeout,
    oversized body, redirect, an unexpected HTTP status), ``provider_response_invalid`` (an answer
    that is not the JSON object the protocol requires, or lacks a member it must have),
    ``userinfo_subject_mismatch`` (userinfo describes another ``sub`` than the id_token).
    """

    code = "provider_error"
    provider_code: str | None = None  # set on GrantError (see with_provider_code)


class GrantError(ProviderError):
    """The provider refused the request with an OAuth error (RFC 6749 §5.2, RFC 7009, RFC 8628);
    ``provider_code`` is the provider's ``error`` (``invalid_grant``, ``invalid_client``, ...)."""

    code = "grant_refused"


class LoginError(KeyturnError):
    """A sign-in could not be completed.

    Codes: ``login_state_invalid`` (no pending login has this ``state`` for this browser: forged,
    reused or from another browser), ``login_state_expired``, ``login_denied`` (the provider
    answered with an error; ``provider_code`` is its ``error``, e.g. ``access_denied``),
    ``login_response_invalid`` (a callback that is neither a code nor an error, or names another
    issuer), ``login_expired`` (a device code ran out), ``login_cancelled``.
    """

    code = "login_failed"
    provider_code: str | None = None  # set for login_denied (see with_provider_code)


_Answered = TypeVar("_Answered", ProviderError, LoginError)


def with_provider_code(error: _Answered, value: object) -> _Answered:
    """``error`` carrying the provider's own ``error`` value (checked by ``provider_code``) beside
    keyturn's stable ``code``. An attribute, not a constructor argument: it does not survive
    pickling, which only matters for errors sent between processes (token errors are)."""
    error.provider_code = provider_code(value)
    return error
