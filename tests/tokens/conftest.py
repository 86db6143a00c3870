"""Fixtures for the token, issuer and keyring tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import keyturn as kt

from .tokens_support import AUD, ISS, NOW


@pytest.fixture
def signing_key() -> kt.SigningKey:
    return kt.SigningKey.generate(kid="k1")


@pytest.fixture
def verifier(signing_key: kt.SigningKey) -> kt.Verifier:
    return kt.Verifier(signing_key.public_key, issuer=ISS, audience=AUD)


@pytest.fixture
def mint(signing_key: kt.SigningKey) -> Callable[..., str]:
    """Sign a token with sensible claims at NOW; keyword arguments override or (as None) drop."""

    def mint(
        key: kt.SigningKey | kt.HmacKey | kt.Signer | None = None,
        headers: dict[str, Any] | None = None,
        alg: str | None = None,
        **overrides: Any,
    ) -> str:
        claims: dict[str, Any] = {
            "iss": ISS,
            "aud": AUD,
            "sub": "user-1",
            "iat": NOW,
            "exp": NOW + 600,
        }
        claims.update(overrides)
        claims = {name: value for name, value in claims.items() if value is not None}
        return kt.encode(claims, key or signing_key, alg=alg, headers=headers)

    return mint


@pytest.fixture
def ring() -> kt.Keyring:
    return kt.Keyring.generate(rotate_every=3600, retire_after=1200)
