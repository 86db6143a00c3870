"""Crash safety: a process killed (SIGKILL) while it saves leaves a file that loads as the old
state or the new one, never a mix and never nothing."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import keyturn as kt

# Rotates and saves in a loop, printing the new current kid *before* each save: the file on disk
# then always holds the state of the last printed kid or of the one before it.
CHILD = """
import sys
import keyturn as kt

path = sys.argv[1]
ring = kt.Keyring.load(path)
while True:
    ring.rotate()
    print(ring.current.kid, flush=True)
    ring.save(path)
"""


def wait_for_output(log: Path, deadline: float) -> None:
    while not log.read_text().strip():
        if time.monotonic() > deadline:
            raise AssertionError("the saving child never started")
        time.sleep(0.01)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("delay", [0.0, 0.01, 0.03, 0.07, 0.11, 0.17, 0.23, 0.31])
def test_killed_while_saving(tmp_path, delay):
    path = tmp_path / "keyring.json"
    ring = kt.Keyring.generate()
    ring.save(path)
    log = tmp_path / "kids.log"
    with log.open("w") as out:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=out)
        try:
            wait_for_output(log, time.monotonic() + 30)
            time.sleep(delay)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    kids = [ring.current.kid, *log.read_text().split()]

    loaded = kt.Keyring.load(path)

    assert loaded.current.kid in kids[-2:]
    rotations = kids.index(loaded.current.kid)
    # Exactly the state after that many rotations: each rotation adds one key.
    assert len(loaded.entries()) == 2 + rotations
    assert [info.state for info in loaded.entries()].count(kt.KeyState.PREVIOUS) == rotations
    for leftover in tmp_path.glob(".keyring.json.*.tmp"):
        # A save cut short leaves its temp file behind: it must be as private as the real one.
        assert stat.S_IMODE(leftover.stat().st_mode) == 0o600
