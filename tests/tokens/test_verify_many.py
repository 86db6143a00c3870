"""verify_many gives exactly what verify gives, token by token; results are fresh objects."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import keyturn as kt

from .tokens_support import AUD, ISS, NOW, PendingKeys, WrappedSigner, outcome


@pytest.fixture
def mixed_tokens(signing_key, second_key, mint) -> list[str | bytes]:
    """A few thousand tokens of every kind, shuffled with a fixed seed."""
    impostor = kt.SigningKey.generate(kid="k1")
    stranger = kt.SigningKey.generate(kid="nobody")
    rng = random.Random(1234)
    makers = [
        lambda i: mint(jti=f"ok-{i}"),
        lambda i: mint(jti=f"ok-{i}", roles=["a", "b"], nested={"n": i}).encode(),
        lambda i: mint(key=second_key, jti=f"k2-{i}"),
        lambda i: mint(exp=NOW - i),
        lambda i: mint(nbf=NOW + 10 + i),
        lambda i: mint(key=impostor),
        lambda i: mint(key=stranger),
        lambda i: mint(key=WrappedSigner(signing_key, kid=None)),
        lambda i: mint(aud="elsewhere"),
        lambda i: mint(iss="https://evil.example.com"),
        lambda i: mint(exp=None),
        lambda i: mint(key=kt.HmacKey(b"h" * 32, kid="k1"), alg="HS256"),
        lambda i: mint()[: -1 - i % 5],
        lambda i: "".join(rng.choice("abcXYZ012-_.") for _ in range(i % 90)),
        lambda i: f"{mint().split('.')[0]}.e30.{'A' * (i % 7)}",
    ]
    tokens = [makers[i % len(makers)](i) for i in range(3000)]
    rng.shuffle(tokens)
    return tokens


@pytest.fixture
def second_key() -> kt.SigningKey:
    return kt.SigningKey.generate(kid="k2")


@pytest.fixture
def two_key_verifier(signing_key, second_key) -> kt.Verifier:
    return kt.Verifier([signing_key.public_key, second_key.public_key], issuer=ISS, audience=AUD)


def test_verify_many_matches_verify(two_key_verifier, mixed_tokens):
    verifier = two_key_verifier
    batch = verifier.verify_many(mixed_tokens, now=NOW)
    assert len(batch) == len(mixed_tokens)
    one_by_one = []
    for token in mixed_tokens:
        try:
            one_by_one.append(verifier.verify(token, now=NOW))
        except kt.TokenError as error:
            one_by_one.append(error)
    assert [outcome(r) for r in batch] == [outcome(r) for r in one_by_one]
    kinds = {type(r) for r in batch}
    assert {
        dict,
        kt.ExpiredToken,
        kt.NotYetValid,
        kt.InvalidSignature,
        kt.UnknownKey,
        kt.InvalidAudience,
        kt.InvalidIssuer,
        kt.MissingClaim,
        kt.AlgorithmNotAllowed,
        kt.MalformedToken,
    } <= kinds


def test_verify_many_with_an_empty_batch(verifier):
    assert verifier.verify_many([]) == []


def test_verify_many_retries_unknown_kids_after_one_refresh(signing_key, mint):
    late = kt.SigningKey.generate(kid="late")
    source = PendingKeys([signing_key.public_key], [late.public_key])
    verifier = kt.Verifier(source, issuer=ISS, audience=AUD)
    stranger = kt.SigningKey.generate(kid="nobody")
    tokens = [mint(), mint(key=late), mint(key=stranger), mint(key=late, exp=NOW - 1)]
    results = verifier.verify_many(tokens, now=NOW)
    assert source.refreshes == 1
    assert [outcome(r) for r in results] == [
        outcome(verifier.verify(tokens[0], now=NOW)),
        outcome(verifier.verify(tokens[1], now=NOW)),
        (kt.UnknownKey, "key_unknown"),
        (kt.ExpiredToken, "token_expired"),
    ]


def test_verify_many_follows_a_keyring(ring, mint):
    verifier = kt.Verifier(ring, issuer=ISS, audience=AUD)
    old = mint(key=ring.current)
    ring.rotate()
    new = mint(key=ring.current)
    assert [r["sub"] for r in verifier.verify_many([old, new], now=NOW)] == ["user-1"] * 2


def test_returned_claims_are_fresh_objects(verifier, mint):
    token = mint(roles=["reader"], profile={"name": "A"})
    first = verifier.verify(token, now=NOW)
    first["roles"].append("admin")
    first["profile"]["name"] = "B"
    first["sub"] = "someone-else"
    second = verifier.verify(token, now=NOW)
    assert second["roles"] == ["reader"]
    assert second["profile"] == {"name": "A"}
    assert second["sub"] == "user-1"


def test_verify_many_results_are_fresh_objects(verifier, mint):
    token = mint(roles=["reader"])
    first, second = verifier.verify_many([token, token], now=NOW)
    assert first is not second
    assert first["roles"] is not second["roles"]
    first["roles"].append("admin")
    assert second["roles"] == ["reader"]
    assert verifier.verify_many([token], now=NOW)[0]["roles"] == ["reader"]


def test_errors_in_a_batch_are_distinct_instances(verifier):
    first, second = verifier.verify_many(["garbage", "garbage"], now=NOW)
    assert isinstance(first, kt.MalformedToken)
    assert first is not second


KEY = kt.SigningKey.generate(kid="k1")
VERIFIER = kt.Verifier(KEY.public_key, issuer=ISS, audience=AUD)
TOKEN = kt.encode({"iss": ISS, "aud": AUD, "sub": "u", "exp": NOW + 60}, KEY)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \x00é"


@settings(max_examples=300, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(TOKEN) - 1), st.sampled_from(ALPHABET)), max_size=4
    ),
    cut=st.integers(0, len(TOKEN)),
)
def test_mutated_tokens_give_the_same_answer_both_ways(edits, cut):
    chars = list(TOKEN)
    for position, char in edits:
        chars[position] = char
    token = "".join(chars)[: len(TOKEN) - cut] if cut % 3 == 0 else "".join(chars)
    (batched,) = VERIFIER.verify_many([token], now=NOW)
    try:
        single: object = VERIFIER.verify(token, now=NOW)
    except kt.TokenError as error:
        single = error
    assert outcome(batched) == outcome(single)
