"""RSA and EC keys through the Python API: every import rule with its class and literal code, the
family binding, and an RSA/EC public key refused as an HMAC secret in every encoding."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

import keyturn as kt


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def refused(code: str, make: Any) -> kt.InvalidKey:
    with pytest.raises(kt.InvalidKey) as info:
        make()
    assert type(info.value) is kt.InvalidKey
    assert info.value.code == code
    return info.value


@pytest.fixture(scope="module")
def rsa_jwk() -> dict[str, Any]:
    return kt.SigningKey.generate(alg="RS256", bits=2048).public_key.to_jwk()


@pytest.fixture(scope="module")
def ec_jwk() -> dict[str, Any]:
    return kt.SigningKey.generate(alg="ES256").public_key.to_jwk()


def _with_n(jwk: dict[str, Any], n: int) -> dict[str, Any]:
    return {**jwk, "n": _b64(n.to_bytes((n.bit_length() + 7) // 8, "big")), "alg": "RS256"}


def test_rsa_modulus_and_exponent_rules(rsa_jwk: dict[str, Any]) -> None:
    small = (1 << 2047) - 1  # 2047 bits, odd
    refused("rsa_modulus_too_small", lambda: kt.VerifyingKey.from_jwk(_with_n(rsa_jwk, small)))
    large = (1 << 8192) + 1
    refused("rsa_modulus_too_large", lambda: kt.VerifyingKey.from_jwk(_with_n(rsa_jwk, large)))
    even = (1 << 2047) + 2
    refused("rsa_modulus_even", lambda: kt.VerifyingKey.from_jwk(_with_n(rsa_jwk, even)))
    for e in (1, 2, 65536, 1 << 32 | 1):
        jwk = {**rsa_jwk, "e": _b64(e.to_bytes((e.bit_length() + 7) // 8, "big"))}
        refused("rsa_exponent_invalid", lambda jwk=jwk: kt.VerifyingKey.from_jwk(jwk))


def test_the_1024_bit_opt_in(rsa_jwk: dict[str, Any]) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    pem = weak.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    refused("rsa_modulus_too_small", lambda: kt.VerifyingKey.from_pem(pem))
    key = kt.VerifyingKey.from_pem(pem, min_rsa_bits=1024)
    assert key.algorithms == ("RS256", "RS512")  # aws-lc has no 1024-bit PSS or SHA-384 profile
    for bits in (1023, 8193):
        with pytest.raises(kt.ConfigurationError) as info:
            kt.VerifyingKey.from_pem(pem, min_rsa_bits=bits)
        assert info.value.code == "configuration_invalid"


def test_leading_zero_octets_are_tolerated(rsa_jwk: dict[str, Any]) -> None:
    padded = {**rsa_jwk, "n": _b64(b"\0" + base64.urlsafe_b64decode(rsa_jwk["n"] + "=="))}
    assert kt.VerifyingKey.from_jwk(padded) == kt.VerifyingKey.from_jwk(rsa_jwk)
    assert (
        kt.VerifyingKey.from_jwk(padded).thumbprint()
        == kt.VerifyingKey.from_jwk(rsa_jwk).thumbprint()
    )


def test_ec_point_rules(ec_jwk: dict[str, Any]) -> None:
    y = bytearray(base64.urlsafe_b64decode(ec_jwk["y"] + "=="))
    y[-1] ^= 1
    refused("ec_point_invalid", lambda: kt.VerifyingKey.from_jwk({**ec_jwk, "y": _b64(bytes(y))}))
    short = {**ec_jwk, "x": _b64(base64.urlsafe_b64decode(ec_jwk["x"] + "==")[1:])}
    refused("ec_coordinate_invalid", lambda: kt.VerifyingKey.from_jwk(short))
    zero = {**ec_jwk, "x": _b64(bytes(32)), "y": _b64(bytes(32))}
    refused("ec_point_invalid", lambda: kt.VerifyingKey.from_jwk(zero))
    refused("key_alg_mismatch", lambda: kt.VerifyingKey.from_jwk({**ec_jwk, "alg": "RS256"}))
    refused(
        "key_type_unsupported",
        lambda: kt.VerifyingKey.from_jwk({**ec_jwk, "crv": "secp256k1"}),
    )


def test_a_private_key_must_match_its_public_half() -> None:
    one = kt.SigningKey.generate(alg="ES256").to_jwk(private=True)
    two = kt.SigningKey.generate(alg="ES256").to_jwk(private=True)
    refused("key_pair_mismatch", lambda: kt.SigningKey.from_jwk({**one, "d": two["d"]}))
    rsa_one = kt.SigningKey.generate(alg="RS256", bits=2048).to_jwk(private=True)
    refused("key_pair_mismatch", lambda: kt.SigningKey.from_jwk({**rsa_one, "p": rsa_one["q"]}))
    refused("key_type_unsupported", lambda: kt.SigningKey.from_jwk({**rsa_one, "oth": []}))


def test_a_key_verifies_only_its_own_family() -> None:
    es = kt.SigningKey.generate(alg="ES256")
    assert es.public_key.algorithms == ("ES256",)
    with pytest.raises(kt.AlgorithmNotAllowed) as info:
        es.public_key.verify(es.sign(b"m"), b"m", "RS256")
    assert info.value.code == "algorithm_not_allowed"
    signature = es.sign(b"m")
    es.public_key.verify(signature, b"m")
    with pytest.raises(kt.InvalidSignature) as bad:
        es.public_key.verify(signature, b"n")
    assert bad.value.code == "signature_invalid"


def test_der_signatures_never_verify() -> None:
    """ES256 takes the fixed-width r || s of RFC 7518 §3.4; OpenSSL's DER form is refused."""
    theirs = ec.generate_private_key(ec.SECP256R1())
    der = theirs.sign(b"m", ec.ECDSA(hashes.SHA256()))
    public = kt.VerifyingKey.from_pem(
        theirs.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(kt.InvalidSignature) as info:
        public.verify(der, b"m")
    assert info.value.code == "signature_invalid"


def _encodings(private: Any) -> list[bytes]:
    """Every way a public key is commonly written down."""
    public = private.public_key()
    formats = [
        (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        (serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    ]
    if isinstance(public, rsa.RSAPublicKey):
        formats += [
            (serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
            (serialization.Encoding.DER, serialization.PublicFormat.PKCS1),
        ]
    out = [public.public_bytes(encoding, fmt) for encoding, fmt in formats]
    jwk = kt.VerifyingKey.from_pem(out[0]).to_jwk()
    return [*out, json.dumps(jwk).encode(), json.dumps(jwk, indent=2).encode()]


@pytest.mark.parametrize(
    "make",
    [
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        lambda: ec.generate_private_key(ec.SECP256R1()),
        lambda: ec.generate_private_key(ec.SECP384R1()),
    ],
    ids=["rsa", "p256", "p384"],
)
def test_an_rsa_or_ec_public_key_is_never_an_hmac_secret(make: Any) -> None:
    for secret in _encodings(make()):
        with pytest.raises(kt.InvalidKey) as info:
            kt.HmacKey(secret)
        assert type(info.value) is kt.InvalidKey
        assert info.value.code == "key_invalid"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_MEMBERS = st.sampled_from(["kty", "crv", "n", "e", "x", "y", "d", "p", "q", "alg", "use", "kid"])
_VALUES = st.sampled_from(["RSA", "EC", "OKP", "P-256", "P-521", "AQAB", "AA", "", "RS256"]) | _JSON


@settings(max_examples=300, deadline=None)
@given(jwk=st.dictionaries(_MEMBERS, _VALUES, max_size=8), der=st.binary(max_size=300))
def test_arbitrary_key_input_is_refused_as_invalid_key_never_a_crash(
    jwk: dict[str, Any], der: bytes
) -> None:
    """Every import entry point answers arbitrary input with a key or InvalidKey (no panic
    crosses the FFI: a Rust panic would surface as pyo3's PanicException, a BaseException)."""
    for load in (
        lambda: kt.VerifyingKey.from_jwk(jwk),
        lambda: kt.SigningKey.from_jwk(jwk),
        lambda: kt.VerifyingKey.from_der(der),
        lambda: kt.SigningKey.from_der(der),
        lambda: kt.VerifyingKey.from_pem(
            b"-----BEGIN PUBLIC KEY-----\n"
            + base64.b64encode(der)
            + b"\n-----END PUBLIC KEY-----\n"
        ),
    ):
        try:
            load()
        except kt.InvalidKey as error:
            assert error.code.startswith(("key_", "rsa_", "ec_"))
