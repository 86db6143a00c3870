"""keyturn.pyjwt against real PyJWT, side by side, for the algorithms both support."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any

import jwt as real_jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

import keyturn
from keyturn import pyjwt as kt_jwt

SECRET = b"s" * 64
LIBS = [pytest.param(real_jwt, id="pyjwt"), pytest.param(kt_jwt, id="keyturn")]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(header: dict[str, Any] | str, payload: dict[str, Any] | str) -> str:
    """A token built by hand (to craft inputs neither library's encode would produce)."""

    def part(value: dict[str, Any] | str) -> str:
        return b64((value if isinstance(value, str) else json.dumps(value)).encode())

    signing_input = f"{part(header)}.{part(payload)}"
    mac = hmac.new(SECRET, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


@pytest.fixture(scope="module")
def ed_private() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def ed_pems(ed_private: ed25519.Ed25519PrivateKey) -> tuple[bytes, bytes]:
    private = ed_private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = ed_private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def future(seconds: int = 600) -> int:
    return int(time.time()) + seconds


# --- interoperability -----------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_tokens_cross_verify(alg: str) -> None:
    claims = {"sub": "user-1", "exp": future(), "scope": "read"}
    ours = kt_jwt.encode(claims, SECRET, algorithm=alg)
    theirs = real_jwt.encode(claims, SECRET, algorithm=alg)
    assert real_jwt.decode(ours, SECRET, algorithms=[alg]) == claims
    assert kt_jwt.decode(theirs, SECRET, algorithms=[alg]) == claims
    assert real_jwt.get_unverified_header(ours)["typ"] == "JWT"


def test_eddsa_tokens_cross_verify(ed_pems: tuple[bytes, bytes]) -> None:
    private, public = ed_pems
    claims = {"sub": "user-1", "exp": future()}
    ours = kt_jwt.encode(claims, private, algorithm="EdDSA")
    theirs = real_jwt.encode(claims, private, algorithm="EdDSA")
    assert real_jwt.decode(ours, public, algorithms=["EdDSA"]) == claims
    assert kt_jwt.decode(theirs, public, algorithms=["EdDSA"]) == claims
    # Ed25519 is deterministic: the same header and payload give the same signature.
    assert (
        kt_jwt.decode_complete(theirs, public, algorithms=["EdDSA"])["signature"]
        == (real_jwt.decode_complete(theirs, public, algorithms=["EdDSA"])["signature"])
    )


def test_cryptography_and_keyturn_key_objects(ed_private: ed25519.Ed25519PrivateKey) -> None:
    claims = {"sub": "user-1", "exp": future()}
    token = kt_jwt.encode(claims, ed_private, algorithm="EdDSA")
    assert kt_jwt.decode(token, ed_private.public_key(), algorithms=["EdDSA"]) == claims
    assert real_jwt.decode(token, ed_private.public_key(), algorithms=["EdDSA"]) == claims
    signing_key = keyturn.SigningKey.generate()
    token = kt_jwt.encode(claims, signing_key, algorithm="EdDSA")
    assert kt_jwt.decode(token, signing_key.public_key, algorithms=["EdDSA"]) == claims


def test_foreign_kid_is_ignored_with_an_explicit_key(ed_pems: tuple[bytes, bytes]) -> None:
    private, public = ed_pems
    token = real_jwt.encode({"sub": "u"}, private, algorithm="EdDSA", headers={"kid": "idp-key-7"})
    for lib in (real_jwt, kt_jwt):
        assert lib.decode(token, public, algorithms=["EdDSA"]) == {"sub": "u"}
    token = real_jwt.encode({"sub": "u"}, SECRET, headers={"kid": "hmac-1"})
    assert kt_jwt.decode(token, SECRET, algorithms=["HS256"]) == {"sub": "u"}


def test_datetime_claims_become_integers() -> None:
    exp = datetime.now(tz=timezone.utc) + timedelta(minutes=5)
    claims = {"sub": "u", "exp": exp, "iat": datetime.now(tz=timezone.utc)}
    ours = real_jwt.decode(kt_jwt.encode(claims, SECRET), SECRET, algorithms=["HS256"])
    theirs = real_jwt.decode(real_jwt.encode(claims, SECRET), SECRET, algorithms=["HS256"])
    assert ours == theirs
    assert isinstance(ours["exp"], int)


def test_header_handling_matches() -> None:
    cases = ({"kid": "k1"}, {"typ": "at+jwt"}, {"alg": "HS512"}, {"typ": None}, {"typ": ""})
    for headers in cases:
        ours = kt_jwt.get_unverified_header(kt_jwt.encode({"a": 1}, SECRET, headers=headers))
        theirs = real_jwt.get_unverified_header(real_jwt.encode({"a": 1}, SECRET, headers=headers))
        assert ours == theirs


def test_decode_complete_shape(ed_pems: tuple[bytes, bytes]) -> None:
    private, public = ed_pems
    token = real_jwt.encode({"sub": "u"}, private, algorithm="EdDSA")
    ours = kt_jwt.decode_complete(token, public, algorithms=["EdDSA"])
    theirs = real_jwt.decode_complete(token, public, algorithms=["EdDSA"])
    assert ours == theirs


def test_leeway_as_timedelta() -> None:
    token = real_jwt.encode({"exp": int(time.time()) - 10}, SECRET)
    for lib in (real_jwt, kt_jwt):
        assert lib.decode(token, SECRET, algorithms=["HS256"], leeway=timedelta(seconds=60))


@pytest.mark.parametrize("lib", LIBS)
def test_audience_and_issuer_accepted(lib: ModuleType) -> None:
    token = real_jwt.encode({"aud": ["api", "other"], "iss": "https://idp"}, SECRET)
    claims = lib.decode(
        token, SECRET, algorithms=["HS256"], audience=["x", "api"], issuer="https://idp"
    )
    assert claims["aud"] == ["api", "other"]


# --- the same rejection, under both names ---------------------------------------------------------


def rejection_cases() -> list[Any]:
    now = int(time.time())
    good = {"sub": "u", "exp": now + 600}
    cases = [
        ("expired", {"exp": now - 1}, {}, "ExpiredSignatureError", keyturn.ExpiredToken),
        ("nbf", {"nbf": now + 600}, {}, "ImmatureSignatureError", keyturn.NotYetValid),
        ("iat", {"iat": now + 600}, {}, "ImmatureSignatureError", keyturn.NotYetValid),
        ("aud", {"aud": "x"}, {"audience": "api"}, "InvalidAudienceError", keyturn.InvalidAudience),
        ("aud-unexpected", {"aud": "x"}, {}, "InvalidAudienceError", keyturn.InvalidAudience),
        (
            "aud-missing",
            good,
            {"audience": "api"},
            "MissingRequiredClaimError",
            keyturn.MissingClaim,
        ),
        ("iss", {"iss": "evil"}, {"issuer": "good"}, "InvalidIssuerError", keyturn.InvalidIssuer),
        (
            "iss-missing",
            good,
            {"issuer": "good"},
            "MissingRequiredClaimError",
            keyturn.MissingClaim,
        ),
        (
            "require",
            good,
            {"options": {"require": ["jti"]}},
            "MissingRequiredClaimError",
            keyturn.MissingClaim,
        ),
        ("subject", good, {"subject": "other"}, "InvalidSubjectError", keyturn.InvalidClaim),
        ("sub-type", {"sub": 7}, {}, "InvalidSubjectError", keyturn.InvalidClaim),
        ("jti-type", {"jti": 7}, {}, "InvalidJTIError", keyturn.InvalidClaim),
        ("iat-type", {"iat": "soon"}, {}, "InvalidIssuedAtError", keyturn.InvalidClaim),
        (
            "strict-aud",
            {"aud": ["api"]},
            {"audience": "api", "options": {"strict_aud": True}},
            "InvalidAudienceError",
            keyturn.InvalidAudience,
        ),
    ]
    return [pytest.param(*case[1:], id=case[0]) for case in cases]


@pytest.mark.parametrize(("claims", "kwargs", "name", "keyturn_class"), rejection_cases())
def test_claim_rejections_match_pyjwt(
    claims: dict[str, Any], kwargs: dict[str, Any], name: str, keyturn_class: type
) -> None:
    token = real_jwt.encode(claims, SECRET)
    with pytest.raises(getattr(real_jwt.exceptions, name)):
        real_jwt.decode(token, SECRET, algorithms=["HS256"], **kwargs)
    with pytest.raises(getattr(kt_jwt, name)) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["HS256"], **kwargs)
    assert isinstance(caught.value, keyturn_class)
    assert caught.value.code == keyturn_class.code


def test_missing_claim_names_the_claim() -> None:
    token = real_jwt.encode({"sub": "u"}, SECRET)
    with pytest.raises(kt_jwt.MissingRequiredClaimError) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp"]})
    assert caught.value.claim == "exp"
    assert caught.value.code == "claim_missing"


@pytest.mark.parametrize("lib", LIBS)
def test_wrong_secret_is_a_signature_error(lib: ModuleType) -> None:
    token = real_jwt.encode({"sub": "u"}, b"o" * 64)
    with pytest.raises(lib.InvalidSignatureError) as caught:
        lib.decode(token, SECRET, algorithms=["HS256"])
    assert isinstance(caught.value, lib.DecodeError)
    if lib is kt_jwt:
        assert isinstance(caught.value, keyturn.InvalidSignature)
        assert caught.value.code == "signature_invalid"


def test_forged_eddsa_signature(ed_pems: tuple[bytes, bytes]) -> None:
    private, public = ed_pems
    token = real_jwt.encode({"sub": "u"}, private, algorithm="EdDSA")
    head, _, signature = token.split(".")
    forged = f"{head}.{b64(json.dumps({'sub': 'admin'}).encode())}.{signature}"
    for lib in (real_jwt, kt_jwt):
        with pytest.raises(lib.InvalidSignatureError):
            lib.decode(forged, public, algorithms=["EdDSA"])
    with pytest.raises(keyturn.InvalidSignature):
        kt_jwt.decode(forged, public, algorithms=["EdDSA"])


@pytest.mark.parametrize("lib", LIBS)
def test_algorithm_not_in_allowlist(lib: ModuleType) -> None:
    token = real_jwt.encode({"sub": "u"}, SECRET, algorithm="HS512")
    with pytest.raises(lib.InvalidAlgorithmError) as caught:
        lib.decode(token, SECRET, algorithms=["HS256"])
    if lib is kt_jwt:
        assert isinstance(caught.value, keyturn.AlgorithmNotAllowed)
        assert caught.value.code == "algorithm_not_allowed"


def test_unsupported_algorithm_only() -> None:
    token = real_jwt.encode({"sub": "u"}, SECRET)
    with pytest.raises(kt_jwt.InvalidAlgorithmError) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["RS256"])
    assert caught.value.code == "algorithm_not_allowed"
    with pytest.raises(NotImplementedError):
        kt_jwt.encode({"sub": "u"}, SECRET, algorithm="XS256")
    # An RS256 key must be an RSA key: an HMAC secret is refused, as PyJWT refuses it.
    for lib in (real_jwt, kt_jwt):
        with pytest.raises(lib.InvalidKeyError):
            lib.encode({"sub": "u"}, SECRET, algorithm="RS256")


def test_public_pem_is_never_an_hmac_secret(ed_pems: tuple[bytes, bytes]) -> None:
    """The classic algorithm confusion: sign HS256 with the verifier's public key as the secret.
    With HS256 allowed, the key is read as an HS256 key and refused, as PyJWT refuses it."""
    _, public = ed_pems
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": "admin"}).encode())
    mac = hmac.new(public, f"{head}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{head}.{body}.{b64(mac)}"
    for lib in (real_jwt, kt_jwt):
        with pytest.raises(lib.InvalidKeyError):
            lib.decode(forged, public, algorithms=["HS256", "EdDSA"])
    with pytest.raises(kt_jwt.InvalidKeyError) as caught:
        kt_jwt.decode(forged, public, algorithms=["HS256", "EdDSA"])
    assert caught.value.code == "key_invalid"


def test_ssh_key_is_not_an_hmac_secret() -> None:
    with pytest.raises(kt_jwt.InvalidKeyError) as caught:
        kt_jwt.encode({"sub": "u"}, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample")
    assert caught.value.code == "key_invalid"
    assert isinstance(caught.value, keyturn.InvalidKey)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("garbage", ["", "abc", "a.b", "a.b.c.d", "....", "é.é.é"])
def test_garbage_is_a_decode_error(lib: ModuleType, garbage: str) -> None:
    with pytest.raises(lib.DecodeError) as caught:
        lib.decode(garbage, SECRET, algorithms=["HS256"])
    if lib is kt_jwt:
        assert isinstance(caught.value, keyturn.MalformedToken)
        assert caught.value.code == "token_malformed"
    with pytest.raises(lib.DecodeError):
        lib.get_unverified_header(garbage)


@pytest.mark.parametrize("lib", LIBS)
def test_algorithms_argument_is_required(lib: ModuleType) -> None:
    token = real_jwt.encode({"sub": "u"}, SECRET)
    with pytest.raises(lib.DecodeError, match="algorithms"):
        lib.decode(token, SECRET)


@pytest.mark.parametrize("option", ["verify_exp", "verify_nbf", "verify_iat", "verify_aud"])
def test_checks_cannot_be_switched_off(option: str) -> None:
    """While the signature is verified, keyturn's claim checks stay on: a PyJWTError that is
    also a keyturn.ConfigurationError."""
    token = real_jwt.encode({"exp": int(time.time()) - 10}, SECRET)
    real_jwt.decode(
        token, SECRET, algorithms=["HS256"], options={option: False, "verify_exp": False}
    )
    with pytest.raises(kt_jwt.InvalidOptionError) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["HS256"], options={option: False})
    assert caught.value.code == "configuration_invalid"
    assert isinstance(caught.value, kt_jwt.PyJWTError)
    assert isinstance(caught.value, keyturn.ConfigurationError)


# --- where keyturn is stricter than PyJWT ---------------------------------------------------------


def test_duplicate_members_are_refused() -> None:
    token = hs256({"alg": "HS256", "typ": "JWT"}, '{"sub":"user","sub":"admin"}')
    assert real_jwt.decode(token, SECRET, algorithms=["HS256"]) == {"sub": "admin"}
    with pytest.raises(kt_jwt.DecodeError) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["HS256"])
    assert caught.value.code == "token_malformed"


def test_padded_base64_is_refused() -> None:
    token = real_jwt.encode({"sub": "u1"}, SECRET)
    head, body, sig = token.split(".")
    padded = f"{head}{'=' * (-len(head) % 4 or 4)}.{body}.{sig}"
    with pytest.raises(kt_jwt.DecodeError) as caught:
        kt_jwt.decode(padded, SECRET, algorithms=["HS256"])
    assert caught.value.code == "token_malformed"


def test_errors_never_echo_the_token_or_secret() -> None:
    token = real_jwt.encode({"sub": "u", "exp": 1}, SECRET)
    with pytest.raises(kt_jwt.ExpiredSignatureError) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["HS256"])
    assert token not in str(caught.value)
    assert SECRET.decode() not in str(caught.value)


def test_short_hmac_secrets_verify_with_a_warning_but_never_sign() -> None:
    """PyJWT warns about a secret shorter than the hash. keyturn.pyjwt verifies tokens signed with
    it (with the same warning: a service can rotate without a flag day) and refuses to sign."""
    with pytest.warns(real_jwt.warnings.InsecureKeyLengthWarning):
        token = real_jwt.encode({"sub": "u"}, "short-secret")
    with pytest.warns(kt_jwt.InsecureKeyLengthWarning):
        assert kt_jwt.decode(token, "short-secret", algorithms=["HS256"]) == {"sub": "u"}
    with pytest.warns(kt_jwt.InsecureKeyLengthWarning), pytest.raises(kt_jwt.InvalidSignatureError):
        kt_jwt.decode(token, "short-secreT", algorithms=["HS256"])
    with pytest.raises(kt_jwt.InvalidKeyError) as caught:
        kt_jwt.decode(
            token,
            "short-secret",
            algorithms=["HS256"],
            options={"enforce_minimum_key_length": True},
        )
    assert caught.value.code == "key_invalid"
    with pytest.raises(kt_jwt.InvalidKeyError) as caught:
        kt_jwt.encode({"sub": "u"}, "short-secret")
    assert caught.value.code == "key_invalid"
    assert "short-secret" not in str(caught.value)


def test_leeway_beyond_five_minutes_is_refused() -> None:
    token = real_jwt.encode({"exp": int(time.time()) - 100}, SECRET)
    assert real_jwt.decode(token, SECRET, algorithms=["HS256"], leeway=3600)
    with pytest.raises(keyturn.ConfigurationError) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["HS256"], leeway=3600)
    assert caught.value.code == "configuration_invalid"
