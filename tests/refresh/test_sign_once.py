"""One rotation signs one access token, also when the optimistic one-round-trip commit is lost and
the rotation is decided again from a fresh read (issue 14), on every store, sync and async."""

from __future__ import annotations

from typing import Any

import pytest

import keyturn as kt
from support import Clock

from .conftest import MakeService


class CountingIssuer(kt.Issuer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signed = 0

    def issue(self, subject: str, /, **claims: Any) -> str:
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
