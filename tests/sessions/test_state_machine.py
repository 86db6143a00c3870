"""Random sequences of start / replace / get / rotate / set_data / end / end_session / logout
everywhere / junk / time passing, checked at every step against a small reference model of the
session rules, on every store."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

import keyturn as kt
from support import Clock, marked, reset_postgres, reset_redis, server_database

IDLE, ABSOLUTE, TOUCH = 100.0, 110.0, 10.0
USERS = st.sampled_from(["alice", "bob"])
DATA = st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 3), max_size=2)


@dataclass
class ModelSession:
    user: str
    handle: str
    last_seen: float
    idle_end: float
    absolute_end: float
    data: dict[str, int] = field(default_factory=dict)


@dataclass
class Model:
    """The rules of docs/sessions.md, written down as plainly as possible: stored sessions by
    id (an ended one is simply gone)."""

    sessions: dict[str, ModelSession] = field(default_factory=dict)

    def refusal(self, session_id: str, now: float) -> type[kt.SessionError] | None:
        session = self.sessions.get(session_id)
        if session is None:
            return kt.InvalidSession
        return kt.ExpiredSession if now >= session.idle_end else None

    def touch(self, session: ModelSession, now: float) -> None:
        if now - session.last_seen >= TOUCH:
            session.last_seen = now
            session.idle_end = min(now + IDLE, session.absolute_end)

    def live(self, user: str, now: float) -> set[str]:
        return {s.handle for s in self.sessions.values() if s.user == user and now < s.idle_end}


class SessionMachine(RuleBasedStateMachine):
    make_store: Callable[[Path], Any]
    ids = Bundle("ids")

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp())
        self.clock = Clock()
        self.service = kt.SessionService(
            self.make_store(self.directory),
            idle_timeout=IDLE,
            absolute_timeout=ABSOLUTE,
            touch_interval=TOUCH,
            clock=self.clock,
        )
        self.model = Model()

    def teardown(self) -> None:
        self.service.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _add(self, started: kt.StartedSession, data: dict[str, int]) -> str:
        session = started.session
        self.model.sessions[started.id] = ModelSession(
            session.user_id,
            session.handle,
            self.clock.now,
            self.clock.now + IDLE,
            session.expires_at,
            data,
        )
        return started.id

    def _check(self, session: kt.Session, session_id: str) -> None:
        expected = self.model.sessions[session_id]
        assert (session.handle, session.user_id) == (expected.handle, expected.user)
        assert (session.last_seen, session.idle_expires_at) == (
            expected.last_seen,
            expected.idle_end,
        )
        assert session.data == expected.data

    @rule(target=ids, user=USERS, data=DATA)
    def start(self, user: str, data: dict[str, int]) -> str:
        started = self.service.start(user, data=data)
        assert started.session.expires_at == self.clock.now + ABSOLUTE
        return self._add(started, data)

    @rule(target=ids, user=USERS, old=ids)
    def start_replacing(self, user: str, old: str) -> str:
        started = self.service.start(user, replacing=old)
        self.model.sessions.pop(old, None)  # ended, expired or not
        return self._add(started, {})

    @rule(session_id=ids)
    def get(self, session_id: str) -> None:
        refused = self.model.refusal(session_id, self.clock.now)
        if refused is not None:
            with pytest.raises(refused):
                self.service.get(session_id)
            return
        self.model.touch(self.model.sessions[session_id], self.clock.now)
        self._check(self.service.get(session_id), session_id)

    @rule(target=ids, session_id=ids)
    def rotate(self, session_id: str) -> str:
        refused = self.model.refusal(session_id, self.clock.now)
        if refused is not None:
            with pytest.raises(refused):
                self.service.rotate(session_id)
            return session_id
        old = self.model.sessions.pop(session_id)
        started = self.service.rotate(session_id)
        now = self.clock.now
        self.model.sessions[started.id] = ModelSession(
            old.user,
            started.session.handle,
            now,
            min(now + IDLE, old.absolute_end),
            old.absolute_end,
            old.data,
        )
        assert started.session.handle != old.handle
        self._check(started.session, started.id)
        return started.id

    @rule(session_id=ids, data=DATA)
    def set_data(self, session_id: str, data: dict[str, int]) -> None:
        refused = self.model.refusal(session_id, self.clock.now)
        if refused is not None:
            with pytest.raises(refused):
                self.service.set_data(session_id, data)
            return
        self.model.sessions[session_id].data = data
        assert self.service.set_data(session_id, data).data == data

    @rule(session_id=ids)
    def end(self, session_id: str) -> None:
        if self.model.sessions.pop(session_id, None) is None:
            with pytest.raises(kt.InvalidSession):
                self.service.end(session_id)
        else:
            self.service.end(session_id)

    @rule(user=USERS, session_id=ids)
    def end_session(self, user: str, session_id: str) -> None:
        session = self.model.sessions.get(session_id)
        handle = "0" * 32 if session is None else session.handle
        if session is None or session.user != user:
            with pytest.raises(kt.InvalidSession):
                self.service.end_session(user, handle)
            return
        self.service.end_session(user, handle)
        del self.model.sessions[session_id]

    @rule(user=USERS)
    def logout_everywhere(self, user: str) -> None:
        ended = [i for i, s in self.model.sessions.items() if s.user == user]
        assert self.service.logout_everywhere(user).sessions == len(ended)
        for session_id in ended:
            del self.model.sessions[session_id]

    @rule(junk=st.text(max_size=60) | st.sampled_from(["kts_" + "A" * 43, "kts_" + "B" * 43]))
    def junk(self, junk: str) -> None:
        with pytest.raises(kt.InvalidSession):
            self.service.get(junk)

    @rule(seconds=st.sampled_from([1.0, 9.0, 30.0, 99.0]))
    def time_passes(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @invariant()
    def lists_agree(self) -> None:
        for user in ("alice", "bob"):
            found = {s.handle for s in self.service.sessions(user)}
            assert found == self.model.live(user, self.clock.now)


# Each maker gets a fresh directory and this run's private server database (or ""): every
# Hypothesis example starts from empty data.
def _sqlite(directory: Path, location: str) -> Any:
    from keyturn.stores.sqlite.sessions import SQLiteSessionStore

    return SQLiteSessionStore(directory / "machine.db")


def _postgres(directory: Path, dsn: str) -> Any:
    from keyturn.stores.postgres.sessions import PostgresSessionStore

    reset_postgres(dsn)
    return PostgresSessionStore(dsn, pool_size=2)


def _redis(directory: Path, url: str) -> Any:
    from keyturn.stores.redis.sessions import RedisSessionStore

    reset_redis(url)
    return RedisSessionStore(url)


STORES: dict[str, tuple[Callable[[Path, str], Any], int]] = {
    "memory": (lambda _directory, _location: kt.MemorySessionStore(), 200),
    "sqlite": (_sqlite, 50),
    "postgres": (_postgres, 15),
    "redis": (_redis, 25),
}


@pytest.mark.parametrize("kind", marked(*STORES))
def test_store_agrees_with_the_model(kind: str, request: pytest.FixtureRequest) -> None:
    make, examples = STORES[kind]
    location = server_database(request, kind) if kind in ("postgres", "redis") else ""
    machine = type(
        f"{kind.title()}SessionMachine",
        (SessionMachine,),
        {"make_store": staticmethod(lambda directory: make(directory, location))},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
