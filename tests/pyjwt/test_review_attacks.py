"""The outside review's attacks on keyturn.pyjwt (issue 13 items 2, 3 and 7), each reproduced
against real PyJWT and keyturn.pyjwt side by side. docs/threat-model.md cites these tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt as real_jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from keyturn import pyjwt as kt_jwt

SECRET = b"k" * 64


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge_hs256(secret: bytes, claims: dict[str, Any]) -> str:
    """What an attacker signs when they guess the verifier's key bytes become an HMAC secret."""
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


@pytest.fixture(scope="module")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def public_pem(ed_key: ed25519.Ed25519PrivateKey) -> bytes:
    return ed_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_forms(ed_key: ed25519.Ed25519PrivateKey, pem: bytes) -> dict[str, bytes]:
    public = ed_key.public_key()
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(public.public_bytes_raw())}
    return {
        "pem-after-comment": b"# signing key for api\n" + pem,
        "pem-after-bom": b"\xef\xbb\xbf" + pem,
        "der-spki": public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "jwk-in-array": json.dumps([jwk]).encode(),
        "jwk-escaped-name": json.dumps(jwk).replace('"kty"', '"k\\u0074y"').encode(),
        "jwk-after-bom": b"\xef\xbb\xbf" + json.dumps(jwk).encode(),
        "openssh": public.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        + b" user@host",
    }


FORMS = [
    "pem-after-comment",
    "pem-after-bom",
    "der-spki",
    "jwk-in-array",
    "jwk-escaped-name",
    "jwk-after-bom",
    "openssh",
]


@pytest.mark.parametrize("form", FORMS)
def test_public_key_material_is_never_an_hmac_secret(
    ed_key: ed25519.Ed25519PrivateKey, public_pem: bytes, form: str
) -> None:
    """Issue 13 item 2: an HS256 forgery keyed with the verifier's key bytes is refused, in every
    shape the review found, with InvalidKeyError (PyJWT refuses each one too)."""
    key = _key_forms(ed_key, public_pem)[form]
    forged = forge_hs256(key, {"sub": "admin"})
    with pytest.raises(real_jwt.PyJWTError):
        real_jwt.decode(forged, key, algorithms=["EdDSA", "HS256"])
    with pytest.raises(kt_jwt.InvalidKeyError) as caught:
        kt_jwt.decode(forged, key, algorithms=["EdDSA", "HS256"])
    assert caught.value.code == "key_invalid"
    with pytest.raises(kt_jwt.InvalidKeyError):
        kt_jwt.encode({"sub": "admin"}, key, algorithm="HS256")


@pytest.mark.parametrize("form", ["pem-after-comment", "pem-after-bom", "openssh"])
def test_genuine_eddsa_token_verifies_with_those_key_files(
    ed_key: ed25519.Ed25519PrivateKey, public_pem: bytes, form: str
) -> None:
    """Issue 13 item 2, the other half: the same files are read as the keys they are."""
    key = _key_forms(ed_key, public_pem)[form]
    token = real_jwt.encode({"sub": "alice"}, ed_key, algorithm="EdDSA")
    assert real_jwt.decode(token, key, algorithms=["EdDSA", "HS256"]) == {"sub": "alice"}
    assert kt_jwt.decode(token, key, algorithms=["EdDSA", "HS256"]) == {"sub": "alice"}


def test_random_secrets_are_still_secrets() -> None:
    """The refusal rules match key material, not bytes that happen to look odd."""
    for size in (32, 48, 64):
        for _ in range(200):
            secret = __import__("secrets").token_bytes(size)
            token = kt_jwt.encode({"sub": "u"}, secret, algorithm="HS256")
            assert kt_jwt.decode(token, secret, algorithms=["HS256"]) == {"sub": "u"}


def _both(
    action: Callable[[Any], object],
) -> tuple[BaseException | None, BaseException | None]:
    outcomes: list[BaseException | None] = []
    for lib in (real_jwt, kt_jwt):
        try:
            action(lib)
        except Exception as error:  # the outcome is what is compared
            outcomes.append(error)
        else:
            outcomes.append(None)
    return outcomes[0], outcomes[1]


def test_require_counts_a_null_claim_as_missing() -> None:
    """Issue 13 item 3: options={"require": ["iss"]} with "iss": null."""
    token = forge_hs256(SECRET, {"iss": None, "sub": "u"})
    pyjwt_error, keyturn_error = _both(
        lambda lib: lib.decode(token, SECRET, algorithms=["HS256"], options={"require": ["iss"]})
    )
    assert isinstance(pyjwt_error, real_jwt.MissingRequiredClaimError)
    assert isinstance(keyturn_error, kt_jwt.MissingRequiredClaimError)
    assert keyturn_error.claim == "iss"
    assert keyturn_error.code == "claim_missing"
    assert str(keyturn_error) == 'Token is missing the "iss" claim'


def test_strict_aud_refuses_a_list_audience() -> None:
    """Issue 13 item 3: strict_aud with audience=["api"] is refused, as PyJWT refuses it."""
    token = real_jwt.encode({"aud": "api"}, SECRET)
    pyjwt_error, keyturn_error = _both(
        lambda lib: lib.decode(
            token, SECRET, algorithms=["HS256"], audience=["api"], options={"strict_aud": True}
        )
    )
    assert isinstance(pyjwt_error, real_jwt.InvalidAudienceError)
    assert isinstance(keyturn_error, kt_jwt.InvalidAudienceError)
    assert keyturn_error.code == "audience_invalid"


def test_fractional_exp_is_truncated_as_pyjwt_does() -> None:
    """Issue 13 item 3: exp = floor(now) + 0.999 has expired for PyJWT; it has for keyturn too."""
    token = real_jwt.encode({"exp": int(time.time()) + 0.999}, SECRET)
    pyjwt_error, keyturn_error = _both(lambda lib: lib.decode(token, SECRET, algorithms=["HS256"]))
    assert isinstance(pyjwt_error, real_jwt.ExpiredSignatureError)
    assert isinstance(keyturn_error, kt_jwt.ExpiredSignatureError)
    assert keyturn_error.code == "token_expired"


def test_verify_signature_false_is_a_pyjwt_read_never_an_outside_error() -> None:
    """Issue 13 item 7: options={"verify_signature": False} returns the claims unverified, as
    PyJWT does (decided in issue 17), and what it refuses is always a PyJWTError."""
    token = forge_hs256(b"attacker" * 8, {"sub": "admin", "exp": 1})
    options = {"verify_signature": False}
    assert real_jwt.decode(token, options=options) == {"sub": "admin", "exp": 1}
    assert kt_jwt.decode(token, options=options) == {"sub": "admin", "exp": 1}
    with pytest.raises(kt_jwt.ExpiredSignatureError):  # a check turned back on still runs
        kt_jwt.decode(token, options={**options, "verify_exp": True})
    for bad in ("a.b", "e30.W10.", forge_hs256(b"x" * 32, {"sub": "u"}) + "="):
        with pytest.raises(kt_jwt.PyJWTError):
            kt_jwt.decode(bad, options=options)
