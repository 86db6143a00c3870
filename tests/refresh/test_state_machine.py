"""Random sequences of issue / rotate / replay / logout / revoke / time passing, checked at every
step against a small reference model of the rules, on every store."""

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

TTL = 100.0
USERS = st.sampled_from(["alice", "bob"])
DEVICES = st.sampled_from(["laptop", "phone"])


@dataclass
class ModelToken:
    family_id: str
    expires_at: float
    used_at: float | None = None


@dataclass
class ModelFamily:
    user: str
    device: str
    head: str
    prev: str | None = None
    revoked: bool = False


@dataclass
class Model:
    """The rules of issue 5, written down as plainly as possible."""

    grace: float
    families: dict[str, ModelFamily] = field(default_factory=dict)
    tokens: dict[str, ModelToken] = field(default_factory=dict)

    def expected(self, token: str, now: float) -> type[kt.RefreshError] | None:
        """The error presenting ``token`` must raise (None: a new pair), applying its effects."""
        record = self.tokens[token]
        family = self.families[record.family_id]
        if now >= record.expires_at:
            return kt.ExpiredRefresh
        if family.revoked:
            return kt.RevokedRefresh
        if record.used_at is None:
            record.used_at = now
            family.prev = token
            return None
        if self.grace > 0 and token == family.prev and now - record.used_at <= self.grace:
            self.tokens[family.head].used_at = now  # the first successor is superseded
            family.prev = None  # the retry is honoured once
            return None
        family.revoked = True
        return kt.ReplayedRefresh

    def live_families(self, user: str, now: float) -> set[str]:
        return {
            fid
            for fid, f in self.families.items()
            if f.user == user and not f.revoked and self.tokens[f.head].expires_at > now
        }


class RefreshMachine(RuleBasedStateMachine):
    make_store: Callable[[Path], Any]
    grace: float
    tokens = Bundle("tokens")

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp())
        self.clock = Clock()
        issuer = kt.Issuer(kt.Keyring.generate(), issuer="https://auth.test", audience="api")
        store = type(self).make_store(self.directory)
        self.service = kt.TokenService(
            issuer, store, refresh_ttl=TTL, reuse_grace=self.grace, clock=self.clock
        )
        self.model = Model(self.grace)

    def teardown(self) -> None:
        self.service.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _add(self, pair: kt.TokenPair) -> str:
        self.model.tokens[pair.refresh] = ModelToken(pair.family_id, pair.refresh_expires_at)
        self.model.families[pair.family_id].head = pair.refresh
        return pair.refresh

    @rule(target=tokens, user=USERS, device=DEVICES)
    def issue(self, user: str, device: str) -> str:
        pair = self.service.issue_pair(user, device)
        self.model.families[pair.family_id] = ModelFamily(user, device, head=pair.refresh)
        return self._add(pair)

    @rule(target=tokens, token=tokens)
    def rotate(self, token: str) -> str:
        expected = self.model.expected(token, self.clock.now)
        if expected is not None:
            with pytest.raises(expected):
                self.service.rotate(token)
            return token
        pair = self.service.rotate(token)
        assert pair.family_id == self.model.tokens[token].family_id
        return self._add(pair)

    @rule(token=tokens)
    def logout(self, token: str) -> None:
        self.service.logout(token)
        self.model.families[self.model.tokens[token].family_id].revoked = True

    @rule(user=USERS)
    def logout_all(self, user: str) -> None:
        expected = [f for f in self.model.families.values() if f.user == user and not f.revoked]
        assert self.service.logout_all(user) == len(expected)
        for family in expected:
            family.revoked = True

    @rule(user=USERS, device=DEVICES)
    def revoke_device(self, user: str, device: str) -> None:
        expected = [
            f
            for f in self.model.families.values()
            if (f.user, f.device) == (user, device) and not f.revoked
        ]
        assert self.service.revoke_device(user, device) == len(expected)
        for family in expected:
            family.revoked = True

    @rule(garbage=st.text(max_size=80) | st.sampled_from(["ktr_" + "A" * 70, ""]))
    def garbage(self, garbage: str) -> None:
        with pytest.raises(kt.InvalidRefresh):
            self.service.rotate(garbage)

    @rule(seconds=st.sampled_from([1.0, 20.0, 60.0]))
    def time_passes(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @invariant()
    def sessions_agree(self) -> None:
        for user in ("alice", "bob"):
            found = {s.family_id for s in self.service.sessions(user)}
            assert found == self.model.live_families(user, self.clock.now)


# Each maker gets a fresh directory and this run's private server database (or ""): every
# Hypothesis example starts from empty data.
def _sqlite(directory: Path, location: str) -> Any:
    return kt.SQLiteStore(directory / "machine.db")


def _postgres(directory: Path, dsn: str) -> Any:
    reset_postgres(dsn)
    return kt.PostgresStore(dsn, pool_size=2)


def _redis(directory: Path, url: str) -> Any:
    reset_redis(url)
    return kt.RedisStore(url)


STORES: dict[str, tuple[Callable[[Path, str], Any], int]] = {
    "memory": (lambda _directory, _location: kt.MemoryStore(), 50),
    "sqlite": (_sqlite, 25),
    "postgres": (_postgres, 10),
    "redis": (_redis, 15),
}


@pytest.mark.parametrize("grace", [0.0, 30.0], ids=["no-grace", "grace"])
@pytest.mark.parametrize("kind", marked(*STORES))
def test_store_agrees_with_the_model(kind: str, grace: float, request: pytest.FixtureRequest):
    make, examples = STORES[kind]
    location = server_database(request, kind) if kind in ("postgres", "redis") else ""

    machine = type(
        f"{kind.title()}Machine",
        (RefreshMachine,),
        {"make_store": staticmethod(lambda directory: make(directory, location)), "grace": grace},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
