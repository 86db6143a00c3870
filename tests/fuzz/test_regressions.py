"""Regression tests for what fuzzing found in keyturn itself.

Finding 1 (atheris, tests/fuzz/harnesses.py::jwk, input ``{"kty": 333...3}`` as a dict): a JWK
given as a dict with a member JSON-as-Rust cannot hold (an integer wider than 64 bits, nesting
deeper than the cap, NaN) raises ``ConfigurationError``, where the same JWK as JSON text imports
(the member is ignored) or raises ``InvalidKey``. The same escapes
``keys_from_jwks`` / ``RemoteJWKS`` as ``ConfigurationError`` instead of ``JWKSError``: a hostile
JWKS endpoint can then make a cold verifier raise something that is not a ``TokenError`` and skip
the JWKS failure bookkeeping. Fixed in the Rust edge: ``jwk_arg`` (src/python/keys.rs) reads a
mapping through ``json.dumps`` and the same strict parser as JSON text, so both forms follow one
rule.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import keyturn as kt
from keyturn._jwks_parse import parse_jwks

KEY = kt.SigningKey.from_seed(bytes(32), kid="k").public_key


def _deep(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


UNREPRESENTABLE = [
    pytest.param(2**70, id="integer-wider-than-64-bits"),
    pytest.param(_deep(40), id="nested-too-deeply"),
    pytest.param(float("nan"), id="nan"),
]


def _import(jwk: dict[str, Any] | str) -> kt.VerifyingKey | type[kt.InvalidKey]:
    try:
        return kt.VerifyingKey.from_jwk(jwk)
    except kt.InvalidKey:
        return kt.InvalidKey


@pytest.mark.parametrize("value", UNREPRESENTABLE)
def test_a_jwk_dict_imports_as_its_json_text_does(value: Any) -> None:
    # Either both import the same key (the member is ignored) or both raise InvalidKey.
    jwk = {**KEY.to_jwk(), "ext": value}
    assert _import(jwk) == _import(json.dumps(jwk))


def test_a_jwks_with_a_huge_integer_gives_keys_or_a_jwks_error() -> None:
    body = json.dumps({"keys": [{**KEY.to_jwk(), "ext": 2**70}]}).encode()
    try:
        assert parse_jwks(body) == (KEY,)
    except kt.JWKSError as error:
        assert error.code == "jwks_error"
