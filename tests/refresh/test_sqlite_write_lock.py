"""SQLite writers in one process queue on one lock per database file, not in SQLite's busy handler
(whose growing sleeps were the soak's p99; docs/stores.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable
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


def test_stores_opening_a_fresh_file_at_once_never_see_database_is_locked(
    tmp_path: Path, in_threads: Callable[[Callable[[int], None], int], None]
) -> None:
    # Turning WAL on upgrades a read lock to a write lock, and SQLite answers a racing upgrade
    # with "database is locked" at once, skipping the busy timeout. Before the switch went under
    # the file's write lock, 8 stores released together hit it in about 3% of rounds (a flaky
    # CI run); 300 rounds without it leave that a chance below 1 in 10,000.
    for round_ in range(300):
        _open_together(tmp_path / f"fresh-{round_}.db", 8, in_threads)


def _open_together(
    path: Path, workers: int, in_threads: Callable[[Callable[[int], None], int], None]
) -> None:
    stores = [kt.SQLiteRevocationStore(str(path)) for _ in range(workers)]
    try:
        in_threads(lambda index: stores[index].revoke_jti(b"\x02" * 32, 4e9), workers)
    finally:
        for store in stores:
            store.close()
