"""A signing keyring: Ed25519 keys that move through next → current → previous → retired.

* ``next`` is published in the JWKS but does not sign yet, so verifiers that cache the JWKS learn
  it before the first token it signs;
* ``current`` signs (exactly one);
* ``previous`` only verifies, until every token it signed has expired (``retire_after``);
* ``retired`` is gone from the JWKS and from verification;
* ``revoked`` is the emergency exit: gone from the JWKS and from verification at once.

Retired and revoked keys keep only their public half: their private bytes are dropped (and zeroized
by the Rust core) as soon as they can never sign again. A keyring implements the ``KeySource``
protocol of :mod:`keyturn.tokens`, so a ``Verifier`` built on it follows every state change.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import json
import math
import os
import secrets
import stat
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from keyturn._core import SigningKey, VerifyingKey
from keyturn._limits import DAY, MAX_LEEWAY, MAX_PUBLISHED_MAX_AGE, MAX_TTL
from keyturn.errors import ConfigurationError, InvalidKey, KeyringError, KeyturnError

__all__ = ["DEFAULT_RETIRE_AFTER", "DEFAULT_ROTATE_EVERY", "KeyInfo", "KeyState", "Keyring"]

#: A week: long enough that caches settle, short enough that a leaked key has a bounded life.
DEFAULT_ROTATE_EVERY = 7 * DAY
#: The longest ttl an Issuer accepts without ``allow_long_ttl`` (24 h) plus the largest leeway a
#: Verifier accepts (5 min): no token signed by a previous key can still be valid when it retires.
DEFAULT_RETIRE_AFTER = MAX_TTL + MAX_LEEWAY

FORMAT = 1
#: A keyring file is a few hundred bytes per key; anything this large is not one.
MAX_FILE_BYTES = 8 * 1024 * 1024


class KeyState(str, enum.Enum):
    """Where a key is in its life."""

    NEXT = "next"
    CURRENT = "current"
    PREVIOUS = "previous"
    RETIRED = "retired"
    REVOKED = "revoked"


#: States whose keys are published in the JWKS and accepted by verifiers; they keep private bytes.
_LIVE = (KeyState.CURRENT, KeyState.NEXT, KeyState.PREVIOUS)


@dataclass(frozen=True)
class KeyInfo:
    """A read-only view of one key: never its private half."""

    kid: str
    state: KeyState
    since: Mapping[KeyState, float]
    public_key: VerifyingKey


@dataclass(eq=False)
class _Entry:
    public_key: VerifyingKey
    private_key: SigningKey | None
    state: KeyState
    since: dict[KeyState, float] = field(default_factory=dict)

    @property
    def kid(self) -> str:
        return self.public_key.kid

    @classmethod
    def fresh(cls, now: float, alg: str) -> _Entry:
        key = SigningKey.generate(alg=alg)
        return cls(key.public_key, key, KeyState.NEXT, {KeyState.NEXT: now})

    def move(self, state: KeyState, now: float) -> None:
        self.state = state
        self.since[state] = now
        if state not in _LIVE:
            self.private_key = None  # it can never sign again; the core zeroizes it on drop


class Keyring:
    """Signing keys through their life. Build one with :meth:`generate` or :meth:`load`.

    Thread-safe: every read and mutation holds one lock. Nothing happens on its own: call
    :meth:`maintain` periodically (and :meth:`save` when it returns True).
    """

    def __init__(self, entries: Iterable[_Entry], *, rotate_every: float, retire_after: float):
        self._entries = list(entries)
        _check_consistency(self._entries)
        self._rotate_every = _positive_seconds("rotate_every", rotate_every, ConfigurationError)
        self._retire_after = _positive_seconds("retire_after", retire_after, ConfigurationError)
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
        current = _Entry.fresh(moment, alg)
        current.move(KeyState.CURRENT, moment)
        return cls(
            [current, _Entry.fresh(moment, alg)],
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
                self._entries.append(_Entry.fresh(moment, _alg(entry.public_key)))
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

    def _retire_due(self, entry: _Entry) -> float:
        return entry.since[KeyState.PREVIOUS] + self._retire_after

    def _rotate(self, now: float) -> None:
        self._one(KeyState.CURRENT).move(KeyState.PREVIOUS, now)
        self._promote_next(now)

    def _promote_next(self, now: float) -> None:
        promoted = self._one(KeyState.NEXT)
        promoted.move(KeyState.CURRENT, now)
        # The newest key names the algorithm of the keys after it (see change_algorithm).
        self._entries.append(_Entry.fresh(now, _alg(promoted.public_key)))

    def change_algorithm(self, alg: str, *, now: float | None = None) -> None:
        """Move the keyring to ``alg`` through its ordinary lifecycle.

        The published *next* key, which has never signed, is retired and replaced by a new *next*
        key for ``alg``: it is published at once and signs from the following rotation on, so
        every verifier has seen it before a token carries it. Tokens of the old algorithm keep
        verifying until their key retires. Call :meth:`save` afterwards.
        """
        moment = _now(now)
        with self._lock:
            fresh = _Entry.fresh(moment, alg)
            self._one(KeyState.NEXT).move(KeyState.RETIRED, moment)
            self._entries.append(fresh)
            self._version += 1

    def _one(self, state: KeyState) -> _Entry:
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
            live = [e for e in self._entries if e.state in _LIVE]
        live.sort(key=lambda e: _LIVE.index(e.state))
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
        with self._lock:
            document = {
                "format": FORMAT,
                "rotate_every": self._rotate_every,
                "retire_after": self._retire_after,
                "keys": [_entry_document(e) for e in self._entries],
            }
        _atomic_write(os.fspath(path), json.dumps(document, indent=1).encode())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Keyring:
        """Read a file written by :meth:`save`; ``KeyringError`` says what is wrong with a bad one.

        Refuses, as ssh refuses a private key file: a symbolic link (opened with ``O_NOFOLLOW``,
        so the check and the read are of the same file), a file not owned by the running user,
        and a file that group or others may read or write. ``OSError`` (such as
        ``FileNotFoundError``) passes through unchanged.
        """
        document = _parse_json(_read_private_file(os.fspath(path)))
        if (
            not isinstance(document, dict)
            or type(document.get("format")) is not int
            or document["format"] != FORMAT
        ):
            raise KeyringError(f"not a keyring file of format {FORMAT}")
        raw_keys = document.get("keys")
        if not isinstance(raw_keys, list) or not raw_keys:
            raise KeyringError('"keys" must be a non-empty array')
        return cls(
            [_parse_entry(raw, index) for index, raw in enumerate(raw_keys)],
            rotate_every=_document_seconds(document, "rotate_every"),
            retire_after=_document_seconds(document, "retire_after"),
        )

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


def _positive_seconds(name: str, value: object, error: type[KeyturnError]) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise error(f"{name} must be a positive number of seconds")
    return value


def _alg(key: VerifyingKey) -> str:
    """The algorithm a keyring key signs with: EdDSA for Ed25519 (what every verifier knows),
    and the one algorithm an RSA or EC key was generated for."""
    return key.alg or key.algorithms[0]


def _public_jwk(key: VerifyingKey) -> dict[str, Any]:
    return {**key.to_jwk(), "kid": key.kid, "use": "sig", "alg": _alg(key)}


def _check_consistency(entries: list[_Entry]) -> None:
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


def _entry_document(entry: _Entry) -> dict[str, Any]:
    jwk = entry.private_key.to_jwk(private=True) if entry.private_key else entry.public_key.to_jwk()
    return {
        "kid": entry.kid,
        "state": entry.state.value,
        "since": {state.value: moment for state, moment in entry.since.items()},
        "jwk": {**jwk, "kid": entry.kid},
    }


def _atomic_write(path: str, data: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(temp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            _write_all(file, data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_directory(directory)


def _write_all(file: BinaryIO, data: bytes) -> None:
    file.write(data)
    file.flush()
    os.fsync(file.fileno())


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not possible (nor needed) where directories cannot be opened.
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_private_file(path: str) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW's answer for a symbolic link
            raise KeyringError(f"{path} is a symbolic link; refusing to follow it") from None
        raise
    try:
        # fstat on the open descriptor: the mode checked is the mode of the bytes we read.
        _check_private(path, os.fstat(fd))
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise KeyringError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    finally:
        os.close(fd)
    return b"".join(chunks)


def _check_private(path: str, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise KeyringError(f"{path} is not a regular file")
    # Another user who owns the file can replace its keys whatever its mode says (POSIX only).
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise KeyringError(
            f"{path} is owned by uid {info.st_uid}, not by the running user (uid {os.geteuid()})"
        )
    if info.st_mode & 0o077:
        mode = stat.S_IMODE(info.st_mode)
        raise KeyringError(
            f"{path} is accessible by group or others (mode {mode:#o}); chmod 600 it"
        )


def _parse_json(data: bytes) -> object:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyringError("the keyring file is not UTF-8 text") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_members)
    except json.JSONDecodeError as error:
        # `from None`: a JSONDecodeError carries the whole document (private keys) in `.doc`.
        raise KeyringError(
            f"the keyring file is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise KeyringError("the keyring file repeats a JSON member name")
    return document


def _document_seconds(document: dict[str, Any], name: str) -> float:
    return _positive_seconds(name, document.get(name), KeyringError)


def _parse_entry(raw: object, index: int) -> _Entry:
    where = f"key #{index}"
    if not isinstance(raw, dict):
        raise KeyringError(f"{where} is not a JSON object")
    kid, jwk = raw.get("kid"), raw.get("jwk")
    if not isinstance(kid, str) or not kid:
        raise KeyringError(f"{where} has no kid")
    where = f"key {kid!r}"
    if not isinstance(jwk, dict):
        raise KeyringError(f"{where} has no jwk object")
    state = _parse_state(raw.get("state"), where)
    since = _parse_since(raw.get("since"), state, where)
    # The core refuses a d that does not match x, and a d on a key that should be public only.
    private = _import(SigningKey.from_jwk, jwk, where) if state in _LIVE else None
    public = private.public_key if private else _import(VerifyingKey.from_jwk, jwk, where)
    if public.kid != kid:
        raise KeyringError(f"{where}: its jwk names a different kid")
    return _Entry(public, private, state, since)


def _parse_state(raw: object, where: str) -> KeyState:
    try:
        return KeyState(raw)
    except ValueError:
        raise KeyringError(f"{where} has an unknown state") from None


def _parse_since(raw: object, state: KeyState, where: str) -> dict[KeyState, float]:
    if not isinstance(raw, dict):
        raise KeyringError(f'{where} has no "since" object')
    since = {_parse_state(name, where): moment for name, moment in raw.items()}
    for moment in since.values():
        if isinstance(moment, bool) or not isinstance(moment, (int, float)):
            raise KeyringError(f'{where} has a "since" time that is not a number')
        if not math.isfinite(moment):  # NaN, Infinity, or 1e400 read as inf
            raise KeyringError(f'{where} has a "since" time that is not a finite number')
    if state not in since:
        raise KeyringError(f"{where} does not record when it became {state.value}")
    return since


_Key = TypeVar("_Key", SigningKey, VerifyingKey)


def _import(loader: Callable[[dict[str, Any]], _Key], jwk: dict[str, Any], where: str) -> _Key:
    try:
        return loader(jwk)
    except InvalidKey as error:
        raise KeyringError(f"{where}: {error}") from None
