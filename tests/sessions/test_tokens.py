"""Sessions and the tokens around them, on every backend (sessions, refresh tokens and
revocations in one database), sync and async: ending a session kills the access tokens minted
from it (their ``sid``), and logout everywhere ends sessions, refresh families and access tokens
in one call."""

from __future__ import annotations

import pytest

import keyturn as kt

from .conftest import Stack


def _mint(stack: Stack, started: kt.StartedSession) -> str:
    """What ``POST /auth/token`` does: a short-lived token bound to the session by its handle."""
    session = stack.sessions.get(started.id)
    return stack.issuer.issue(session.user_id, sid=session.handle, scope="read")


def _revoked(stack: Stack, token: str) -> None:
    with pytest.raises(kt.TokenRevoked) as error:
        stack.verify(token)
    assert error.value.code == "token_revoked"


def test_logout_everywhere_ends_sessions_refresh_families_and_access_tokens(stack: Stack):
    laptop = stack.sessions.start("user-1", device="laptop")
    phone = stack.sessions.start("user-1", device="phone")
    other = stack.sessions.start("user-2", device="laptop")
    pair = stack.tokens.issue_pair("user-1", "laptop")
    minted = [_mint(stack, laptop), _mint(stack, phone), pair.access]
    kept_pair = stack.tokens.issue_pair("user-2", "laptop")
    kept = _mint(stack, other)
    for token in [*minted, kept, kept_pair.access]:
        stack.verify(token)

    done = stack.sessions.logout_everywhere("user-1")

    assert (done.sessions, done.refresh_families) == (2, 1)
    assert done.access_tokens_before is not None
    for started in (laptop, phone):
        with pytest.raises(kt.InvalidSession) as session_error:
            stack.sessions.get(started.id)
        assert session_error.value.code == "session_invalid"
    with pytest.raises(kt.RevokedRefresh) as refresh_error:
        stack.tokens.rotate(pair.refresh)
    assert refresh_error.value.code == "refresh_revoked"
    for token in minted:
        _revoked(stack, token)
    assert stack.sessions.sessions("user-1") == []
    again = stack.sessions.logout_everywhere("user-1")  # harmless: a retry after a failure
    assert (again.sessions, again.refresh_families) == (0, 0)
    # Another user is untouched.
    assert stack.sessions.get(other.id).user_id == "user-2"
    stack.verify(kept)
    stack.verify(kept_pair.access)
    stack.tokens.rotate(kept_pair.refresh)


def test_logout_kills_the_tokens_minted_from_that_session_only(stack: Stack):
    laptop = stack.sessions.start("user-1", device="laptop")
    phone = stack.sessions.start("user-1", device="phone")
    from_laptop, from_phone = _mint(stack, laptop), _mint(stack, phone)
    stack.sessions.end(laptop.id)
    _revoked(stack, from_laptop)
    assert stack.verify(from_phone)["sid"] == phone.session.handle


def test_rotation_kills_the_tokens_minted_under_the_old_id(stack: Stack):
    started = stack.sessions.start("user-1", data={"role": "user"})
    before = _mint(stack, started)
    rotated = stack.sessions.rotate(started.id, data={"role": "admin"})
    _revoked(stack, before)
    after = _mint(stack, rotated)
    assert stack.verify(after)["sid"] == rotated.session.handle


def test_ending_a_session_by_handle_kills_its_tokens(stack: Stack):
    started = stack.sessions.start("user-1")
    token = _mint(stack, started)
    stack.sessions.end_session("user-1", started.session.handle)
    _revoked(stack, token)


def test_login_over_an_old_session_kills_its_tokens(stack: Stack):
    before = stack.sessions.start("user-1")
    token = _mint(stack, before)
    after = stack.sessions.start("user-2", replacing=before.id)
    _revoked(stack, token)
    stack.verify(_mint(stack, after))


def test_a_refused_session_operation_revokes_nothing(stack: Stack):
    started = stack.sessions.start("user-1")
    token = _mint(stack, started)
    with pytest.raises(kt.InvalidSession):
        stack.sessions.end_session("user-2", started.session.handle)
    with pytest.raises(kt.InvalidSession):
        stack.sessions.end("kts_" + "A" * 43)
    assert stack.verify(token)["sub"] == "user-1"
