"""A PyJWT-shaped front door: swap ``import jwt`` for ``from keyturn import pyjwt as jwt``.

``encode``, ``decode``, ``decode_complete`` and ``get_unverified_header`` keep PyJWT 2's signatures
and exception names for the algorithms keyturn supports (EdDSA, Ed25519, HS256/384/512). Every
exception here is also the matching keyturn error, so ``except jwt.ExpiredSignatureError`` and
``except keyturn.ExpiredToken`` catch the same failure.

Where PyJWT is laxer than keyturn's policy, keyturn stays strict: the signature, ``exp``, ``nbf``
and ``iat`` are always checked, tokens with duplicate JSON members or padded base64 are refused,
and a PEM string is never used as an HMAC secret. ``docs/migrating-from-pyjwt.md`` lists every
difference.
"""

from __future__ import annotations

import base64
import calendar
import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from keyturn import _core
from keyturn._core import HmacKey, SigningKey, VerifyingKey
from keyturn.errors import (
    AlgorithmNotAllowed,
    ConfigurationError,
    ExpiredToken,
    InvalidAudience,
    InvalidClaim,
    InvalidIssuer,
    InvalidKey,
    InvalidSignature,
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
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "MissingRequiredClaimError",
    "PyJWTError",
    "decode",
    "decode_complete",
    "encode",
    "get_unverified_header",
]

SUPPORTED_ALGORITHMS = ("EdDSA", "Ed25519", "HS256", "HS384", "HS512")

# Options that would switch off a check keyturn's policy always makes.
_ALWAYS_ON = ("verify_signature", "verify_exp", "verify_nbf", "verify_iat", "verify_aud")
_TIME_CLAIMS = ("exp", "iat", "nbf")


# --- PyJWT's exception names, each also the matching keyturn error --------------------------------


class PyJWTError(KeyturnError):
    """Base class of every ``keyturn.pyjwt`` exception (PyJWT's name)."""


# Each class states its ``code``: with two parents the MRO could otherwise pick the wrong one
# (``InvalidSignatureError`` reaches ``MalformedToken`` through ``DecodeError`` first).


class InvalidTokenError(PyJWTError, TokenError):
    """The token was rejected."""

    code = TokenError.code


class DecodeError(InvalidTokenError, MalformedToken):
    """The token is not a well-formed compact JWS/JWT."""

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
    """A required claim is absent (``.claim`` names it)."""

    code = MissingClaim.code


class InvalidAlgorithmError(InvalidTokenError, AlgorithmNotAllowed):
    """The token's algorithm is not allowed (or not supported by keyturn)."""

    code = AlgorithmNotAllowed.code


class InvalidKeyError(PyJWTError, InvalidKey):
    """The key is not usable for this algorithm."""

    code = InvalidKey.code


# Most specific keyturn class first: the first match in a raised error's MRO wins.
_TRANSLATION: dict[type[KeyturnError], type[PyJWTError]] = {
    InvalidSignature: InvalidSignatureError,
    UnknownKey: InvalidSignatureError,
    AlgorithmNotAllowed: InvalidAlgorithmError,
    ExpiredToken: ExpiredSignatureError,
    NotYetValid: ImmatureSignatureError,
    InvalidIssuer: InvalidIssuerError,
    InvalidAudience: InvalidAudienceError,
    MissingClaim: MissingRequiredClaimError,
    MalformedToken: DecodeError,
    TokenError: InvalidTokenError,
    InvalidKey: InvalidKeyError,
}


# A plain InvalidClaim becomes PyJWT's name for that claim's error.
_CLAIM_TRANSLATION: dict[str | None, type[PyJWTError]] = {
    "sub": InvalidSubjectError,
    "jti": InvalidJTIError,
    "iat": InvalidIssuedAtError,
}


def _translate(error: KeyturnError) -> KeyturnError:
    if isinstance(error, PyJWTError):
        return error
    for cls in type(error).__mro__:
        target = _TRANSLATION.get(cls)
        if cls is InvalidClaim:
            target = _CLAIM_TRANSLATION.get(error.claim, InvalidTokenError)
        if target is not None:
            translated = target(str(error), claim=error.claim)
            translated.code = error.code  # the core's precise reason (e.g. key_unknown) survives
            return translated
    return error


# --- keys -----------------------------------------------------------------------------------------


def _as_bytes(key: str | bytes) -> bytes:
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def _is_pem(data: bytes) -> bool:
    return data.lstrip().startswith(b"-----BEGIN ")


def _refuse_asymmetric_text(data: bytes) -> None:
    # PyJWT refuses these too: an SSH public key must never become an HMAC secret.
    if data.startswith((b"ssh-", b"ecdsa-sha2-")):
        raise InvalidKeyError("an SSH public key cannot be used as an HMAC secret")


def _from_cryptography(key: object) -> SigningKey | VerifyingKey | None:
    """Accept pyca/cryptography Ed25519 key objects, as PyJWT does, without depending on it."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        return None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return SigningKey.from_seed(key.private_bytes_raw())
    if isinstance(key, ed25519.Ed25519PublicKey):
        return VerifyingKey.from_bytes(key.public_bytes_raw())
    return None


def _signing_key(key: object) -> SigningKey | HmacKey:
    if isinstance(key, (SigningKey, HmacKey)):
        return key
    if isinstance(key, (str, bytes)):
        data = _as_bytes(key)
        if _is_pem(data):
            return SigningKey.from_pem(data)
        _refuse_asymmetric_text(data)
        return HmacKey(data)
    converted = _from_cryptography(key)
    if isinstance(converted, SigningKey):
        return converted
    raise InvalidKeyError(f"cannot sign with a {type(key).__name__}")


@functools.lru_cache(maxsize=32)
def _public_pem(data: bytes) -> VerifyingKey:
    # A service passes the same public key on every call; parse it once. Private PEMs are never
    # cached: a module-level cache would keep secret material alive.
    return VerifyingKey.from_pem(data)


def _verifying_key(key: object, kid: str | None) -> VerifyingKey | HmacKey:
    """The caller's single key, bound to the token's ``kid``: like PyJWT, an explicit key is used
    whatever ``kid`` the token names."""
    if isinstance(key, (str, bytes)):
        data = _as_bytes(key)
        if not _is_pem(data):
            _refuse_asymmetric_text(data)
            return HmacKey(data, kid=kid)
        key = SigningKey.from_pem(data) if b"PRIVATE KEY" in data else _public_pem(data)
    elif not isinstance(key, (SigningKey, VerifyingKey, HmacKey)):
        key = _from_cryptography(key)
    if isinstance(key, SigningKey):
        key = key.public_key
    if isinstance(key, VerifyingKey):
        return key if kid is None else key.with_kid(kid)
    if isinstance(key, HmacKey):
        return key
    raise InvalidKeyError("unsupported key type for verification")


# --- encode ---------------------------------------------------------------------------------------


def _timestamp(value: object) -> object:
    if isinstance(value, datetime):
        return calendar.timegm(value.utctimetuple())
    return value


def encode(
    payload: Mapping[str, Any],
    key: object,
    algorithm: str = "HS256",
    headers: Mapping[str, Any] | None = None,
) -> str:
    """Sign ``payload`` like ``jwt.encode``: ``typ: JWT`` header, ``datetime`` times as integers."""
    if not isinstance(payload, Mapping):
        raise TypeError(
            "Expecting a mapping object, as JWT only supports JSON objects as payloads."
        )
    claims = {
        name: _timestamp(value) if name in _TIME_CLAIMS else value
        for name, value in payload.items()
    }
    header = dict(headers or {})
    alg = header.pop("alg", None) or algorithm
    if not header.get("typ", True):
        # PyJWT leaves a falsy typ out; keyturn's encode leaves out a typ of None.
        header["typ"] = None
    if alg not in SUPPORTED_ALGORITHMS:
        raise NotImplementedError(f"Algorithm {alg!r} is not supported by keyturn")
    try:
        return _core.encode(claims, _signing_key(key), alg=alg, headers=header)
    except KeyturnError as error:
        raise _translate(error) from None


# --- decode ---------------------------------------------------------------------------------------


def get_unverified_header(jwt: str | bytes) -> dict[str, Any]:
    """The token's header, parsed strictly but NOT verified: never trust it for a decision."""
    try:
        header, _ = _core.unverified_parts(jwt)
    except KeyturnError as error:
        raise _translate(error) from None
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidTokenError("Key ID header parameter must be a string")
    return header


def _string_list(value: str | Iterable[str] | None, name: str) -> list[str] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    if not values or not all(isinstance(item, str) for item in values):
        raise TypeError(f"{name} must be a string or an iterable of strings")
    return values


def _checked_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {"require": [], "strict_aud": False, **(options or {})}
    for name in _ALWAYS_ON:
        if merged.get(name, True) is False:
            raise ConfigurationError(
                f"keyturn.pyjwt never turns off {name}: keyturn always verifies it "
                "(use get_unverified_header() to look at a token without trusting it)"
            )
    return merged


def _check_strict_audience(
    claims: Mapping[str, Any], audience: list[str] | None, options: Mapping[str, Any]
) -> None:
    """PyJWT's ``strict_aud``: one expected audience and a plain-string ``aud`` claim."""
    if not options["strict_aud"] or audience is None:
        return
    if len(audience) != 1 or not isinstance(claims.get("aud"), str):
        raise InvalidAudienceError("Invalid audience (strict)")


def _check_subject(claims: Mapping[str, Any], subject: str | None) -> None:
    # The core has already refused a non-string sub; PyJWT's subject= adds an exact match.
    if subject is not None and claims.get("sub") != subject:
        raise InvalidSubjectError("Invalid subject")


def _signature_bytes(jwt: str | bytes) -> bytes:
    raw = jwt.encode("ascii") if isinstance(jwt, str) else jwt
    segment = raw.rsplit(b".", 1)[1]
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


def decode_complete(
    jwt: str | bytes,
    key: object = "",
    algorithms: Sequence[str] | None = None,
    options: Mapping[str, Any] | None = None,
    *,
    audience: str | Iterable[str] | None = None,
    subject: str | None = None,
    issuer: str | Iterable[str] | None = None,
    leeway: float | timedelta = 0,
) -> dict[str, Any]:
    """Verify ``jwt`` like ``jwt.decode_complete``: ``{"header", "payload", "signature"}``."""
    checked = _checked_options(options)
    if not algorithms:
        raise DecodeError(
            'It is required that you pass in a value for the "algorithms" argument '
            "when calling decode()."
        )
    audiences = _string_list(audience, "audience")
    try:
        kid = get_unverified_header(jwt).get("kid")
        allowed = [alg for alg in algorithms if alg in SUPPORTED_ALGORITHMS]
        if not allowed:
            raise InvalidAlgorithmError("none of the allowed algorithms is supported by keyturn")
        verifier = _core.CompiledVerifier(
            [_verifying_key(key, kid)],
            algorithms=allowed,
            issuer=_string_list(issuer, "issuer") if checked.get("verify_iss", True) else None,
            audience=audiences,
            leeway=leeway.total_seconds() if isinstance(leeway, timedelta) else leeway,
            require=list(checked["require"]),
        )
        header, claims = verifier.verify_complete(jwt)
    except KeyturnError as error:
        raise _translate(error) from None
    _check_strict_audience(claims, audiences, checked)
    _check_subject(claims, subject)
    return {"header": header, "payload": claims, "signature": _signature_bytes(jwt)}


def decode(
    jwt: str | bytes,
    key: object = "",
    algorithms: Sequence[str] | None = None,
    options: Mapping[str, Any] | None = None,
    *,
    audience: str | Iterable[str] | None = None,
    subject: str | None = None,
    issuer: str | Iterable[str] | None = None,
    leeway: float | timedelta = 0,
) -> dict[str, Any]:
    """Verify ``jwt`` like ``jwt.decode`` and return its claims."""
    complete = decode_complete(
        jwt,
        key,
        algorithms,
        options,
        audience=audience,
        subject=subject,
        issuer=issuer,
        leeway=leeway,
    )
    payload: dict[str, Any] = complete["payload"]
    return payload
