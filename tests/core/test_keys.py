"""Key import and export: strict JWK/PEM/raw rules, HMAC secret rules, secrets never shown."""

from __future__ import annotations

import base64
import pickle
from typing import Any

import pytest

import keyturn as kt

from .conftest import b64


def refused(make: Any, code: str = "key_invalid") -> kt.InvalidKey:
    """InvalidKey with ``code``: the rule's own code, or the class code for Ed25519 specifics."""
    with pytest.raises(kt.InvalidKey) as info:
        make()
    assert type(info.value) is kt.InvalidKey
    assert info.value.code == code
    return info.value


@pytest.fixture
def jwk() -> dict[str, Any]:
    return kt.SigningKey.generate().public_key.to_jwk()


def test_generate_and_round_trip_all_forms() -> None:
    sk = kt.SigningKey.generate()
    vk = sk.public_key
    assert kt.VerifyingKey.from_jwk(vk.to_jwk()) == vk
    assert kt.VerifyingKey.from_pem(vk.to_pem()) == vk
    assert kt.VerifyingKey.from_pem(vk.to_pem().decode()) == vk
    assert kt.VerifyingKey.from_bytes(vk.to_bytes()) == vk
    again = kt.SigningKey.from_pem(sk.to_pem())
    assert again.public_key == vk
    assert kt.SigningKey.from_jwk(sk.to_jwk(private=True)).public_key == vk
    assert vk.algorithms == ("EdDSA", "Ed25519")
    assert sk.alg == "EdDSA"


def test_pem_interoperates_with_cryptography() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    theirs = Ed25519PrivateKey.generate()
    pem = theirs.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ours = kt.SigningKey.from_pem(pem)
    public_pem = theirs.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert ours.public_key.to_pem() == public_pem
    theirs.public_key().verify(ours.sign(b"m"), b"m")
    loaded = serialization.load_pem_private_key(ours.to_pem(), None)
    assert isinstance(loaded, Ed25519PrivateKey)


def test_kid_defaults_to_thumbprint_and_can_be_given(jwk: dict[str, Any]) -> None:
    vk = kt.VerifyingKey.from_jwk({k: v for k, v in jwk.items() if k != "kid"})
    assert vk.kid == vk.thumbprint()
    assert kt.VerifyingKey.from_jwk({**jwk, "kid": "mine"}).kid == "mine"
    assert kt.VerifyingKey.from_bytes(vk.to_bytes(), kid="raw").kid == "raw"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kty": "EC"}, "key_type_unsupported"),
        ({"kty": None}, "key_type_unsupported"),
        ({"crv": "Ed448"}, "key_type_unsupported"),
        ({"crv": "X25519"}, "key_type_unsupported"),
        ({"x": None}, "key_encoding_invalid"),
        ({"x": 5}, "key_encoding_invalid"),
        ({"use": "enc"}, "key_use_invalid"),
        ({"use": 1}, "key_use_invalid"),
        ({"key_ops": ["sign"]}, "key_use_invalid"),
        ({"key_ops": "verify"}, "key_use_invalid"),
        ({"alg": "RS256"}, "key_alg_mismatch"),
        ({"alg": "HS256"}, "key_alg_mismatch"),
        ({"alg": 1}, "key_encoding_invalid"),
        ({"kid": 1}, "key_encoding_invalid"),
        ({"kid": ""}, "key_encoding_invalid"),
        ({"d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}, "key_private_given"),
    ],
)
def test_public_jwk_rules(jwk: dict[str, Any], change: dict[str, Any], code: str) -> None:
    bad = {**jwk, **change}
    bad = {k: v for k, v in bad.items() if v is not None}
    refused(lambda: kt.VerifyingKey.from_jwk(bad), code)


@pytest.mark.parametrize(
    "x",
    [
        lambda raw: b64(raw[:31]),
        lambda raw: b64(raw + b"\0"),
        lambda raw: b64(raw) + "=",
        lambda raw: base64.b64encode(raw).decode(),
        lambda raw: " " + b64(raw),
    ],
)
def test_public_jwk_x_must_be_32_bytes_of_strict_base64url(jwk: dict[str, Any], x: Any) -> None:
    raw = base64.urlsafe_b64decode(jwk["x"] + "=")
    encoded = x(raw)
    if encoded == jwk["x"]:
        pytest.skip("this key's encoding happens to be unchanged by the mangling")
    code = "key_encoding_invalid" if "=" in encoded or " " in encoded else "key_invalid"
    refused(lambda: kt.VerifyingKey.from_jwk({**jwk, "x": encoded}), code)


def test_jwk_use_key_ops_and_alg_are_honoured(jwk: dict[str, Any]) -> None:
    vk = kt.VerifyingKey.from_jwk({**jwk, "use": "sig", "key_ops": ["verify"], "alg": "Ed25519"})
    assert vk.algorithms == ("Ed25519",)
    assert vk.to_jwk()["alg"] == "Ed25519"


def test_private_jwk_rules() -> None:
    sk = kt.SigningKey.generate()
    private = sk.to_jwk(private=True)
    other = kt.SigningKey.generate().to_jwk(private=True)
    refused(lambda: kt.SigningKey.from_jwk({**private, "x": other["x"]}), "key_pair_mismatch")
    without_d = {k: v for k, v in private.items() if k != "d"}
    refused(lambda: kt.SigningKey.from_jwk(without_d), "key_encoding_invalid")
    refused(lambda: kt.SigningKey.from_jwk({**private, "d": private["d"] + "A"}), "key_invalid")
    refused(lambda: kt.SigningKey.from_jwk({**private, "key_ops": ["verify"]}), "key_use_invalid")
    refused(lambda: kt.SigningKey.from_jwk("{not json"), "key_encoding_invalid")
    refused(lambda: kt.SigningKey.from_jwk('{"kty":"OKP","kty":"OKP"}'), "key_encoding_invalid")


def test_pem_rules() -> None:
    sk = kt.SigningKey.generate()
    refused(lambda: kt.VerifyingKey.from_pem(sk.to_pem()), "key_encoding_invalid")
    refused(lambda: kt.SigningKey.from_pem(sk.public_key.to_pem()), "key_encoding_invalid")
    refused(
        lambda: kt.VerifyingKey.from_pem(
            b"-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n"
        ),
        "key_encoding_invalid",
    )
    rsa_like = (
        b"-----BEGIN PUBLIC KEY-----\n"
        + base64.b64encode(bytes(44))
        + b"\n-----END PUBLIC KEY-----\n"
    )
    refused(lambda: kt.VerifyingKey.from_pem(rsa_like), "key_encoding_invalid")
    refused(lambda: kt.VerifyingKey.from_pem(b"\xff\xfe"), "key_encoding_invalid")


def test_raw_public_key_rules() -> None:
    refused(lambda: kt.VerifyingKey.from_bytes(bytes(31)))
    refused(lambda: kt.VerifyingKey.from_bytes(bytes(33)))
    identity = b"\x01" + bytes(31)
    assert "small order" in str(refused(lambda: kt.VerifyingKey.from_bytes(identity)))
    refused(lambda: kt.SigningKey.from_seed(bytes(31)))


def test_private_material_never_shown() -> None:
    sk = kt.SigningKey.generate(kid="visible")
    seed = base64.urlsafe_b64decode(sk.to_jwk(private=True)["d"] + "=")
    for text in (repr(sk), str(sk)):
        assert text == 'SigningKey(kid="visible")'
        assert sk.to_jwk(private=True)["d"] not in text
        assert seed.hex() not in text
    with pytest.raises(TypeError):
        pickle.dumps(sk)
    hk = kt.HmacKey(b"s" * 32, kid="h")
    assert repr(hk) == str(hk) == 'HmacKey(kid="h")'


def test_verify_raises_invalid_signature() -> None:
    sk = kt.SigningKey.generate()
    sk.public_key.verify(sk.sign(b"m"), b"m")
    with pytest.raises(kt.InvalidSignature) as info:
        sk.public_key.verify(sk.sign(b"m"), b"n")
    assert info.value.code == "signature_invalid"
    with pytest.raises(kt.InvalidSignature):
        sk.public_key.verify(b"short", b"m")


# --- HMAC ---------------------------------------------------------------------------------------


def test_hmac_secret_length_decides_its_algorithms() -> None:
    refused(lambda: kt.HmacKey(b"x" * 31))
    assert kt.HmacKey(b"x" * 32).algorithms == ("HS256",)
    assert kt.HmacKey(b"x" * 48).algorithms == ("HS256", "HS384")
    assert kt.HmacKey("x" * 64).algorithms == ("HS256", "HS384", "HS512")
    with pytest.raises(kt.AlgorithmNotAllowed) as info:
        kt.encode({}, kt.HmacKey(b"x" * 32), alg="HS512")
    assert info.value.code == "algorithm_not_allowed"


@pytest.mark.parametrize(
    "secret",
    [
        b"-----BEGIN PUBLIC KEY-----\n"
        b"MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
        b"-----END PUBLIC KEY-----",
        b"  -----BEGIN CERTIFICATE-----\nMIIBxx\n-----END CERTIFICATE-----",
        b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl u@h",
        b"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host and some more padding",
        b'{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}',
    ],
)
def test_hmac_secret_shaped_like_a_public_key_is_refused(secret: bytes) -> None:
    assert "public key" in str(refused(lambda: kt.HmacKey(secret)))


def test_hmac_round_trip_and_rfc4231_case_2_shape() -> None:
    key = kt.HmacKey(b"k" * 64, kid="h1")
    for alg in ("HS256", "HS384", "HS512"):
        token = kt.encode({"sub": "x"}, key, alg=alg)
        assert kt.decode(token, key, algorithms=[alg]) == {"sub": "x"}
    import hashlib
    import hmac

    assert key.sign(b"m", "HS384") == hmac.new(b"k" * 64, b"m", hashlib.sha384).digest()
    with pytest.raises(kt.ConfigurationError):
        key.sign(b"m", "EdDSA")
