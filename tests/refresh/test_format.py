"""The refresh token format: prefix, entropy, strict base64url, checksum, length cap."""

from __future__ import annotations

import base64
import zlib

import pytest

import keyturn as kt
from keyturn._core import sha256
from keyturn.refresh.format import (
    MAX_INPUT_LENGTH,
    PREFIX,
    SECRET_BYTES,
    new_family_id,
    new_token,
    parse,
)


def test_shape_and_parse_round_trip():
    family = new_family_id()
    token = new_token(family)
    assert token.startswith(PREFIX)
    assert len(token) < MAX_INPUT_LENGTH
    parsed = parse(token)
    assert parsed.family_id == family
    assert parsed.token_hash == sha256(token.encode())
    assert SECRET_BYTES * 8 >= 256


def test_tokens_do_not_repeat():
    family = new_family_id()
    assert len({new_token(family) for _ in range(1000)}) == 1000


def _forge(payload: bytes, checksum: int | None = None) -> str:
    crc = zlib.crc32(payload) if checksum is None else checksum
    body = payload + crc.to_bytes(4, "big")
    return PREFIX + base64.urlsafe_b64encode(body).rstrip(b"=").decode()


def test_checksum_is_checked():
    payload = bytes(48)
    assert parse(_forge(payload)).family_id == "00" * 16
    with pytest.raises(kt.InvalidRefresh) as bad:
        parse(_forge(payload, checksum=zlib.crc32(payload) ^ 1))
    assert bad.value.code == "refresh_invalid"


def test_non_canonical_trailing_bits_are_refused():
    token = _forge(bytes(48))
    # 52 bytes = 69 full characters + one carrying 4 bits: set a bit that encodes nothing.
    last = token[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = token[:-1] + alphabet[alphabet.index(last) | 1]
    assert twin != token
    with pytest.raises(kt.InvalidRefresh) as bad:
        parse(twin)
    assert bad.value.code == "refresh_invalid"


@pytest.mark.parametrize(
    "text",
    ["", PREFIX, "x" * (MAX_INPUT_LENGTH + 1), PREFIX + "=" * 70, PREFIX + "+/" * 35],
    ids=["empty", "prefix", "long", "padding", "std-base64"],
)
def test_malformed_text_is_refused(text: str):
    with pytest.raises(kt.InvalidRefresh) as bad:
        parse(text)
    assert bad.value.code == "refresh_invalid"
