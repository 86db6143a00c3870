"""PyJWT's exception names (``jwt.exceptions``), each also the matching keyturn error.

``except jwt.ExpiredSignatureError`` and ``except keyturn.ExpiredToken`` catch the same failure.
Messages follow PyJWT's wording and name the claim; none holds a token or key material.
"""

from __future__ import annotations

from keyturn.errors import (
    AlgorithmNotAllowed,
    ConfigurationError,
    ExpiredToken,
    InvalidAudience,
    InvalidClaim,
    InvalidIssuer,
    InvalidKey,
    InvalidSignature,
    JWKSError,
    KeyturnError,
    MalformedToken,
    MissingClaim,
    NotYetValid,
    TokenError,
    UnknownKey,
)

__all__ = [
    "DecodeError",
    "ExpiredSignatureError",
    "ImmatureSignatureError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidJTIError",
    "InvalidKeyError",
    "InvalidOptionError",
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "MissingCryptographyError",
    "MissingRequiredClaimError",
    "PyJWKClientConnectionError",
    "PyJWKClientError",
    "PyJWKError",
    "PyJWKSetError",
    "PyJWTError",
    "translate",
]


class PyJWTError(KeyturnError):
    """Base class of every ``keyturn.pyjwt`` exception (PyJWT's name)."""

    def __init__(self, *args: object, claim: str | None = None) -> None:
        # PyJWT's exceptions take any positional arguments; the first is the message.
        super().__init__(str(args[0]) if args else "", claim=claim)


# Each class states its ``code``: with two parents the MRO could otherwise pick the wrong one
# (``InvalidSignatureError`` reaches ``MalformedToken`` through ``DecodeError`` first).


class InvalidTokenError(PyJWTError, TokenError):
    """The token was rejected."""

    code = TokenError.code


class DecodeError(InvalidTokenError, MalformedToken):
    """The token is not a well-formed compact JWS/JWT (or, as in PyJWT, exp/nbf are not numbers)."""

    code = MalformedToken.code


class InvalidSignatureError(DecodeError, InvalidSignature):
    """The signature does not verify."""

    code = InvalidSignature.code


class ExpiredSignatureError(InvalidTokenError, ExpiredToken):
    """The token has expired."""

    code = ExpiredToken.code


class ImmatureSignatureError(InvalidTokenError, NotYetValid):
    """The token is not valid yet (``nbf`` or ``iat`` in the future)."""

    code = NotYetValid.code


class InvalidAudienceError(InvalidTokenError, InvalidAudience):
    """The ``aud`` claim does not match."""

    code = InvalidAudience.code


class InvalidIssuerError(InvalidTokenError, InvalidIssuer):
    """The ``iss`` claim does not match."""

    code = InvalidIssuer.code


class InvalidIssuedAtError(InvalidTokenError, InvalidClaim):
    """The ``iat`` claim is not a number."""

    code = InvalidClaim.code


class InvalidSubjectError(InvalidTokenError, InvalidClaim):
    """The ``sub`` claim is not a string or does not match."""

    code = InvalidClaim.code


class InvalidJTIError(InvalidTokenError, InvalidClaim):
    """The ``jti`` claim is not a string."""

    code = InvalidClaim.code


class MissingRequiredClaimError(InvalidTokenError, MissingClaim):
    """A required claim is absent; built as in PyJWT: ``MissingRequiredClaimError("exp")``."""

    code = MissingClaim.code

    def __init__(self, claim: str) -> None:
        super().__init__(f'Token is missing the "{claim}" claim', claim=claim)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.claim,))


class InvalidAlgorithmError(InvalidTokenError, AlgorithmNotAllowed):
    """The token's algorithm is not allowed (or not supported by keyturn)."""

    code = AlgorithmNotAllowed.code


class InvalidKeyError(PyJWTError, InvalidKey):
    """The key is not usable for this algorithm."""

    code = InvalidKey.code


class InvalidOptionError(PyJWTError, ConfigurationError):
    """An option keyturn.pyjwt refuses because it would switch off a check (keyturn's own)."""

    code = ConfigurationError.code


class PyJWKError(PyJWTError, InvalidKey):
    """A JWK cannot be used."""

    code = InvalidKey.code


class MissingCryptographyError(PyJWKError):
    """Kept for PyJWT's name; keyturn never needs ``cryptography``, so it is never raised."""


class PyJWKSetError(PyJWTError, InvalidKey):
    """A JWK Set cannot be used."""

    code = InvalidKey.code


class PyJWKClientError(PyJWTError, JWKSError):
    """The JWKS client found no usable key."""

    code = JWKSError.code


class PyJWKClientConnectionError(PyJWKClientError):
    """The JWKS could not be fetched."""


# --- keyturn errors as PyJWT's -------------------------------------------------------------------

# Most specific keyturn class first: the first match in a raised error's MRO wins.
_TRANSLATION: dict[type[KeyturnError], type[PyJWTError]] = {
    InvalidSignature: InvalidSignatureError,
    UnknownKey: InvalidSignatureError,
    AlgorithmNotAllowed: InvalidAlgorithmError,
    ExpiredToken: ExpiredSignatureError,
    NotYetValid: ImmatureSignatureError,
    InvalidIssuer: InvalidIssuerError,
    InvalidAudience: InvalidAudienceError,
    MalformedToken: DecodeError,
    TokenError: InvalidTokenError,
    InvalidKey: InvalidKeyError,
    JWKSError: PyJWKClientConnectionError,
    ConfigurationError: InvalidOptionError,
}

# A plain InvalidClaim becomes PyJWT's class for that claim; PyJWT raises DecodeError for a
# non-numeric exp/nbf, so ``except jwt.DecodeError`` keeps catching those.
_CLAIM_TRANSLATION: dict[str | None, type[PyJWTError]] = {
    "sub": InvalidSubjectError,
    "jti": InvalidJTIError,
    "iat": InvalidIssuedAtError,
    "exp": DecodeError,
    "nbf": DecodeError,
}

# PyJWT's wording, which names the claim (keyturn's own messages leave that to ``.claim``).
_MESSAGES: dict[tuple[type[PyJWTError], str | None], str] = {
    (ExpiredSignatureError, "exp"): "Signature has expired",
    (ImmatureSignatureError, "nbf"): "The token is not yet valid (nbf)",
    (ImmatureSignatureError, "iat"): "The token is not yet valid (iat)",
    (InvalidIssuedAtError, "iat"): "Issued At claim (iat) must be an integer.",
    (DecodeError, "exp"): "Expiration Time claim (exp) must be an integer.",
    (DecodeError, "nbf"): "Not Before claim (nbf) must be an integer.",
    (InvalidSubjectError, "sub"): "Subject must be a string",
    (InvalidJTIError, "jti"): "JWT ID must be a string",
    (InvalidAudienceError, "aud"): "Audience doesn't match",
    (InvalidIssuerError, "iss"): "Invalid issuer",
    (InvalidSignatureError, None): "Signature verification failed",
}


# PyJWT's wording for the core's payload refusals, which its users match on ("Invalid payload").
_PAYLOAD_MESSAGES = {
    "payload is not a JSON object": "Invalid payload string: must be a json object",
    "payload is not valid UTF-8 JSON": "Invalid payload string: not valid UTF-8 JSON",
}


def translate(error: KeyturnError) -> PyJWTError:
    """The PyJWT-named twin of a keyturn error; its ``.code`` keeps the core's precise reason."""
    if isinstance(error, PyJWTError):
        return error
    if isinstance(error, MissingClaim) and error.claim is not None:
        return MissingRequiredClaimError(error.claim)
    target: type[PyJWTError] = PyJWTError
    for cls in type(error).__mro__:
        found = _TRANSLATION.get(cls)
        if cls is InvalidClaim:
            found = _CLAIM_TRANSLATION.get(error.claim, InvalidTokenError)
        if found is not None:
            target = found
            break
    message = _MESSAGES.get((target, error.claim)) or _PAYLOAD_MESSAGES.get(str(error), str(error))
    translated = target(message, claim=error.claim)
    translated.code = error.code  # e.g. key_unknown survives as the code of InvalidSignatureError
    return translated
