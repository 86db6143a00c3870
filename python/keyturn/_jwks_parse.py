"""Turning a fetched body into JSON and a JWK Set into verification keys, strictly.

The rule for which entries of a set are used, skipped or make the whole set refused is in
``keys_from_jwks``; ``keyturn.Verifier`` applies the same function to a JWKS given as a dict.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from keyturn._core import VerifyingKey
from keyturn.errors import InvalidKey, JWKSError

__all__ = [
    "DEFAULT_MIN_RSA_BITS",
    "keys_from_jwks",
    "parse_json_object",
    "parse_jwks",
    "shown",
]

log = logging.getLogger("keyturn.jwks")

_SHOWN = 80  # longest kid/issuer an error message repeats (they come from the network)
#: RFC 7518 §3.3: 2048 bits. Lowering it (never below 1024) is an explicit opt-in for providers
#: still publishing 1024-bit keys.
DEFAULT_MIN_RSA_BITS = 2048
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


#: InvalidKey codes that make an entry "not ours to use": skipped, the rest of the set still used.
#: Any other refusal (a malformed key, a point off its curve, an even modulus) means a broken or
#: tampered set, refused whole.
_SKIPPED = frozenset(
    {
        "key_type_unsupported",  # X25519, oct, secp256k1, ...
        "key_use_invalid",  # use: enc, key_ops without verify
        "key_alg_mismatch",  # RSA-OAEP, an alg of another key type, an unknown alg name
        "rsa_modulus_too_small",  # below min_rsa_bits (Yahoo's 1024-bit keys by default)
        "rsa_modulus_too_large",
    }
)
_KIND = {"OKP": "Ed25519", "RSA": "RSA", "EC": "EC"}


def _entry_key(index: int, jwk: object, min_rsa_bits: int) -> VerifyingKey | None:
    """The entry's key, None for an entry that is not ours to use, JWKSError for a broken set."""
    if not isinstance(jwk, Mapping):
        raise JWKSError(f"JWKS refused: entry {index} is not a JSON object")
    if any(member in jwk for member in _SECRET_MEMBERS):
        # Whoever read this document can sign with that key: nothing in the set is trustworthy.
        raise JWKSError(f"JWKS refused: entry {index} publishes private or secret key material")
    try:
        # One rule set (Rust) decides type, use, key_ops, alg and the key itself; x5c/x5t are
        # ignored there, never used for trust.
        return VerifyingKey.from_jwk(jwk, min_rsa_bits=min_rsa_bits)
    except InvalidKey as exc:
        if exc.code in _SKIPPED:
            log.debug("JWKS entry %d skipped: %s (%s)", index, exc, exc.code)
            return None
        kind = _KIND.get(str(jwk.get("kty")), "key")
        raise JWKSError(f"JWKS refused: entry {index} is not a valid {kind} key ({exc})") from None


def keys_from_jwks(
    document: Mapping[str, Any], *, min_rsa_bits: int = DEFAULT_MIN_RSA_BITS
) -> tuple[VerifyingKey, ...]:
    """The verification keys of a JWK Set: one rule for fetched sets and sets given directly.

    Entries not ours to use are skipped: other key types (X25519, ``oct``), ``use: enc``,
    ``key_ops`` without ``verify``, an ``alg`` that is unknown or belongs to another key type,
    RSA moduli below ``min_rsa_bits``. A key without ``alg`` serves every algorithm of its type.
    A set that publishes private material, carries a broken key, gives two usable keys one
    ``kid`` (RFC 7517 lets unusable entries share one) or has no usable key at all is refused.
    """
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise JWKSError("JWKS is not a JWK Set (no 'keys' array)")
    keys = tuple(
        key
        for i, jwk in enumerate(entries)
        if (key := _entry_key(i, jwk, min_rsa_bits)) is not None
    )
    if not keys:
        raise JWKSError(f"JWKS has no usable verification key ({len(entries)} entries skipped)")
    duplicates = sorted(kid for kid, n in Counter(key.kid for key in keys).items() if n > 1)
    if duplicates:
        raise JWKSError(f"JWKS refused: kid {shown(duplicates[0])} appears more than once")
    return keys


def parse_jwks(
    body: bytes, *, min_rsa_bits: int = DEFAULT_MIN_RSA_BITS
) -> tuple[VerifyingKey, ...]:
    """The usable keys of a fetched JWK Set document, or a JWKSError saying why there are none."""
    return keys_from_jwks(parse_json_object(body, "JWKS response"), min_rsa_bits=min_rsa_bits)
