"""verify_many gives exactly verify's answers; the verified-token cache is bounded, returns fresh
objects and never turns an expired token into an accepted one; one verifier under many threads."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

import keyturn as kt
from keyturn import _core

from .conftest import NOW, b64, forge, segment

KEY = kt.SigningKey.generate(kid="k1")
OTHER = kt.SigningKey.generate(kid="k1")


def verifier(**kw: Any) -> _core.CompiledVerifier:
    kw.setdefault("algorithms", ["EdDSA"])
    kw.setdefault("audience", "api")
    return _core.CompiledVerifier([KEY.public_key], **kw)


def answer(result: Any) -> Any:
    """A comparable form of one result: the claims, or the error's class, code and claim."""
    if isinstance(result, kt.TokenError):
        return (type(result), result.code, result.claim)
    return result


def single(v: _core.CompiledVerifier, token: Any, now: float) -> Any:
    try:
        return v.verify(token, now=now)
    except kt.TokenError as err:
        return answer(err)


def mixed_tokens(n: int) -> list[Any]:
    rng = random.Random(7)
    out: list[Any] = []
    for i in range(n):
        claims = {"sub": f"u{i}", "aud": "api", "exp": NOW + rng.choice([-10, 600])}
        kind = rng.randrange(7)
        if kind == 0:
            out.append(kt.encode(claims, OTHER))  # forged: right kid, wrong key
        elif kind == 1:
            out.append(kt.encode(claims, kt.SigningKey.generate()))  # unknown kid
        elif kind == 2:
            out.append(rng.randbytes(rng.randrange(80)))  # garbage
        elif kind == 3:
            out.append(kt.encode(claims, KEY).encode())  # bytes are accepted too
        elif kind == 4:
            out.append(rng.choice([None, 5, "\ud800.x.y"]))  # not a token at all
        else:
            out.append(kt.encode(claims, KEY))
    return out


@pytest.mark.parametrize("cache_size", [0, 64])
def test_verify_many_matches_verify_on_thousands_of_mixed_tokens(cache_size: int) -> None:
    v = verifier(cache_size=cache_size)
    tokens = mixed_tokens(3000)
    many = [answer(r) for r in v.verify_many(tokens, now=NOW)]
    assert many == [single(v, t, NOW) for t in tokens]
    assert {type(a) for a in many} == {dict, tuple}


def _vector_keys(
    wycheproof: Any, cctv: list[dict[str, Any]]
) -> list[tuple[kt.VerifyingKey, bytes]]:
    out = []
    for group in wycheproof["testGroups"]:
        key = kt.VerifyingKey.from_jwk(group["publicKeyJwk"]).with_kid("k1")
        out += [(key, bytes.fromhex(case["sig"])) for case in group["tests"]]
    for vector in cctv:
        try:
            key = kt.VerifyingKey.from_bytes(bytes.fromhex(vector["key"]), kid="k1")
        except kt.InvalidKey:
            continue  # refused at import: can never be part of a verifier
        out.append((key, bytes.fromhex(vector["sig"])))
    return out


def test_verify_many_matches_verify_on_every_vector_signature(
    wycheproof: Any, cctv: list[dict[str, Any]]
) -> None:
    """Every vector's signature bytes, as the signature of a token under that vector's key."""
    body = f"{segment({'alg': 'EdDSA', 'kid': 'k1'})}.{segment({})}"
    by_key: dict[kt.VerifyingKey, list[str]] = {}
    for key, sig in _vector_keys(wycheproof, cctv):
        by_key.setdefault(key, []).append(f"{body}.{b64(sig)}")
    for key, tokens in by_key.items():
        v = _core.CompiledVerifier(key, algorithms=["EdDSA"], require=[])
        assert [answer(r) for r in v.verify_many(tokens * 20)] == [
            single(v, t, NOW) for t in tokens * 20
        ]


def test_cache_hit_returns_fresh_equal_claims() -> None:
    v = verifier(cache_size=8)
    token = kt.encode({"aud": "api", "exp": NOW + 60, "roles": ["a"]}, KEY)
    first = v.verify(token, now=NOW)
    first["roles"].append("admin")
    first["exp"] = 0
    second = v.verify(token, now=NOW)
    assert second == {"aud": "api", "exp": NOW + 60, "roles": ["a"]}
    assert second is not first
    from_batch = v.verify_many([token], now=NOW)[0]
    assert from_batch == second
    assert from_batch is not second
    assert v.cache_stats == (2, 1, 1, 8)


def test_cache_hit_still_checks_the_clock() -> None:
    v = verifier(cache_size=8, leeway=5)
    token = kt.encode({"aud": "api", "exp": NOW + 60, "iat": NOW}, KEY)
    assert v.verify(token, now=NOW)
    with pytest.raises(kt.ExpiredToken) as info:
        v.verify(token, now=NOW + 65)
    assert info.value.code == "token_expired"
    assert isinstance(v.verify_many([token], now=NOW + 65)[0], kt.ExpiredToken)
    aged = verifier(cache_size=8, max_age=30)
    assert aged.verify(token, now=NOW)
    with pytest.raises(kt.ExpiredToken):
        aged.verify(token, now=NOW + 31)
    assert aged.cache_stats is not None
    assert aged.cache_stats[0] == 1


def test_cache_is_bounded() -> None:
    v = verifier(cache_size=16)
    for i in range(200):
        v.verify(kt.encode({"aud": "api", "exp": NOW + 60, "i": i}, KEY), now=NOW)
    stats = v.cache_stats
    assert stats is not None
    assert stats[2] <= 16


def test_failures_are_never_cached() -> None:
    v = verifier(cache_size=8)
    forged = kt.encode({"aud": "api", "exp": NOW + 60}, OTHER)
    for _ in range(3):
        with pytest.raises(kt.InvalidSignature):
            v.verify(forged, now=NOW)
    assert v.cache_stats == (0, 3, 0, 8)


def test_a_new_key_set_is_a_new_cache() -> None:
    """The key set is fixed per compiled verifier: dropping a key (revocation, retirement) means
    compiling a new one, whose cache starts empty, so a cached token cannot outlive its key."""
    token = kt.encode({"aud": "api", "exp": NOW + 60}, KEY)
    v = verifier(cache_size=8)
    assert v.verify(token, now=NOW)
    rotated = _core.CompiledVerifier(
        [OTHER.public_key], algorithms=["EdDSA"], audience="api", cache_size=8
    )
    with pytest.raises(kt.InvalidSignature):
        rotated.verify(token, now=NOW)


def test_one_verifier_hammered_from_many_threads() -> None:
    v = verifier(cache_size=32)
    good = [kt.encode({"aud": "api", "exp": NOW + 60, "i": i}, KEY) for i in range(40)]
    bad = forge({"alg": "EdDSA", "kid": "k1"}, {"aud": "api", "exp": NOW + 60}, OTHER)
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(300):
                token = rng.choice(good)
                assert v.verify(token, now=NOW)["i"] == good.index(token)
                with pytest.raises(kt.InvalidSignature):
                    v.verify(bad, now=NOW)
                batch = v.verify_many([token, bad], now=NOW)
                assert batch[0]["i"] == good.index(token)
                assert isinstance(batch[1], kt.InvalidSignature)
        except BaseException as err:  # surfaced in the main thread below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
