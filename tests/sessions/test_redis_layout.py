"""The Redis session layout: every key expires by itself, one session's keys are in one cluster
hash slot, and the user index forgets sessions that are gone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import keyturn as kt
from keyturn.stores.redis.sessions import RedisSessionStore, index_key, session_key
from support import Clock

RETENTION = 3600


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(url=redis_url)
    yield client
    client.close()


@pytest.fixture
def service(redis_url: str) -> Iterator[kt.SessionService]:
    service = kt.SessionService(
        RedisSessionStore(redis_url, retention=RETENTION), clock=Clock(), touch_interval=0
    )
    yield service
    service.close()


def _ms(at: float) -> int:
    return int((at + RETENTION) * 1000)


def test_every_key_expires_by_itself(service: kt.SessionService, redis_client: Any):
    started = service.start("user-1")
    session = started.session
    key = session_key(session.session_hash)
    assert redis_client.pexpiretime(key) == _ms(session.idle_expires_at)
    assert redis_client.pexpiretime(index_key("user-1")) == _ms(session.expires_at)
    assert all(redis_client.pexpiretime(k) > 0 for k in redis_client.scan_iter("keyturn:session*"))


def test_a_recorded_request_moves_the_expiry(service: kt.SessionService, redis_client: Any):
    started = service.start("user-1")
    clock: Clock = service._clock  # type: ignore[assignment]
    clock.advance(100)
    touched = service.get(started.id)
    key = session_key(started.session.session_hash)
    assert touched.idle_expires_at == started.session.idle_expires_at + 100
    assert redis_client.pexpiretime(key) == _ms(touched.idle_expires_at)


def test_the_index_lives_as_long_as_its_longest_session(service, redis_client: Any):
    clock: Clock = service._clock
    first = service.start("user-1")
    clock.advance(1000)
    second = service.start("user-1")
    assert redis_client.pexpiretime(index_key("user-1")) == _ms(second.session.expires_at)
    service.end(second.id)
    assert redis_client.pexpiretime(index_key("user-1")) == _ms(second.session.expires_at)
    assert service.sessions("user-1")[0].handle == first.session.handle


def test_purge_has_nothing_to_do(service: kt.SessionService):
    service.start("user-1")
    assert service.purge_expired() == 0


def test_the_index_forgets_sessions_that_are_gone(service, redis_client: Any):
    kept = service.start("user-1")
    gone = service.start("user-1")
    redis_client.delete(session_key(gone.session.session_hash))  # as if it had expired
    assert [s.handle for s in service.sessions("user-1")] == [kept.session.handle]
    assert redis_client.hkeys(index_key("user-1")) == [kept.session.handle.encode()]


def test_keys_name_no_user_data_beyond_the_user_id(service, redis_client: Any):
    started = service.start("user-1", device="laptop", user_agent="Firefox", data={"a": "b"})
    keys = {k.decode() for k in redis_client.scan_iter("keyturn:session*")}
    assert keys == {
        f"keyturn:session:{{{started.session.session_hash.hex()}}}",
        "keyturn:sessions:{user-1}",
    }


def test_the_async_store_writes_the_same_layout(redis_url: str, redis_client: Any):
    from keyturn.stores.redis.sessions import AsyncRedisSessionStore

    async def scenario() -> kt.StartedSession:
        service = kt.AsyncSessionService(AsyncRedisSessionStore(redis_url, retention=RETENTION))
        try:
            return await service.start("user-1")
        finally:
            await service.close()

    started = asyncio.run(scenario())
    key = session_key(started.session.session_hash)
    assert redis_client.pexpiretime(key) == _ms(started.session.idle_expires_at)
