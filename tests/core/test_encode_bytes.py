"""``encode`` writes the same bytes as it always has: claims go from Python straight to JSON text
(src/python/json.rs) under the rules the former JSON tree applied, and Ed25519 and HMAC are
deterministic, so each token below is the one the earlier encoder signed, byte for byte."""

from __future__ import annotations

import base64
import enum
import json
import math
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import keyturn as kt

NOW = 1_800_000_000
SK = kt.SigningKey.from_seed(bytes(range(32)), kid="k")
HK = kt.HmacKey(b"s" * 32)


class Color(enum.IntEnum):
    RED = 1


class Items(Mapping[str, Any]):
    """A mapping whose ``items()`` names ``x`` twice: the token keeps one ``x`` (first place,
    last value)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self._pairs = pairs

    def __getitem__(self, key: str) -> Any:
        return dict(self._pairs)[key]

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._pairs))

    def __len__(self) -> int:
        return len(dict(self._pairs))

    def items(self) -> Any:
        return list(self._pairs)


class Sub(dict[str, Any]):
    pass


CASES: dict[str, tuple[dict[str, Any], Any, str | None, dict[str, Any] | None]] = {
    "issuer": (
        {
            "iss": "https://auth.example.com",
            "sub": "user-1",
            "aud": "api.example.com",
            "iat": NOW,
            "exp": NOW + 600,
            "jti": "abcdefghijklmnopqrstuv",
            "scope": "read write",
        },
        SK,
        None,
        {"typ": "at+jwt"},
    ),
    "default": ({"sub": "a"}, SK, None, None),
    "ed25519": ({"sub": "a"}, SK, "Ed25519", {"kid": None, "typ": None, "x": None}),
    "json": (
        {
            "s": '\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f"\\/é€😀 ',
            "ints": [
                0,
                -1,
                2**63 - 1,
                -(2**63),
                2**64 - 1,
                2**64,
                -(2**70),
                10**40,
                Color.RED,
                True,
                False,
                None,
            ],
            "floats": [
                0.0,
                -0.0,
                1.0,
                0.1,
                1e16,
                1e20,
                1e-7,
                123456789.123,
                5e-324,
                1.7976931348623157e308,
                -2.5,
            ],
            "nested": {"a": {"b": [1, (2, 3), []], "c": {}}},
            "map": Items([("x", 1), ("y", 2), ("x", 3)]),
            "sub": Sub(z=1),
            "é": 1,
            "": "",
        },
        SK,
        None,
        {"kid": "other", "typ": "JOSE", "x5t": "abc", "n": [1, {"q": None}]},
    ),
    "hmac": ({"sub": "a"}, HK, "HS256", {"x": 1, "kid": "late"}),
    "hmac_default": ({"sub": "a", "n": 1.5}, HK, None, None),
}

EXPECTED = {
    "issuer": (
        "eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsifQ.eyJpc3MiOiJodHRwczovL2F1dGguZ"
        "XhhbXBsZS5jb20iLCJzdWIiOiJ1c2VyLTEiLCJhdWQiOiJhcGkuZXhhbXBsZS5jb20iLCJpYXQiOjE4MDAwM"
        "DAwMDAsImV4cCI6MTgwMDAwMDYwMCwianRpIjoiYWJjZGVmZ2hpamtsbW5vcHFyc3R1diIsInNjb3BlIjoic"
        "mVhZCB3cml0ZSJ9.Cy3K7LBSoOOZJPdQL8Mg7O4lA6rDd7PGdayAIiJh95oMyRRy64PeKUEtc0VgGAljPOmM"
        "aVt0VF1JKsvFAV2FDA"
    ),
    "default": (
        "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6ImsifQ.eyJzdWIiOiJhIn0.NxgqtbGKZe69xzzvK"
        "5Yz85r2rTUGfYt_YVKrstTKuZst4aaIw79R2B_GbPA1fczR-TloPkZB70cIZk6Q1NTnDQ"
    ),
    "ed25519": (
        "eyJhbGciOiJFZDI1NTE5IiwieCI6bnVsbH0.eyJzdWIiOiJhIn0.PRgWTy4N5ikKZlG01S_8q12Yg7yKKY_S"
        "UiUBVBDN1MwE2D4c1xraFtH29yZkjpv2hGCKqiOhugjf9c4n8teiDQ"
    ),
    "json": (
        "eyJhbGciOiJFZERTQSIsInR5cCI6IkpPU0UiLCJraWQiOiJvdGhlciIsIng1dCI6ImFiYyIsIm4iOlsxLHsi"
        "cSI6bnVsbH1dfQ.eyJzIjoiXHUwMDAwXHUwMDAxXGJcdFxuXHUwMDBiXGZcclx1MDAxZn9cIlxcL8Op4oKs8"
        "J-YgCAiLCJpbnRzIjpbMCwtMSw5MjIzMzcyMDM2ODU0Nzc1ODA3LC05MjIzMzcyMDM2ODU0Nzc1ODA4LDE4N"
        "DQ2NzQ0MDczNzA5NTUxNjE1LDE4NDQ2NzQ0MDczNzA5NTUxNjE2LC0xMTgwNTkxNjIwNzE3NDExMzAzNDI0L"
        "DEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwLDEsdHJ1ZSxmYWxzZSxudWxsXSwiZ"
        "mxvYXRzIjpbMC4wLC0wLjAsMS4wLDAuMSwxZSsxNiwxZSsyMCwxZS03LDEyMzQ1Njc4OS4xMjMsNWUtMzI0L"
        "DEuNzk3NjkzMTM0ODYyMzE1N2UrMzA4LC0yLjVdLCJuZXN0ZWQiOnsiYSI6eyJiIjpbMSxbMiwzXSxbXV0sI"
        "mMiOnt9fX0sIm1hcCI6eyJ4IjozLCJ5IjoyfSwic3ViIjp7InoiOjF9LCLDqSI6MSwiIjoiIn0.GQaKq7IfF"
        "G2dMLdl6BTPUSVB4cZZX4ByLzbgOn18yntBd0dD73rc58c1-yw8QL2EMXwVAKVejeMdX944qGLQAg"
    ),
    "hmac": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsIngiOjEsImtpZCI6ImxhdGUifQ.eyJzdWIiOiJhIn0.Hvguc"
        "jNyVZtE7nH6R-XwnLctYKQD7e6hJjI0TNtLaCE"
    ),
    "hmac_default": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhIiwibiI6MS41fQ.VEeFSY3LZqKbxvB1iF3I"
        "jRCfUqjAK5EtPngN_FhF11Q"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_token_bytes_are_unchanged(name: str) -> None:
    claims, key, alg, headers = CASES[name]
    assert kt.encode(claims, key, alg=alg, headers=headers) == EXPECTED[name]


def _payload(token: str) -> bytes:
    segment = token.split(".")[1]
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class Key(str):
    """A str subclass hashed apart from the plain str of the same text."""

    def __hash__(self) -> int:
        return 1


def test_a_dict_with_two_keys_of_one_text_gives_one_member() -> None:
    claims = {"a": 1, Key("a"): 2, "b": 3}
    assert len(claims) == 3
    assert _payload(kt.encode(claims, SK)) == b'{"a":2,"b":3}'


def test_a_dict_subclass_is_read_through_its_items() -> None:
    class Renamed(dict[str, Any]):
        def items(self) -> Any:
            return [("renamed", 1)]

    assert _payload(kt.encode({"x": [Renamed(a=0)]}, SK)) == b'{"x":[{"renamed":1}]}'


def test_a_mapping_is_read_once_per_encode() -> None:
    calls: list[int] = []

    class Counted(Items):
        def items(self) -> Any:
            calls.append(1)
            return super().items()

    kt.encode({"a": 1, "m": Counted([("x", 1)])}, SK)
    assert calls == [1]


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"a": {"b": [math.nan]}}, "NaN and infinity are not JSON"),
        ({"a": Items([("x", -math.inf)])}, "NaN and infinity are not JSON"),
        ({"a": [1, Items([("x", object())])]}, "values of type object are not JSON serializable"),
        # The first refusal in order is the one reported, before or after a snapshot is needed.
        ({"a": math.nan, "m": Items([("x", object())])}, "NaN and infinity are not JSON"),
        (
            {"m": Items([("x", object())]), "a": math.nan},
            "values of type object are not JSON serializable",
        ),
        ({"a": Items([("x", 1), ("x", math.nan)])}, "NaN and infinity are not JSON"),
        ({"a": 10**4300}, "integer has more than 4300 digits"),
        ({"a": {1: 2}}, "JSON object keys must be str"),
        ({"a": Items([(1, 2)])}, "JSON object keys must be str"),  # type: ignore[list-item]
    ],
    ids=[
        "nan",
        "inf-in-mapping",
        "object-in-mapping",
        "first-nan",
        "first-object",
        "dup-nan",
        "big-int",
        "int-key",
        "int-key-in-mapping",
    ],
)
def test_claims_json_cannot_carry_are_refused(claims: dict[str, Any], message: str) -> None:
    with pytest.raises(kt.ConfigurationError) as info:
        kt.encode(claims, SK)
    assert info.value.code == "configuration_invalid"
    assert str(info.value) == message


def test_nesting_is_capped_at_the_same_depth_as_before() -> None:
    def nested(depth: int) -> dict[str, Any]:
        value: Any = 1
        for _ in range(depth):
            value = [value]
        return {"a": value}

    payload = json.loads(_payload(kt.encode(nested(31), SK)))
    assert payload == nested(31)
    with pytest.raises(kt.ConfigurationError) as info:
        kt.encode(nested(32), SK)
    assert info.value.code == "configuration_invalid"
    assert str(info.value) == "value is nested too deeply"


def test_issuer_tokens_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Issuer.issue`` with its clock and randomness fixed: the token the earlier issuer (which
    drew its jti from ``secrets.token_urlsafe(16)``) signed for the same 16 bytes and second."""
    monkeypatch.setattr(os, "urandom", lambda n: bytes(range(100, 100 + n)))
    monkeypatch.setattr(time, "time", lambda: NOW + 0.5)
    issuer = kt.Issuer(SK, issuer="https://auth.example.com", audience=["a", "b"], ttl=300)
    token = issuer.issue("user-1", scope={"write", "read"}, client_id="c", extra=None, n=[1, 2])
    assert token == (
        "eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsifQ.eyJpc3MiOiJodHRwczovL2F1dGguZ"
        "XhhbXBsZS5jb20iLCJzdWIiOiJ1c2VyLTEiLCJhdWQiOlsiYSIsImIiXSwiaWF0IjoxODAwMDAwMDAwLCJle"
        "HAiOjE4MDAwMDAzMDAsImp0aSI6IlpHVm1aMmhwYW10c2JXNXZjSEZ5Y3ciLCJzY29wZSI6InJlYWQgd3Jpd"
        "GUiLCJjbGllbnRfaWQiOiJjIiwibiI6WzEsMl19.UX38TfbdXHEP-Sq6qs_BT72gms9MC4uV_UsmFSfMxujK"
        "sIisLZvF33PylQnwYzex5LGsswkx3M-kIorbA9saBA"
    )
    assert json.loads(_payload(token))["jti"] == "ZGVmZ2hpamtsbW5vcHFycw"


def test_issuer_refuses_registered_claims_by_name() -> None:
    issuer = kt.Issuer(SK, issuer="https://auth.example.com", audience="a")
    with pytest.raises(kt.ConfigurationError) as info:
        issuer.issue("user-1", scope="read", jti="mine", iss="other")
    assert info.value.code == "configuration_invalid"
    assert str(info.value) == "the issuer sets iss, jti itself"
