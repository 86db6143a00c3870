"""RSA (PKCS#1 v1.5, PSS) and ECDSA (P1363, the JWS form) conformance: every Wycheproof vector
through JWK import and verify. Valid ones verify; every other one is refused at import or at
verification. The exact counts are asserted so a vector that silently stops running fails."""

from __future__ import annotations

import base64
import collections
from collections.abc import Callable
from typing import Any

import pytest

import keyturn as kt

#: file -> (JWS alg, {(result, verified): count}). "acceptable" vectors (legacy encodings the
#: standard tolerates) are refused: the stricter choice.
EXPECTED: dict[str, tuple[str, dict[tuple[str, bool], int]]] = {
    "wycheproof_rsa_signature_2048_sha256_test.json": (
        "RS256",
        {("valid", True): 9, ("acceptable", False): 1, ("invalid", False): 249},
    ),
    "wycheproof_rsa_signature_2048_sha384_test.json": (
        "RS384",
        {("valid", True): 7, ("acceptable", False): 1, ("invalid", False): 250},
    ),
    "wycheproof_rsa_signature_2048_sha512_test.json": (
        "RS512",
        {("valid", True): 8, ("acceptable", False): 1, ("invalid", False): 250},
    ),
    "wycheproof_rsa_pss_2048_sha256_mgf1_32_test.json": (
        "PS256",
        {("valid", True): 63, ("invalid", False): 45},
    ),
    "wycheproof_rsa_pss_2048_sha384_mgf1_48_test.json": (
        "PS384",
        {("valid", True): 95, ("invalid", False): 46},
    ),
    "wycheproof_rsa_pss_4096_sha512_mgf1_64_test.json": (
        "PS512",
        {("valid", True): 132, ("invalid", False): 47},
    ),
    "wycheproof_ecdsa_secp256r1_sha256_p1363_test.json": (
        "ES256",
        {("valid", True): 173, ("invalid", False): 89},
    ),
    "wycheproof_ecdsa_secp384r1_sha384_p1363_test.json": (
        "ES384",
        {("valid", True): 193, ("invalid", False): 87},
    ),
}


def _verifies(key: kt.VerifyingKey, sig: bytes, msg: bytes, alg: str) -> bool:
    try:
        key.verify(sig, msg, alg)
    except kt.InvalidSignature as err:
        assert err.code == "signature_invalid"
        return False
    return True


_CURVES = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48)}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _group_jwk(group: dict[str, Any]) -> dict[str, Any]:
    """The group's JWK; the few ECDSA edge-case groups without one get it built from wx/wy."""
    jwk: dict[str, Any] | None = group.get("publicKeyJwk") or group.get("keyJwk")
    if jwk is not None:
        return jwk
    key = group["publicKey"]
    crv, size = _CURVES[key["curve"]]
    x, y = (int(key[c], 16).to_bytes(size, "big") for c in ("wx", "wy"))
    return {"kty": "EC", "crv": crv, "x": _b64(x), "y": _b64(y), "kid": "none"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_wycheproof_through_jwk_import(vectors: Callable[[str], Any], name: str) -> None:
    alg, expected = EXPECTED[name]
    loaded = vectors(name)
    outcomes: collections.Counter[tuple[str, bool]] = collections.Counter()
    for group in loaded["testGroups"]:
        key = kt.VerifyingKey.from_jwk(_group_jwk(group))
        assert alg in key.algorithms
        if key.kty == "EC":
            assert key.to_bytes().hex() == group["publicKey"]["uncompressed"]
        for case in group["tests"]:
            got = _verifies(key, bytes.fromhex(case["sig"]), bytes.fromhex(case["msg"]), alg)
            assert got == (case["result"] == "valid"), (name, case["tcId"], case["comment"])
            outcomes[(case["result"], got)] += 1
    assert outcomes == expected
    assert sum(outcomes.values()) == loaded["numberOfTests"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_wycheproof_pem_and_jwk_forms_agree(vectors: Callable[[str], Any], name: str) -> None:
    for group in vectors(name)["testGroups"]:
        from_jwk = kt.VerifyingKey.from_jwk(_group_jwk(group))
        from_pem = kt.VerifyingKey.from_pem(group["publicKeyPem"], kid="none")
        from_der = kt.VerifyingKey.from_der(bytes.fromhex(group["publicKeyDer"]), kid="none")
        assert from_pem.to_bytes() == from_der.to_bytes() == from_jwk.to_bytes()
        assert from_pem.thumbprint() == from_jwk.thumbprint()
