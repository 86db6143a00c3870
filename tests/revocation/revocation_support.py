"""Helpers for the revocation tests: tokens and verifiers (``from .revocation_support import``)."""

from __future__ import annotations

import os
import time
from typing import Any

import keyturn as kt

ISSUER = "https://auth.test"
AUDIENCE = "api.test"


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
