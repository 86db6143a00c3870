"""N = 32 simultaneous rotations of one token: exactly one winner, and the family then revoked."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from support import marked
from support.stores import Blocking

from .conftest import MakeService

N = 32
LOSSES = {"refresh_replayed", "refresh_revoked"}


def _outcome(result: Any) -> str:
    if isinstance(result, kt.TokenPair):
        return "won"
    assert isinstance(result, kt.RefreshError), result
    return result.code


def _check_one_winner(outcomes: list[str]) -> None:
    counts = Counter(outcomes)
    assert counts["won"] == 1, counts
    assert set(counts) - {"won"} <= LOSSES, counts
    assert counts["refresh_replayed"] >= 1, counts


def test_threads_race_one_winner(make_service: MakeService, service_kind: str):
    service = make_service()
    token = service.issue_pair("user-1", "laptop").refresh
    if service_kind.startswith("async-"):
        results = _race_tasks(service, token)
    else:
        results = _race_threads(service, token)

    _check_one_winner([_outcome(r) for r in results])
    (winner,) = [r for r in results if isinstance(r, kt.TokenPair)]
    # The losers' replay revoked the family, so the winner's successor is dead too.
    with pytest.raises(kt.RevokedRefresh):
        service.rotate(winner.refresh)


def _race_threads(service: kt.TokenService, token: str) -> list[Any]:
    barrier = threading.Barrier(N)
    results: list[Any] = [None] * N

    def contend(slot: int) -> None:
        barrier.wait()
        try:
            results[slot] = service.rotate(token)
        except kt.KeyturnError as error:
            results[slot] = error

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _race_tasks(blocking: Blocking, token: str) -> list[Any]:
    async def race() -> list[Any]:
        return await asyncio.gather(
            *(blocking.service.rotate(token) for _ in range(N)), return_exceptions=True
        )

    return blocking.loop.run_until_complete(race())


@pytest.mark.parametrize("kind", marked("sqlite", "postgres"))
def test_processes_race_one_winner(
    kind: str, tmp_path: Path, issuer: kt.Issuer, request: pytest.FixtureRequest
):
    if kind == "sqlite":
        location = str(tmp_path / "race.db")
        store: Any = kt.SQLiteStore(location)
    else:
        location = str(request.getfixturevalue("postgres_dsn"))
        store = kt.PostgresStore(location, pool_size=1)
    service = kt.TokenService(issuer, store)
    token = service.issue_pair("user-1", "laptop").refresh

    worker = Path(__file__).with_name("rotate_worker.py")
    contenders = [
        subprocess.Popen(
            [sys.executable, str(worker), kind, location, token],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(N)
    ]
    try:
        for process in contenders:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        for process in contenders:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outcomes = [process.communicate(timeout=120)[0].strip() for process in contenders]
    finally:
        for process in contenders:
            if process.poll() is None:
                process.kill()

    _check_one_winner(outcomes)
    family = store.list_families("user-1")
    assert len(family) == 1
    assert family[0].revoked_at is not None
    service.close()


@pytest.mark.parametrize("service_kind", marked("memory", "sqlite", "postgres", "redis"))
def test_grace_race_honours_the_retry_once(make_service: MakeService):
    # Within reuse_grace: one contender rotates, one more gets the lost-response retry, and any
    # further presentation is a replay that revokes the family (issue 13 item 6).
    service = make_service(reuse_grace=60)
    first = service.issue_pair("user-1", "laptop")
    results = _race_threads(service, first.refresh)

    counts = Counter(_outcome(r) for r in results)
    assert counts["won"] == 2, counts
    assert counts["refresh_replayed"] >= 1, counts
    assert set(counts) - {"won"} <= LOSSES, counts
    for pair in (r for r in results if isinstance(r, kt.TokenPair)):
        with pytest.raises(kt.RevokedRefresh):
            service.rotate(pair.refresh)
