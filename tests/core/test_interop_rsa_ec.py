"""RSA and ECDSA interop both ways: keyturn's tokens verify in PyJWT (cryptography/OpenSSL) and
jwcrypto; theirs verify in keyturn; keys move between them as PEM (PKCS#8, PKCS#1, SEC1, SPKI)
and JWK."""

from __future__ import annotations

import json
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

import keyturn as kt

ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
CLAIMS = {"sub": "user", "n": 1}
_CURVES = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}


@pytest.fixture(scope="module")
def ours() -> dict[str, kt.SigningKey]:
    """One keyturn key per algorithm (RSA at 2048 bits to keep generation quick)."""
    return {alg: kt.SigningKey.generate(alg=alg, bits=2048, kid=alg) for alg in ALGS}


@pytest.fixture(scope="module")
def theirs() -> dict[str, Any]:
    """One cryptography key per algorithm."""
    shared_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        alg: ec.generate_private_key(_CURVES[alg]) if alg in _CURVES else shared_rsa for alg in ALGS
    }


def _public_pem(key: Any) -> bytes:
    public: bytes = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public


@pytest.mark.parametrize("alg", ALGS)
def test_pyjwt_verifies_ours(ours: dict[str, kt.SigningKey], alg: str) -> None:
    key = ours[alg]
    token = kt.encode(CLAIMS, key)
    public = serialization.load_pem_public_key(key.public_key.to_pem())
    assert pyjwt.decode(token, public, algorithms=[alg]) == CLAIMS  # type: ignore[arg-type]
    assert pyjwt.get_unverified_header(token) == {"alg": alg, "typ": "JWT", "kid": alg}


@pytest.mark.parametrize("alg", ALGS)
def test_jwcrypto_verifies_ours(ours: dict[str, kt.SigningKey], alg: str) -> None:
    key = ours[alg]
    token = kt.encode(CLAIMS, key)
    verifier = jwcrypto_jws.JWS()
    verifier.deserialize(token)
    verifier.verify(jwcrypto_jwk.JWK(**key.public_key.to_jwk()), alg=alg)
    assert json.loads(verifier.payload) == CLAIMS


@pytest.mark.parametrize("alg", ALGS)
def test_we_verify_pyjwt(theirs: dict[str, Any], alg: str) -> None:
    key = theirs[alg]
    token = pyjwt.encode(CLAIMS, key, algorithm=alg, headers={"kid": "theirs"})
    public = kt.VerifyingKey.from_pem(_public_pem(key), kid="theirs")
    assert kt.decode(token, public, algorithms=[alg]) == CLAIMS
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(kt.InvalidSignature) as info:
        kt.decode(tampered, public, algorithms=[alg])
    assert info.value.code == "signature_invalid"


@pytest.mark.parametrize("alg", ALGS)
def test_we_verify_jwcrypto_through_its_jwk(alg: str) -> None:
    if alg.startswith("ES"):
        crv = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg]
        key = jwcrypto_jwk.JWK.generate(kty="EC", crv=crv, kid="jc")
    else:
        key = jwcrypto_jwk.JWK.generate(kty="RSA", size=2048, kid="jc")
    signer = jwcrypto_jws.JWS(json.dumps(CLAIMS).encode())
    signer.add_signature(key, alg=alg, protected={"alg": alg, "kid": "jc"})
    token = signer.serialize(compact=True)
    public = kt.VerifyingKey.from_jwk(key.export_public(as_dict=True))
    assert kt.decode(token, public, algorithms=[alg]) == CLAIMS
    # And our private import of its private JWK signs tokens it verifies.
    ours = kt.SigningKey.from_jwk(key.export_private(as_dict=True))
    back = jwcrypto_jws.JWS()
    back.deserialize(kt.encode(CLAIMS, ours, alg=alg))
    back.verify(key, alg=alg)


_PRIVATE_FORMATS = [
    ("RS256", serialization.PrivateFormat.PKCS8),
    ("RS256", serialization.PrivateFormat.TraditionalOpenSSL),  # PKCS#1 RSA PRIVATE KEY
    ("ES256", serialization.PrivateFormat.PKCS8),
    ("ES384", serialization.PrivateFormat.TraditionalOpenSSL),  # SEC1 EC PRIVATE KEY
]


@pytest.mark.parametrize(("alg", "fmt"), _PRIVATE_FORMATS)
def test_private_pem_and_der_from_cryptography(
    theirs: dict[str, Any], alg: str, fmt: serialization.PrivateFormat
) -> None:
    key = theirs[alg]
    none = serialization.NoEncryption()
    pem = key.private_bytes(serialization.Encoding.PEM, fmt, none)
    der = key.private_bytes(serialization.Encoding.DER, fmt, none)
    from_pem, from_der = kt.SigningKey.from_pem(pem), kt.SigningKey.from_der(der)
    assert from_pem.public_key == from_der.public_key
    assert from_pem.public_key.to_pem() == _public_pem(key)
    token = kt.encode(CLAIMS, from_pem, alg=alg)
    public = serialization.load_pem_public_key(_public_pem(key))
    assert pyjwt.decode(token, public, algorithms=[alg]) == CLAIMS  # type: ignore[arg-type]
    # Our PKCS#8 export loads in cryptography as the same key.
    again = serialization.load_pem_private_key(from_pem.to_pem(), None)
    assert _public_pem(again) == _public_pem(key)


def test_pkcs1_public_pem(theirs: dict[str, Any]) -> None:
    public = theirs["RS256"].public_key()
    pkcs1 = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    key = kt.VerifyingKey.from_pem(pkcs1)
    assert key.kty == "RSA"
    assert key.algorithms == ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
    assert key.to_pem() == _public_pem(theirs["RS256"])


@pytest.mark.parametrize("alg", ALGS)
def test_joserfc_both_ways(ours: dict[str, kt.SigningKey], alg: str) -> None:
    from joserfc import jws as joserfc_jws
    from joserfc.jwk import ECKey, RSAKey

    key_class = ECKey if alg.startswith("ES") else RSAKey
    # Ours verified by joserfc, through our exported public JWK.
    key = ours[alg]
    token = kt.encode(CLAIMS, key)
    theirs_public = key_class.import_key(key.public_key.to_jwk())
    verified = joserfc_jws.deserialize_compact(token, theirs_public, algorithms=[alg])
    assert json.loads(verified.payload) == CLAIMS
    # Theirs verified by us, through joserfc's exported JWK.
    crv = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}.get(alg)
    generated = key_class.generate_key(crv if crv else 2048, private=True)
    signed = joserfc_jws.serialize_compact(
        {"alg": alg}, json.dumps(CLAIMS).encode(), generated, algorithms=[alg]
    )
    public = kt.VerifyingKey.from_jwk(generated.as_dict(private=False))
    assert kt.decode(signed, public, algorithms=[alg]) == CLAIMS


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256"])
def test_verify_many_answers_like_verify(ours: dict[str, kt.SigningKey], alg: str) -> None:
    key = ours[alg]
    verifier = kt.Verifier(key.public_key, issuer=None, audience=None, algorithms=[alg])
    good = kt.encode({**CLAIMS, "exp": 4_000_000_000}, key)
    head, payload, signature = good.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    tokens = [good, forged] * 40  # above the parallel threshold
    results = verifier.verify_many(tokens)
    for token, result in zip(tokens, results, strict=True):
        if token == good:
            assert result == verifier.verify(token)
        else:
            assert isinstance(result, kt.InvalidSignature)
            assert result.code == "signature_invalid"
