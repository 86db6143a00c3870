"""Turning a fetched body into JSON and a JWK Set into verification keys, strictly.

A key that cannot verify signatures here (another key type, ``use: enc``, a key without the
``verify`` operation, an unusable point) is skipped and logged at DEBUG; a set in which nothing
is usable, or in which two usable keys share a ``kid``, is refused as a whole.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from keyturn._core import VerifyingKey
from keyturn.errors import InvalidKey, JWKSError

__all__ = ["parse_json_object", "parse_jwks", "shown"]

log = logging.getLogger("keyturn.jwks")

_SHOWN = 80  # longest kid/issuer an error message repeats (they come from the network)
_SECRET_MEMBERS = ("d", "k", "p", "q", "dp", "dq", "qi", "oth")


def shown(value: object) -> str:
    """A network-supplied value, cut short enough to put in a log line or an error."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member name in a JSON object")
    return result


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json_object(body: bytes, what: str) -> dict[str, Any]:
    """Strict JSON (UTF-8, no duplicate names, no NaN/Infinity) whose top level is an object."""
    try:
        document = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_unique_members,
            parse_constant=_no_constants,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise JWKSError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise JWKSError(f"{what} is not a JSON object")
    return document


class _PublishedSecret(InvalidKey):
    """The entry carries private or secret key material (an issuer-side incident)."""


def _verification_key(jwk: object) -> VerifyingKey:
    """The entry as a key; InvalidKey says why it is not a usable verification key."""
    if not isinstance(jwk, Mapping):
        raise InvalidKey("not a JSON object")
    if any(member in jwk for member in _SECRET_MEMBERS):
        raise _PublishedSecret("it contains private or secret key material")
    use = jwk.get("use")
    if use is not None and use != "sig":
        raise InvalidKey(f"use is {shown(use)}, not 'sig'")
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        raise InvalidKey("key_ops does not include 'verify'")
    return VerifyingKey.from_jwk(jwk)


def _usable(index: int, jwk: object) -> VerifyingKey | None:
    try:
        return _verification_key(jwk)
    except InvalidKey as exc:
        # A published private key is worth more than a debug line; the rest is routine.
        level = logging.WARNING if isinstance(exc, _PublishedSecret) else logging.DEBUG
        log.log(level, "JWKS entry %d skipped: %s", index, exc)
        return None


def parse_jwks(body: bytes) -> tuple[VerifyingKey, ...]:
    """The usable keys of a JWK Set document, or a JWKSError saying why there are none."""
    document = parse_json_object(body, "JWKS response")
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise JWKSError("JWKS response is not a JWK Set (no 'keys' array)")
    keys = tuple(key for i, jwk in enumerate(entries) if (key := _usable(i, jwk)) is not None)
    if not keys:
        raise JWKSError(f"JWKS has no usable verification key ({len(entries)} entries skipped)")
    duplicates = sorted(kid for kid, n in Counter(key.kid for key in keys).items() if n > 1)
    if duplicates:
        raise JWKSError(f"JWKS refused: kid {shown(duplicates[0])} appears more than once")
    return keys
