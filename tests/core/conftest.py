"""Helpers for building tokens byte by byte, so each rejection rule can be hit exactly."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

import keyturn as kt

NOW = 1_800_000_000.0


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(part: dict[str, Any] | bytes) -> str:
    raw = part if isinstance(part, bytes) else json.dumps(part, separators=(",", ":")).encode()
    return b64(raw)


def forge(
    header: dict[str, Any] | bytes, payload: dict[str, Any] | bytes, key: kt.SigningKey
) -> str:
    """A correctly signed token with exactly this header and payload."""
    signing_input = f"{segment(header)}.{segment(payload)}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


@pytest.fixture
def key() -> kt.SigningKey:
    return kt.SigningKey.generate(kid="k1")


@pytest.fixture
def claims() -> dict[str, Any]:
    return {"iss": "https://auth.example.com", "aud": "api", "sub": "user-1", "exp": NOW + 600}


def decode(token: str, key: kt.SigningKey, **policy: Any) -> dict[str, Any]:
    policy.setdefault("algorithms", ["EdDSA"])
    policy.setdefault("issuer", "https://auth.example.com")
    policy.setdefault("audience", "api")
    policy.setdefault("now", NOW)
    return kt.decode(token, key.public_key, **policy)


def fresh_claims() -> dict[str, Any]:
    now = time.time()
    return {
        "iss": "https://auth.example.com",
        "aud": "api",
        "sub": "u",
        "iat": now,
        "exp": now + 600,
    }
