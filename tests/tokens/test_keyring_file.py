"""Keyring files: round trip, permissions, and every way a file can be corrupt or inconsistent."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt

from .tokens_support import expect


def write_private(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(0o600)
    return path


@pytest.fixture
def saved(ring, tmp_path) -> Path:
    ring.rotate()
    ring.revoke(ring.entries()[-1].kid)  # the fresh next: a revoked key in the file
    path = tmp_path / "keyring.json"
    ring.save(path)
    return path


@pytest.fixture
def document(saved) -> dict[str, Any]:
    return json.loads(saved.read_text())


def secrets_in(document: dict[str, Any]) -> list[str]:
    return [entry["jwk"]["d"] for entry in document["keys"] if "d" in entry["jwk"]]


def test_round_trip(ring, saved):
    loaded = kt.Keyring.load(saved)
    assert loaded.entries() == ring.entries()
    assert loaded.jwks() == ring.jwks()
    assert (loaded.rotate_every, loaded.retire_after) == (ring.rotate_every, ring.retire_after)
    assert loaded.current.to_jwk(private=True) == ring.current.to_jwk(private=True)
    token = kt.encode({"sub": "u"}, loaded.current)
    assert kt.decode(token, ring)["sub"] == "u"


def test_file_is_private_and_versioned(saved, document):
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert document["format"] == 1
    assert [entry["state"] for entry in document["keys"]] == [
        "previous",
        "current",
        "revoked",
        "next",
    ]


def test_retired_and_revoked_keys_keep_no_private_part(document):
    for entry in document["keys"]:
        assert ("d" in entry["jwk"]) == (entry["state"] in ("next", "current", "previous"))


def test_save_leaves_no_temporary_file(saved):
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


def test_save_replaces_a_world_readable_file_with_a_private_one(ring, tmp_path):
    path = tmp_path / "keyring.json"
    path.write_text("old")
    path.chmod(0o644)
    ring.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert kt.Keyring.load(path).entries() == ring.entries()


def test_save_ignores_a_permissive_umask(ring, tmp_path):
    previous = os.umask(0)
    try:
        ring.save(tmp_path / "keyring.json")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "keyring.json").stat().st_mode) == 0o600


def test_save_into_a_missing_directory_fails_cleanly(ring, tmp_path):
    with pytest.raises(FileNotFoundError):
        ring.save(tmp_path / "missing" / "keyring.json")


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        kt.Keyring.load(tmp_path / "nothing.json")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o602, 0o644, 0o660, 0o666])
def test_load_refuses_a_file_others_can_access(saved, mode):
    saved.chmod(mode)
    error = expect(kt.KeyringError, kt.Keyring.load, saved)
    assert oct(mode) in str(error)


def test_load_accepts_owner_only_modes(saved):
    saved.chmod(0o400)
    assert kt.Keyring.load(saved)


def test_load_refuses_a_directory(tmp_path):
    folder = tmp_path / "dir"
    folder.mkdir(mode=0o700)
    expect(kt.KeyringError, kt.Keyring.load, folder)


# --- corrupt files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        ("[]", "format 1"),
        ('{"format": 2, "keys": []}', "format 1"),
        ('{"format": true, "keys": []}', "format 1"),
        ('{"format": 1.0, "keys": []}', "format 1"),
        ('{"format": 1, "format": 1}', "repeats a JSON member"),
        ('{"format": 1}', '"keys"'),
        ('{"format": 1, "keys": []}', '"keys"'),
        ('{"format": 1, "keys": {}}', '"keys"'),
        ('{"format": 1, "keys": [7]}', "not a JSON object"),
    ],
)
def test_corrupt_files(tmp_path, content, message):
    path = write_private(tmp_path / "keyring.json", content)
    error = expect(kt.KeyringError, kt.Keyring.load, path)
    assert message in str(error)


def test_truncated_file(saved):
    data = saved.read_bytes()
    write_private(saved, data[: len(data) // 2])
    error = expect(kt.KeyringError, kt.Keyring.load, saved)
    assert "not valid JSON" in str(error)


def test_oversized_file(tmp_path):
    path = write_private(tmp_path / "keyring.json", b" " * (8 * 1024 * 1024 + 1))
    expect(kt.KeyringError, kt.Keyring.load, path)


def first(document: dict[str, Any], state: str) -> dict[str, Any]:
    return next(entry for entry in document["keys"] if entry["state"] == state)


def two_current(doc: dict[str, Any]) -> None:
    first(doc, "previous")["state"] = "current"
    first(doc, "current")["since"]["current"] = 1


def no_current(doc: dict[str, Any]) -> None:
    entry = first(doc, "current")
    entry["state"] = "previous"
    entry["since"]["previous"] = 1


def two_next(doc: dict[str, Any]) -> None:
    first(doc, "previous")["state"] = "next"


def no_next(doc: dict[str, Any]) -> None:
    doc["keys"].remove(first(doc, "next"))


def d_of_another_key(doc: dict[str, Any]) -> None:
    first(doc, "current")["jwk"]["d"] = first(doc, "next")["jwk"]["d"]


def live_without_d(doc: dict[str, Any]) -> None:
    del first(doc, "previous")["jwk"]["d"]


def revoked_with_d(doc: dict[str, Any]) -> None:
    first(doc, "revoked")["jwk"]["d"] = first(doc, "next")["jwk"]["d"]


def duplicate_kid(doc: dict[str, Any]) -> None:
    doc["keys"].append(dict(first(doc, "previous")))


def kid_mismatch(doc: dict[str, Any]) -> None:
    first(doc, "current")["kid"] = "renamed"


def unknown_state(doc: dict[str, Any]) -> None:
    first(doc, "previous")["state"] = "dormant"


def since_without_state(doc: dict[str, Any]) -> None:
    del first(doc, "previous")["since"]["previous"]


def since_not_a_number(doc: dict[str, Any]) -> None:
    first(doc, "current")["since"]["current"] = "yesterday"


def since_unknown_state(doc: dict[str, Any]) -> None:
    first(doc, "current")["since"]["later"] = 5


def bad_x(doc: dict[str, Any]) -> None:
    first(doc, "revoked")["jwk"]["x"] = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def no_kid(doc: dict[str, Any]) -> None:
    del first(doc, "current")["kid"]


def no_jwk(doc: dict[str, Any]) -> None:
    first(doc, "current")["jwk"] = "key"


def bad_schedule(doc: dict[str, Any]) -> None:
    doc["retire_after"] = -5


def missing_schedule(doc: dict[str, Any]) -> None:
    del doc["rotate_every"]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (two_current, "exactly one current key, this one has 2"),
        (no_current, "exactly one current key, this one has 0"),
        (two_next, "exactly one next key, this one has 2"),
        (no_next, "exactly one next key, this one has 0"),
        (d_of_another_key, "d does not match its x"),
        (live_without_d, "JWK d must be"),
        (revoked_with_d, "private JWK"),
        (duplicate_kid, "appears more than once"),
        (kid_mismatch, "names a different kid"),
        (unknown_state, "unknown state"),
        (since_without_state, "does not record when it became previous"),
        (since_not_a_number, "not a number"),
        (since_unknown_state, "unknown state"),
        (bad_x, "small order"),
        (no_kid, "has no kid"),
        (no_jwk, "has no jwk object"),
        (bad_schedule, "retire_after must be a positive number"),
        (missing_schedule, "rotate_every must be a positive number"),
    ],
)
def test_inconsistent_files(saved, document, damage, message):
    damage(document)
    write_private(saved, json.dumps(document))
    error = expect(kt.KeyringError, kt.Keyring.load, saved)
    assert message in str(error)
    for secret in secrets_in(document):
        assert secret not in str(error)
        assert secret not in repr(error)
    # No chained exception either (a JSONDecodeError would carry the whole file in .doc).
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_a_failed_load_leaves_the_file_alone(saved, document):
    two_current(document)
    write_private(saved, json.dumps(document))
    before = saved.read_bytes()
    expect(kt.KeyringError, kt.Keyring.load, saved)
    assert saved.read_bytes() == before
