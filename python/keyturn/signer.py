"""The `Signer` protocol: a key held elsewhere (a KMS or an HSM) that signs on keyturn's behalf.

Its private bytes never enter the process; `keyturn.encode` and `keyturn.Issuer` accept any object
with these three members, and a local `SigningKey` is one implementation.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Signer"]


@runtime_checkable
class Signer(Protocol):
    @property
    def kid(self) -> str | None:
        """The key id written into the token header (``None`` writes none)."""

    @property
    def alg(self) -> str:
        """The JWS algorithm the signer produces, e.g. ``"EdDSA"``."""

    def sign(self, message: bytes, /) -> bytes:
        """Signs the JWS signing input and returns the raw signature bytes."""
