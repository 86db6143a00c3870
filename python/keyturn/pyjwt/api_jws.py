"""``get_unverified_header`` (``jwt.api_jws``): the header alone, parsed strictly, not trusted."""

from __future__ import annotations

from typing import Any

from keyturn import _core
from keyturn.errors import KeyturnError
from keyturn.pyjwt.exceptions import DecodeError, InvalidTokenError, translate

__all__ = ["get_unverified_header", "token_bytes"]

# keyturn understands no JWS extension: b64=false (RFC 7797) and every other critical parameter
# are refused. PyJWT supports b64; the migration guide lists that difference.
_SUPPORTED_CRIT: frozenset[str] = frozenset()
# Stands in for the payload so that only the header is read: "{}" in base64url.
_EMPTY_PAYLOAD = b"e30"


def token_bytes(jwt: object) -> bytes:
    if isinstance(jwt, str):
        return jwt.encode("utf-8")
    if isinstance(jwt, bytes):
        return jwt
    raise DecodeError(f"Invalid token type. Token must be a {bytes}")


def _check_crit(header: dict[str, Any]) -> None:
    crit = header["crit"]
    if not isinstance(crit, list) or not crit:
        raise InvalidTokenError("Invalid 'crit' header: must be a non-empty list")
    for extension in crit:
        if not isinstance(extension, str):
            raise InvalidTokenError("Invalid 'crit' header: values must be strings")
        if extension not in _SUPPORTED_CRIT:
            raise InvalidTokenError(f"Unsupported critical extension: {extension}")


def get_unverified_header(jwt: str | bytes) -> dict[str, Any]:
    """The token's header, parsed strictly but NOT verified: never trust it for a decision.

    Only the header is read (a payload that is not JSON does not matter here, as in PyJWT): the
    core's strict parser (size caps, canonical base64url, duplicate members) sees the header with
    a stand-in payload.
    """
    parts = token_bytes(jwt).split(b".")
    if len(parts) != 3:
        raise DecodeError("Not enough segments")
    try:
        header, _ = _core.unverified_parts(b".".join((parts[0], _EMPTY_PAYLOAD, parts[2])))
    except KeyturnError as error:
        raise translate(error) from None
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidTokenError("Key ID header parameter must be a string")
    if "crit" in header:
        _check_crit(header)
    return header
