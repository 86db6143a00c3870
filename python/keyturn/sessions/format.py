"""The browser session id format: ``kts_`` + base64url of 32 bytes from the OS CSPRNG (256 bits).

The prefix lets secret scanners find a leaked id. Presented ids are checked for their exact shape
(length, alphabet, canonical base64url) before any store lookup, so junk and oversized cookies
cost nothing and write nothing. Only the SHA-256 of the whole id is ever stored.
"""

from __future__ import annotations

import base64
import re
import secrets

from keyturn._core import sha256
from keyturn.errors import InvalidSession

__all__ = ["HANDLE_LENGTH", "ID_LENGTH", "PREFIX", "id_hash", "new_handle", "new_id", "parse"]

PREFIX = "kts_"
SECRET_BYTES = 32
#: ``kts_`` and 43 base64url characters.
ID_LENGTH = len(PREFIX) + (SECRET_BYTES * 4 + 2) // 3
#: A session's public handle (its ``sid``): 16 random bytes as hex.
HANDLE_LENGTH = 32
_SHAPE = re.compile(r"kts_[A-Za-z0-9_-]{43}")


def new_id() -> str:
    return PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def new_handle() -> str:
    return secrets.token_hex(HANDLE_LENGTH // 2)


def id_hash(session_id: str) -> bytes:
    return sha256(session_id.encode("ascii"))


def parse(session_id: object) -> bytes:
    """The hash to look a presented id up by; ``InvalidSession`` for anything not an id."""
    if not isinstance(session_id, str) or len(session_id) != ID_LENGTH:
        raise InvalidSession("session id is malformed")
    if not _SHAPE.fullmatch(session_id):
        raise InvalidSession("session id is malformed")
    body = session_id[len(PREFIX) :]
    # 43 characters carry 258 bits: non-zero trailing bits would be a second spelling of an id.
    raw = base64.urlsafe_b64decode(body + "=")
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != body:
        raise InvalidSession("session id is malformed")
    return id_hash(session_id)
