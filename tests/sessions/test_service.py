"""Session behaviour on every store kind, sync and async: ids, idle and absolute expiry with a
moved clock, throttled touches, rotation, logout, the user's list, session data."""

from __future__ import annotations

import base64
from typing import Any

import pytest

import keyturn as kt
from keyturn.sessions import format as session_format
from support import Clock

from .conftest import Backend

IDLE = 30 * 60
ABSOLUTE = 8 * 3600
TOUCH = 60


def test_a_session_id_has_256_random_bits_and_only_its_hash_is_kept(service: Any):
    started = service.start("user-1", device="laptop", user_agent="Firefox")
    assert started.id.startswith("kts_")
    raw = base64.urlsafe_b64decode(started.id[4:] + "=")
    assert len(raw) * 8 >= 256
    assert started.session.session_hash == session_format.id_hash(started.id)
    assert started.id not in repr(started)
    assert started.id not in repr(started.session)
    assert service.start("user-1").id != started.id


def test_get_returns_the_session(service: Any):
    started = service.start("user-1", device="laptop", user_agent="Firefox", data={"cart": [1]})
    session = service.get(started.id)
    assert session == started.session
    assert (session.user_id, session.device, session.user_agent) == ("user-1", "laptop", "Firefox")
    assert session.data == {"cart": [1]}


def test_idle_timeout_ends_a_session_without_requests(service: Any, clock: Clock):
    started = service.start("user-1")
    clock.advance(IDLE - 1)
    service.get(started.id)
    clock.advance(IDLE - 1)  # a request IDLE - 1 ago kept it alive
    service.get(started.id)
    clock.advance(IDLE)
    with pytest.raises(kt.ExpiredSession) as error:
        service.get(started.id)
    assert error.value.code == "session_expired"


def test_the_idle_timeout_counts_from_the_last_recorded_request(service: Any, clock: Clock):
    started = service.start("user-1")
    clock.advance(TOUCH - 1)
    service.get(started.id)  # within touch_interval: not recorded
    clock.advance(IDLE - TOUCH + 1)  # IDLE after the start
    with pytest.raises(kt.ExpiredSession):
        service.get(started.id)


def test_absolute_timeout_ends_an_active_session(service: Any, clock: Clock):
    started = service.start("user-1")
    while clock.now + IDLE / 2 < started.session.expires_at:
        clock.advance(IDLE / 2)
        session = service.get(started.id)
        assert session.idle_expires_at <= started.session.expires_at
    clock.advance(started.session.expires_at - clock.now)
    with pytest.raises(kt.ExpiredSession) as error:
        service.get(started.id)
    assert error.value.code == "session_expired"


def test_requests_are_recorded_at_most_once_per_touch_interval(service: Any, clock: Clock):
    started = service.start("user-1")
    t0 = clock.now
    clock.advance(TOUCH - 1)
    assert service.get(started.id).last_seen == t0
    clock.advance(1)
    assert service.get(started.id).last_seen == t0 + TOUCH
    clock.advance(10)
    assert service.get(started.id).last_seen == t0 + TOUCH
    assert service.sessions("user-1")[0].last_seen == t0 + TOUCH


def test_login_gives_a_new_id_and_kills_the_one_held_before(service: Any, backend: Backend):
    before = service.start("user-1")
    after = service.start("user-2", replacing=before.id)
    assert after.id != before.id
    with pytest.raises(kt.InvalidSession) as error:
        service.get(before.id)
    assert error.value.code == "session_invalid"
    assert service.get(after.id).user_id == "user-2"
    assert service.sessions("user-1") == []


def test_login_replacing_junk_or_an_unknown_id_still_signs_in(service: Any):
    for stale in ("junk", "kts_" + "A" * 43, service.start("x").id[:-1] + "A"):
        assert service.get(service.start("user-1", replacing=stale).id).user_id == "user-1"


def test_rotation_gives_a_new_id_and_the_old_one_is_dead(service: Any, clock: Clock):
    started = service.start("user-1", device="phone", data={"role": "user"})
    clock.advance(100)
    rotated = service.rotate(started.id, data={"role": "admin"})
    assert rotated.id != started.id
    assert rotated.session.handle != started.session.handle
    with pytest.raises(kt.InvalidSession) as error:
        service.get(started.id)
    assert error.value.code == "session_invalid"
    session = service.get(rotated.id)
    assert session.data == {"role": "admin"}
    assert (session.user_id, session.device) == ("user-1", "phone")
    # A rotation is no new login: the absolute cap stays.
    assert session.created_at == started.session.created_at
    assert session.expires_at == started.session.expires_at
    with pytest.raises(kt.InvalidSession):
        service.rotate(started.id)
    assert [s.handle for s in service.sessions("user-1")] == [rotated.session.handle]


def test_rotation_keeps_the_data_unless_given(service: Any):
    started = service.start("user-1", data={"a": 1})
    assert service.get(service.rotate(started.id).id).data == {"a": 1}


def test_an_expired_session_cannot_be_rotated(service: Any, clock: Clock, backend: Backend):
    started = service.start("user-1")
    clock.advance(IDLE)
    before = backend.state()
    with pytest.raises(kt.ExpiredSession) as error:
        service.rotate(started.id)
    assert error.value.code == "session_expired"
    assert backend.state() == before


def test_logout_ends_the_session(service: Any):
    started = service.start("user-1")
    other = service.start("user-1")
    service.end(started.id)
    with pytest.raises(kt.InvalidSession):
        service.get(started.id)
    with pytest.raises(kt.InvalidSession) as error:
        service.end(started.id)
    assert error.value.code == "session_invalid"
    assert service.get(other.id).user_id == "user-1"


def test_the_session_list_shows_live_sessions_oldest_first(service: Any, clock: Clock):
    laptop = service.start("user-1", device="laptop", user_agent="Firefox")
    clock.advance(IDLE - 1)
    phone = service.start("user-1", device="phone", user_agent="Safari")
    service.start("user-2", device="tablet")
    listed = service.sessions("user-1")
    assert [(s.device, s.user_agent) for s in listed] == [
        ("laptop", "Firefox"),
        ("phone", "Safari"),
    ]
    assert [s.created_at for s in listed] == [laptop.session.created_at, phone.session.created_at]
    clock.advance(1)  # the laptop's idle timeout passed
    assert [s.handle for s in service.sessions("user-1")] == [phone.session.handle]


def test_end_session_by_handle(service: Any):
    laptop = service.start("user-1", device="laptop")
    phone = service.start("user-1", device="phone")
    service.end_session("user-1", laptop.session.handle)
    with pytest.raises(kt.InvalidSession):
        service.get(laptop.id)
    assert service.get(phone.id).device == "phone"


def test_session_data_is_replaced_and_read_back_exactly(service: Any):
    started = service.start("user-1")
    data = {"name": "Zoë", "n": 3, "nested": {"list": [1, 2.5, None, True]}}
    assert service.set_data(started.id, data).data == data
    assert service.get(started.id).data == data
    assert service.set_data(started.id, {}).data == {}
    assert service.get(started.id).data == {}


def test_a_long_user_agent_is_cut(service: Any):
    started = service.start("user-1", user_agent="x" * 10_000)
    assert service.get(started.id).user_agent == "x" * 512


def test_purge_deletes_sessions_that_ended_before_the_retention(
    make_service: Any, clock: Clock, backend: Backend
):
    if backend.kind == "redis":
        pytest.skip("Redis deletes each session key itself: see test_redis_layout.py")
    service = make_service(retention=100)
    ended = service.start("user-1")
    clock.advance(IDLE - 10)
    live = service.start("user-1")
    clock.advance(10 + 100)
    assert service.purge_expired() == 1
    with pytest.raises(kt.InvalidSession):  # gone: no longer even expired
        service.get(ended.id)
    assert service.get(live.id).user_id == "user-1"
    assert service.purge_expired() == 0


def test_expired_sessions_are_reported_as_expired_until_purged(service: Any, clock: Clock):
    started = service.start("user-1")
    clock.advance(ABSOLUTE + 10)
    with pytest.raises(kt.ExpiredSession):
        service.get(started.id)
    with pytest.raises(kt.ExpiredSession):
        service.set_data(started.id, {"a": 1})


def test_data_read_back_shares_nothing_with_the_store(service: Any):
    data = {"cart": [1, 2]}
    started = service.start("user-1", data=data)
    data["cart"].append(3)  # the caller's object, after the call
    session = service.get(started.id)
    session.data["cart"].append(4)  # a returned object
    assert service.get(started.id).data == {"cart": [1, 2]}
    assert service.sessions("user-1")[0].data == {"cart": [1, 2]}
