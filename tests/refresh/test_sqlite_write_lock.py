"""SQLite writers in one process queue on one lock per database file, not in SQLite's busy handler
(whose growing sleeps were the soak's p99; docs/stores.md)."""

from __future__ import annotations

import threading
from pathlib import Path

import keyturn as kt
from keyturn._sqlite import write_lock


def test_every_spelling_of_a_path_shares_one_write_lock(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    direct = tmp_path / "keyturn.db"
    roundabout = tmp_path / "sub" / ".." / "keyturn.db"
    assert write_lock(str(direct)) is write_lock(str(roundabout))
    assert write_lock(str(direct)) is not write_lock(str(tmp_path / "other.db"))


def test_refresh_and_revocation_stores_on_one_file_share_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "keyturn.db"
    tokens = kt.SQLiteStore(path)
    revocations = kt.SQLiteRevocationStore(str(path))
    held = write_lock(str(path))
    try:
        held.acquire()
        finished = threading.Event()
        errors: list[BaseException] = []

        def revoke() -> None:
            try:
                revocations.revoke_jti(b"\x01" * 32, 4e9)
            except BaseException as error:  # collected: a worker's failure fails the test
                errors.append(error)
            finished.set()

        worker = threading.Thread(target=revoke)
        worker.start()
        # While this thread holds the file's write lock, the other store's write waits for it.
        assert not finished.wait(0.2)
        held.release()
        assert finished.wait(10)
        worker.join()
        assert errors == []
    finally:
        tokens.close()
        revocations.close()
