"""One key of a keyring and where it is in its life: what the lifecycle (``keyring``) moves and
the keyring file (``_keyring_disk``) stores."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from keyturn._core import SigningKey, VerifyingKey

__all__ = ["LIVE", "Entry", "KeyState"]


class KeyState(str, enum.Enum):
    """Where a key is in its life."""

    NEXT = "next"
    CURRENT = "current"
    PREVIOUS = "previous"
    RETIRED = "retired"
    REVOKED = "revoked"


#: States whose keys are published in the JWKS and accepted by verifiers; they keep private bytes.
LIVE = (KeyState.CURRENT, KeyState.NEXT, KeyState.PREVIOUS)


@dataclass(eq=False)
class Entry:
    public_key: VerifyingKey
    private_key: SigningKey | None
    state: KeyState
    since: dict[KeyState, float] = field(default_factory=dict)

    @property
    def kid(self) -> str:
        return self.public_key.kid

    @classmethod
    def fresh(cls, now: float, alg: str) -> Entry:
        key = SigningKey.generate(alg=alg)
        return cls(key.public_key, key, KeyState.NEXT, {KeyState.NEXT: now})

    def move(self, state: KeyState, now: float) -> None:
        self.state = state
        self.since[state] = now
        if state not in LIVE:
            self.private_key = None  # it can never sign again; the core zeroizes it on drop
