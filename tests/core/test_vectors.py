"""Ed25519 conformance: Wycheproof through JWK import, CCTV edge cases under DESIGN.md's policy."""

from __future__ import annotations

import collections
from typing import Any

import pytest

import keyturn as kt


def _verifies(key: kt.VerifyingKey, sig: bytes, msg: bytes) -> bool:
    try:
        key.verify(sig, msg)
    except kt.InvalidSignature as err:
        assert err.code == "signature_invalid"
        return False
    return True


def test_wycheproof_every_vector_through_jwk_import(wycheproof: Any) -> None:
    outcomes: collections.Counter[tuple[str, bool]] = collections.Counter()
    for group in wycheproof["testGroups"]:
        key = kt.VerifyingKey.from_jwk(group["publicKeyJwk"])
        assert key.to_bytes().hex() == group["publicKey"]["pk"]
        for case in group["tests"]:
            got = _verifies(key, bytes.fromhex(case["sig"]), bytes.fromhex(case["msg"]))
            assert got == (case["result"] == "valid"), case["tcId"]
            outcomes[(case["result"], got)] += 1
    assert outcomes == {("valid", True): 88, ("invalid", False): 63}


def test_wycheproof_pem_and_der_forms_agree(wycheproof: Any) -> None:
    for group in wycheproof["testGroups"]:
        from_pem = kt.VerifyingKey.from_pem(group["publicKeyPem"])
        assert from_pem == kt.VerifyingKey.from_jwk(group["publicKeyJwk"]).with_kid(from_pem.kid)


def test_cctv_only_the_flagless_vector_verifies(cctv: list[dict[str, Any]]) -> None:
    """DESIGN.md: verify_strict alone accepts 43 CCTV vectors (no flags; low_order_component_A;
    low_order_component_A + low_order_component_R). Refusing public keys with a torsion component
    at import removes every one with a mixed-order A, so exactly the flagless vector is left."""
    refused_at_import: collections.Counter[str] = collections.Counter()
    verified = []
    for vector in cctv:
        try:
            key = kt.VerifyingKey.from_bytes(bytes.fromhex(vector["key"]))
        except kt.InvalidKey as err:
            assert err.code == "key_invalid"
            refused_at_import[str(err)] += 1
            continue
        if _verifies(key, bytes.fromhex(vector["sig"]), vector["msg"].encode()):
            verified.append(vector)
    assert [v["flags"] for v in verified] == [None]
    assert refused_at_import == {
        "public key has a torsion component": 360,
        "public key has small order": 300,
        "public key encoding is not canonical": 226,
    }
    assert sum(refused_at_import.values()) + 1 + 27 == len(cctv) == 914


@pytest.mark.parametrize("flag", ["low_order_A", "non_canonical_A", "low_order_component_A"])
def test_cctv_bad_public_keys_refused_at_import(cctv: list[dict[str, Any]], flag: str) -> None:
    for vector in cctv:
        if vector["flags"] and flag in vector["flags"]:
            with pytest.raises(kt.InvalidKey) as info:
                kt.VerifyingKey.from_bytes(bytes.fromhex(vector["key"]))
            assert info.value.code == "key_invalid"
