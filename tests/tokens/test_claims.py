"""Every claim rule, through Verifier, with the exact error class and code."""

from __future__ import annotations

import pytest

import keyturn as kt

from .tokens_support import AUD, ISS, NOW, expect


def test_valid_token_gives_its_claims(verifier, mint):
    claims = verifier.verify(mint(scope="read"), now=NOW)
    assert claims == {
        "iss": ISS,
        "aud": AUD,
        "sub": "user-1",
        "iat": NOW,
        "exp": NOW + 600,
        "scope": "read",
    }


# --- exp -----------------------------------------------------------------------------------------


def test_exp_is_required_by_default(verifier, mint):
    error = expect(kt.MissingClaim, verifier.verify, mint(exp=None), now=NOW)
    assert error.claim == "exp"


def test_require_can_be_emptied(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, require=())
    assert "exp" not in verifier.verify(mint(exp=None), now=NOW)


def test_token_expires_at_exp(verifier, mint):
    token = mint(exp=NOW + 10)
    assert verifier.verify(token, now=NOW + 9.999)["exp"] == NOW + 10
    error = expect(kt.ExpiredToken, verifier.verify, token, now=NOW + 10)
    assert error.claim == "exp"


def test_leeway_extends_exp_by_exactly_leeway(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, leeway=5)
    token = mint(exp=NOW)
    assert verifier.verify(token, now=NOW + 4.9)
    expect(kt.ExpiredToken, verifier.verify, token, now=NOW + 5)


@pytest.mark.parametrize("exp", ["1900000000", True, {"at": NOW + 600}, [NOW + 600]])
def test_time_claims_must_be_numbers(verifier, mint, exp):
    token = mint(exp=exp)
    error = expect(kt.InvalidClaim, verifier.verify, token, now=NOW)
    assert error.claim == "exp"


# --- nbf and iat ---------------------------------------------------------------------------------


def test_not_before(verifier, mint):
    token = mint(nbf=NOW + 60)
    error = expect(kt.NotYetValid, verifier.verify, token, now=NOW)
    assert error.claim == "nbf"
    assert verifier.verify(token, now=NOW + 60)["nbf"] == NOW + 60


def test_leeway_applies_to_nbf(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, leeway=30)
    assert verifier.verify(mint(nbf=NOW + 30), now=NOW)
    expect(kt.NotYetValid, verifier.verify, mint(nbf=NOW + 31), now=NOW)


def test_iat_in_the_future_is_refused(verifier, mint):
    error = expect(kt.NotYetValid, verifier.verify, mint(iat=NOW + 1), now=NOW)
    assert error.claim == "iat"


def test_nbf_must_be_a_number(verifier, mint):
    expect(kt.InvalidClaim, verifier.verify, mint(nbf="soon"), now=NOW)


# --- max_age -------------------------------------------------------------------------------------


def test_max_age_is_measured_from_iat(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, max_age=60)
    token = mint(iat=NOW, exp=NOW + 3600)
    assert verifier.verify(token, now=NOW + 60)
    error = expect(kt.ExpiredToken, verifier.verify, token, now=NOW + 61)
    assert error.claim == "iat"


def test_max_age_requires_iat(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, max_age=60)
    error = expect(kt.MissingClaim, verifier.verify, mint(iat=None), now=NOW)
    assert error.claim == "iat"


@pytest.mark.parametrize("max_age", [0, -1, float("nan")])
def test_max_age_must_be_positive(signing_key, max_age):
    expect(
        kt.ConfigurationError,
        kt.Verifier,
        signing_key.public_key,
        issuer=ISS,
        audience=AUD,
        max_age=max_age,
    )


# --- require -------------------------------------------------------------------------------------


def test_required_claims(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, require=("exp", "jti"))
    error = expect(kt.MissingClaim, verifier.verify, mint(), now=NOW)
    assert error.claim == "jti"
    assert verifier.verify(mint(jti="abc"), now=NOW)["jti"] == "abc"


def test_require_accepts_a_single_name(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, require="jti")
    expect(kt.MissingClaim, verifier.verify, mint(), now=NOW)


# --- iss -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iss", ["https://evil.example.com", ISS + ".evil.com", ISS + "/", ISS.upper(), ISS[:-1]]
)
def test_issuer_compared_exactly(verifier, mint, iss):
    error = expect(kt.InvalidIssuer, verifier.verify, mint(iss=iss), now=NOW)
    assert error.claim == "iss"


def test_issuer_must_be_a_string(verifier, mint):
    expect(kt.InvalidIssuer, verifier.verify, mint(iss=[ISS]), now=NOW)


def test_missing_issuer(verifier, mint):
    error = expect(kt.MissingClaim, verifier.verify, mint(iss=None), now=NOW)
    assert error.claim == "iss"


def test_any_of_several_issuers(signing_key, mint):
    verifier = kt.Verifier(
        signing_key.public_key, issuer={ISS, "https://other.example.com"}, audience=AUD
    )
    assert verifier.verify(mint(iss="https://other.example.com"), now=NOW)
    assert verifier.verify(mint(), now=NOW)
    assert set(verifier.issuer or ()) == {ISS, "https://other.example.com"}


def test_issuer_none_skips_the_check(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=None, audience=AUD)
    assert verifier.verify(mint(iss="anyone"), now=NOW)["iss"] == "anyone"


# --- aud -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("aud", ["api.example", "api.example.com.evil", ["other"], [], 7])
def test_audience_mismatch(verifier, mint, aud):
    error = expect(kt.InvalidAudience, verifier.verify, mint(aud=aud), now=NOW)
    assert error.claim == "aud"


def test_audience_list_in_token_matches_any(verifier, mint):
    assert verifier.verify(mint(aud=["other", AUD]), now=NOW)["aud"] == ["other", AUD]


def test_any_of_several_audiences(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=["a", "b"])
    assert verifier.verify(mint(aud="b"), now=NOW)
    expect(kt.InvalidAudience, verifier.verify, mint(aud="c"), now=NOW)
    assert verifier.audience == ("a", "b")


def test_missing_audience(verifier, mint):
    error = expect(kt.MissingClaim, verifier.verify, mint(aud=None), now=NOW)
    assert error.claim == "aud"


def test_token_with_audience_refused_by_verifier_without_one(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=None)
    expect(kt.InvalidAudience, verifier.verify, mint(), now=NOW)
    assert verifier.verify(mint(aud=None), now=NOW)


# --- typ -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt", "Application/At+JWT"])
def test_typ_compared_the_rfc8725bis_way(signing_key, mint, typ):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, typ="at+jwt")
    assert verifier.verify(mint(headers={"typ": typ}), now=NOW)


@pytest.mark.parametrize("typ", ["JWT", "at+jwt+x", "application/jwt", "text/at+jwt"])
def test_typ_mismatch(signing_key, mint, typ):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, typ="at+jwt")
    error = expect(kt.InvalidType, verifier.verify, mint(headers={"typ": typ}), now=NOW)
    assert error.claim == "typ"


# --- other registered claims ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sub", "jti"])
def test_sub_and_jti_must_be_strings(verifier, mint, name):
    error = expect(kt.InvalidClaim, verifier.verify, mint(**{name: 42}), now=NOW)
    assert error.claim == name


# --- algorithms and signatures -------------------------------------------------------------------


def test_algorithm_outside_the_allowlist(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, algorithms="EdDSA")
    expect(kt.AlgorithmNotAllowed, verifier.verify, mint(alg="Ed25519"), now=NOW)
    assert verifier.verify(mint(alg="EdDSA"), now=NOW)


def test_hmac_token_against_an_ed25519_verifier(verifier, mint):
    secret = kt.HmacKey(b"s" * 32, kid="k1")
    expect(kt.AlgorithmNotAllowed, verifier.verify, mint(key=secret, alg="HS256"), now=NOW)


def test_forged_signature(verifier, mint):
    other = kt.SigningKey.generate(kid="k1")
    expect(kt.InvalidSignature, verifier.verify, mint(key=other), now=NOW)


def test_tampered_payload(verifier, mint):
    header, _, signature = mint().split(".")
    payload = mint(sub="admin").split(".")[1]
    expect(kt.InvalidSignature, verifier.verify, f"{header}.{payload}.{signature}", now=NOW)


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "not a token", "e30.e30.", "..."])
def test_garbage_is_malformed(verifier, token):
    expect(kt.MalformedToken, verifier.verify, token, now=NOW)


def test_bytes_tokens_are_accepted(verifier, mint):
    assert verifier.verify(mint().encode(), now=NOW)["sub"] == "user-1"


def test_size_cap(signing_key, mint):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, max_token_bytes=200)
    expect(kt.MalformedToken, verifier.verify, mint(padding="x" * 300), now=NOW)


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize("leeway", [301, 300.5, -1, float("nan"), float("inf"), True, "5"])
def test_leeway_limits(signing_key, leeway):
    expect(
        kt.ConfigurationError,
        kt.Verifier,
        signing_key.public_key,
        issuer=ISS,
        audience=AUD,
        leeway=leeway,
    )


def test_leeway_of_five_minutes_is_allowed(signing_key):
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD, leeway=300)
    assert verifier.leeway == 300


@pytest.mark.parametrize(
    "options",
    [
        {"issuer": []},
        {"issuer": [""]},
        {"issuer": ""},
        {"audience": ()},
        {"audience": [ISS, 3]},
        {"algorithms": []},
        {"algorithms": ["none"]},
        {"algorithms": ["ES256K"]},
        {"require": [""]},
        {"max_token_bytes": 0},
        {"max_token_bytes": 1.5},
        {"max_token_bytes": True},
        {"max_token_bytes": 64 * 1024 + 1},  # above the core's cap: it only lowers it
        {"max_token_bytes": 2**64},
        # Not a collection at all: refused here, not as a TypeError from the core.
        {"issuer": 5},
        {"audience": 5},
        {"algorithms": 5},
        {"require": 5},
        {"typ": 5},
        {"typ": ""},
    ],
)
def test_weak_or_broken_configurations_are_refused(signing_key, options):
    settings = {"issuer": ISS, "audience": AUD, **options}
    expect(kt.ConfigurationError, kt.Verifier, signing_key.public_key, **settings)


def test_issuer_and_audience_must_be_stated(signing_key):
    with pytest.raises(TypeError):
        kt.Verifier(signing_key.public_key)  # type: ignore[call-arg]
