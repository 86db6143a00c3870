"""A keyring file is read as ssh reads a private key (issue 13 item 7): no symbolic link, only the
running user's own file, and only finite times (a NaN ``since`` would stop rotation for good)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

import keyturn as kt
from keyturn._keyfile import KeyringFile


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    kt.Keyring.generate().save(path)
    return path


def refused(path: Path, message: str) -> None:
    with pytest.raises(kt.KeyringError) as caught:
        kt.Keyring.load(path)
    assert type(caught.value) is kt.KeyringError
    assert caught.value.code == "keyring_invalid"
    assert str(caught.value) == message


def _with_since(saved: Path, moment: str) -> Path:
    """The saved file, its current key's "since" replaced by ``moment`` (raw JSON text)."""
    document = json.loads(saved.read_text())
    current = next(k for k in document["keys"] if k["state"] == "current")
    current["since"]["current"] = "MOMENT"
    saved.write_text(json.dumps(document).replace('"MOMENT"', moment))
    return saved


@pytest.mark.parametrize("moment", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_non_finite_since_is_refused(saved: Path, moment: str) -> None:
    _with_since(saved, moment)
    kid = json.loads(saved.read_text().replace(moment, "0"))["keys"][0]["kid"]
    refused(saved, f'key {kid!r} has a "since" time that is not a finite number')


def test_a_finite_since_still_loads(saved: Path) -> None:
    _with_since(saved, "1700000000.5")
    assert kt.Keyring.load(saved).current is not None


def test_a_symbolic_link_is_not_followed(saved: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(saved)
    refused(link, f"{link} is a symbolic link; refusing to follow it")
    assert kt.Keyring.load(saved).jwks() is not None  # the target itself is fine


def test_a_file_of_another_user_is_refused(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    owner = saved.stat().st_uid
    if os.geteuid() == 0:  # root can hand the real file to another user
        os.chown(saved, 65534, -1)
        owner, me = 65534, 0
    else:  # otherwise run the check as if another user were running it
        me = owner + 1
        monkeypatch.setattr(os, "geteuid", lambda: me)
    refused(saved, f"{saved} is owned by uid {owner}, not by the running user (uid {me})")


@pytest.mark.parametrize("moment", [math.nan, math.inf, -math.inf, True, "1700000000"])
def test_keyring_time_arguments_must_be_finite_numbers(moment: object) -> None:
    ring = kt.Keyring.generate()
    for call in (
        lambda: ring.rotate(now=moment),  # type: ignore[arg-type]
        lambda: ring.maintain(moment),  # type: ignore[arg-type]
        lambda: ring.revoke(ring.current.kid, now=moment),  # type: ignore[arg-type]
    ):
        with pytest.raises(kt.ConfigurationError) as caught:
            call()
        assert caught.value.code == "configuration_invalid"
        assert str(caught.value) == "now must be a finite number of seconds since the epoch"


@pytest.mark.parametrize("interval", [math.nan, math.inf, -1.0])
def test_keyring_file_interval_must_be_finite(saved: Path, interval: float) -> None:
    with pytest.raises(kt.ConfigurationError) as caught:
        KeyringFile(saved, interval=interval)
    assert caught.value.code == "configuration_invalid"
