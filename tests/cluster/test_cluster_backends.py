"""A backend on a Redis Cluster client of the caller's (``open_backend(cluster)``,
``open_async_backend(async cluster)``): every store on the one cluster client, the layout's
``keyturn:schema`` marker on the cluster, and the native async revocation store's single-key
scripts and pipelined lookups across masters (issue 14)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis.asyncio.cluster
from redis.cluster import ClusterNode, RedisCluster

import keyturn as kt
from keyturn.stores._sql.schema import SCHEMA_VERSION
from keyturn.stores.redis._client import SCHEMA_KEY

pytestmark = pytest.mark.redis

ISSUER, AUDIENCE = "https://auth.test", "api.test"
RING = kt.Keyring.generate()
#: Enough subjects that their revocation keys land on every master.
SUBJECTS = [f"user-{n}" for n in range(12)]


@pytest.fixture
def cluster(redis_cluster: list[tuple[str, int]]) -> Iterator[RedisCluster]:
    client = RedisCluster(startup_nodes=[ClusterNode(host, port) for host, port in redis_cluster])
    client.flushall(target_nodes=RedisCluster.PRIMARIES)
    yield client
    client.close()


def test_a_backend_on_the_callers_cluster_client(cluster: RedisCluster) -> None:
    issuer = kt.Issuer(RING, issuer=ISSUER, audience=AUDIENCE)
    with kt.open_backend(cluster) as backend:
        revocations = kt.Revocations(backend.revocations)
        service = kt.TokenService(issuer, backend.tokens, revocations=revocations)
        verifier = kt.Verifier(RING, issuer=ISSUER, audience=AUDIENCE, revocations=revocations)
        pairs = [service.issue_pair(subject, "phone") for subject in SUBJECTS]
        for subject in SUBJECTS[:6]:
            assert service.logout_all(subject) == 1
        screened = verifier.verify_many([pair.access for pair in pairs])
        assert [isinstance(r, kt.TokenRevoked) for r in screened] == [True] * 6 + [False] * 6
    assert cluster.ping()  # the caller's client stays open
    assert cluster.get(SCHEMA_KEY) == str(SCHEMA_VERSION).encode()


def test_an_async_backend_on_the_callers_async_cluster_client(
    redis_cluster: list[tuple[str, int]], cluster: RedisCluster
) -> None:
    async def scenario() -> list[bool]:
        nodes = [redis.asyncio.cluster.ClusterNode(h, p) for h, p in redis_cluster]
        client = redis.asyncio.cluster.RedisCluster(startup_nodes=nodes)
        issuer = kt.Issuer(RING, issuer=ISSUER, audience=AUDIENCE)
        try:
            async with kt.open_async_backend(client) as backend:
                assert isinstance(backend.revocations, kt.AsyncRedisRevocationStore)
                revocations = kt.Revocations(backend.revocations)
                service = kt.AsyncTokenService(issuer, backend.tokens, revocations=revocations)
                verifier = kt.Verifier(
                    RING, issuer=ISSUER, audience=AUDIENCE, revocations=revocations
                )
                pairs = [await service.issue_pair(subject, "phone") for subject in SUBJECTS]
                for subject in SUBJECTS[::2]:
                    await service.logout_all(subject)
                await revocations.arevoke_session("session-of-user-1")
                await revocations.arevoke(await verifier.averify(pairs[3].access))
                revoked = []
                for pair in pairs:
                    try:
                        await verifier.averify(pair.access)
                        revoked.append(False)
                    except kt.TokenRevoked:
                        revoked.append(True)
                assert await revocations.ais_revoked({"sid": "session-of-user-1"})
                return revoked
        finally:
            await client.aclose()

    revoked = asyncio.run(scenario())
    assert revoked == [n % 2 == 0 or n == 3 for n in range(len(SUBJECTS))]
    assert cluster.get(SCHEMA_KEY) == str(SCHEMA_VERSION).encode()
