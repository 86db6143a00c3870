"""No key material ever becomes an HMAC secret, whatever file shape it arrives in (issue 13 item 2).

The attack: a verifier allows ``["EdDSA", "HS256"]`` and is handed the issuer's public key file as
its HMAC secret; anyone who can read that public file then forges HS256 tokens. PyJWT refuses
every shape below; so must ``HmacKey``, before any token is seen.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

import keyturn as kt

BOM = "\ufeff".encode()
Encoding = serialization.Encoding
Format = serialization.PublicFormat


def _ed25519() -> ed25519.Ed25519PublicKey:
    return ed25519.Ed25519PrivateKey.generate().public_key()


def _rsa() -> rsa.RSAPublicKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()


def _p256() -> ec.EllipticCurvePublicKey:
    return ec.generate_private_key(ec.SECP256R1()).public_key()


def _jwk() -> dict[str, str]:
    return kt.SigningKey.generate(kid="k1").public_key.to_jwk()


def _escaped(jwk: dict[str, str]) -> bytes:
    return json.dumps(jwk).replace('"kty"', '"k\\u0074y"').encode()


# Each shape, and the specific reason the refusal gives.
SHAPES: dict[str, tuple[Callable[[], bytes], str]] = {
    "pem": (lambda: _ed25519().public_bytes(Encoding.PEM, Format.SubjectPublicKeyInfo), "PEM"),
    "pem after a comment line": (
        lambda: (
            b"# issuer key\n" + _ed25519().public_bytes(Encoding.PEM, Format.SubjectPublicKeyInfo)
        ),
        "PEM",
    ),
    "pem after a BOM": (
        lambda: BOM + _ed25519().public_bytes(Encoding.PEM, Format.SubjectPublicKeyInfo),
        "PEM",
    ),
    "rsa pkcs1 pem": (lambda: _rsa().public_bytes(Encoding.PEM, Format.PKCS1), "PEM"),
    "der spki ed25519": (
        lambda: _ed25519().public_bytes(Encoding.DER, Format.SubjectPublicKeyInfo),
        "DER",
    ),
    "der spki rsa": (lambda: _rsa().public_bytes(Encoding.DER, Format.SubjectPublicKeyInfo), "DER"),
    "der pkcs1 rsa": (lambda: _rsa().public_bytes(Encoding.DER, Format.PKCS1), "DER"),
    "der spki p256": (
        lambda: _p256().public_bytes(Encoding.DER, Format.SubjectPublicKeyInfo),
        "DER",
    ),
    "jwk": (lambda: json.dumps(_jwk()).encode(), "JWK"),
    "jwk in an array": (lambda: json.dumps([_jwk()]).encode(), "JWK"),
    "jwk set": (lambda: json.dumps({"keys": [_jwk()]}).encode(), "JWK"),
    "jwk with an escaped member name": (lambda: _escaped(_jwk()), "JWK"),
    "jwk after a BOM": (lambda: BOM + json.dumps(_jwk()).encode(), "JWK"),
    "openssh ed25519": (lambda: _ed25519().public_bytes(Encoding.OpenSSH, Format.OpenSSH), "SSH"),
    "openssh rsa": (lambda: _rsa().public_bytes(Encoding.OpenSSH, Format.OpenSSH), "SSH"),
    "openssh p256": (lambda: _p256().public_bytes(Encoding.OpenSSH, Format.OpenSSH), "SSH"),
    "openssh after a BOM": (
        lambda: BOM + _ed25519().public_bytes(Encoding.OpenSSH, Format.OpenSSH),
        "SSH",
    ),
}

SUFFIX = "a public key (or any key) is never an HMAC secret"
REASONS = {
    "PEM": "HMAC secret contains a PEM block",
    "DER": "HMAC secret is DER-encoded key material (SubjectPublicKeyInfo, PKCS#1 or PKCS#8)",
    "JWK": "HMAC secret is a JWK (JSON with a kty member)",
    "SSH": "HMAC secret contains an OpenSSH public key",
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_key_material_is_refused_as_an_hmac_secret(shape: str) -> None:
    make, reason = SHAPES[shape]
    material = make()
    # HmacKey takes str too (as its UTF-8 bytes): text shapes are refused in both forms.
    forms: list[bytes | str] = [material] if reason == "DER" else [material, material.decode()]
    for secret in forms:
        with pytest.raises(kt.InvalidKey) as caught:
            kt.HmacKey(secret)
        assert type(caught.value) is kt.InvalidKey
        assert caught.value.code == "key_invalid"
        assert str(caught.value) == f"{REASONS[reason]}: {SUFFIX}"


def test_the_forgery_the_refusal_prevents() -> None:
    """End to end: the public PEM (after a comment line) can no longer key an accepted forgery."""
    signer = kt.SigningKey.generate(kid="k1")
    public_file = b"# issuer key\n" + signer.public_key.to_pem()
    genuine = kt.encode({"sub": "user-1"}, signer)
    assert kt.decode(genuine, [signer.public_key], algorithms=["EdDSA", "HS256"]) == {
        "sub": "user-1"
    }
    with pytest.raises(kt.InvalidKey) as caught:
        kt.HmacKey(public_file, kid="k1")
    assert caught.value.code == "key_invalid"


@pytest.mark.parametrize(
    "secret",
    [
        b"correct horse battery staple, and a few more words",
        bytes(range(32, 96)),
        b"0" * 64,
        base64.b64encode(bytes(range(48))),
        b'{"secret": "0123456789abcdef0123456789abcdef"}',  # JSON, but no kty
    ],
)
def test_ordinary_secrets_are_accepted(secret: bytes) -> None:
    key = kt.HmacKey(secret, kid="h1")
    token = kt.encode({"sub": "user-1"}, key, alg="HS256")
    assert kt.decode(token, [key], algorithms=["HS256"]) == {"sub": "user-1"}
