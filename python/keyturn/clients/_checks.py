"""The registry's input rules: client ids, names, methods, scopes, audiences, keys."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from keyturn import _core
from keyturn._jwks_parse import keys_from_jwks
from keyturn.clients.records import ASSERTION_ALGORITHMS, AUTH_METHODS, SECRET_PREFIX, AuthMethod
from keyturn.errors import ClientError, ConfigurationError, KeyturnError

#: 256 bits: the secret needs no slow hash (module docstring).
_SECRET_BYTES = 32
#: RFC 3986 unreserved characters: an id travels form-encoded in HTTP Basic, in forms and in URLs
#: unchanged, and is a safe Redis key part. Stricter than RFC 6749's VSCHAR on purpose.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._~-]{1,128}")
#: RFC 6749 §3.3 scope-token.
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,128}")
_MAX_NAME = 200
_MAX_AUDIENCE = 512


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def new_client_id() -> str:
    # Hex: never starts with "-" (a command-line option) and needs no quoting anywhere.
    return secrets.token_hex(12)


def plausible(client_id: object) -> bool:
    """Whether ``client_id`` could name a client at all (else it is not looked up)."""
    return isinstance(client_id, str) and _CLIENT_ID.fullmatch(client_id) is not None


def unknown_client(client_id: str) -> ClientError:
    return ClientError(f"no client has the id {client_id!r}", code="client_unknown")


def check_client_id(value: object) -> str:
    if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
        raise ConfigurationError(
            "client_id must be 1..128 characters of A-Z a-z 0-9 . _ ~ - (RFC 3986 unreserved)"
        )
    return value


def check_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_NAME:
        raise ConfigurationError(f"name must be a non-empty string of at most {_MAX_NAME} chars")
    if not value.isprintable():
        raise ConfigurationError("name must be printable (no control characters)")
    return value


def check_method(value: object) -> AuthMethod:
    for method in AUTH_METHODS:
        if value == method:
            return method
    raise ConfigurationError(f"auth_method must be one of {', '.join(AUTH_METHODS)}")


def _words(value: str | Iterable[str], what: str) -> list[str]:
    if isinstance(value, str):
        return value.split()
    words = list(value)
    if not all(isinstance(word, str) for word in words):
        raise ConfigurationError(f"{what} must be strings")
    return words


def check_scopes(value: str | Iterable[str]) -> tuple[str, ...]:
    scopes = _words(value, "scopes")
    for scope in scopes:
        if not _SCOPE.fullmatch(scope):
            raise ConfigurationError(
                f"scope {scope!r} is not an RFC 6749 scope-token (printable ASCII, no space, "
                'no " or \\)'
            )
    return tuple(sorted(set(scopes)))


def check_audiences(value: str | Iterable[str]) -> tuple[str, ...]:
    audiences = _words(value, "audiences")
    if not audiences:
        raise ConfigurationError("a client needs at least one allowed audience")
    for audience in audiences:
        if len(audience) > _MAX_AUDIENCE or not audience.isascii() or not audience.isprintable():
            raise ConfigurationError(f"audience {audience!r} must be printable ASCII")
    return tuple(sorted(set(audiences)))


def check_jwks(
    method: object, jwks: Mapping[str, Any] | None, jwks_uri: str | None
) -> Mapping[str, Any] | None:
    if method != "private_key_jwt":
        if jwks is not None or jwks_uri is not None:
            raise ConfigurationError("jwks and jwks_uri are for private_key_jwt clients only")
        return None
    if (jwks is None) == (jwks_uri is None):
        raise ConfigurationError("a private_key_jwt client needs jwks or jwks_uri (one of the two)")
    if jwks is None:
        return None
    try:
        # Refuses private material and duplicate kids; skips keys unusable for verification.
        keys = keys_from_jwks(jwks)
    except KeyturnError as error:
        raise ConfigurationError(f"the client's JWKS is refused: {error}") from None
    usable = [key for key in keys if key.algorithms[0] in ASSERTION_ALGORITHMS]
    if not usable:
        raise ConfigurationError("the client's JWKS has no public signature key keyturn verifies")
    # A plain JSON copy: the store writes it as JSON and the caller's dict may change later.
    copied: dict[str, Any] = json.loads(json.dumps(dict(jwks)))
    return copied


def check_jwks_uri(method: object, jwks: object, jwks_uri: str | None) -> str | None:
    if method != "private_key_jwt" or jwks_uri is None:
        return None
    from keyturn.jwks import RemoteJWKS

    RemoteJWKS(jwks_uri)  # the URL rules (https, or http to loopback); fetches nothing
    return jwks_uri


def claimed_issuer(assertion: object) -> str | None:
    """The ``iss`` of an unverified assertion: only to find whose keys verify it."""
    if not isinstance(assertion, str):
        return None
    try:
        _, claims = _core.unverified_parts(assertion)
    except KeyturnError:
        return None
    issuer = claims.get("iss")
    return issuer if plausible(issuer) else None
