"""``commit_rotation`` means the same on every backend (issue 14): True when applied; True again,
writing nothing, for the very same rotation retried (its reply lost); False for any other rotation
of a spent head."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import keyturn as kt
from keyturn.refresh import format as token_format
from keyturn.refresh import rules
from support import Clock

from .conftest import Backend, MakeService


def test_a_retried_rotation_is_applied_once_and_answered_alike(
    make_service: MakeService,
    service_backend: Backend,
    clock: Clock,
    loop: Any,
) -> None:
    service = make_service()
    store = service.store

    def call(method: str, *args: Any) -> Any:
        result = getattr(store, method)(*args)
        return loop.run_until_complete(result) if inspect.isawaitable(result) else result

    pair = service.issue_pair("user-1", "laptop")
    parsed = token_format.parse(pair.refresh)
    snapshot = call("load", parsed.token_hash, parsed.family_id)

    def plan() -> tuple[str, Any]:
        token = token_format.new_token(parsed.family_id)
        rotation = rules.plan_rotation(
            snapshot, rules.Outcome.ROTATE, token_format.token_hash(token), clock(), 3600
        )
        return token, rotation

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
