"""Pending-login stores: single use under concurrency, bounded, nothing readable left behind."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

import keyturn as kt
from keyturn.login_state import PendingLogin


def pending(ttl: float = 600, return_to: str | None = "/x") -> PendingLogin:
    return PendingLogin(
        binding_hash="b" * 64,
        nonce="nonce-secret",
        code_verifier="verifier-secret",
        expires_at=time.time() + ttl,
        return_to=return_to,
    )


@pytest.fixture(params=["memory", "sqlite"])
def states(request: pytest.FixtureRequest, tmp_path: Path) -> kt.MemoryLoginStates:
    if request.param == "memory":
        return kt.MemoryLoginStates()
    return kt.SQLiteLoginStates(tmp_path / "logins.db")  # type: ignore[return-value]


def test_take_returns_the_row_once(states: kt.MemoryLoginStates) -> None:
    row = pending()
    states.put("state-1", row)
    assert states.take("state-1") == row
    assert states.take("state-1") is None
    assert states.take("never-put") is None


def test_racing_takes_have_one_winner(states: kt.MemoryLoginStates) -> None:
    states.put("contended", pending())
    barrier = threading.Barrier(8)
    won: list[PendingLogin | None] = []
    errors: list[BaseException] = []

    def take() -> None:
        try:
            barrier.wait()
            won.append(states.take("contended"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sum(row is not None for row in won) == 1


def test_secrets_stay_out_of_repr() -> None:
    shown = repr(pending())
    assert "nonce-secret" not in shown
    assert "verifier-secret" not in shown


def test_memory_store_is_bounded() -> None:
    states = kt.MemoryLoginStates(capacity=3)
    for i in range(5):
        states.put(f"s{i}", pending())
    assert len(states) == 3
    assert states.take("s0") is None  # the oldest went first
    assert states.take("s4") is not None


def test_sqlite_keys_rows_by_hash_and_purges_expired(tmp_path: Path) -> None:
    path = tmp_path / "logins.db"
    states = kt.SQLiteLoginStates(path)
    states.put("expired-state", pending(ttl=-1))
    states.put("live-state", pending())
    rows = sqlite3.connect(path).execute("SELECT state_hash FROM keyturn_login_states").fetchall()
    assert all("state" not in key for (key,) in rows)  # hashes, not the states
    assert len(rows) == 1  # the expired row was purged by the second put
    states.close()


def test_sqlite_refuses_memory_paths() -> None:
    with pytest.raises(kt.ConfigurationError) as refused:
        kt.SQLiteLoginStates(":memory:")
    assert refused.value.code == "configuration_invalid"


def test_memory_capacity_must_be_positive() -> None:
    with pytest.raises(kt.ConfigurationError) as refused:
        kt.MemoryLoginStates(capacity=0)
    assert refused.value.code == "configuration_invalid"
