"""``PyJWT`` and ``encode``/``decode``/``decode_complete`` (``jwt.api_jwt``).

Verification runs twice over: keyturn's core checks the signature and its own strict claim rules,
then PyJWT's claim rules run on the result, so on every input this is at least as strict as both
(``require`` counts a null claim as missing, ``exp`` is truncated to whole seconds as PyJWT does,
``strict_aud`` takes one audience string). ``docs/migrating-from-pyjwt.md`` lists where keyturn is
stricter than PyJWT.
"""

from __future__ import annotations

import base64
import calendar
import json
import time
import warnings
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from keyturn import _core
from keyturn.errors import AlgorithmNotAllowed, InvalidAudience, KeyturnError
from keyturn.pyjwt import _keys
from keyturn.pyjwt._keys import SUPPORTED_ALGORITHMS
from keyturn.pyjwt.api_jwk import PyJWK
from keyturn.pyjwt.api_jws import get_unverified_header, token_bytes
from keyturn.pyjwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidOptionError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
    translate,
)
from keyturn.pyjwt.warnings import RemovedInPyjwt3Warning

__all__ = ["SUPPORTED_ALGORITHMS", "PyJWT", "decode", "decode_complete", "encode"]

_DEFAULT_OPTIONS: dict[str, Any] = {
    "verify_signature": True,
    "verify_exp": True,
    "verify_nbf": True,
    "verify_iat": True,
    "verify_aud": True,
    "verify_iss": True,
    "verify_sub": True,
    "verify_jti": True,
    "require": [],
    "strict_aud": False,
    "enforce_minimum_key_length": False,
}
# Checks keyturn makes whenever it verifies a signature; turning one off is refused.
_ALWAYS_ON = ("verify_exp", "verify_nbf", "verify_iat", "verify_aud")
# PyJWT switches these off with verify_signature unless the caller sets them.
_FOLLOW_SIGNATURE = (*_ALWAYS_ON, "verify_iss", "verify_sub", "verify_jti")
_TIME_CLAIMS = ("exp", "iat", "nbf")
_ALGORITHM_UNSET = "__keyturn_algorithm_unset__"


# --- helpers --------------------------------------------------------------------------------------


def _merge_options(base: Mapping[str, Any], options: Mapping[str, Any] | None) -> dict[str, Any]:
    """PyJWT's merge: without ``verify_signature`` the claim checks default to off."""
    given = dict(options or {})
    if not given.get("verify_signature", True):
        for name in _FOLLOW_SIGNATURE:
            given.setdefault(name, False)
    return {**base, **given}


def _json_claims(payload: Mapping[str, Any], json_encoder: type[json.JSONEncoder] | None) -> Any:
    """The payload as PyJWT would serialize it (``json_encoder``, tuples as lists, int keys as
    strings), read back so that keyturn's encoder signs exactly that."""
    try:
        text = json.dumps(payload, separators=(",", ":"), cls=json_encoder, allow_nan=False)
    except ValueError:
        raise TypeError("NaN and infinity cannot be encoded: they are not JSON") from None
    return json.loads(text)


def _encode_headers(
    headers: Mapping[str, Any] | None, sort_headers: bool
) -> tuple[str | None, dict[str, Any]]:
    header = dict(headers or {})
    alg = header.pop("alg", None)
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidTokenError("Key ID header parameter must be a string")
    if not header.get("typ", True):
        header["typ"] = None  # PyJWT leaves a falsy typ out; keyturn's encode leaves out None
    header.setdefault("kid", None)  # PyJWT writes a kid only when the caller gives one
    if sort_headers:
        header = dict(sorted(header.items()))
    return alg, header


def _signature_bytes(raw: bytes) -> bytes:
    segment = raw.rsplit(b".", 1)[1]
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


def _audience_list(audience: object) -> list[str] | None:
    if audience is None:
        return None
    if isinstance(audience, str):
        return [audience]
    if not isinstance(audience, Iterable):
        raise TypeError("audience must be a string, iterable or None")
    if isinstance(audience, (bytes, bytearray)):
        # PyJWT iterates bytes as ints and never matches; a str is what was meant.
        raise InvalidAudienceError("audience must be a string or an iterable of strings")
    return [item for item in audience if isinstance(item, str)]


def _issuer_list(issuer: object) -> list[str] | None:
    if isinstance(issuer, str):
        return [issuer]
    if isinstance(issuer, Iterable) and not isinstance(issuer, (bytes, bytearray)):
        strings = [item for item in issuer if isinstance(item, str)]
        return strings or None
    return None  # another Container: PyJWT's membership test below does the work


_TIME_NAMES = {"iat": "Issued At", "nbf": "Not Before", "exp": "Expiration Time"}


def _whole_seconds(claims: Mapping[str, Any], name: str, error: type[Exception]) -> int:
    try:
        return int(claims[name])
    except (ValueError, TypeError, OverflowError):
        raise error(f"{_TIME_NAMES[name]} claim ({name}) must be an integer.") from None


# --- PyJWT's claim rules, run after (and in addition to) the core's ------------------------------


def _check_required(claims: Mapping[str, Any], required: Iterable[str]) -> None:
    for claim in required:
        if claims.get(claim) is None:  # PyJWT: a null claim is a missing claim
            raise MissingRequiredClaimError(claim)


def _check_times(
    claims: Mapping[str, Any], options: Mapping[str, Any], now: float, leeway: float
) -> None:
    # As PyJWT: each time truncated to whole seconds (exp = 100.999 has expired at 100.0).
    iat = "iat" in claims and options["verify_iat"]
    if iat and _whole_seconds(claims, "iat", InvalidIssuedAtError) > now + leeway:
        raise ImmatureSignatureError("The token is not yet valid (iat)")
    nbf = "nbf" in claims and options["verify_nbf"]
    if nbf and _whole_seconds(claims, "nbf", DecodeError) > now + leeway:
        raise ImmatureSignatureError("The token is not yet valid (nbf)")
    exp = "exp" in claims and options["verify_exp"]
    if exp and _whole_seconds(claims, "exp", DecodeError) <= now - leeway:
        raise ExpiredSignatureError("Signature has expired")


def _check_audience(claims: Mapping[str, Any], audience: object, strict: bool) -> None:
    if audience is None:
        if claims.get("aud"):
            raise InvalidAudienceError("Invalid audience")
        return
    if not claims.get("aud"):
        raise MissingRequiredClaimError("aud")
    found = claims["aud"]
    if strict:
        if not isinstance(audience, str):
            raise InvalidAudienceError("Invalid audience (strict)")
        if not isinstance(found, str):
            raise InvalidAudienceError("Invalid claim format in token (strict)")
        if audience != found:
            raise InvalidAudienceError("Audience doesn't match (strict)")
        return
    found_list = [found] if isinstance(found, str) else found
    if not isinstance(found_list, list) or not all(isinstance(a, str) for a in found_list):
        raise InvalidAudienceError("Invalid claim format in token")
    expected = _audience_list(audience) or []
    if not any(a in found_list for a in expected):
        raise InvalidAudienceError("Audience doesn't match")


def _check_issuer(claims: Mapping[str, Any], issuer: object) -> None:
    if issuer is None:
        return
    if "iss" not in claims:
        raise MissingRequiredClaimError("iss")
    found = claims["iss"]
    if not isinstance(found, str):
        raise InvalidIssuerError("Payload Issuer (iss) must be a string")
    if isinstance(issuer, str):
        matched = found == issuer
    elif isinstance(issuer, Container):
        matched = found in issuer
    else:
        raise InvalidIssuerError('Issuer param must be "str" or "Container[str]"')
    if not matched:
        raise InvalidIssuerError("Invalid issuer")


def _check_subject_and_jti(
    claims: Mapping[str, Any], options: Mapping[str, Any], subject: str | None
) -> None:
    if options["verify_sub"] and "sub" in claims:
        if not isinstance(claims["sub"], str):
            raise InvalidSubjectError("Subject must be a string")
        if subject is not None and claims["sub"] != subject:
            raise InvalidSubjectError("Invalid subject")
    if options["verify_jti"] and "jti" in claims and not isinstance(claims["jti"], str):
        raise InvalidJTIError("JWT ID must be a string")


def _pyjwt_claim_rules(
    claims: Mapping[str, Any],
    options: Mapping[str, Any],
    *,
    audience: object,
    issuer: object,
    subject: str | None,
    leeway: float,
) -> None:
    if audience is not None and not isinstance(audience, (str, Iterable)):
        raise TypeError("audience must be a string, iterable or None")
    _check_required(claims, options["require"])
    _check_times(claims, options, time.time(), leeway)
    if options["verify_iss"]:
        _check_issuer(claims, issuer)
    if options["verify_aud"]:
        _check_audience(claims, audience, options["strict_aud"])
    _check_subject_and_jti(claims, options, subject)


# --- the PyJWT class ------------------------------------------------------------------------------


class PyJWT:
    """PyJWT's ``PyJWT``: ``PyJWT(options=...)`` sets default options for its methods."""

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: dict[str, Any] = _merge_options(_DEFAULT_OPTIONS, options)

    def encode(
        self,
        payload: dict[str, Any],
        key: object,
        algorithm: str | None = _ALGORITHM_UNSET,
        headers: Mapping[str, Any] | None = None,
        json_encoder: type[json.JSONEncoder] | None = None,
        sort_headers: bool = True,
    ) -> str:
        """Sign ``payload`` like ``jwt.encode``: ``typ: JWT`` header, ``datetime`` times as ints."""
        if not isinstance(payload, dict):
            raise TypeError(
                "Expecting a dict object, as JWT only supports JSON objects as payloads."
            )
        claims = {
            name: calendar.timegm(value.utctimetuple())
            if name in _TIME_CLAIMS and isinstance(value, datetime)
            else value
            for name, value in payload.items()
        }
        if "iss" in claims and not isinstance(claims["iss"], str):
            raise TypeError("Issuer (iss) must be a string.")
        header_alg, header = _encode_headers(headers, sort_headers)
        alg = header_alg or self._encode_algorithm(key, algorithm)
        if alg not in SUPPORTED_ALGORITHMS:
            raise NotImplementedError(f"Algorithm {alg!r} is not supported by keyturn")
        body = _json_claims(claims, json_encoder)
        header = _json_claims(header, json_encoder)
        try:
            return _core.encode(body, _keys.signing_key(key, alg), alg=alg, headers=header)
        except AlgorithmNotAllowed as error:  # e.g. a P-384 key for ES256: PyJWT's key error
            raise InvalidKeyError(f"the key does not fit {alg}: {error}") from None
        except KeyturnError as error:
            raise translate(error) from None

    @staticmethod
    def _encode_algorithm(key: object, algorithm: str | None) -> str:
        if algorithm == _ALGORITHM_UNSET:
            return key.algorithm_name if isinstance(key, PyJWK) else "HS256"
        if algorithm is None:
            # PyJWT would write an unsigned "none" token; keyturn never does.
            raise NotImplementedError("Algorithm 'none' is not supported by keyturn")
        return algorithm

    def decode_complete(
        self,
        jwt: str | bytes,
        key: object = "",
        algorithms: Sequence[str] | None = None,
        options: Mapping[str, Any] | None = None,
        verify: bool | None = None,
        detached_payload: bytes | None = None,
        audience: str | Iterable[str] | None = None,
        issuer: str | Container[str] | None = None,
        subject: str | None = None,
        leeway: float | timedelta = 0,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Verify ``jwt`` like ``jwt.decode_complete``: ``{"header", "payload", "signature"}``."""
        _warn_legacy_arguments("decode_complete", kwargs, verify, options)
        if detached_payload is not None:
            raise DecodeError("keyturn does not support detached payloads (b64: false)")
        merged = _merge_options(self.options, options)
        seconds = leeway.total_seconds() if isinstance(leeway, timedelta) else leeway
        raw = token_bytes(jwt)
        header = get_unverified_header(raw)
        if merged["verify_signature"]:
            header, claims = self._verified(
                raw, header, key, algorithms, merged, seconds, audience, issuer
            )
        else:
            claims = self._unverified(raw)
        _pyjwt_claim_rules(
            claims, merged, audience=audience, issuer=issuer, subject=subject, leeway=seconds
        )
        return {"header": header, "payload": claims, "signature": _signature_bytes(raw)}

    def decode(
        self,
        jwt: str | bytes,
        key: object = "",
        algorithms: Sequence[str] | None = None,
        options: Mapping[str, Any] | None = None,
        verify: bool | None = None,
        detached_payload: bytes | None = None,
        audience: str | Iterable[str] | None = None,
        subject: str | None = None,
        issuer: str | Container[str] | None = None,
        leeway: float | timedelta = 0,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Verify ``jwt`` like ``jwt.decode`` and return its claims."""
        _warn_legacy_arguments("decode", kwargs, None, options)
        complete = self.decode_complete(
            jwt,
            key,
            algorithms,
            options,
            verify=verify,
            detached_payload=detached_payload,
            audience=audience,
            subject=subject,
            issuer=issuer,
            leeway=leeway,
        )
        payload: dict[str, Any] = complete["payload"]
        return payload

    @staticmethod
    def _unverified(raw: bytes) -> dict[str, Any]:
        """``verify_signature: False``: the claims, parsed strictly, checked for nothing."""
        try:
            _, claims = _core.unverified_parts(raw)
        except KeyturnError as error:
            raise translate(error) from None
        return claims

    @staticmethod
    def _verified(
        raw: bytes,
        header: Mapping[str, Any],
        key: object,
        algorithms: Sequence[str] | None,
        options: Mapping[str, Any],
        leeway: float,
        audience: object,
        issuer: object,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        for name in _ALWAYS_ON:
            if not options[name]:
                raise InvalidOptionError(
                    f"keyturn.pyjwt never turns off {name} while verifying: keyturn always "
                    'checks it (options={"verify_signature": False} reads a token unverified)'
                )
        alg = _token_algorithm(header, key, algorithms)
        audiences = _audience_list(audience)
        try:
            verifier = _core.CompiledVerifier(
                [
                    _keys.verifying_key(
                        key,
                        alg,
                        header.get("kid"),
                        enforce_length=bool(options["enforce_minimum_key_length"]),
                    )
                ],
                algorithms=[alg],
                issuer=_issuer_list(issuer) if options["verify_iss"] else None,
                audience=audiences or None,
                leeway=leeway,
                require=[],  # PyJWT's `require` (null counts as missing) runs afterwards
            )
            return verifier.verify_complete(raw)
        except InvalidAudience as error:
            raise _audience_error(raw, audience, options, error) from None
        except KeyturnError as error:
            raise translate(error) from None


def _token_algorithm(
    header: Mapping[str, Any], key: object, algorithms: Sequence[str] | None
) -> str:
    """The token's ``alg``, which must be one the caller allows (never taken on trust)."""
    if not algorithms and isinstance(key, PyJWK):
        algorithms = [key.algorithm_name]
    if not algorithms:
        raise DecodeError(
            'It is required that you pass in a value for the "algorithms" argument '
            "when calling decode()."
        )
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise InvalidAlgorithmError("The specified alg value is not allowed")
    if alg not in SUPPORTED_ALGORITHMS:
        raise InvalidAlgorithmError("Algorithm not supported")
    return alg


def _audience_error(
    raw: bytes, audience: object, options: Mapping[str, Any], error: KeyturnError
) -> Exception:
    """PyJWT's class and message for an ``aud`` the core refused (an absent or empty one with
    ``audience=`` given is a missing claim). The core checks the signature before any claim, so
    the payload read here is genuine."""
    claims = _core.unverified_parts(raw)[1]
    try:
        _check_audience(claims, audience, bool(options["strict_aud"]))
    except (InvalidAudienceError, MissingRequiredClaimError) as pyjwt_error:
        return pyjwt_error
    return translate(error)  # refused by keyturn's stricter rule alone


def _warn_legacy_arguments(
    name: str, kwargs: Mapping[str, Any], verify: bool | None, options: Mapping[str, Any] | None
) -> None:
    """PyJWT warns (it does not fail) on unknown keyword arguments and the legacy ``verify``."""
    if kwargs:
        warnings.warn(
            f"passing additional kwargs to {name}() is deprecated and will be removed in "
            f"pyjwt version 3. Unsupported kwargs: {tuple(kwargs)}",
            RemovedInPyjwt3Warning,
            stacklevel=3,
        )
    verify_signature = (options or {}).get("verify_signature", True)
    if verify is not None and verify != verify_signature:
        warnings.warn(
            "The `verify` argument to `decode` does nothing in PyJWT 2.0 and newer. "
            "The equivalent is setting `verify_signature` to False in the `options` dictionary. "
            "This invocation has a mismatch between the kwarg and the option entry.",
            category=DeprecationWarning,
            stacklevel=3,
        )


_jwt_global_obj = PyJWT()
encode = _jwt_global_obj.encode
decode_complete = _jwt_global_obj.decode_complete
decode = _jwt_global_obj.decode
