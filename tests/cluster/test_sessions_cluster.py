"""The Redis session stores on a real three-master Redis Cluster (redis-py's cluster client):
every script touches one key, a user's sessions land on different masters, and listing, ending
by handle, rotation races and logout everywhere reach them all."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio.cluster
from redis.cluster import ClusterNode, RedisCluster

import keyturn as kt
from keyturn.stores.redis.sessions import (
    AsyncRedisSessionStore,
    RedisSessionStore,
    session_key,
)

pytestmark = pytest.mark.redis

RACERS = 8
SESSIONS = 12


@pytest.fixture
def cluster(redis_cluster: list[tuple[str, int]]) -> Iterator[RedisCluster]:
    client = RedisCluster(startup_nodes=[ClusterNode(host, port) for host, port in redis_cluster])
    client.flushall(target_nodes=RedisCluster.PRIMARIES)
    yield client
    client.close()


@pytest.fixture
def sessions(cluster: RedisCluster) -> kt.SessionService:
    return kt.SessionService(RedisSessionStore(client=cluster))


def _masters_of(cluster: RedisCluster, started: list[kt.StartedSession]) -> set[str]:
    nodes = (cluster.get_node_from_key(session_key(s.session.session_hash)) for s in started)
    return {node.name for node in nodes}


def test_a_users_sessions_on_every_master_are_listed_and_ended(
    sessions: kt.SessionService, cluster: RedisCluster
) -> None:
    started = [sessions.start("user-1", device=f"d{i}") for i in range(SESSIONS)]
    assert len(_masters_of(cluster, started)) == 3
    assert {s.handle for s in sessions.sessions("user-1")} == {s.session.handle for s in started}
    sessions.end_session("user-1", started[0].session.handle)
    sessions.end(started[1].id)
    done = sessions.logout_everywhere("user-1")
    assert done.sessions == SESSIONS - 2
    for each in started:
        with pytest.raises(kt.InvalidSession):
            sessions.get(each.id)
    assert sessions.sessions("user-1") == []


def test_a_rotation_race_has_exactly_one_winner(sessions: kt.SessionService) -> None:
    started = sessions.start("user-1")
    barrier = threading.Barrier(RACERS, timeout=60)
    results: list[Any] = []
    lock = threading.Lock()

    def race() -> None:
        barrier.wait()
        try:
            result: Any = sessions.rotate(started.id)
        except kt.SessionError as error:
            result = error
        with lock:
            results.append(result)

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    won = [r for r in results if isinstance(r, kt.StartedSession)]
    assert len(results) == RACERS
    assert len(won) == 1
    assert {r.code for r in results if not isinstance(r, kt.StartedSession)} == {"session_invalid"}
    assert [s.handle for s in sessions.sessions("user-1")] == [won[0].session.handle]


def test_the_async_store_on_the_cluster(
    redis_cluster: list[tuple[str, int]], cluster: RedisCluster
) -> None:
    async def scenario() -> None:
        nodes = [redis.asyncio.cluster.ClusterNode(h, p) for h, p in redis_cluster]
        client = redis.asyncio.cluster.RedisCluster(startup_nodes=nodes)
        service = kt.AsyncSessionService(AsyncRedisSessionStore(client=client))
        try:
            started = [await service.start("user-1") for _ in range(SESSIONS)]
            results = await asyncio.gather(
                *(service.rotate(started[0].id) for _ in range(RACERS)), return_exceptions=True
            )
            assert sum(isinstance(r, kt.StartedSession) for r in results) == 1
            assert len(await service.sessions("user-1")) == SESSIONS
            assert (await service.logout_everywhere("user-1")).sessions == SESSIONS
        finally:
            await service.close()
            await client.aclose()

    asyncio.run(scenario())
