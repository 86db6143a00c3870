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


# Saves once, stopping for good halfway through writing the temp file (as a kill would find
# it), under umask 0 so only keyturn's own mode can make the file private.
CUT_SHORT = """
import os
import sys
import threading
import keyturn as kt
import keyturn._keyring_disk

def write_half(file, data):
    file.write(data[: len(data) // 2])
    file.flush()
    print("writing", flush=True)
    threading.Event().wait()

os.umask(0)
keyturn._keyring_disk._write_all = write_half
ring = kt.Keyring.load(sys.argv[1])
ring.rotate()
ring.save(sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_save_killed_mid_write_leaves_a_private_temp_file_and_the_old_state(tmp_path):
    path = tmp_path / "keyring.json"
    ring = kt.Keyring.generate()
    ring.save(path)
    before = path.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", CUT_SHORT, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "writing\n"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    leftovers = list(tmp_path.glob(".keyring.json.*.tmp"))
    assert len(leftovers) == 1
    # The half-written temp file holds private keys: as private as the keyring itself.
    assert stat.S_IMODE(leftovers[0].stat().st_mode) == 0o600
    assert leftovers[0].stat().st_size > 0  # it holds (half of) the new private keys
    assert path.read_bytes() == before
    assert kt.Keyring.load(path).current.kid == ring.current.kid
