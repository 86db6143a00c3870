"""RemoteJWKS over a real loopback server serving Google-, Entra-, Keycloak- and Yahoo-shaped key
sets, verifying tokens signed by ``cryptography`` (OpenSSL), the way those providers sign them."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import keyturn as kt

from .conftest import JWKSServer

ISS = "https://idp.example"
AUD = "client-1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@pytest.fixture(scope="module")
def rsa_keys() -> list[rsa.RSAPrivateKey]:
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)]


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def rsa_jwk(key: rsa.RSAPrivateKey, kid: str, **members: Any) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "n": _uint(numbers.n), "e": _uint(numbers.e), **members}


def sign(key: Any, kid: str, alg: str, claims: dict[str, Any] | None = None) -> str:
    """A compact JWS made with OpenSSL through cryptography, as an identity provider would."""
    now = int(time.time())
    body = {"iss": ISS, "aud": AUD, "sub": "user", "iat": now, "exp": now + 300, **(claims or {})}
    header = {"alg": alg, "kid": kid, "typ": "JWT"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(body).encode())}"
    data = signing_input.encode()
    if alg == "RS256":
        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "PS256":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        signature = key.sign(data, pss, hashes.SHA256())
    else:  # ES256: DER from OpenSSL, converted to the fixed-width r || s of RFC 7518 §3.4
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input}.{_b64(signature)}"


def verifier(server: JWKSServer, *algorithms: str) -> kt.Verifier:
    jwks = kt.RemoteJWKS(server.url(), cooldown=0)
    return kt.Verifier(keys=jwks, issuer=ISS, audience=AUD, algorithms=list(algorithms))


def test_google_shape(server: JWKSServer, rsa_keys: list[rsa.RSAPrivateKey]) -> None:
    kids = ["73e25f9789119c7875d58087a78ac23f5ef2eda3", "c88d809f4db943df53da7accfd47764d05ba391f"]
    keys = [rsa_jwk(k, kid, alg="RS256", use="sig") for k, kid in zip(rsa_keys, kids, strict=True)]
    server.serve_json({"keys": keys})
    v = verifier(server, "RS256")
    for key, kid in zip(rsa_keys, kids, strict=True):
        assert v.verify(sign(key, kid, "RS256"))["sub"] == "user"
    # Signed by the other key under this kid: the signature fails.
    with pytest.raises(kt.InvalidSignature) as info:
        v.verify(sign(rsa_keys[1], kids[0], "RS256"))
    assert info.value.code == "signature_invalid"
    # The JWK's alg binds the key: a PS256 token under Google's RS256 key is refused.
    with pytest.raises(kt.AlgorithmNotAllowed) as refused:
        verifier(server, "RS256", "PS256").verify(sign(rsa_keys[0], kids[0], "PS256"))
    assert refused.value.code == "algorithm_not_allowed"


def test_entra_shape(server: JWKSServer, rsa_keys: list[rsa.RSAPrivateKey]) -> None:
    """No alg (the key serves every RSA algorithm the verifier allows), x5c/x5t and an issuer
    template member beside the key: tolerated, never used."""
    issuer = "https://login.microsoftonline.com/{tenantid}/v2.0"
    extra = {"use": "sig", "x5t": "Mc7l3Iz93g7uwgNeEmmw_WYGPko", "issuer": issuer}
    keys = [
        rsa_jwk(key, f"entra-{i}", x5c=[base64.b64encode(b"not a certificate").decode()], **extra)
        for i, key in enumerate(rsa_keys)
    ]
    server.serve_json({"keys": keys})
    v = verifier(server, "RS256", "PS256")
    assert v.verify(sign(rsa_keys[0], "entra-0", "RS256"))["aud"] == AUD
    assert v.verify(sign(rsa_keys[1], "entra-1", "PS256"))["aud"] == AUD


def test_keycloak_shape(server: JWKSServer, rsa_keys: list[rsa.RSAPrivateKey]) -> None:
    """Keycloak publishes its RSA-OAEP encryption key beside the RS256 signing key."""
    server.serve_json(
        {
            "keys": [
                rsa_jwk(rsa_keys[0], "sig-kid", alg="RS256", use="sig"),
                rsa_jwk(rsa_keys[1], "enc-kid", alg="RSA-OAEP", use="enc"),
            ]
        }
    )
    v = verifier(server, "RS256")
    assert v.verify(sign(rsa_keys[0], "sig-kid", "RS256"))["iss"] == ISS
    # A token naming the encryption key finds no verification key (it was skipped).
    with pytest.raises(kt.UnknownKey) as info:
        v.verify(sign(rsa_keys[1], "enc-kid", "RS256"))
    assert info.value.code == "key_unknown"


def test_yahoo_shape(
    server: JWKSServer, rsa_keys: list[rsa.RSAPrivateKey], ec_key: ec.EllipticCurvePrivateKey
) -> None:
    """A 1024-bit RSA key (skipped by default) beside a usable P-256 key."""
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    numbers = ec_key.public_key().public_numbers()
    p256 = {
        "kty": "EC",
        "crv": "P-256",
        "kid": "es",
        "alg": "ES256",
        "use": "sig",
        "x": _b64(numbers.x.to_bytes(32, "big")),
        "y": _b64(numbers.y.to_bytes(32, "big")),
    }
    padded = rsa_jwk(weak, "weak", alg="RS256", use="sig")
    padded["n"] = _b64(b"\0" + base64.urlsafe_b64decode(padded["n"] + "=="))  # as Yahoo does
    server.serve_json({"keys": [padded, p256]})
    v = verifier(server, "RS256", "ES256")
    assert v.verify(sign(ec_key, "es", "ES256"))["sub"] == "user"
    with pytest.raises(kt.UnknownKey) as info:
        v.verify(sign(weak, "weak", "RS256"))
    assert info.value.code == "key_unknown"
    legacy = kt.Verifier(
        keys=kt.RemoteJWKS(server.url(), min_rsa_bits=1024),
        issuer=ISS,
        audience=AUD,
        algorithms=["RS256", "ES256"],
    )
    assert legacy.verify(sign(weak, "weak", "RS256"))["sub"] == "user"


@pytest.mark.parametrize("bits", [1023, 8193, 2048.0, True])
def test_min_rsa_bits_bounds(server: JWKSServer, bits: Any) -> None:
    with pytest.raises(kt.ConfigurationError) as info:
        kt.RemoteJWKS(server.url(), min_rsa_bits=bits)
    assert info.value.code == "configuration_invalid"
