"""Verifier(cache=N) over a Keyring: a cached token is never a bypass of rotation or revocation."""

from __future__ import annotations

import time

import pytest

import keyturn as kt

from .tokens_support import AUD, ISS, expect


def _issuer(ring: kt.Keyring) -> kt.Issuer:
    return kt.Issuer(ring, issuer=ISS, audience=AUD, ttl=600)


def test_repeats_are_cache_hits_with_fresh_claims(ring: kt.Keyring) -> None:
    verifier = kt.Verifier(ring, issuer=ISS, audience=AUD, cache=100)
    token = _issuer(ring).issue("user-1", scope="read")
    first = verifier.verify(token)
    first["scope"] = "admin"
    assert verifier.verify(token)["scope"] == "read"
    assert verifier.cache_stats == (1, 1, 1, 100)


def test_every_hit_answers_a_dict_of_its_own(ring: kt.Keyring) -> None:
    # A hit copies a dict the cache keeps: no caller's change may reach it, through verify,
    # verify_complete or verify_many, however many hits came before.
    verifier = kt.Verifier(ring, issuer=ISS, audience=AUD, cache=100)
    token = _issuer(ring).issue("user-1", scope="read")
    answers = [verifier.verify(token) for _ in range(3)]
    answers.append(verifier.verify_complete(token)[1])
    many = verifier.verify_many([token])[0]
    assert isinstance(many, dict)
    answers.append(many)
    assert len({id(answer) for answer in answers}) == len(answers)
    for answer in answers:
        answer["scope"] = "admin"
        del answer["sub"]
    assert verifier.verify(token)["scope"] == "read"
    assert verifier.verify(token)["sub"] == "user-1"
    assert verifier.cache_stats == (6, 1, 1, 100)


def test_nested_claims_are_never_shared_between_hits(ring: kt.Keyring) -> None:
    # Lists and objects would be shared by shallow copies, so such claims are built per hit.
    verifier = kt.Verifier(ring, issuer=ISS, audience=AUD, cache=100)
    token = _issuer(ring).issue("user-1", roles=["reader"], org={"id": "o-1"})
    for _ in range(3):
        claims = verifier.verify(token)
        assert claims["roles"] == ["reader"]
        assert claims["org"] == {"id": "o-1"}
        claims["roles"].append("admin")
        claims["org"]["id"] = "o-2"


def test_revoking_the_signing_key_ends_cached_tokens_at_once(ring: kt.Keyring) -> None:
    verifier = kt.Verifier(ring, issuer=ISS, audience=AUD, cache=100)
    token = _issuer(ring).issue("user-1")
    assert verifier.verify(token)
    assert verifier.verify(token)
    ring.rotate()
    assert verifier.verify(token)["sub"] == "user-1"  # previous keys still verify...
    assert verifier.cache_stats == (0, 1, 1, 100)  # ...through a new, empty cache
    ring.revoke(kt.Verifier(ring, issuer=ISS, audience=AUD).verify_complete(token)[0]["kid"])
    expect(kt.UnknownKey, verifier.verify, token)


def test_a_cached_token_still_expires(ring: kt.Keyring) -> None:
    verifier = kt.Verifier(ring, issuer=ISS, audience=AUD, cache=100)
    token = _issuer(ring).issue("user-1")
    now = time.time()
    assert verifier.verify(token, now=now)
    expect(kt.ExpiredToken, verifier.verify, token, now + 601)
    results = verifier.verify_many([token], now=now + 601)
    assert isinstance(results[0], kt.ExpiredToken)


@pytest.mark.parametrize("cache", [-1, True, 1.5, (1 << 20) + 1, 2**64])
def test_cache_size_must_be_a_count(ring: kt.Keyring, cache: object) -> None:
    expect(kt.ConfigurationError, kt.Verifier, ring, issuer=ISS, audience=AUD, cache=cache)
