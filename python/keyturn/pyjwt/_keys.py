"""Keys as PyJWT takes them, read for the algorithm the token (or ``encode``) names.

PyJWT interprets one ``key`` argument per algorithm: for HS* it is a secret, for the others it is
PEM text, an OpenSSH public key, a ``cryptography`` key object or a ``PyJWK``. This module does the
same, so ``algorithms=["EdDSA", "HS256"]`` with an Ed25519 public key verifies EdDSA tokens and
refuses HS256 ones (the algorithm-confusion attack) instead of the other way round.

Every asymmetric form ends in ``SigningKey``/``VerifyingKey`` ``from_pem``/``from_jwk``, so RSA and
EC keys work here as soon as the core reads them; nothing below is specific to Ed25519 except the
OpenSSH wire format names.
"""

from __future__ import annotations

import base64
import functools
import re
import sys
import warnings
from typing import Any

from keyturn._core import HmacKey, SigningKey, VerifyingKey
from keyturn.errors import KeyturnError
from keyturn.pyjwt.exceptions import InvalidKeyError, translate
from keyturn.pyjwt.warnings import InsecureKeyLengthWarning

__all__ = ["SUPPORTED_ALGORITHMS", "signing_key", "verifying_key"]

#: What the shim hands to the core. RS*/PS*/ES* go through the same path as EdDSA (PEM, OpenSSH,
#: cryptography objects, JWKs); until the core supports them it refuses them (see the guide).
SUPPORTED_ALGORITHMS = (
    "EdDSA",
    "Ed25519",
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
)

# keyturn's HmacKey wants at least the digest size for each algorithm; see
# _short_secret_for_verification for why padding a shorter secret verifies what it signed.
_DIGEST_SIZE = {"HS256": 32, "HS384": 48, "HS512": 64}

_BOM = "\ufeff"
# A PEM block anywhere in the text (RFC 7468; OpenSSL also reads text before the block).
_PEM_BLOCK = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n\t ]*-----END \1-----", re.DOTALL
)
_SSH_EC_CURVES = {b"nistp256": "P-256", b"nistp384": "P-384", b"nistp521": "P-521"}


# --- HMAC secrets ---------------------------------------------------------------------------------
# keyturn's HmacKey itself refuses anything that is or holds key material (a PEM block or OpenSSH
# key anywhere, DER SPKI/PKCS#1/PKCS#8, JSON naming kty however escaped): PyJWT's refusals and
# more. The shim only adds PyJWT's empty-key message and its short-key warning.


def _secret_bytes(key: object) -> bytes:
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, (bytes, bytearray, memoryview)):
        return bytes(key)
    raise InvalidKeyError(f"an HMAC secret must be str or bytes, not {type(key).__name__}")


def _checked_secret(key: object) -> bytes:
    data = _secret_bytes(key)
    if not data:
        raise InvalidKeyError("HMAC key must not be empty.")
    return data


def _caller_level() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside keyturn.pyjwt."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(__package__):
        frame, level = frame.f_back, level + 1
    return level


def _short_secret_for_verification(data: bytes, alg: str, enforce: bool) -> bytes:
    """A short secret verifies, with InsecureKeyLengthWarning, as PyJWT lets it; signing refuses.

    HMAC pads a key shorter than the hash block (64 or 128 bytes) with zero bytes (RFC 2104 §2),
    so ``secret + zeros`` up to the digest size gives the same MAC as ``secret``: keyturn's
    HmacKey can verify tokens signed with an old short secret without lowering its own minimum.
    """
    if len(data) < _DIGEST_SIZE[alg]:
        message = (
            f"The HMAC key is {len(data)} bytes long, which is below the minimum recommended "
            f"length of {_DIGEST_SIZE[alg]} bytes for {alg}. See RFC 7518 Section 3.2."
        )
        if enforce:
            raise InvalidKeyError(message)
        warnings.warn(message, InsecureKeyLengthWarning, stacklevel=_caller_level())
    return data.ljust(_DIGEST_SIZE[alg], b"\0")


# --- asymmetric keys ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _public_pem(block: str) -> VerifyingKey:
    # A service passes the same public key on every call; parse it once. Private PEMs are never
    # cached: a module-level cache would keep secret material alive.
    return VerifyingKey.from_pem(block)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _ssh_strings(blob: bytes) -> list[bytes]:
    strings, offset = [], 0
    while offset < len(blob):
        size = int.from_bytes(blob[offset : offset + 4], "big")
        if offset + 4 + size > len(blob):
            raise InvalidKeyError("malformed OpenSSH public key")
        strings.append(blob[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return strings


def _ssh_public_key(text: str) -> VerifyingKey:
    """An ``authorized_keys`` line, ``ssh-ed25519 AAAA... comment`` (RSA/ECDSA go through JWKs)."""
    fields = text.split()
    try:
        blob = base64.b64decode(fields[1], validate=True)
    except (IndexError, ValueError):
        raise InvalidKeyError("malformed OpenSSH public key") from None
    strings = _ssh_strings(blob)
    if not strings or strings[0] != fields[0].encode():
        raise InvalidKeyError("malformed OpenSSH public key")
    kind, values = fields[0], strings[1:]
    if kind == "ssh-ed25519" and len(values) == 1:
        return VerifyingKey.from_bytes(values[0])
    if kind == "ssh-rsa" and len(values) == 2:
        exponent, modulus = (value.lstrip(b"\0") for value in values)
        return VerifyingKey.from_jwk({"kty": "RSA", "n": _b64url(modulus), "e": _b64url(exponent)})
    if kind.startswith("ecdsa-sha2-") and len(values) == 2 and values[0] in _SSH_EC_CURVES:
        point = values[1][1:]
        half = len(point) // 2
        return VerifyingKey.from_jwk(
            {
                "kty": "EC",
                "crv": _SSH_EC_CURVES[values[0]],
                "x": _b64url(point[:half]),
                "y": _b64url(point[half:]),
            }
        )
    raise InvalidKeyError(f"unsupported OpenSSH key type {kind!r}")


def _text_key(key: str | bytes) -> SigningKey | VerifyingKey:
    """PEM (with any text or a BOM before it, as OpenSSL reads it) or an OpenSSH public key."""
    try:
        text = key.decode("utf-8") if isinstance(key, bytes) else key
    except UnicodeDecodeError:
        raise InvalidKeyError("Not a public or private key") from None
    text = text.removeprefix(_BOM)
    block = _PEM_BLOCK.search(text)
    if block is not None:
        if "PRIVATE" in block.group(1):
            return SigningKey.from_pem(block.group(0))
        return _public_pem(block.group(0))
    if text.lstrip().startswith(("ssh-", "ecdsa-sha2-")):
        return _ssh_public_key(text.strip())
    raise InvalidKeyError("Not a public or private key")


def _from_cryptography(key: object) -> SigningKey | VerifyingKey | None:
    """A pyca/cryptography key object, read through its own PEM (no import of cryptography)."""
    if hasattr(key, "private_bytes"):
        from cryptography.hazmat.primitives import serialization

        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return SigningKey.from_pem(pem)
    if hasattr(key, "public_bytes") and hasattr(key, "verify"):
        from cryptography.hazmat.primitives import serialization

        pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return _public_pem(pem.decode("ascii"))
    return None


def _asymmetric(key: object) -> SigningKey | VerifyingKey:
    if isinstance(key, (SigningKey, VerifyingKey)):
        return key
    if isinstance(key, (str, bytes)):
        return _text_key(key)
    converted = _from_cryptography(key)
    if converted is None:
        raise InvalidKeyError(f"cannot use a {type(key).__name__} as an asymmetric key")
    return converted


def _unwrap(key: object) -> object:
    # PyJWK (keyturn.pyjwt.api_jwk) holds a keyturn key in ``.key``; duck-typed to avoid a cycle.
    inner: Any = getattr(key, "keyturn_key", None)
    return key if inner is None else inner


# --- the two entry points -------------------------------------------------------------------------


def signing_key(key: object, alg: str) -> SigningKey | HmacKey:
    """The key ``encode`` signs with for ``alg``: short or key-shaped HMAC secrets are refused."""
    key = _unwrap(key)
    try:
        if alg.startswith("HS"):
            return key if isinstance(key, HmacKey) else HmacKey(_checked_secret(key), kid=None)
        converted = _asymmetric(key)
    except KeyturnError as error:
        raise translate(error) from None
    if not isinstance(converted, SigningKey):
        raise InvalidKeyError("a public key cannot sign; pass the private key")
    return converted


def verifying_key(
    key: object, alg: str, kid: str | None, *, enforce_length: bool = False
) -> VerifyingKey | HmacKey:
    """The key that verifies a token with ``alg`` and ``kid``: as in PyJWT, an explicit key is
    used whatever ``kid`` the token names."""
    key = _unwrap(key)
    try:
        if alg.startswith("HS"):
            if not isinstance(key, HmacKey):
                data = _checked_secret(key)
                if len(data) < _DIGEST_SIZE[alg]:
                    data = _short_secret_for_verification(data, alg, enforce_length)
                key = HmacKey(data, kid=kid)
            _check_fits(key, alg)
            return key
        converted = _asymmetric(key)
    except KeyturnError as error:
        raise translate(error) from None
    public = converted.public_key if isinstance(converted, SigningKey) else converted
    _check_fits(public, alg)
    return public if kid is None else public.with_kid(kid)


def _check_fits(key: VerifyingKey | HmacKey, alg: str) -> None:
    """As PyJWT: a key of the wrong type or size for the token's algorithm is a key error."""
    if alg not in key.algorithms:
        raise InvalidKeyError(f"this key cannot verify {alg} tokens")
