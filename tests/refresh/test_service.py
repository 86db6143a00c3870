"""The refresh behaviour of issue 5, run against every store, sync and async."""

from __future__ import annotations

from typing import Any

import pytest

import keyturn as kt
from keyturn.refresh.format import MAX_INPUT_LENGTH, PREFIX
from support import Clock, marked

from .conftest import SERVICE_KINDS, Backend, MakeService

DAY = 86400


def test_issue_pair_returns_a_verifiable_pair(service: Any, issuer: kt.Issuer, clock: Clock):
    pair = service.issue_pair("user-1", "laptop", {"scope": "read write", "client_id": "web"})

    assert pair.refresh.startswith(PREFIX)
    assert pair.access_expires_at == pytest.approx(clock.now + issuer.ttl)
    assert pair.refresh_expires_at == pytest.approx(clock.now + 30 * DAY)
    claims = issuer.verifier().verify(pair.access)
    assert claims["sub"] == "user-1"
    assert claims["sid"] == pair.family_id
    assert claims["scope"] == "read write"
    assert claims["client_id"] == "web"


def test_rotation_keeps_the_family_and_the_grant(service: Any, issuer: kt.Issuer):
    first = service.issue_pair("user-1", "laptop", {"scope": "read", "client_id": "web"})
    pair = first
    for _ in range(3):
        pair = service.rotate(pair.refresh)

    assert pair.family_id == first.family_id
    assert pair.refresh != first.refresh
    claims = issuer.verifier().verify(pair.access)
    assert (claims["scope"], claims["client_id"], claims["sid"]) == ("read", "web", first.family_id)


def test_each_login_is_its_own_family(service: Any):
    a = service.issue_pair("user-1", "laptop")
    b = service.issue_pair("user-1", "laptop")
    assert a.family_id != b.family_id
    assert len({a.refresh, b.refresh}) == 2


def test_replay_revokes_the_whole_family(service: Any):
    first = service.issue_pair("user-1", "laptop")
    second = service.rotate(first.refresh)

    with pytest.raises(kt.ReplayedRefresh) as replay:
        service.rotate(first.refresh)
    assert replay.value.code == "refresh_replayed"
    # The revocation was committed even though that call failed: the live token is dead too.
    with pytest.raises(kt.RevokedRefresh) as revoked:
        service.rotate(second.refresh)
    assert revoked.value.code == "refresh_revoked"
    assert service.sessions("user-1") == []


def test_replay_of_an_older_generation_is_caught(service: Any):
    first = service.issue_pair("user-1", "laptop")
    second = service.rotate(first.refresh)
    third = service.rotate(second.refresh)

    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(first.refresh)
    with pytest.raises(kt.RevokedRefresh):
        service.rotate(third.refresh)


def test_replay_in_one_family_leaves_other_families_alone(service: Any):
    laptop = service.issue_pair("user-1", "laptop")
    phone = service.issue_pair("user-1", "phone")
    service.rotate(laptop.refresh)
    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(laptop.refresh)

    assert service.rotate(phone.refresh).family_id == phone.family_id


def test_expired_refresh_token(make_service: MakeService, clock: Clock):
    service = make_service(refresh_ttl=60)
    pair = service.issue_pair("user-1", "laptop")
    clock.advance(60)

    with pytest.raises(kt.ExpiredRefresh) as expired:
        service.rotate(pair.refresh)
    assert expired.value.code == "refresh_expired"


def test_rotation_renews_the_expiry(make_service: MakeService, clock: Clock):
    service = make_service(refresh_ttl=60)
    pair = service.issue_pair("user-1", "laptop")
    for _ in range(3):
        clock.advance(50)
        pair = service.rotate(pair.refresh)
    assert pair.refresh_expires_at == pytest.approx(clock.now + 60)


def test_session_max_age_is_an_absolute_end(make_service: MakeService, clock: Clock):
    service = make_service(refresh_ttl=60, session_max_age=100)
    start = clock.now
    pair = service.issue_pair("user-1", "laptop")
    clock.advance(50)
    pair = service.rotate(pair.refresh)
    assert pair.refresh_expires_at == pytest.approx(start + 100)
    clock.advance(50)

    with pytest.raises(kt.ExpiredRefresh):
        service.rotate(pair.refresh)


def test_logout_revokes_that_family_only(service: Any):
    laptop = service.issue_pair("user-1", "laptop")
    phone = service.issue_pair("user-1", "phone")
    service.logout(laptop.refresh)

    with pytest.raises(kt.RevokedRefresh) as revoked:
        service.rotate(laptop.refresh)
    assert revoked.value.code == "refresh_revoked"
    assert [s.device_id for s in service.sessions("user-1")] == ["phone"]
    service.rotate(phone.refresh)


def test_logout_with_an_unknown_token_is_refused(service: Any, service_backend: Backend):
    service.issue_pair("user-1", "laptop")
    unknown = _unknown_token()
    before = service_backend.count()
    with pytest.raises(kt.InvalidRefresh) as invalid:
        service.logout(unknown)
    assert invalid.value.code == "refresh_invalid"
    assert service_backend.count() == before


def test_logout_all(service: Any):
    service.issue_pair("user-1", "laptop")
    service.issue_pair("user-1", "phone")
    other = service.issue_pair("user-2", "laptop")
    kept = service.issue_pair("user-1", "tablet")
    service.logout(kept.refresh)

    assert service.logout_all("user-1") == 2
    assert service.sessions("user-1") == []
    assert service.logout_all("user-1") == 0
    assert service.rotate(other.refresh).family_id == other.family_id


def test_revoke_device(service: Any):
    laptop = service.issue_pair("user-1", "laptop")
    phone = service.issue_pair("user-1", "phone")
    someone_else = service.issue_pair("user-2", "phone")

    assert service.revoke_device("user-1", "phone") == 1
    with pytest.raises(kt.RevokedRefresh):
        service.rotate(phone.refresh)
    service.rotate(laptop.refresh)
    service.rotate(someone_else.refresh)
    assert service.revoke_device("user-1", "nothing-here") == 0


def test_sessions_list_live_devices(service: Any, clock: Clock):
    laptop = service.issue_pair("user-1", "laptop")
    created = clock.now
    clock.advance(5)
    phone = service.issue_pair("user-1", "phone")
    clock.advance(5)
    service.rotate(laptop.refresh)

    sessions = service.sessions("user-1")
    assert [(s.device_id, s.family_id) for s in sessions] == [
        ("laptop", laptop.family_id),
        ("phone", phone.family_id),
    ]
    assert sessions[0].created_at == pytest.approx(created)
    assert sessions[0].last_used_at == pytest.approx(clock.now)
    assert sessions[1].last_used_at == pytest.approx(clock.now - 5)
    assert service.sessions("nobody") == []


def test_sessions_leave_out_expired_families(make_service: MakeService, clock: Clock):
    service = make_service(refresh_ttl=60)
    service.issue_pair("user-1", "laptop")
    clock.advance(61)
    assert service.sessions("user-1") == []


def test_services_sharing_a_store_agree(make_service: MakeService):
    # The second service has never seen the family (reads first); the first one has (rotates
    # in one round trip): both paths give the same answers.
    here, there = make_service(), make_service()
    first = here.issue_pair("user-1", "laptop")
    second = there.rotate(first.refresh)
    third = here.rotate(second.refresh)

    with pytest.raises(kt.ReplayedRefresh):
        here.rotate(second.refresh)
    with pytest.raises(kt.RevokedRefresh):
        there.rotate(third.refresh)


def test_forged_token_of_a_known_family_is_refused(service: Any, service_backend: Backend):
    from keyturn.refresh.format import new_token

    pair = service.issue_pair("user-1", "laptop")
    before = service_backend.count()
    # The family id is not secret: anyone can mint a well-formed token for it.
    with pytest.raises(kt.InvalidRefresh) as forged:
        service.rotate(new_token(pair.family_id))
    assert forged.value.code == "refresh_invalid"
    assert service_backend.count() == before
    service.rotate(pair.refresh)


# --- reuse_grace ---------------------------------------------------------------------------


def test_lost_response_retry_within_grace_succeeds(make_service: MakeService, clock: Clock):
    service = make_service(reuse_grace=10)
    first = service.issue_pair("user-1", "laptop")
    lost = service.rotate(first.refresh)  # the client never saw this response
    clock.advance(3)
    retried = service.rotate(first.refresh)

    assert retried.family_id == first.family_id
    assert retried.refresh != lost.refresh
    # The client carries on with the retried pair.
    assert service.rotate(retried.refresh).family_id == first.family_id


def test_grace_retry_supersedes_the_first_successor(make_service: MakeService):
    service = make_service(reuse_grace=10)
    first = service.issue_pair("user-1", "laptop")
    superseded = service.rotate(first.refresh)
    retried = service.rotate(first.refresh)

    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(superseded.refresh)
    with pytest.raises(kt.RevokedRefresh):
        service.rotate(retried.refresh)


def test_racing_attacker_trips_the_alarm_within_grace(make_service: MakeService):
    service = make_service(reuse_grace=10)
    stolen = service.issue_pair("user-1", "laptop")
    legitimate = service.rotate(stolen.refresh)  # the real client rotates first
    attacker = service.rotate(stolen.refresh)  # the thief, within the window, gets a pair...

    # ...but the real client's next rotation trips the alarm and kills the thief's pair too.
    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(legitimate.refresh)
    with pytest.raises(kt.RevokedRefresh):
        service.rotate(attacker.refresh)


def test_retry_after_the_grace_window_is_a_replay(make_service: MakeService, clock: Clock):
    service = make_service(reuse_grace=10)
    first = service.issue_pair("user-1", "laptop")
    second = service.rotate(first.refresh)
    clock.advance(10.5)

    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(first.refresh)
    with pytest.raises(kt.RevokedRefresh):
        service.rotate(second.refresh)


def test_grace_window_counts_from_the_first_use(make_service: MakeService, clock: Clock):
    service = make_service(reuse_grace=10)
    first = service.issue_pair("user-1", "laptop")
    service.rotate(first.refresh)
    clock.advance(6)
    service.rotate(first.refresh)
    clock.advance(6)

    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(first.refresh)


def test_older_generations_are_replays_even_within_grace(make_service: MakeService):
    service = make_service(reuse_grace=10)
    first = service.issue_pair("user-1", "laptop")
    second = service.rotate(first.refresh)
    service.rotate(second.refresh)

    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(first.refresh)


def test_no_grace_by_default(service: Any):
    first = service.issue_pair("user-1", "laptop")
    service.rotate(first.refresh)
    with pytest.raises(kt.ReplayedRefresh):
        service.rotate(first.refresh)


# --- bad input -----------------------------------------------------------------------------


def _unknown_token() -> str:
    """A well-formed token that no store has seen."""
    from keyturn.refresh.format import new_family_id, new_token

    return new_token(new_family_id())


def _flip_last_char(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


GARBAGE: dict[str, Any] = {
    "empty": "",
    "prefix only": PREFIX,
    "plain text": "hello",
    "oversized": PREFIX + "A" * 100_000,
    "just over the cap": "A" * (MAX_INPUT_LENGTH + 1),
    "an access token": "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1In0.c2ln",
    "bytes": b"ktr_AAAA",
    "none": None,
    "number": 42,
    "sql": "ktr_' OR 1=1 --",
    "unicode": PREFIX + "é" * 70,
    "nul": PREFIX + "\x00" * 70,
}


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_refused_and_nothing_is_written(
    service: Any, service_backend: Backend, garbage: Any
):
    service.issue_pair("user-1", "laptop")
    before = service_backend.count()

    with pytest.raises(kt.InvalidRefresh) as rotate:
        service.rotate(garbage)
    with pytest.raises(kt.InvalidRefresh) as logout:
        service.logout(garbage)
    assert rotate.value.code == logout.value.code == "refresh_invalid"
    assert service_backend.count() == before


@pytest.mark.parametrize(
    "tamper",
    [
        _flip_last_char,
        lambda t: t.upper(),
        lambda t: t + "A",
        lambda t: t[:-1],
        lambda t: " " + t[1:],
        lambda t: "kts_" + t[4:],
    ],
    ids=["checksum", "case", "longer", "shorter", "space", "prefix"],
)
def test_tampered_tokens_are_refused(service: Any, service_backend: Backend, tamper: Any):
    pair = service.issue_pair("user-1", "laptop")
    before = service_backend.count()

    with pytest.raises(kt.InvalidRefresh) as invalid:
        service.rotate(tamper(pair.refresh))
    assert invalid.value.code == "refresh_invalid"
    assert service_backend.count() == before
    service.rotate(pair.refresh)  # the real token was not disturbed


def test_unknown_well_formed_token_is_refused(service: Any, service_backend: Backend):
    service.issue_pair("user-1", "laptop")
    before = service_backend.count()
    with pytest.raises(kt.InvalidRefresh) as invalid:
        service.rotate(_unknown_token())
    assert invalid.value.code == "refresh_invalid"
    assert service_backend.count() == before


@pytest.mark.parametrize(
    ("user_id", "device_id", "claims"),
    [
        ("", "laptop", None),
        ("user-1", "", None),
        ("u" * 256, "laptop", None),
        (7, "laptop", None),
        ("user-1", "laptop", {"when": object()}),
        ("user-1", "laptop", {"nan": float("nan")}),
        ("user-1", "laptop", {1: "x"}),
        ("user-1", "laptop", {"sub": "someone-else"}),
    ],
    ids=["empty-user", "empty-device", "long-user", "int-user", "object", "nan", "key", "sub"],
)
def test_bad_issue_arguments_write_nothing(
    service: Any, service_backend: Backend, user_id: Any, device_id: Any, claims: Any
):
    service.issue_pair("user-1", "laptop")
    before = service_backend.count()
    with pytest.raises(kt.ConfigurationError) as bad:
        service.issue_pair(user_id, device_id, claims)
    assert bad.value.code == "configuration_invalid"
    assert service_backend.count() == before


def test_pair_repr_and_errors_never_show_a_token(service: Any):
    pair = service.issue_pair("user-1", "laptop")
    assert pair.refresh not in repr(pair)
    assert pair.access not in repr(pair)
    service.rotate(pair.refresh)
    with pytest.raises(kt.ReplayedRefresh) as replay:
        service.rotate(pair.refresh)
    assert pair.refresh not in str(replay.value)
    assert pair.refresh not in repr(replay.value)


# --- purge ---------------------------------------------------------------------------------


ROW_STORES = marked(*(kind for kind in SERVICE_KINDS if not kind.endswith("redis")))


# Redis expires rows itself (TTLs); its purge only tidies the user index (next test).
@pytest.mark.parametrize("service_kind", ROW_STORES)
def test_purge_expired_removes_dead_rows_in_batches(
    make_service: MakeService, service_backend: Backend, clock: Clock
):
    service = make_service(refresh_ttl=60, purge_batch_size=2)
    for n in range(3):
        pair = service.issue_pair(f"user-{n}", "laptop")
        service.rotate(pair.refresh)
    clock.advance(30)
    live = service.issue_pair("user-live", "laptop")
    assert service_backend.count() == 3 * 3 + 2  # 3 x (family + 2 tokens) + the live one
    clock.advance(31)

    assert service.purge_expired() == 9
    assert service_backend.count() == 2
    assert service.rotate(live.refresh).family_id == live.family_id
    assert service.purge_expired() == 0


@pytest.mark.parametrize("service_kind", marked("redis", "async-redis"))
def test_redis_purge_tidies_the_user_index(make_service: MakeService, redis_url: str):
    import redis

    from keyturn.stores.redis.tokens import family_key

    service = make_service(purge_batch_size=2)
    pairs = [service.issue_pair("user-1", f"device-{n}") for n in range(3)]
    # Stand in for Redis' own expiry of two families (real TTLs are days long).
    client = redis.Redis.from_url(redis_url)
    client.delete(family_key(pairs[0].family_id), family_key(pairs[1].family_id))

    assert service.purge_expired() == 2
    assert client.smembers("keyturn:user:{user-1}") == {pairs[2].family_id.encode()}


class _AlwaysOutrun(kt.MemoryStore):
    """Loses every race. Endless lost races cannot be caused on demand with real contenders,
    so this fault is injected; it checks the retry loop is bounded and ends in a clean error."""

    def commit_rotation(self, rotation: Any) -> bool:
        return False


def test_endless_lost_races_end_in_a_store_error(issuer: kt.Issuer):
    service = kt.TokenService(issuer, _AlwaysOutrun())
    pair = service.issue_pair("user-1", "laptop")
    with pytest.raises(kt.StoreError) as outrun:
        service.rotate(pair.refresh)
    assert outrun.value.code == "store_unavailable"
    assert pair.refresh not in str(outrun.value)
