"""Integers in claims: exact, as Python's ``json`` reads and writes them, within the same limit.

keyturn's JSON keeps integers of any width up to 4300 digits (CPython's default
``sys.get_int_max_str_digits()``, the limit ``json`` itself applies) exact in both directions.
Time claims compare by value; one beyond the double range (about 309 digits) is refused as an
``InvalidClaim`` rather than compared as an infinity (docs/concepts.md, "Claims").
"""

from __future__ import annotations

import base64
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

import keyturn as kt

KEY = kt.SigningKey.from_seed(bytes(range(32)), kid="ed")
LIMIT = 4300


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed(payload_json: str) -> str:
    """A token over payload text as given (so it can hold what Python's json cannot write)."""
    head = b64(json.dumps({"alg": "EdDSA", "kid": "ed"}).encode())
    signing_input = f"{head}.{b64(payload_json.encode())}"
    return f"{signing_input}.{b64(KEY.sign(signing_input.encode()))}"


def decode(token: str) -> dict[str, Any]:
    return kt.decode(token, KEY.public_key, algorithms=["EdDSA"])


@pytest.fixture
def no_str_limit() -> Iterator[None]:
    """Lift the interpreter's int/str limit, to write a payload past it."""
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(before)


def test_the_widest_integer_python_json_reads_round_trips() -> None:
    for widest in (10**LIMIT - 1, -(10**LIMIT - 1)):
        assert json.loads(json.dumps(widest)) == widest  # the reference: within its limit
        token = kt.encode({"n": widest}, KEY)
        assert decode(token) == {"n": widest}
        assert decode(signed(json.dumps({"n": widest}))) == {"n": widest}


def test_an_integer_past_the_limit_is_refused_both_ways(no_str_limit: None) -> None:
    too_wide = 10**LIMIT  # 4301 digits
    payload = json.dumps({"n": too_wide})
    token = signed(payload)
    # keyturn's own cap holds whatever the interpreter's limit: unlimited (0), then the default.
    for interpreter_limit in (0, LIMIT):
        sys.set_int_max_str_digits(interpreter_limit)
        with pytest.raises(kt.ConfigurationError) as encoding:
            kt.encode({"n": too_wide}, KEY)
        assert encoding.value.code == "configuration_invalid"
        assert str(encoding.value) == "integer has more than 4300 digits"
        with pytest.raises(kt.MalformedToken) as decoding:
            decode(token)
        assert decoding.value.code == "token_malformed"
        assert str(decoding.value) == "payload has a number out of range"
    with pytest.raises(ValueError, match="4300"):
        json.loads(payload)  # what Python's json does with the same text


def test_a_lowered_interpreter_limit_refuses_the_token_as_malformed() -> None:
    # With sys.set_int_max_str_digits lowered, int() cannot hold the claim: the token is refused
    # (a TokenError), never a ValueError out of decode.
    token = kt.encode({"n": 10**1000}, KEY)
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        with pytest.raises(kt.MalformedToken) as info:
            decode(token)
        with pytest.raises(kt.ConfigurationError) as encoding:
            kt.encode({"n": 10**1000}, KEY)
    finally:
        sys.set_int_max_str_digits(before)
    assert info.value.code == "token_malformed"
    assert encoding.value.code == "configuration_invalid"


def test_time_claims_beyond_64_bits_compare_by_value() -> None:
    far = 2**70
    now = int(time.time())
    assert decode(kt.encode({"exp": far}, KEY)) == {"exp": far}
    assert decode(kt.encode({"iat": -far, "nbf": -far}, KEY)) == {"iat": -far, "nbf": -far}
    cases = [
        ({"exp": -far}, kt.ExpiredToken, "token_expired", "exp"),
        ({"nbf": far}, kt.NotYetValid, "token_not_yet_valid", "nbf"),
        ({"iat": far, "exp": now + 60}, kt.NotYetValid, "token_not_yet_valid", "iat"),
    ]
    for claims, error, code, claim in cases:
        with pytest.raises(error) as info:
            decode(kt.encode(claims, KEY))
        assert type(info.value) is error
        assert info.value.code == code
        assert info.value.claim == claim
    # PyJWT agrees on each of these (it compares Python ints).
    assert jwt.decode(kt.encode({"exp": far}, KEY), KEY.public_key.to_pem(), ["EdDSA"])
    with pytest.raises(jwt.ImmatureSignatureError):
        jwt.decode(kt.encode({"nbf": far}, KEY), KEY.public_key.to_pem(), ["EdDSA"])


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("sign", [1, -1])
def test_time_claims_beyond_the_double_range_are_refused(claim: str, sign: int) -> None:
    # float() of such a claim raises OverflowError, so no comparison (or revocation's
    # float(iat)) could use it; keyturn refuses it where PyJWT compares Python ints.
    with pytest.raises(kt.InvalidClaim) as info:
        decode(kt.encode({claim: sign * 10**400}, KEY))
    assert type(info.value) is kt.InvalidClaim
    assert info.value.code == "claim_invalid"
    assert info.value.claim == claim
    assert str(info.value) == "time claim is out of range"


class _Renamed(int):
    """An int whose str() and repr() are not its digits (as an IntEnum member's may be)."""

    def __str__(self) -> str:
        return "renamed"

    __repr__ = __str__


def test_int_subclasses_are_written_by_value_as_json_writes_them() -> None:
    for wide in (_Renamed(2**70), _Renamed(-(2**70)), _Renamed(5)):
        token = kt.encode({"n": wide}, KEY)
        payload = base64.urlsafe_b64decode(token.split(".")[1] + "==")
        assert json.loads(payload) == json.loads(json.dumps({"n": wide})) == {"n": int(wide)}
        assert decode(token) == {"n": int(wide)}
