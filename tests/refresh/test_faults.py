"""Faults: the database goes away mid-run. Callers get a StoreError (a KeyturnError) and no
family is ever left half-rotated: after the server is back, the old token still works.

The servers are really stopped and restarted (the commands come from test-services.sh); the
SQLite fault is a real competing lock held by another connection.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from support import Clock, marked, run_control

from .conftest import Backend, MakeService

SERVER_KINDS = marked("postgres", "redis", "async-postgres", "async-redis")
SYNC_SERVER_KINDS = marked("postgres", "redis")


def _control(service_kind: str) -> tuple[str, str]:
    prefix = "KEYTURN_TEST_REDIS" if service_kind.endswith("redis") else "KEYTURN_TEST_POSTGRES"
    return f"{prefix}_STOP", f"{prefix}_START"


def _wait_until_answering(service: Any) -> None:
    """Right after a restart a pool may hand out dead connections once: each failure is a
    StoreError (never something else), and the store answers again within seconds."""
    deadline = time.monotonic() + 30
    while True:
        try:
            service.sessions("probe")
            return
        except kt.StoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.parametrize("service_kind", SERVER_KINDS)
def test_server_down_gives_store_error_and_old_token_survives(
    make_service: MakeService, service_kind: str, service_backend: Backend
):
    service = make_service()
    pair = service.issue_pair("user-1", "laptop")
    rows = service_backend.count()
    stop, start = _control(service_kind)
    run_control(stop)
    try:
        with pytest.raises(kt.StoreError) as down:
            service.rotate(pair.refresh)
        assert down.value.code == "store_unavailable"
        assert isinstance(down.value, kt.KeyturnError)
        assert pair.refresh not in str(down.value)
        with pytest.raises(kt.StoreError):
            service.issue_pair("user-1", "phone")
    finally:
        run_control(start)
    _wait_until_answering(service)

    # Nothing was half-done: no successor was stored, the family was not touched, and the old
    # token is still the live one and rotates normally.
    assert service_backend.count() == rows
    (session,) = service.sessions("user-1")
    assert session.last_used_at == session.created_at
    rotated = service.rotate(pair.refresh)
    assert rotated.family_id == pair.family_id
    assert [s.device_id for s in service.sessions("user-1")] == ["laptop"]


@pytest.mark.parametrize("service_kind", SYNC_SERVER_KINDS)
def test_server_stopped_while_rotating(make_service: MakeService, service_kind: str):
    # A client rotating in a loop when the server dies. If the server died after committing
    # but before replying, the client's last token is already spent: reuse_grace is what lets
    # that lost-response retry through, so use it here as a real deployment would.
    service = make_service(reuse_grace=120)
    held = service.issue_pair("user-1", "laptop")
    failures: list[BaseException] = []
    stop_rotating = threading.Event()
    rotations = 0

    def rotate_until_failure() -> None:
        nonlocal held, rotations
        while not stop_rotating.is_set():
            try:
                held = service.rotate(held.refresh)
                rotations += 1
            except Exception as error:
                failures.append(error)
                return

    stop, start = _control(service_kind)
    worker = threading.Thread(target=rotate_until_failure)
    worker.start()
    time.sleep(0.5)
    run_control(stop)
    worker.join(timeout=60)
    stop_rotating.set()
    run_control(start)
    _wait_until_answering(service)

    assert rotations > 0
    assert len(failures) == 1
    assert isinstance(failures[0], kt.StoreError), repr(failures[0])
    after = service.rotate(held.refresh)
    assert after.family_id == held.family_id
    assert service.rotate(after.refresh).family_id == held.family_id


def test_sqlite_locked_gives_store_error_and_changes_nothing(
    tmp_path: Path, issuer: kt.Issuer, clock: Clock
):
    path = tmp_path / "locked.db"
    service = kt.TokenService(issuer, kt.SQLiteStore(path, timeout=0.2), clock=clock)
    pair = service.issue_pair("user-1", "laptop")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(kt.StoreError) as locked:
            service.rotate(pair.refresh)
        assert locked.value.code == "store_unavailable"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert service.rotate(pair.refresh).family_id == pair.family_id
    service.close()
