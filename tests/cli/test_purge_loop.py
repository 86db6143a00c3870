"""``keyturn serve``'s purge loop (``keyturn._cli_purge.PurgeLoop``) on real SQLite stores: a purge
that fails is logged and the others still run; ``stop`` ends the wait between purges at once."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

import keyturn as kt
from keyturn._cli_purge import PurgeLoop


def revocations_with_a_dead_entry(path: Path) -> kt.Revocations:
    """Revocations on ``path`` holding one entry no token can need any more."""
    past = time.time() - 3600
    kt.Revocations(kt.SQLiteRevocationStore(str(path)), clock=lambda: past).revoke_jti("j", past)
    return kt.Revocations(kt.SQLiteRevocationStore(str(path)))


def test_a_failed_purge_is_logged_and_the_others_still_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    broken = kt.Revocations(kt.SQLiteRevocationStore(str(gone / "keyturn.db")))
    gone.rmdir()  # the store opens its file on first use: now it cannot
    working = revocations_with_a_dead_entry(tmp_path / "keyturn.db")
    loop = PurgeLoop(60, {"broken": broken.purge, "revocations": working.purge})
    with caplog.at_level(logging.WARNING, logger="keyturn.purge"):
        assert loop.run_once() == {"revocations": 1}
    (record,) = caplog.records
    assert record.getMessage().startswith("purge of broken failed (next in 60s): ")
    assert "unable to open database file" in record.getMessage()


def test_the_first_purge_runs_at_start_and_stop_ends_the_wait(tmp_path: Path) -> None:
    revocations = revocations_with_a_dead_entry(tmp_path / "keyturn.db")
    deleted: list[int] = []

    def purge() -> int:
        deleted.append(revocations.purge())
        return deleted[-1]

    loop = PurgeLoop(3600, {"revocations": purge})
    loop.start()
    deadline = time.monotonic() + 10
    while not deleted:
        assert time.monotonic() < deadline, "no purge at start"
        time.sleep(0.01)
    started = time.monotonic()
    loop.stop()
    assert time.monotonic() - started < 5  # not the hour to the next purge
    assert deleted == [1]
