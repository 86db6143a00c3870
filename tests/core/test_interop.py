"""Interoperability: PyJWT's and jwcrypto's EdDSA and HS256 tokens verify in keyturn, and keyturn's
tokens verify in them."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jwt as jwcrypto_jwt

import keyturn as kt

SECRET = b"a-shared-secret-of-at-least-32-bytes!!"


@pytest.fixture
def claims() -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": "https://auth.example.com",
        "aud": "api",
        "sub": "u",
        "iat": now,
        "exp": now + 600,
    }


@pytest.fixture
def pair() -> tuple[Ed25519PrivateKey, kt.SigningKey]:
    theirs = Ed25519PrivateKey.generate()
    pem = theirs.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return theirs, kt.SigningKey.from_pem(pem, kid="k1")


def _ours(token: str, key: kt.VerifyingKey | kt.HmacKey, alg: str) -> dict[str, Any]:
    return kt.decode(
        token, key, algorithms=[alg], issuer="https://auth.example.com", audience="api"
    )


def test_pyjwt_eddsa_into_keyturn(pair: Any, claims: dict[str, Any]) -> None:
    theirs, ours = pair
    token = pyjwt.encode(claims, theirs, algorithm="EdDSA", headers={"kid": "k1"})
    assert _ours(token, ours.public_key, "EdDSA") == claims


def test_keyturn_eddsa_into_pyjwt(pair: Any, claims: dict[str, Any]) -> None:
    theirs, ours = pair
    token = kt.encode(claims, ours)
    out = pyjwt.decode(
        token,
        theirs.public_key(),
        algorithms=["EdDSA"],
        audience="api",
        issuer="https://auth.example.com",
    )
    assert out == claims


def test_hs256_both_ways(claims: dict[str, Any]) -> None:
    key = kt.HmacKey(SECRET)
    assert _ours(pyjwt.encode(claims, SECRET, algorithm="HS256"), key, "HS256") == claims
    token = kt.encode(claims, key, alg="HS256")
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"], audience="api") == claims


def test_jwcrypto_eddsa_both_ways(pair: Any, claims: dict[str, Any]) -> None:
    _, ours = pair
    private = jwcrypto_jwk.JWK(**ours.to_jwk(private=True))
    theirs = jwcrypto_jwt.JWT(header={"alg": "EdDSA", "kid": "k1"}, claims=claims)
    theirs.make_signed_token(private)
    assert _ours(theirs.serialize(), ours.public_key, "EdDSA") == claims

    public = jwcrypto_jwk.JWK(**ours.public_key.to_jwk())
    checked = jwcrypto_jwt.JWT(jwt=kt.encode(claims, ours), key=public, algs=["EdDSA"])
    assert json.loads(checked.claims) == claims


def test_jwcrypto_hs256_both_ways(claims: dict[str, Any]) -> None:
    import base64

    oct_key = jwcrypto_jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(SECRET).rstrip(b"=").decode())
    theirs = jwcrypto_jwt.JWT(header={"alg": "HS256"}, claims=claims)
    theirs.make_signed_token(oct_key)
    assert _ours(theirs.serialize(), kt.HmacKey(SECRET), "HS256") == claims
    checked = jwcrypto_jwt.JWT(
        jwt=kt.encode(claims, kt.HmacKey(SECRET), alg="HS256"), key=oct_key, algs=["HS256"]
    )
    assert json.loads(checked.claims) == claims


def test_pyjwt_jwk_export_is_importable(pair: Any) -> None:
    theirs, ours = pair
    exported = json.loads(pyjwt.algorithms.OKPAlgorithm.to_jwk(theirs.public_key()))
    assert kt.VerifyingKey.from_jwk(exported).to_bytes() == ours.public_key.to_bytes()
