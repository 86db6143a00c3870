"""Every time argument of a verify is a finite number (issue 13 item 7): ``now=nan`` compared false
with every ``exp``, so a token that expired in 1970 verified."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import pytest

import keyturn as kt
from keyturn import _core

BAD_MOMENTS = [math.nan, math.inf, -math.inf, True, "1700000000"]
MESSAGE = "now must be a finite number of seconds since the epoch"


@pytest.fixture
def key() -> kt.SigningKey:
    return kt.SigningKey.generate(kid="k1")


@pytest.fixture
def expired_in_1970(key: kt.SigningKey) -> str:
    return kt.encode({"sub": "user-1", "exp": 60}, key)


def _refused(call: Callable[[], Any]) -> None:
    with pytest.raises(kt.ConfigurationError) as caught:
        call()
    assert type(caught.value) is kt.ConfigurationError
    assert caught.value.code == "configuration_invalid"
    assert str(caught.value) == MESSAGE


@pytest.mark.parametrize("now", BAD_MOMENTS)
def test_every_verify_refuses_a_non_finite_now(
    key: kt.SigningKey, expired_in_1970: str, now: Any
) -> None:
    verifier = kt.Verifier(key.public_key, issuer=None, audience=None)
    _refused(lambda: verifier.verify(expired_in_1970, now=now))
    _refused(lambda: verifier.verify_complete(expired_in_1970, now=now))
    _refused(lambda: verifier.verify_many([expired_in_1970], now=now))
    _refused(lambda: asyncio.run(verifier.averify(expired_in_1970, now=now)))
    _refused(lambda: kt.decode(expired_in_1970, key.public_key, now=now))


@pytest.mark.parametrize("now", [*BAD_MOMENTS, 10**400])
def test_the_core_itself_refuses_a_non_finite_now(
    key: kt.SigningKey, expired_in_1970: str, now: Any
) -> None:
    # The rule lives in the Rust edge, so the private core API cannot be talked past it either.
    compiled = _core.CompiledVerifier([key.public_key], algorithms=["EdDSA"])
    _refused(lambda: compiled.verify(expired_in_1970, now=now))
    _refused(lambda: compiled.verify_complete(expired_in_1970, now=now))
    _refused(lambda: compiled.verify_many([], now=now))


def test_an_int_now_is_a_moment(key: kt.SigningKey, expired_in_1970: str) -> None:
    with pytest.raises(kt.ExpiredToken) as caught:
        _core.CompiledVerifier([key.public_key], algorithms=["EdDSA"]).verify(
            expired_in_1970, now=61
        )
    assert caught.value.code == "token_expired"
    assert kt.decode(expired_in_1970, key.public_key, now=59)["sub"] == "user-1"


def test_the_token_is_expired_at_any_finite_now(key: kt.SigningKey, expired_in_1970: str) -> None:
    verifier = kt.Verifier(key.public_key, issuer=None, audience=None)
    for now in (61.0, 1e9, 1.7e9):
        with pytest.raises(kt.ExpiredToken) as caught:
            verifier.verify(expired_in_1970, now=now)
        assert caught.value.code == "token_expired"
    assert verifier.verify(expired_in_1970, now=59)["sub"] == "user-1"


@pytest.mark.parametrize("max_age", [math.inf, math.nan, 0, -1, True])
def test_max_age_must_be_a_positive_finite_number(key: kt.SigningKey, max_age: Any) -> None:
    with pytest.raises(kt.ConfigurationError) as caught:
        kt.Verifier(key.public_key, issuer=None, audience=None, max_age=max_age)
    assert str(caught.value) == "max_age must be a positive finite number of seconds"


@pytest.mark.parametrize("leeway", [math.inf, math.nan])
def test_leeway_must_be_finite(key: kt.SigningKey, leeway: float) -> None:
    with pytest.raises(kt.ConfigurationError) as caught:
        kt.Verifier(key.public_key, issuer=None, audience=None, leeway=leeway)
    assert caught.value.code == "configuration_invalid"
