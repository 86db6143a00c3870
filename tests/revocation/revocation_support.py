"""Helpers for the revocation tests (imported by name: conftest puts this folder on sys.path)."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

import keyturn as kt

ISSUER = "https://auth.test"
AUDIENCE = "api.test"


def server_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        reason = f"{name} is not set: run `source scripts/test-services.sh` first"
        if os.environ.get("CI"):
            pytest.fail(f"CI must test against real servers, but {reason}")
        pytest.skip(reason)
    return value


class Clock:
    """A clock the tests move by hand; starts at the real time (Redis expiries are real)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def token(signing_key: kt.SigningKey, **claims: Any) -> str:
    """A token this package's verifiers accept, with the given claims over sensible defaults."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": now,
        "exp": now + 600,
        "jti": os.urandom(8).hex(),
    }
    base.update(claims)
    return kt.encode({k: v for k, v in base.items() if v is not None}, signing_key)


def verifier(
    signing_key: kt.SigningKey, revocations: kt.Revocations, **options: Any
) -> kt.Verifier:
    return kt.Verifier(
        signing_key.public_key,
        issuer=ISSUER,
        audience=AUDIENCE,
        revocations=revocations,
        **options,
    )
