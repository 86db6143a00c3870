"""Hypothesis properties: arbitrary input never crashes and never verifies; claims round-trip."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import keyturn as kt
from keyturn import _core

KEY = kt.SigningKey.generate(kid="k1")
VERIFIER = _core.CompiledVerifier(KEY.public_key, algorithms=["EdDSA", "Ed25519", "HS256"])
VALID = kt.encode({"sub": "u", "exp": 4_000_000_000}, KEY)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


def _rejected(token: Any) -> None:
    results = VERIFIER.verify_many([token])
    assert isinstance(results[0], kt.TokenError)
    try:
        VERIFIER.verify(token)
    except kt.TokenError as err:
        assert type(err) is type(results[0])
        assert err.code == results[0].code
    else:
        raise AssertionError("an arbitrary token verified")


@settings(max_examples=400)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_or_verify(data: bytes) -> None:
    _rejected(data)


@settings(max_examples=400)
@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ",
        max_size=300,
    )
)
def test_arbitrary_token_shaped_text_never_verifies(text: str) -> None:
    _rejected(text)


@settings(max_examples=600)
@given(
    st.integers(min_value=0),
    st.integers(min_value=0, max_value=255),
    st.sampled_from(["flip", "drop", "insert"]),
)
def test_mutated_valid_tokens_never_verify(position: int, byte: int, how: str) -> None:
    raw = bytearray(VALID.encode())
    i = position % len(raw)
    if how == "flip":
        if raw[i] == byte:
            return
        raw[i] = byte
    elif how == "drop":
        del raw[i]
    else:
        raw.insert(i, byte)
    mutated = bytes(raw)
    try:
        claims = VERIFIER.verify(mutated)
    except kt.TokenError:
        return
    # The only mutation that may still verify is one that decodes to the very same bytes,
    # which strict base64url rules out: nothing else may pass.
    raise AssertionError(f"a mutated token verified: {claims!r}")


@settings(max_examples=300)
@given(st.dictionaries(st.text(), json_values, max_size=8))
def test_encode_decode_round_trips_arbitrary_claims(claims: dict[str, Any]) -> None:
    claims = {
        k: v
        for k, v in claims.items()
        if k not in {"exp", "nbf", "iat", "aud", "iss", "sub", "jti"}
    }
    token = kt.encode(claims, KEY)
    assert VERIFIER.verify(token) == claims
