"""The pure rotation rules, without any store."""

from __future__ import annotations

import pytest

import keyturn as kt
from keyturn.refresh import rules
from keyturn.refresh.records import FamilyRecord, Snapshot, TokenRecord
from keyturn.refresh.rules import Outcome

NOW = 1_000_000.0
A, B, C = b"a" * 32, b"b" * 32, b"c" * 32


def _snapshot(
    token: bytes = A,
    *,
    used_at: float | None = None,
    expires_at: float = NOW + 100,
    revoked_at: float | None = None,
    head: bytes = A,
    prev: bytes | None = None,
) -> Snapshot:
    family = FamilyRecord(
        family_id="f",
        user_id="u",
        device_id="d",
        claims={},
        created_at=NOW - 50,
        last_used_at=NOW - 50,
        expires_at=NOW + 100,
        head_hash=head,
        revoked_at=revoked_at,
        prev_hash=prev,
    )
    return Snapshot(TokenRecord(token, "f", NOW - 50, expires_at, used_at), family)


@pytest.mark.parametrize(
    ("snapshot", "grace", "outcome"),
    [
        (None, 0, Outcome.UNKNOWN),
        (_snapshot(), 0, Outcome.ROTATE),
        (_snapshot(expires_at=NOW), 0, Outcome.EXPIRED),
        (_snapshot(revoked_at=NOW - 1), 0, Outcome.REVOKED),
        # Expiry is reported before revocation, and revocation before reuse.
        (_snapshot(expires_at=NOW, revoked_at=NOW - 1), 0, Outcome.EXPIRED),
        (_snapshot(used_at=NOW - 1, revoked_at=NOW - 1, head=B, prev=A), 5, Outcome.REVOKED),
        (_snapshot(used_at=NOW - 1, head=B, prev=A), 0, Outcome.REPLAY),
        (_snapshot(used_at=NOW - 1, head=B, prev=A), 5, Outcome.GRACE_RETRY),
        (_snapshot(used_at=NOW - 5, head=B, prev=A), 5, Outcome.GRACE_RETRY),
        (_snapshot(used_at=NOW - 5.01, head=B, prev=A), 5, Outcome.REPLAY),
        # A superseded successor, or an older generation, is never "the previous token".
        (_snapshot(used_at=NOW - 1, head=C, prev=B), 5, Outcome.REPLAY),
    ],
)
def test_decide(snapshot: Snapshot | None, grace: float, outcome: Outcome):
    assert rules.decide(snapshot, NOW, grace) is outcome


@pytest.mark.parametrize(
    ("outcome", "error", "code"),
    [
        (Outcome.UNKNOWN, kt.InvalidRefresh, "refresh_invalid"),
        (Outcome.EXPIRED, kt.ExpiredRefresh, "refresh_expired"),
        (Outcome.REVOKED, kt.RevokedRefresh, "refresh_revoked"),
    ],
)
def test_refusals_carry_their_codes(outcome, error, code):
    refusal = rules.refusal(outcome)
    assert type(refusal) is error
    assert refusal.code == code


def test_allowed_outcomes_are_not_refused():
    for allowed in (Outcome.ROTATE, Outcome.GRACE_RETRY, Outcome.REPLAY):
        assert rules.refusal(allowed) is None


def test_plan_rotation_spends_the_presented_token():
    rotation = rules.plan_rotation(_snapshot(), Outcome.ROTATE, C, NOW, 60)
    assert (rotation.expected_head, rotation.prev_hash) == (A, A)
    assert rotation.successor.expires_at == NOW + 60


def test_plan_grace_retry_supersedes_the_head():
    snapshot = _snapshot(used_at=NOW - 1, head=B, prev=A)
    rotation = rules.plan_rotation(snapshot, Outcome.GRACE_RETRY, C, NOW, 60)
    assert (rotation.expected_head, rotation.prev_hash) == (B, None)  # the one retry is used up


def test_no_plan_for_a_refusal():
    with pytest.raises(ValueError, match="no rotation"):
        rules.plan_rotation(_snapshot(), Outcome.REPLAY, C, NOW, 60)


def test_expiry_is_capped_by_the_session():
    assert rules.expiry(NOW, 60, None) == NOW + 60
    assert rules.expiry(NOW, 60, NOW + 10) == NOW + 10
