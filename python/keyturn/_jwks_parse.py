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

__all__ = ["keys_from_jwks", "parse_json_object", "parse_jwks", "shown"]

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


def _for_ed25519_signatures(jwk: Mapping[str, Any]) -> bool:
    """Whether the entry is an Ed25519 key its publisher allows for signature verification."""
    ops = jwk.get("key_ops")
    return (
        jwk.get("kty") == "OKP"
        and jwk.get("crv") == "Ed25519"
        and jwk.get("use", "sig") == "sig"
        and (ops is None or (isinstance(ops, list) and "verify" in ops))
        and jwk.get("alg", "EdDSA") in ("EdDSA", "Ed25519")
    )


def _entry_key(index: int, jwk: object) -> VerifyingKey | None:
    """The entry's key, None for an entry that is not ours to use, JWKSError for a broken set."""
    if not isinstance(jwk, Mapping):
        raise JWKSError(f"JWKS refused: entry {index} is not a JSON object")
    if any(member in jwk for member in _SECRET_MEMBERS):
        # Whoever read this document can sign with that key: nothing in the set is trustworthy.
        raise JWKSError(f"JWKS refused: entry {index} publishes private or secret key material")
    if not _for_ed25519_signatures(jwk):
        log.debug("JWKS entry %d skipped: not an Ed25519 key for signatures", index)
        return None
    try:
        return VerifyingKey.from_jwk(jwk)
    except InvalidKey as exc:
        # A malformed, small-order or mixed-order Ed25519 key is a broken or tampered set.
        raise JWKSError(f"JWKS refused: entry {index} is not a valid Ed25519 key ({exc})") from None


def keys_from_jwks(document: Mapping[str, Any]) -> tuple[VerifyingKey, ...]:
    """The verification keys of a JWK Set: one rule for fetched sets and sets given directly.

    Entries for other key types or uses (RSA keys beside ours, ``use: enc``, ``key_ops`` without
    ``verify``, another ``alg``) are skipped: they are not ours to use. A set that publishes
    private material, carries a broken Ed25519 key, gives two usable keys one ``kid`` (RFC 7517
    lets different key types share one) or has no usable key at all is refused whole.
    """
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise JWKSError("JWKS is not a JWK Set (no 'keys' array)")
    keys = tuple(key for i, jwk in enumerate(entries) if (key := _entry_key(i, jwk)) is not None)
    if not keys:
        raise JWKSError(f"JWKS has no usable verification key ({len(entries)} entries skipped)")
    duplicates = sorted(kid for kid, n in Counter(key.kid for key in keys).items() if n > 1)
    if duplicates:
        raise JWKSError(f"JWKS refused: kid {shown(duplicates[0])} appears more than once")
    return keys


def parse_jwks(body: bytes) -> tuple[VerifyingKey, ...]:
    """The usable keys of a fetched JWK Set document, or a JWKSError saying why there are none."""
    return keys_from_jwks(parse_json_object(body, "JWKS response"))
