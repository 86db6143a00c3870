"""One rotation signs one access token, also when the optimistic one-round-trip commit is lost and
the rotation is decided again from a fresh read (issue 14), on every store, sync and async."""

from __future__ import annotations

from typing import Any

import pytest

import keyturn as kt
from support import Clock

from .conftest import MakeService


class CountingIssuer(kt.Issuer):
    """Counts what it signs; fails to sign while ``down`` (no current key, a KMS down)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signed = 0
        self.down = False

    def issue(self, subject: str, /, **claims: Any) -> str:
        if self.down:
            raise kt.InvalidKey("no key to sign with")
        self.signed += 1
        return super().issue(subject, **claims)


RING = kt.Keyring.generate()


@pytest.fixture
def issuer() -> CountingIssuer:
    return CountingIssuer(RING, issuer="https://auth.test", audience="api.test")


def test_a_lost_optimistic_commit_does_not_sign_twice(
    make_service: MakeService, issuer: CountingIssuer, clock: Clock
) -> None:
    service = make_service(reuse_grace=10)
    t0 = service.issue_pair("user-1", "laptop")
    service.rotate(t0.refresh)  # the service now knows the family: rotations try one round trip
    clock.advance(1)
    before = issuer.signed
    # t0 is no longer the head: the optimistic commit writes nothing, the fresh read decides the
    # grace retry, and that rotation reuses the access token already signed for this call.
    retried = service.rotate(t0.refresh)
    assert issuer.signed - before == 1
    verifier = kt.Verifier(keys=RING, issuer="https://auth.test", audience="api.test")
    claims = verifier.verify(retried.access)
    assert claims["sub"] == "user-1"
    assert claims["sid"] == t0.family_id


def test_a_winning_optimistic_rotation_signs_once(
    make_service: MakeService, issuer: CountingIssuer
) -> None:
    service = make_service()
    t0 = service.issue_pair("user-1", "laptop")
    t1 = service.rotate(t0.refresh)
    before = issuer.signed
    service.rotate(t1.refresh)
    assert issuer.signed - before == 1


def test_a_signing_failure_spends_nothing(
    make_service: MakeService, issuer: CountingIssuer
) -> None:
    # Why the service signs before it commits: signing after would have spent the token.
    service = make_service()
    t0 = service.issue_pair("user-1", "laptop")
    t1 = service.rotate(t0.refresh)  # known family: the next rotation tries one round trip
    t2 = _rotate_after_a_signing_failure(service, issuer, t1)
    # A service that has not seen the family decides on a fresh read: the same holds there.
    t3 = _rotate_after_a_signing_failure(make_service(), issuer, t2)
    assert t3.family_id == t0.family_id
    assert [s.device_id for s in service.sessions("user-1")] == ["laptop"]


def _rotate_after_a_signing_failure(service: Any, issuer: CountingIssuer, held: Any) -> Any:
    issuer.down = True
    with pytest.raises(kt.InvalidKey) as failed:
        service.rotate(held.refresh)
    assert failed.value.code == "key_invalid"
    issuer.down = False
    return service.rotate(held.refresh)  # still the live head: it rotates, no replay
