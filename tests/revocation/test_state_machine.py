"""Random sequences of revocations, checks and time passing, compared at every step with a
plain reference model of the two rules, on every store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from keyturn.revocation import JTI_MARGIN, SUBJECT_RETENTION
from support import Clock

JTIS = st.sampled_from(["j1", "j2", "j3"])
SUBJECTS = st.sampled_from(["alice", "bob"])
#: Session ids named like the jtis and subjects: a sid never matches either.
SIDS = st.sampled_from(["j1", "alice", "s1"])
OFFSETS = st.integers(-2000, 2000)


@dataclass
class Model:
    """What must be revoked: jti -> kept until, subject -> (watermark, kept until), sid -> kept
    until."""

    jtis: dict[str, float] = field(default_factory=dict)
    subjects: dict[str, tuple[float, float]] = field(default_factory=dict)
    sids: dict[str, float] = field(default_factory=dict)

    def revoked(self, claims: dict[str, Any]) -> bool:
        if claims.get("jti") in self.jtis or claims.get("sid") in self.sids:
            return True
        entry = self.subjects.get(claims.get("sub", ""))
        return entry is not None and ("iat" not in claims or claims["iat"] < entry[0])

    def settled(self, claims: dict[str, Any], now: float) -> bool:
        """False when an entry the answer depends on is due for deletion: a store may or may not
        have dropped it yet (Redis expires keys itself, on the real clock: a few seconds' slack)."""
        keeps = [self.jtis.get(claims.get("jti", "")), self.sids.get(claims.get("sid", ""))]
        keeps.append(self.subjects.get(claims.get("sub", ""), (0.0, None))[1])
        return all(keep is None or keep > now + 5 for keep in keeps)

    def purge(self, now: float) -> None:
        self.jtis = {j: keep for j, keep in self.jtis.items() if keep > now}
        self.sids = {s: keep for s, keep in self.sids.items() if keep > now}
        self.subjects = {s: e for s, e in self.subjects.items() if e[1] > now}


def test_revocations_agree_with_the_model(
    fresh_store: Any, make_revocations: Any, kind: str
) -> None:
    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = Clock()
            self.revocations = make_revocations(fresh_store(), clock=self.clock)
            self.model = Model()

        @rule(jti=JTIS, exp=OFFSETS)
        def revoke_jti(self, jti: str, exp: int) -> None:
            keep = self.clock.now + exp + JTI_MARGIN
            self.revocations.revoke_jti(jti, self.clock.now + exp)
            self.model.jtis[jti] = max(keep, self.model.jtis.get(jti, keep))

        @rule(subject=SUBJECTS, before=OFFSETS)
        def revoke_subject(self, subject: str, before: int) -> None:
            watermark = self.clock.now + before
            self.revocations.revoke_subject(subject, before=watermark)
            current = self.model.subjects.get(subject)
            if current is None or current[0] < watermark:
                self.model.subjects[subject] = (watermark, watermark + SUBJECT_RETENTION)

        @rule(sid=SIDS)
        def revoke_session(self, sid: str) -> None:
            self.revocations.revoke_session(sid)
            keep = self.clock.now + SUBJECT_RETENTION
            self.model.sids[sid] = max(keep, self.model.sids.get(sid, keep))

        @rule(
            jti=st.none() | JTIS,
            subject=st.none() | SUBJECTS,
            iat=st.none() | OFFSETS,
            sid=st.none() | SIDS,
        )
        def check(
            self, jti: str | None, subject: str | None, iat: int | None, sid: str | None
        ) -> None:
            claims: dict[str, Any] = {}
            if jti is not None:
                claims["jti"] = jti
            if subject is not None:
                claims["sub"] = subject
            if sid is not None:
                claims["sid"] = sid
            if iat is not None:
                claims["iat"] = self.clock.now + iat
            if self.model.settled(claims, self.clock.now):
                assert self.revocations.is_revoked(claims) == self.model.revoked(claims)

        @rule(seconds=st.sampled_from([1, 600, 3000, SUBJECT_RETENTION]))
        def purge_later(self, seconds: float) -> None:
            if kind.endswith("redis"):
                # Redis deletes each key itself at its PXAT, on Redis's own clock, which no test
                # can move: here time stays put and purge must delete nothing. Expiry on Redis is
                # proven by test_revocations.py::test_redis_entries_expire_at_their_keep_time.
                assert self.revocations.purge() == 0
                return
            self.clock.advance(seconds)
            self.revocations.purge()
            self.model.purge(self.clock.now)

        def teardown(self) -> None:
            self.revocations.close()

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
