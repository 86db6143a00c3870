"""The database fixtures every test directory uses (a pytest plugin: tests/conftest.py loads it).

- ``postgres_dsn``: a DSN of this run's private PostgreSQL database, emptied for each test.
- ``redis_url``: a URL of this run's private Redis database, emptied for each test.
- ``server_database(request, kind)``: either one, for a store kind chosen by parameter.

A test that takes either one, directly or through another fixture, gets the ``postgres`` or
``redis`` mark here, so ``-m "not postgres and not redis"`` deselects it even if the test
itself carries no mark. Tests that pick a store kind by parameter mark it with ``marked()``
and ask for the fixture by name (``request.getfixturevalue``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.databases import (
    RedisLease,
    private_postgres,
    private_redis,
    reset_postgres,
    reset_redis,
)
from support.servers import DSN_VAR, REDIS_VAR, SERVER_MARKS, server_env

#: The session fixtures every server test reaches, and the mark each one brings.
_MARK_OF_FIXTURE = {"postgres_run_dsn": "postgres", "redis_run_lease": "redis"}
#: The per-test fixture of each server.
_FIXTURE_OF_SERVER = {"postgres": "postgres_dsn", "redis": "redis_url"}


@pytest.fixture(scope="session")
def postgres_run_dsn() -> Iterator[str]:
    """This run's own PostgreSQL database (created here, dropped at the end of the run)."""
    with private_postgres(server_env(DSN_VAR)) as dsn:
        yield dsn


@pytest.fixture(scope="session")
def redis_run_lease() -> Iterator[RedisLease]:
    """This run's own Redis database index (leased here, emptied and freed at the end)."""
    with private_redis(server_env(REDIS_VAR)) as lease:
        yield lease


@pytest.fixture
def postgres_dsn(postgres_run_dsn: str) -> str:
    reset_postgres(postgres_run_dsn)
    return postgres_run_dsn


@pytest.fixture
def redis_url(redis_run_lease: RedisLease) -> str:
    redis_run_lease.renew()
    reset_redis(redis_run_lease.url)
    return redis_run_lease.url


def server_database(request: pytest.FixtureRequest, kind: str) -> str:
    """``postgres_dsn`` or ``redis_url`` for a server store kind (``"postgres"``,
    ``"async-redis"``, ...); the kind's parameter carries its mark (``marked()``)."""
    for server, fixture in _FIXTURE_OF_SERVER.items():
        if kind.endswith(server):
            return str(request.getfixturevalue(fixture))
    raise ValueError(f"{kind!r} is not a server store kind")


@pytest.hookimpl(tryfirst=True)  # before the mark plugin deselects by -m
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        for fixture, mark in _MARK_OF_FIXTURE.items():
            if fixture in names:
                item.add_marker(SERVER_MARKS[mark])
