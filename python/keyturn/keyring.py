"""A signing keyring: Ed25519 keys that move through next → current → previous → retired.

* ``next`` is published in the JWKS but does not sign yet, so verifiers that cache the JWKS learn
  it before the first token it signs;
* ``current`` signs (exactly one);
* ``previous`` only verifies, until every token it signed has expired (``retire_after``);
* ``retired`` is gone from the JWKS and from verification;
* ``revoked`` is the emergency exit: gone from the JWKS and from verification at once.

Retired and revoked keys keep only their public half: their private bytes are dropped (and zeroized
by the Rust core) as soon as they can never sign again. A keyring implements the ``KeySource``
protocol of :mod:`keyturn.key_source`, so a ``Verifier`` built on it follows every state change.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from keyturn import _keyring_disk
from keyturn._core import SigningKey, VerifyingKey
from keyturn._keyring_entry import LIVE, Entry, KeyState
from keyturn._limits import DAY, MAX_LEEWAY, MAX_PUBLISHED_MAX_AGE, MAX_TTL
from keyturn.errors import ConfigurationError, KeyringError

__all__ = ["DEFAULT_RETIRE_AFTER", "DEFAULT_ROTATE_EVERY", "KeyInfo", "Keyring"]

#: A week: long enough that caches settle, short enough that a leaked key has a bounded life.
DEFAULT_ROTATE_EVERY = 7 * DAY
#: The longest ttl an Issuer accepts without ``allow_long_ttl`` (24 h) plus the largest leeway a
#: Verifier accepts (5 min): no token signed by a previous key can still be valid when it retires.
DEFAULT_RETIRE_AFTER = MAX_TTL + MAX_LEEWAY


@dataclass(frozen=True)
class KeyInfo:
    """A read-only view of one key: never its private half."""

    kid: str
    state: KeyState
    since: Mapping[KeyState, float]
    public_key: VerifyingKey


class Keyring:
    """Signing keys through their life. Build one with :meth:`generate` or :meth:`load`.

    Thread-safe: every read and mutation holds one lock. Nothing happens on its own: call
    :meth:`maintain` periodically (and :meth:`save` when it returns True).
    """

    def __init__(self, entries: Iterable[Entry], *, rotate_every: float, retire_after: float):
        self._entries = list(entries)
        _check_consistency(self._entries)
        self._rotate_every = _positive_seconds("rotate_every", rotate_every)
        self._retire_after = _positive_seconds("retire_after", retire_after)
        self._version = 0
        self._lock = threading.RLock()

    @classmethod
    def generate(
        cls,
        *,
        rotate_every: float = DEFAULT_ROTATE_EVERY,
        retire_after: float = DEFAULT_RETIRE_AFTER,
        now: float | None = None,
        alg: str = "EdDSA",
    ) -> Keyring:
        """A new keyring with a current key and a published next key, both for ``alg``
        (``EdDSA``, ``ES256``, ``ES384``, ``RS256``, ``PS256``, ...; RSA keys have 3072 bits).

        ``retire_after`` must cover the longest ttl of any Issuer using this keyring plus the
        verifiers' leeway; ``Issuer`` refuses a ttl longer than it.
        """
        moment = _now(now)
        current = Entry.fresh(moment, alg)
        current.move(KeyState.CURRENT, moment)
        return cls(
            [current, Entry.fresh(moment, alg)],
            rotate_every=rotate_every,
            retire_after=retire_after,
        )

    # --- schedule ---------------------------------------------------------------------------

    @property
    def rotate_every(self) -> float:
        return self._rotate_every

    @property
    def retire_after(self) -> float:
        return self._retire_after

    def rotate(self, *, now: float | None = None) -> None:
        """next → current, current → previous, and a fresh next."""
        moment = _now(now)
        with self._lock:
            self._rotate(moment)
            self._version += 1

    def revoke(self, kid: str, *, now: float | None = None) -> None:
        """Stop publishing and accepting ``kid`` at once; a revoked signer is replaced by next."""
        moment = _now(now)
        with self._lock:
            entry = next((e for e in self._entries if e.kid == kid), None)
            if entry is None:
                raise KeyringError(f"no key with kid {kid!r} in this keyring")
            if entry.state is KeyState.REVOKED:
                return
            was = entry.state
            entry.move(KeyState.REVOKED, moment)
            if was is KeyState.CURRENT:
                self._promote_next(moment)
            elif was is KeyState.NEXT:
                self._entries.append(Entry.fresh(moment, _alg(entry.public_key)))
            self._version += 1

    def maintain(self, now: float | None = None) -> bool:
        """Retire previous keys whose tokens have all expired; rotate a current key that is due.

        Returns whether anything changed (then the keyring should be saved).
        """
        moment = _now(now)
        with self._lock:
            changed = False
            for entry in self._entries:
                if entry.state is KeyState.PREVIOUS and self._retire_due(entry) <= moment:
                    entry.move(KeyState.RETIRED, moment)
                    changed = True
            if self._one(KeyState.CURRENT).since[KeyState.CURRENT] + self._rotate_every <= moment:
                self._rotate(moment)
                changed = True
            if changed:
                self._version += 1
            return changed

    def _retire_due(self, entry: Entry) -> float:
        return entry.since[KeyState.PREVIOUS] + self._retire_after

    def _rotate(self, now: float) -> None:
        self._one(KeyState.CURRENT).move(KeyState.PREVIOUS, now)
        self._promote_next(now)

    def _promote_next(self, now: float) -> None:
        promoted = self._one(KeyState.NEXT)
        promoted.move(KeyState.CURRENT, now)
        # The newest key names the algorithm of the keys after it (see change_algorithm).
        self._entries.append(Entry.fresh(now, _alg(promoted.public_key)))

    def change_algorithm(self, alg: str, *, now: float | None = None) -> None:
        """Move the keyring to ``alg`` through its ordinary lifecycle.

        The published *next* key, which has never signed, is retired and replaced by a new *next*
        key for ``alg``: it is published at once and signs from the following rotation on, so
        every verifier has seen it before a token carries it. Tokens of the old algorithm keep
        verifying until their key retires. Call :meth:`save` afterwards.
        """
        moment = _now(now)
        with self._lock:
            fresh = Entry.fresh(moment, alg)
            self._one(KeyState.NEXT).move(KeyState.RETIRED, moment)
            self._entries.append(fresh)
            self._version += 1

    def _one(self, state: KeyState) -> Entry:
        # The consistency rules guarantee exactly one current and one next.
        return next(e for e in self._entries if e.state is state)

    # --- reading ----------------------------------------------------------------------------

    @property
    def current(self) -> SigningKey:
        """The key that signs now."""
        with self._lock:
            key = self._one(KeyState.CURRENT).private_key
        assert key is not None  # live entries always hold their private key
        return key

    def entries(self) -> list[KeyInfo]:
        """Every key, oldest first, without private material."""
        with self._lock:
            return [KeyInfo(e.kid, e.state, dict(e.since), e.public_key) for e in self._entries]

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public JWKS document: next, current and previous keys, never retired or revoked."""
        return {"keys": [_public_jwk(key) for key in self.verification_keys()]}

    def max_age_hint(self) -> int:
        """Seconds a JWKS response may be cached (``Cache-Control: max-age``).

        A verifier must refetch well before a published next key starts signing (one rotation
        period), and a revocation only reaches caches when they expire: a tenth of the rotation
        period, capped at an hour.
        """
        return max(1, min(MAX_PUBLISHED_MAX_AGE, int(self._rotate_every / 10)))

    # --- KeySource --------------------------------------------------------------------------

    @property
    def keys_version(self) -> int:
        """Changes on every state change."""
        return self._version

    def verification_keys(self) -> tuple[VerifyingKey, ...]:
        with self._lock:
            live = [e for e in self._entries if e.state in LIVE]
        live.sort(key=lambda e: LIVE.index(e.state))
        return tuple(e.public_key for e in live)

    def refresh_on_unknown_kid(self) -> bool:
        # Everything this keyring knows is already in memory: there is nothing to refetch.
        return False

    # --- persistence ------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically (temp file in the same directory, fsync, rename, fsync directory).

        The file is mode 0600 from the moment it exists. A crash at any point leaves either the old
        file or the new one, never a mix.
        """
        with self._lock:  # a consistent snapshot; the slow write and fsyncs run outside the lock
            data = _keyring_disk.dump(
                self._entries, rotate_every=self._rotate_every, retire_after=self._retire_after
            )
        _keyring_disk.write(os.fspath(path), data)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Keyring:
        """Read a file written by :meth:`save`; ``KeyringError`` says what is wrong with a bad one.

        Refuses, as ssh refuses a private key file: a symbolic link (opened with ``O_NOFOLLOW``,
        so the check and the read are of the same file), a file not owned by the running user,
        and a file that group or others may read or write. ``OSError`` (such as
        ``FileNotFoundError``) passes through unchanged.
        """
        stored = _keyring_disk.read(os.fspath(path))
        try:
            return cls(
                stored.entries, rotate_every=stored.rotate_every, retire_after=stored.retire_after
            )
        except ConfigurationError as error:  # a schedule out of range is a broken file here
            raise KeyringError(str(error)) from None

    def __repr__(self) -> str:
        with self._lock:
            keys = ", ".join(f"{e.kid}: {e.state.value}" for e in self._entries)
        return f"Keyring({{{keys}}})"


# --- helpers --------------------------------------------------------------------------------


def _now(now: float | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
        # A NaN moment compares false with everything: rotation and retirement would never fall due.
        raise ConfigurationError("now must be a finite number of seconds since the epoch")
    return now


def _positive_seconds(name: str, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigurationError(f"{name} must be a positive number of seconds")
    return value


def _alg(key: VerifyingKey) -> str:
    """The algorithm a keyring key signs with: EdDSA for Ed25519 (what every verifier knows),
    and the one algorithm an RSA or EC key was generated for."""
    return key.alg or key.algorithms[0]


def _public_jwk(key: VerifyingKey) -> dict[str, Any]:
    return {**key.to_jwk(), "kid": key.kid, "use": "sig", "alg": _alg(key)}


def _check_consistency(entries: list[Entry]) -> None:
    kids = [e.kid for e in entries]
    duplicates = sorted({kid for kid in kids if kids.count(kid) > 1})
    if duplicates:
        raise KeyringError(f"kid {duplicates[0]!r} appears more than once")
    for state in (KeyState.CURRENT, KeyState.NEXT):
        count = sum(e.state is state for e in entries)
        if count != 1:
            raise KeyringError(
                f"a keyring needs exactly one {state.value} key, this one has {count}"
            )
