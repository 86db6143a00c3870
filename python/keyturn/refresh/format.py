"""The refresh token format.

``ktr_`` + base64url(family id (16 bytes) | secret (32 bytes, OS CSPRNG) | CRC-32 (4 bytes)).

The prefix lets secret scanners find leaked tokens; the checksum and the exact length let malformed
input be refused before any store lookup. The family id travels in the token so a Redis Cluster
store can find the family's hash slot without a second index; it is not secret (it also appears
in ``TokenPair.family_id`` and in session listings). Only the SHA-256 of the whole token is stored.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import zlib
from dataclasses import dataclass

from keyturn._core import sha256
from keyturn.errors import InvalidRefresh

__all__ = [
    "MAX_INPUT_LENGTH",
    "PREFIX",
    "ParsedToken",
    "new_family_id",
    "new_token",
    "parse",
    "token_hash",
]

PREFIX = "ktr_"
FAMILY_BYTES = 16
SECRET_BYTES = 32
_CHECKSUM_BYTES = 4
_BODY_BYTES = FAMILY_BYTES + SECRET_BYTES + _CHECKSUM_BYTES
_TOKEN_LENGTH = len(PREFIX) + (_BODY_BYTES * 4 + 2) // 3
#: Anything longer is refused before it is even looked at.
MAX_INPUT_LENGTH = 256
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class ParsedToken:
    """What a well-formed token tells before any lookup: its family and the hash to look up."""

    family_id: str
    token_hash: bytes


def new_family_id() -> str:
    return secrets.token_bytes(FAMILY_BYTES).hex()


def new_token(family_id: str) -> str:
    payload = bytes.fromhex(family_id) + secrets.token_bytes(SECRET_BYTES)
    body = payload + zlib.crc32(payload).to_bytes(_CHECKSUM_BYTES, "big")
    return PREFIX + base64.urlsafe_b64encode(body).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> bytes:
    return sha256(token.encode("ascii"))


def parse(token: object) -> ParsedToken:
    """Check a presented token's shape and checksum; raise ``InvalidRefresh`` on any doubt."""
    if not isinstance(token, str) or len(token) > MAX_INPUT_LENGTH:
        raise InvalidRefresh("refresh token is malformed")
    if len(token) != _TOKEN_LENGTH or not token.startswith(PREFIX):
        raise InvalidRefresh("refresh token is malformed")
    body = _decode_body(token[len(PREFIX) :])
    payload, checksum = body[:-_CHECKSUM_BYTES], body[-_CHECKSUM_BYTES:]
    if zlib.crc32(payload) != int.from_bytes(checksum, "big"):
        raise InvalidRefresh("refresh token checksum does not match")
    return ParsedToken(family_id=payload[:FAMILY_BYTES].hex(), token_hash=token_hash(token))


def _decode_body(text: str) -> bytes:
    if not _BASE64URL.fullmatch(text):
        raise InvalidRefresh("refresh token is malformed")
    try:
        body = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidRefresh("refresh token is malformed") from None
    # Non-zero trailing bits would give a second spelling of the same token: refuse it.
    if base64.urlsafe_b64encode(body).rstrip(b"=").decode("ascii") != text:
        raise InvalidRefresh("refresh token is malformed")
    return body
