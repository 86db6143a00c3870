"""The Redis stores on a real three-master Redis Cluster (redis-py's cluster client): rotation
races, replay, logout-all across slots, the purge's scan of every master, and access-token
revocation.

A family's keys share its ``{family_id}`` hash tag, so the rotation script touches one slot; a
user's families land on different masters, which logout-all and purge must all reach.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import redis.asyncio.cluster
from redis.cluster import ClusterNode, RedisCluster

import keyturn as kt
from keyturn.stores.redis.tokens import family_key

pytestmark = pytest.mark.redis

ISSUER, AUDIENCE = "https://auth.test", "api.test"
RACERS = 8


@pytest.fixture
def cluster(redis_cluster: list[tuple[str, int]]) -> Iterator[RedisCluster]:
    client = RedisCluster(startup_nodes=[ClusterNode(host, port) for host, port in redis_cluster])
    client.flushall(target_nodes=RedisCluster.PRIMARIES)
    yield client
    client.close()


@pytest.fixture
def ring() -> kt.Keyring:
    return kt.Keyring.generate()


@pytest.fixture
def service(cluster: RedisCluster, ring: kt.Keyring) -> kt.TokenService:
    issuer = kt.Issuer(ring, issuer=ISSUER, audience=AUDIENCE)
    return kt.TokenService(issuer, kt.RedisStore(client=cluster))


def test_the_cluster_has_three_masters(cluster: RedisCluster) -> None:
    assert len(cluster.get_primaries()) == 3


def test_a_rotation_race_has_exactly_one_winner(service: kt.TokenService) -> None:
    pair = service.issue_pair("user-1", "laptop")
    start = threading.Barrier(RACERS)
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def race() -> None:
        try:
            start.wait()
            service.rotate(pair.refresh)
            outcome = "won"
        except kt.RefreshError as refused:
            outcome = refused.code
        except BaseException as error:  # collected: a worker's failure fails the test
            errors.append(error)
            return
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert outcomes["won"] == 1
    assert set(outcomes) <= {"won", "refresh_replayed", "refresh_revoked"}
    assert sum(outcomes.values()) == RACERS


def test_a_replay_revokes_the_family(service: kt.TokenService) -> None:
    t0 = service.issue_pair("user-1", "laptop")
    t1 = service.rotate(t0.refresh)
    with pytest.raises(kt.ReplayedRefresh) as replayed:
        service.rotate(t0.refresh)
    assert replayed.value.code == "refresh_replayed"
    with pytest.raises(kt.RevokedRefresh) as revoked:
        service.rotate(t1.refresh)
    assert revoked.value.code == "refresh_revoked"
    assert service.sessions("user-1") == []


def test_logout_all_reaches_families_on_every_master(
    service: kt.TokenService, cluster: RedisCluster
) -> None:
    pairs = [service.issue_pair("user-1", f"device-{n}") for n in range(12)]
    masters = {cluster.get_node_from_key(family_key(p.family_id)).name for p in pairs}
    assert len(masters) > 1  # the families really are spread over the cluster
    assert service.logout_all("user-1") == 12
    assert service.sessions("user-1") == []
    for pair in pairs:
        with pytest.raises(kt.RevokedRefresh) as revoked:
            service.rotate(pair.refresh)
        assert revoked.value.code == "refresh_revoked"


def test_purge_scans_every_master(service: kt.TokenService, cluster: RedisCluster) -> None:
    users = [f"user-{n}" for n in range(12)]
    pairs = [service.issue_pair(user, "laptop") for user in users]
    for pair in pairs:  # as if each family had expired: Redis deleted its keys
        cluster.delete(family_key(pair.family_id))
    user_masters = {cluster.get_node_from_key(f"keyturn:user:{{{u}}}").name for u in users}
    assert len(user_masters) > 1
    assert service.purge_expired() == 12
    assert cluster.keys("keyturn:user:*", target_nodes=RedisCluster.PRIMARIES) == []


def test_revocations_on_the_cluster(cluster: RedisCluster, ring: kt.Keyring) -> None:
    revocations = kt.Revocations(kt.RedisRevocationStore(client=cluster))
    issuer = kt.Issuer(ring, issuer=ISSUER, audience=AUDIENCE)
    verifier = kt.Verifier(ring, issuer=ISSUER, audience=AUDIENCE, revocations=revocations)
    stolen, kept = issuer.issue("user-1"), issuer.issue("user-2")
    revocations.revoke(verifier.verify(stolen))
    with pytest.raises(kt.TokenRevoked) as caught:
        verifier.verify(stolen)
    assert caught.value.code == "token_revoked"
    assert verifier.verify(kept)["sub"] == "user-2"
    revocations.revoke_subject("user-2")
    with pytest.raises(kt.TokenRevoked):
        verifier.verify(kept)


def test_async_cluster_race_and_replay(
    redis_cluster: list[tuple[str, int]], ring: kt.Keyring, cluster: RedisCluster
) -> None:
    async def scenario() -> Counter[str]:
        nodes = [redis.asyncio.cluster.ClusterNode(h, p) for h, p in redis_cluster]
        client = redis.asyncio.cluster.RedisCluster(startup_nodes=nodes)
        issuer = kt.Issuer(ring, issuer=ISSUER, audience=AUDIENCE)
        service = kt.AsyncTokenService(issuer, kt.AsyncRedisStore(client=client))
        try:
            pair = await service.issue_pair("user-1", "phone")
            results: list[Any] = await asyncio.gather(
                *(service.rotate(pair.refresh) for _ in range(RACERS)), return_exceptions=True
            )
            outcomes = Counter(
                "won" if isinstance(r, kt.TokenPair) else getattr(r, "code", repr(r))
                for r in results
            )
            assert await service.sessions("user-1") == []  # the losers' replay killed it
            assert await service.purge_expired() == 0
            return outcomes
        finally:
            await service.close()
            await client.aclose()

    outcomes = asyncio.run(scenario())
    assert outcomes["won"] == 1
    assert set(outcomes) <= {"won", "refresh_replayed", "refresh_revoked"}
