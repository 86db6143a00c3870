"""No refresh token in plaintext at rest: scan the SQLite files, pg_dump, every Redis key and
value (and MemoryStore's state) after issuing, rotating, replaying and logging out."""

from __future__ import annotations

import base64
from typing import Any

import pytest

import keyturn as kt
from keyturn.refresh.format import FAMILY_BYTES, PREFIX, token_hash

from .conftest import Backend, MakeService


def _secret(token: str) -> bytes:
    body = token[len(PREFIX) :]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return raw[FAMILY_BYTES:-4]


def _needles(token: str) -> list[bytes]:
    secret = _secret(token)
    body = token[len(PREFIX) :]
    return [
        token.encode(),
        body[24:].encode(),  # the base64 of (mostly) the secret part
        secret,
        secret.hex().encode(),
        base64.b64encode(secret),
    ]


def test_only_hashes_are_stored(make_service: MakeService, service_backend: Backend):
    service = make_service()
    tokens: list[str] = []
    for device in ("laptop", "phone"):
        pair = service.issue_pair("user-1", device, {"scope": "read"})
        tokens.append(pair.refresh)
        for _ in range(2):
            pair = service.rotate(pair.refresh)
            tokens.append(pair.refresh)
    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(tokens[0])
    service.logout(tokens[-1])

    stored = service_backend.at_rest()
    assert stored, "nothing was scanned"
    # The scan is meaningful: the hashes are there (raw or hex, depending on the store).
    assert any(h in stored for h in (token_hash(tokens[1]), token_hash(tokens[1]).hex().encode()))
    for token in tokens:
        for needle in _needles(token):
            assert needle not in stored, f"{service_backend.kind} stores a token in plaintext"


def test_pairs_from_the_same_family_share_no_secret(service: Any):
    first = service.issue_pair("user-1", "laptop")
    second = service.rotate(first.refresh)
    assert _secret(first.refresh) != _secret(second.refresh)
    assert len(_secret(first.refresh)) * 8 >= 256
