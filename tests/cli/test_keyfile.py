"""KeyringFile: the keyring a long-running server follows on disk."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import keyturn
from keyturn._keyfile import KeyringFile
from support import Clock


@pytest.fixture
def path(tmp_path: Path) -> Path:
    keyring_path = tmp_path / "keys.json"
    keyturn.Keyring.generate().save(keyring_path)
    return keyring_path


def test_follows_a_rotation_after_the_interval(path: Path) -> None:
    clock = Clock(0.0)
    follower = KeyringFile(path, interval=1.0, clock=clock)
    issuer = keyturn.Issuer(follower, issuer="https://i", audience="a")
    verifier = issuer.verifier()
    old_token = issuer.issue("u")
    old_kid = follower.current.kid

    other = keyturn.Keyring.load(path)  # another process: keyturn keys rotate
    other.rotate()
    other.save(path)
    assert follower.current.kid == old_kid  # not checked again yet
    clock.now = 1.0
    assert follower.current.kid == other.current.kid
    assert follower.jwks() == other.jwks()
    assert verifier.verify(old_token)["sub"] == "u"  # previous keys still verify

    other.revoke(old_kid)
    other.save(path)
    clock.now = 2.0
    with pytest.raises(keyturn.UnknownKey) as caught:
        verifier.verify(old_token)
    assert caught.value.code == "key_unknown"


def test_versions_change_on_every_reload(path: Path) -> None:
    clock = Clock(0.0)
    follower = KeyringFile(path, interval=1.0, clock=clock)
    first = follower.keys_version
    keyturn.Keyring.load(path).save(path)  # same keys, rewritten: a new Keyring object
    clock.now = 1.0
    assert follower.keys_version != first


def test_a_bad_file_keeps_the_loaded_keys(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock(0.0)
    follower = KeyringFile(path, interval=1.0, clock=clock)
    kid = follower.current.kid
    path.write_text("{not a keyring")
    clock.now = 1.0
    with caplog.at_level(logging.WARNING, logger="keyturn.keyring"):
        assert follower.current.kid == kid
    assert "not reloaded, keeping its keys" in caplog.text
    path.unlink()
    clock.now = 2.0
    assert follower.current.kid == kid


def test_a_missing_file_is_an_error_at_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        KeyringFile(tmp_path / "absent.json")
