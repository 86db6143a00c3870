"""RFC 8032 §7.1 and RFC 8037 Appendix A, byte for byte (Ed25519 is deterministic)."""

from __future__ import annotations

import pytest

import keyturn as kt

RFC8032 = [
    (  # TEST 1
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (  # TEST 2
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (  # TEST 3
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032)
def test_rfc8032_section_7_1(seed: str, public: str, message: str, signature: str) -> None:
    sk = kt.SigningKey.from_seed(bytes.fromhex(seed))
    assert sk.public_key.to_bytes().hex() == public
    assert sk.sign(bytes.fromhex(message)).hex() == signature
    sk.public_key.verify(bytes.fromhex(signature), bytes.fromhex(message))


RFC8037_PRIVATE = {
    "kty": "OKP",
    "crv": "Ed25519",
    "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
RFC8037_TOKEN = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def test_rfc8037_a1_a2_keys() -> None:
    sk = kt.SigningKey.from_jwk(RFC8037_PRIVATE)
    public = {k: v for k, v in RFC8037_PRIVATE.items() if k != "d"}
    assert sk.public_key == kt.VerifyingKey.from_jwk(public)
    assert {k: sk.to_jwk(private=True)[k] for k in RFC8037_PRIVATE} == RFC8037_PRIVATE
    assert "d" not in sk.to_jwk()


def test_rfc8037_a3_thumbprint_is_the_default_kid() -> None:
    sk = kt.SigningKey.from_jwk(RFC8037_PRIVATE)
    assert sk.public_key.thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert sk.kid == sk.public_key.kid == sk.public_key.thumbprint()


def test_rfc8037_a4_a5_signature_and_verification() -> None:
    sk = kt.SigningKey.from_jwk(RFC8037_PRIVATE)
    signing_input, _, signature = RFC8037_TOKEN.rpartition(".")
    import base64

    raw = base64.urlsafe_b64decode(signature + "==")
    assert sk.sign(signing_input.encode()) == raw
    sk.public_key.verify(raw, signing_input.encode())
    # A.4's payload is not JSON, so a JWT decode refuses it after the signature checks out.
    with pytest.raises(kt.MalformedToken) as info:
        kt.decode(RFC8037_TOKEN, sk.public_key, algorithms=["EdDSA"], require=[])
    assert info.value.code == "token_malformed"
