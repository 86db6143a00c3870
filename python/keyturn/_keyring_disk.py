"""The keyring file: its format, written atomically and privately, read only from a private file.

``Keyring.save`` and ``Keyring.load`` come here; the lifecycle itself (``keyring``) does no I/O.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import secrets
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar

from keyturn._core import SigningKey, VerifyingKey
from keyturn._keyring_entry import LIVE, Entry, KeyState
from keyturn.errors import InvalidKey, KeyringError

__all__ = ["FORMAT", "MAX_FILE_BYTES", "Stored", "dump", "read", "write"]

FORMAT = 1
#: A keyring file is a few hundred bytes per key; anything this large is not one.
MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Stored:
    """What a keyring file holds. The schedule is as read: ``Keyring`` checks it."""

    entries: list[Entry]
    rotate_every: Any
    retire_after: Any


def dump(entries: Sequence[Entry], *, rotate_every: float, retire_after: float) -> bytes:
    """The file's content for a keyring's keys and schedule."""
    document = {
        "format": FORMAT,
        "rotate_every": rotate_every,
        "retire_after": retire_after,
        "keys": [_entry_document(e) for e in entries],
    }
    return json.dumps(document, indent=1).encode()


def write(path: str, data: bytes) -> None:
    """Write atomically (temp file in the same directory, fsync, rename, fsync directory), the
    file mode 0600 from the moment it exists: a crash leaves the old file or the new one."""
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


def read(path: str) -> Stored:
    """Read a file ``dump`` made; ``KeyringError`` says what is wrong with a bad one."""
    document = _parse_json(_read_private_file(path))
    if (
        not isinstance(document, dict)
        or type(document.get("format")) is not int
        or document["format"] != FORMAT
    ):
        raise KeyringError(f"not a keyring file of format {FORMAT}")
    raw_keys = document.get("keys")
    if not isinstance(raw_keys, list) or not raw_keys:
        raise KeyringError('"keys" must be a non-empty array')
    return Stored(
        [_parse_entry(raw, index) for index, raw in enumerate(raw_keys)],
        rotate_every=document.get("rotate_every"),
        retire_after=document.get("retire_after"),
    )


# --- writing -------------------------------------------------------------------------------------


def _entry_document(entry: Entry) -> dict[str, Any]:
    jwk = entry.private_key.to_jwk(private=True) if entry.private_key else entry.public_key.to_jwk()
    return {
        "kid": entry.kid,
        "state": entry.state.value,
        "since": {state.value: moment for state, moment in entry.since.items()},
        "jwk": {**jwk, "kid": entry.kid},
    }


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


# --- reading -------------------------------------------------------------------------------------


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


def _parse_entry(raw: object, index: int) -> Entry:
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
    private = _import(SigningKey.from_jwk, jwk, where) if state in LIVE else None
    public = private.public_key if private else _import(VerifyingKey.from_jwk, jwk, where)
    if public.kid != kid:
        raise KeyringError(f"{where}: its jwk names a different kid")
    return Entry(public, private, state, since)


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
