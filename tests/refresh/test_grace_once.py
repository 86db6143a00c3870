"""``reuse_grace`` honours the previous refresh token once: the lost-response retry. A second
presentation is a replay that revokes the family (issue 13 item 6), on every store, sync and async.
"""

from __future__ import annotations

import pytest

import keyturn as kt
from support import Clock

from .conftest import MakeService


def test_the_reviewers_attack_five_more_presentations(make_service: MakeService, clock: Clock):
    """T0 -> T1, then T0 five more times inside the window: one fresh pair, then the alarm."""
    service = make_service(reuse_grace=10)
    t0 = service.issue_pair("user-1", "laptop")
    t1 = service.rotate(t0.refresh)
    clock.advance(1)
    t2 = service.rotate(t0.refresh)  # the lost-response retry, honoured
    assert t2.family_id == t0.family_id
    assert t2.refresh not in (t0.refresh, t1.refresh)

    clock.advance(1)
    with pytest.raises(kt.ReplayedRefresh) as replayed:
        service.rotate(t0.refresh)
    assert replayed.value.code == "refresh_replayed"
    for _ in range(3):
        with pytest.raises(kt.RevokedRefresh) as revoked:
            service.rotate(t0.refresh)
        assert revoked.value.code == "refresh_revoked"
    # The family is dead: the pair the retry gave out no longer rotates, and no session is left.
    with pytest.raises(kt.RevokedRefresh):
        service.rotate(t2.refresh)
    assert service.sessions("user-1") == []


def test_the_superseded_successor_cannot_retry_either(make_service: MakeService):
    service = make_service(reuse_grace=10)
    t0 = service.issue_pair("user-1", "laptop")
    t1 = service.rotate(t0.refresh)
    service.rotate(t0.refresh)
    with pytest.raises(kt.ReplayedRefresh) as replayed:
        service.rotate(t1.refresh)
    assert replayed.value.code == "refresh_replayed"


def test_the_retried_pair_earns_its_own_retry(make_service: MakeService):
    """After the retry, the client carries on: its next rotation gets a fresh grace of its own."""
    service = make_service(reuse_grace=10)
    t0 = service.issue_pair("user-1", "laptop")
    service.rotate(t0.refresh)
    t2 = service.rotate(t0.refresh)
    t3 = service.rotate(t2.refresh)
    t4 = service.rotate(t2.refresh)  # t3's response was lost too: honoured once
    assert t4.refresh != t3.refresh
    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(t2.refresh)
