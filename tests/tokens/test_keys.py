"""Key forms, JWKS parsing, key selection and key sources, through Verifier and decode."""

from __future__ import annotations

import asyncio
import base64

import pytest

import keyturn as kt
from keyturn._jwks_parse import keys_from_jwks

from .tokens_support import AUD, ISS, NOW, PendingKeys, WrappedSigner, expect

#: The identity point: a small-order public key the core must refuse at import.
IDENTITY_X = base64.urlsafe_b64encode(b"\x01" + bytes(31)).rstrip(b"=").decode()


def public_jwk(key: kt.SigningKey, **members: object) -> dict[str, object]:
    return {**key.public_key.to_jwk(), **members}


# --- key selection -------------------------------------------------------------------------------


def test_no_kid_with_one_key_is_accepted(signing_key, mint):
    token = mint(key=WrappedSigner(signing_key, kid=None))
    verifier = kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD)
    assert verifier.verify_complete(token, now=NOW)[0].get("kid") is None
    assert verifier.verify(token, now=NOW)["sub"] == "user-1"


def test_no_kid_with_two_keys_is_unknown(signing_key, mint):
    other = kt.SigningKey.generate(kid="k2")
    verifier = kt.Verifier([signing_key.public_key, other.public_key], issuer=ISS, audience=AUD)
    token = mint(key=WrappedSigner(signing_key, kid=None))
    with pytest.raises(kt.UnknownKey) as info:
        verifier.verify(token, now=NOW)
    assert type(info.value) is kt.UnknownKey
    assert info.value.code == "key_ambiguous"


def test_kid_picks_the_key(signing_key, mint):
    other = kt.SigningKey.generate(kid="k2")
    verifier = kt.Verifier([signing_key.public_key, other.public_key], issuer=ISS, audience=AUD)
    assert verifier.verify(mint(key=other), now=NOW)
    assert verifier.verify(mint(), now=NOW)


def test_unknown_kid(verifier, mint):
    stranger = kt.SigningKey.generate(kid="k9")
    expect(kt.UnknownKey, verifier.verify, mint(key=stranger), now=NOW)


def test_kid_is_an_opaque_string(signing_key, mint):
    odd = kt.SigningKey.generate(kid="../k1?x=1")
    verifier = kt.Verifier(odd.public_key, issuer=ISS, audience=AUD)
    assert verifier.verify(mint(key=odd), now=NOW)
    expect(kt.UnknownKey, verifier.verify, mint(key=signing_key), now=NOW)


# --- the accepted forms of keys ------------------------------------------------------------------


def test_hmac_key(mint):
    secret = kt.HmacKey(b"k" * 32, kid="h1")
    verifier = kt.Verifier(secret, issuer=ISS, audience=AUD, algorithms=["HS256"])
    assert verifier.verify(mint(key=secret, alg="HS256"), now=NOW)["sub"] == "user-1"
    wrong = kt.HmacKey(b"x" * 32, kid="h1")
    expect(kt.InvalidSignature, verifier.verify, mint(key=wrong, alg="HS256"), now=NOW)


def test_jwks_dict(ring, mint):
    verifier = kt.Verifier(ring.jwks(), issuer=ISS, audience=AUD)
    assert verifier.verify(mint(key=ring.current), now=NOW)


def test_keyring_as_source(ring, mint):
    verifier = kt.Verifier(ring, issuer=ISS, audience=AUD)
    assert verifier.verify(mint(key=ring.current), now=NOW)


def test_a_signing_key_is_refused(signing_key):
    expect(kt.InvalidKey, kt.Verifier, signing_key, issuer=ISS, audience=AUD)


@pytest.mark.parametrize("keys", [42, "a key", b"\x00" * 32, None])
def test_other_things_are_refused(keys):
    expect(kt.InvalidKey, kt.Verifier, keys, issuer=ISS, audience=AUD)


def test_a_list_with_something_else_is_refused(signing_key):
    keys = [signing_key.public_key, signing_key]
    expect(kt.InvalidKey, kt.Verifier, keys, issuer=ISS, audience=AUD)


def test_no_keys_is_refused():
    expect(kt.ConfigurationError, kt.Verifier, [], issuer=ISS, audience=AUD)


def test_two_keys_with_one_kid_are_refused(signing_key):
    twin = kt.SigningKey.generate(kid=signing_key.kid)
    keys = [signing_key.public_key, twin.public_key]
    expect(kt.InvalidKey, kt.Verifier, keys, issuer=ISS, audience=AUD)


# --- JWKS documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "members",
    [
        {"use": "enc"},
        {"use": 1},
        {"key_ops": ["encrypt"]},
        {"key_ops": ["sign"]},
        {"key_ops": "verify"},
        {"alg": "RS256"},
        {"crv": "X25519"},
        {"kty": "EC", "crv": "secp256k1"},
    ],
)
def test_keys_that_may_not_verify_are_skipped(signing_key, members):
    usable = kt.SigningKey.generate(kid="good")
    jwks = {"keys": [public_jwk(signing_key, **members), public_jwk(usable)]}
    assert [key.kid for key in keys_from_jwks(jwks)] == ["good"]


def test_keys_allowed_to_verify_are_kept(signing_key):
    jwks = {"keys": [public_jwk(signing_key, use="sig", key_ops=["verify"], alg="Ed25519")]}
    (key,) = keys_from_jwks(jwks)
    assert key.algorithms == ("Ed25519",)


def test_a_jwks_with_only_unusable_keys_is_refused(signing_key):
    jwks = {"keys": [public_jwk(signing_key, use="enc")]}
    expect(kt.JWKSError, keys_from_jwks, jwks)


@pytest.mark.parametrize("private", [False, True])
def test_a_configured_jwks_the_parser_refuses_is_a_configuration_error(signing_key, private):
    """Given to Verifier or decode, a refused set (no usable key; private material) is the
    caller's mistake, not a fetch failure."""
    entry = signing_key.to_jwk(private=True) if private else public_jwk(signing_key, use="enc")
    jwks = {"keys": [entry]}
    error = expect(kt.ConfigurationError, kt.Verifier, jwks, issuer=ISS, audience=AUD)
    assert str(error).startswith("keys: ")
    assert signing_key.to_jwk(private=True)["d"] not in str(error)
    expect(kt.ConfigurationError, kt.decode, "a.b.c", jwks)


def test_duplicate_kids_in_a_jwks_are_refused(signing_key):
    twin = kt.SigningKey.generate(kid=signing_key.kid)
    jwks = {"keys": [public_jwk(signing_key), public_jwk(twin)]}
    expect(kt.JWKSError, keys_from_jwks, jwks)


def test_a_kid_shared_with_another_key_type_is_allowed(signing_key):
    """RFC 7517 §4.5 lets keys of different types share a kid; only usable keys must differ."""
    other_type = {"kty": "EC", "crv": "secp256k1", "kid": signing_key.kid}
    jwks = {"keys": [public_jwk(signing_key), other_type]}
    assert [key.kid for key in keys_from_jwks(jwks)] == [signing_key.kid]


def test_a_published_private_key_is_refused(signing_key):
    jwks = {"keys": [signing_key.to_jwk(private=True)]}
    error = expect(kt.JWKSError, keys_from_jwks, jwks)
    assert signing_key.to_jwk(private=True)["d"] not in str(error)


@pytest.mark.parametrize("document", [{}, {"keys": {}}, {"keys": "x"}, {"keys": [1]}])
def test_malformed_jwks(document):
    expect(kt.JWKSError, keys_from_jwks, document)


def test_small_order_key_in_a_jwks_is_refused():
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": IDENTITY_X, "kid": "bad"}]}
    expect(kt.JWKSError, keys_from_jwks, jwks)


# --- decode --------------------------------------------------------------------------------------


def test_decode_with_each_key_form(signing_key, ring, mint):
    token = mint()
    assert kt.decode(token, signing_key.public_key, issuer=ISS, audience=AUD, now=NOW)
    assert kt.decode(token, [signing_key.public_key], issuer=ISS, audience=AUD, now=NOW)
    assert kt.decode(token, {"keys": [public_jwk(signing_key)]}, audience=AUD, now=NOW)
    ring_token = mint(key=ring.current)
    assert kt.decode(ring_token, ring, issuer=ISS, audience=AUD, now=NOW)["sub"] == "user-1"


def test_decode_applies_the_policy(signing_key, mint):
    expect(
        kt.InvalidIssuer,
        kt.decode,
        mint(),
        signing_key.public_key,
        issuer="https://other.example.com",
        audience=AUD,
        now=NOW,
    )
    expect(kt.ExpiredToken, kt.decode, mint(), signing_key.public_key, audience=AUD, now=NOW + 600)
    expect(kt.ConfigurationError, kt.decode, mint(), signing_key.public_key, leeway=3600)


def test_decode_does_not_require_exp_unless_asked(signing_key, mint):
    token = mint(exp=None)
    assert kt.decode(token, signing_key.public_key, audience=AUD, now=NOW)["sub"] == "user-1"
    expect(
        kt.MissingClaim,
        kt.decode,
        token,
        signing_key.public_key,
        audience=AUD,
        require=["exp"],
        now=NOW,
    )


def test_verify_complete_gives_the_header(verifier, mint):
    header, claims = verifier.verify_complete(mint(headers={"typ": "at+jwt"}), now=NOW)
    assert header == {"alg": "EdDSA", "typ": "at+jwt", "kid": "k1"}
    assert claims["sub"] == "user-1"


# --- key sources ---------------------------------------------------------------------------------


def test_verifier_follows_keyring_rotation(ring, mint):
    verifier = kt.Verifier(ring, issuer=ISS, audience=AUD)
    before = mint(key=ring.current)
    assert verifier.verify(before, now=NOW)
    ring.rotate()
    assert verifier.verify(mint(key=ring.current), now=NOW)
    assert verifier.verify(before, now=NOW)
    ring.revoke(ring.entries()[0].kid)
    expect(kt.UnknownKey, verifier.verify, before, now=NOW)


def test_unknown_kid_refreshes_once_and_retries(signing_key, mint):
    late = kt.SigningKey.generate(kid="late")
    source = PendingKeys([signing_key.public_key], [late.public_key])
    verifier = kt.Verifier(source, issuer=ISS, audience=AUD)
    assert verifier.verify(mint(key=late), now=NOW)["sub"] == "user-1"
    assert source.refreshes == 1
    assert verifier.verify(mint(key=late), now=NOW)
    assert source.refreshes == 1


def test_unknown_kid_after_a_useless_refresh_is_refused(signing_key, mint):
    source = PendingKeys([signing_key.public_key], [])
    verifier = kt.Verifier(source, issuer=ISS, audience=AUD)
    stranger = kt.SigningKey.generate(kid="k9")
    expect(kt.UnknownKey, verifier.verify, mint(key=stranger), now=NOW)
    expect(kt.UnknownKey, verifier.verify_complete, mint(key=stranger), now=NOW)
    assert source.refreshes == 2


def test_verify_complete_refreshes_too(signing_key, mint):
    late = kt.SigningKey.generate(kid="late")
    verifier = kt.Verifier(
        PendingKeys([signing_key.public_key], [late.public_key]), issuer=ISS, audience=AUD
    )
    assert verifier.verify_complete(mint(key=late), now=NOW)[0]["kid"] == "late"


def test_other_errors_do_not_refresh(signing_key, mint):
    source = PendingKeys([signing_key.public_key], [])
    verifier = kt.Verifier(source, issuer=ISS, audience=AUD)
    expect(kt.ExpiredToken, verifier.verify, mint(), now=NOW + 3600)
    assert source.refreshes == 0


def test_fixed_keys_never_refresh(verifier, mint):
    expect(kt.UnknownKey, verifier.verify, mint(key=kt.SigningKey.generate()), now=NOW)


def test_building_a_verifier_on_a_source_does_not_fetch(signing_key):
    class Cold(PendingKeys):
        def verification_keys(self):
            raise AssertionError("fetched at construction")

    kt.Verifier(Cold([signing_key.public_key], []), issuer=ISS, audience=AUD)


class AsyncPendingKeys(PendingKeys):
    """The async side of a KeySource; the sync side must not be used from averify."""

    def verification_keys(self):
        raise AssertionError("averify must not block on the sync side")

    def refresh_on_unknown_kid(self):
        raise AssertionError("averify must not block on the sync side")

    async def averification_keys(self):
        await asyncio.sleep(0)
        return tuple(self._active)

    async def arefresh_on_unknown_kid(self):
        await asyncio.sleep(0)
        return PendingKeys.refresh_on_unknown_kid(self)


def test_averify_uses_the_async_side(signing_key, mint):
    late = kt.SigningKey.generate(kid="late")
    source = AsyncPendingKeys([signing_key.public_key], [late.public_key])
    verifier = kt.Verifier(source, issuer=ISS, audience=AUD)
    assert asyncio.run(verifier.averify(mint(), now=NOW))["sub"] == "user-1"
    assert asyncio.run(verifier.averify(mint(key=late), now=NOW))["sub"] == "user-1"
    assert source.refreshes == 1
    stranger = mint(key=kt.SigningKey.generate(kid="k9"))
    expect(kt.UnknownKey, asyncio.run, verifier.averify(stranger, now=NOW))
    assert source.refreshes == 2


def test_averify_without_an_async_side(verifier, ring, mint):
    assert asyncio.run(verifier.averify(mint(), now=NOW))["sub"] == "user-1"
    on_ring = kt.Verifier(ring, issuer=ISS, audience=AUD)
    assert asyncio.run(on_ring.averify(mint(key=ring.current), now=NOW))
    expect(kt.ExpiredToken, asyncio.run, verifier.averify(mint(), now=NOW + 3600))
