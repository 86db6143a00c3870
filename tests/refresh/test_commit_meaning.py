"""``commit_rotation`` means the same on every backend (issue 14): True when applied; True again,
writing nothing, for the very same rotation retried (its reply lost), also once the family was
revoked after it; False for any other rotation of a spent head, and for the retry once the family
has moved on past its successor. Every store kind, sync and async."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

import keyturn as kt
from keyturn.refresh import format as token_format
from keyturn.refresh import rules
from keyturn.refresh.records import Rotation
from support import Clock

from .conftest import Backend, MakeService

Call = Callable[..., Any]
Plan = Callable[[], tuple[str, Rotation]]


def _store_caller(service: Any, loop: Any) -> Call:
    """``call("method", *args)`` on the service's store, awaited when the store is async."""

    def call(method: str, *args: Any) -> Any:
        result = getattr(service.store, method)(*args)
        return loop.run_until_complete(result) if inspect.isawaitable(result) else result

    return call


def _planner(call: Call, refresh: str, clock: Clock) -> Plan:
    """``plan()``: a new rotation of ``refresh`` (as the service would plan it) and its token."""
    parsed = token_format.parse(refresh)
    snapshot = call("load", parsed.token_hash, parsed.family_id)

    def plan() -> tuple[str, Rotation]:
        token = token_format.new_token(parsed.family_id)
        rotation = rules.plan_rotation(
            snapshot, rules.Outcome.ROTATE, token_format.token_hash(token), clock(), 3600
        )
        return token, rotation

    return plan


def test_a_retried_rotation_is_applied_once_and_answered_alike(
    make_service: MakeService,
    service_backend: Backend,
    clock: Clock,
    loop: Any,
) -> None:
    service = make_service()
    call = _store_caller(service, loop)
    pair = service.issue_pair("user-1", "laptop")
    plan = _planner(call, pair.refresh, clock)

    successor, rotation = plan()
    _, rival = plan()
    assert call("commit_rotation", rotation) is True
    stored = service_backend.count()
    assert call("commit_rotation", rotation) is True  # the retry: answered as applied
    assert service_backend.count() == stored  # ... and nothing written twice
    assert call("commit_rotation", rival) is False  # another rotation of the spent head
    # The one successor is the live head.
    assert service.rotate(successor).family_id == pair.family_id
    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(pair.refresh)


def test_a_retry_after_a_revocation_is_still_answered_applied(
    make_service: MakeService, service_backend: Backend, clock: Clock, loop: Any
) -> None:
    # The rotation did happen before the revocation; the revocation still stands.
    service = make_service()
    call = _store_caller(service, loop)
    pair = service.issue_pair("user-1", "laptop")
    successor, rotation = _planner(call, pair.refresh, clock)()
    assert call("commit_rotation", rotation) is True
    service.logout(successor)
    stored = service_backend.count()

    assert call("commit_rotation", rotation) is True
    assert service_backend.count() == stored
    with pytest.raises(kt.RevokedRefresh):
        service.rotate(successor)


def test_a_retry_once_the_family_moved_on_is_refused(
    make_service: MakeService, service_backend: Backend, clock: Clock, loop: Any
) -> None:
    service = make_service()
    call = _store_caller(service, loop)
    pair = service.issue_pair("user-1", "laptop")
    successor, rotation = _planner(call, pair.refresh, clock)()
    assert call("commit_rotation", rotation) is True
    latest = service.rotate(successor)  # the successor is spent: the head moved on
    stored = service_backend.count()

    assert call("commit_rotation", rotation) is False
    assert service_backend.count() == stored
    assert service.rotate(latest.refresh).family_id == pair.family_id
