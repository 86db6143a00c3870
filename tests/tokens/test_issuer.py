"""Issuer: the RFC 9068 claims it writes, the rules it keeps, and the signers it accepts."""

from __future__ import annotations

import time

import pytest

import keyturn as kt

from .tokens_support import AUD, ISS, WrappedSigner, expect


@pytest.fixture
def issuer(ring) -> kt.Issuer:
    return kt.Issuer(ring, issuer=ISS, audience=AUD, ttl=600)


def test_issue_writes_the_registered_claims(issuer, ring):
    before = int(time.time())
    token = issuer.issue("user-1")
    header, claims = issuer.verifier().verify_complete(token)
    assert header == {"alg": "EdDSA", "typ": "at+jwt", "kid": ring.current.kid}
    assert set(claims) == {"iss", "sub", "aud", "iat", "exp", "jti"}
    assert (claims["iss"], claims["sub"], claims["aud"]) == (ISS, "user-1", AUD)
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 600
    assert len(claims["jti"]) >= 21  # 16 random bytes, base64url


def test_every_token_has_its_own_jti(issuer):
    verifier = issuer.verifier()
    jtis = {verifier.verify(issuer.issue("user-1"))["jti"] for _ in range(200)}
    assert len(jtis) == 200


def test_rfc9068_and_custom_claims(issuer):
    token = issuer.issue("user-1", client_id="app", scope=["read", "write"], tenant="t1")
    claims = issuer.verifier().verify(token)
    assert claims["client_id"] == "app"
    assert claims["scope"] == "read write"
    assert claims["tenant"] == "t1"


def test_claims_given_as_none_are_left_out(issuer):
    claims = issuer.verifier().verify(issuer.issue("user-1", client_id=None, scope=None))
    assert "client_id" not in claims
    assert "scope" not in claims


@pytest.mark.parametrize("name", ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"])
def test_registered_claims_cannot_be_overridden(issuer, name):
    error = expect(kt.ConfigurationError, issuer.issue, "user-1", **{name: "x"})
    assert name in str(error)


@pytest.mark.parametrize("subject", ["", None, 42])
def test_subject_must_be_a_non_empty_string(issuer, subject):
    expect(kt.ConfigurationError, issuer.issue, subject)


def test_several_audiences(ring):
    issuer = kt.Issuer(ring, issuer=ISS, audience=["a", "b"])
    assert issuer.verifier(audience="b").verify(issuer.issue("u"))["aud"] == ["a", "b"]


# --- ttl -----------------------------------------------------------------------------------------


def test_ttl_is_readable_and_is_every_tokens_lifetime(ring):
    issuer = kt.Issuer(ring, issuer=ISS, audience=AUD, ttl=300)
    claims = issuer.verifier().verify(issuer.issue("u"))
    assert issuer.ttl == claims["exp"] - claims["iat"] == 300


@pytest.mark.parametrize("ttl", [0, -1, 1.5, True, "600"])
def test_ttl_must_be_positive_whole_seconds(ring, ttl):
    expect(kt.ConfigurationError, kt.Issuer, ring, issuer=ISS, audience=AUD, ttl=ttl)


def test_ttl_above_a_day_needs_an_override(signing_key):
    expect(kt.ConfigurationError, kt.Issuer, signing_key, issuer=ISS, audience=AUD, ttl=86_401)
    assert kt.Issuer(signing_key, issuer=ISS, audience=AUD, ttl=86_400).ttl == 86_400
    issuer = kt.Issuer(signing_key, issuer=ISS, audience=AUD, ttl=86_401, allow_long_ttl=True)
    claims = issuer.verifier().verify(issuer.issue("u"))
    assert claims["exp"] - claims["iat"] == 86_401


def test_ttl_must_not_outlive_the_keyring_retirement(ring):
    # ring retires previous keys 1200 s after demotion; tokens need ttl + 300 s (max leeway).
    expect(kt.ConfigurationError, kt.Issuer, ring, issuer=ISS, audience=AUD, ttl=901)
    issuer = kt.Issuer(ring, issuer=ISS, audience=AUD, ttl=900)
    claims = issuer.verifier().verify(issuer.issue("u"))
    assert claims["exp"] - claims["iat"] == 900


def test_default_keyring_covers_the_longest_default_ttl():
    assert kt.Issuer(kt.Keyring.generate(), issuer=ISS, audience=AUD, ttl=86_400)


@pytest.mark.parametrize(
    "options",
    [
        {"issuer": ""},
        {"issuer": 5},
        {"audience": []},
        {"audience": ""},
        {"audience": 5},
        {"typ": ""},
        {"typ": 5},
    ],
)
def test_issuer_audience_and_typ_must_be_named(ring, options):
    settings = {"issuer": ISS, "audience": AUD, **options}
    expect(kt.ConfigurationError, kt.Issuer, ring, **settings)


# --- signers -------------------------------------------------------------------------------------


def test_issuer_follows_keyring_rotation(issuer, ring):
    verifier = issuer.verifier()
    first_kid = ring.current.kid
    before = issuer.issue("u")
    ring.rotate()
    after = issuer.issue("u")
    assert verifier.verify_complete(before)[0]["kid"] == first_kid
    assert verifier.verify_complete(after)[0]["kid"] == ring.current.kid != first_kid


def test_custom_signer_stands_for_a_kms(signing_key):
    kms = WrappedSigner(signing_key, kid="kms-1")
    issuer = kt.Issuer(kms, issuer=ISS, audience=AUD)
    token = issuer.issue("user-1", scope="read")
    header, payload, _ = token.split(".")
    assert kms.signed == [f"{header}.{payload}".encode()]
    verifier = issuer.verifier(keys=signing_key.public_key.with_kid("kms-1"))
    header_json, claims = verifier.verify_complete(token)
    assert header_json["kid"] == "kms-1"
    assert claims["scope"] == "read"


def test_a_custom_signer_needs_explicit_verification_keys(signing_key):
    issuer = kt.Issuer(WrappedSigner(signing_key), issuer=ISS, audience=AUD)
    expect(kt.ConfigurationError, issuer.verifier)


def test_signing_key_and_hmac_key_sign_directly(signing_key):
    issuer = kt.Issuer(signing_key, issuer=ISS, audience=AUD)
    assert issuer.verifier().verify(issuer.issue("u"))["sub"] == "u"
    secret = kt.HmacKey(b"s" * 32, kid="h1")
    hmac_issuer = kt.Issuer(secret, issuer=ISS, audience=AUD)
    verifier = hmac_issuer.verifier(algorithms=["HS256"])
    assert verifier.verify_complete(hmac_issuer.issue("u"))[0]["alg"] == "HS256"


@pytest.mark.parametrize("thing", [object(), "key", None, 42])
def test_something_that_cannot_sign_is_refused(thing):
    expect(kt.ConfigurationError, kt.Issuer, thing, issuer=ISS, audience=AUD)


def test_verifier_options_can_be_overridden(issuer):
    verifier = issuer.verifier(leeway=30, require=["exp", "jti"])
    assert verifier.leeway == 30
    assert verifier.verify(issuer.issue("u"))["sub"] == "u"
