"""Refresh-token rotations per second, per store, 1 client and 8 concurrent clients, against the
bare transaction on the same store (one UPDATE + one INSERT in one transaction, or one Lua call).

Run (servers from ``source scripts/test-services.sh``; without them only SQLite runs):

    pytest benches/bench_refresh.py --benchmark-only

The table printed at the end gives rotations/s and the ratio rotation cost / baseline cost
(target: <= 2x).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import keyturn as kt

CLIENTS = 8
OPS_PER_CLIENT = 40
STORES = ["sqlite", "postgres", "redis"]
RESULTS: dict[tuple[str, str, int], float] = {}
DAY = 86400.0


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set: source scripts/test-services.sh")
    return value


# --- the bare transactions -----------------------------------------------------------------


def _sqlite_baseline(path: Path) -> Callable[[], Callable[[], None]]:
    def client() -> Callable[[], None]:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        state = {"hash": secrets.token_bytes(32)}
        connection.execute(
            "INSERT INTO keyturn_refresh_tokens VALUES (?, 'bench', 0, ?, NULL)",
            (state["hash"], 1e12),
        )

        def rotate() -> None:
            new = secrets.token_bytes(32)
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "UPDATE keyturn_refresh_tokens SET used_at = 1"
                " WHERE token_hash = ? AND used_at IS NULL",
                (state["hash"],),
            )
            connection.execute(
                "INSERT INTO keyturn_refresh_tokens VALUES (?, 'bench', 0, ?, NULL)", (new, 1e12)
            )
            connection.execute("COMMIT")
            state["hash"] = new

        return rotate

    return client


def _postgres_baseline(dsn: str) -> Callable[[], Callable[[], None]]:
    import psycopg

    def client() -> Callable[[], None]:
        connection = psycopg.connect(dsn, autocommit=True)
        state = {"hash": secrets.token_bytes(32)}
        connection.execute(
            "INSERT INTO keyturn_refresh_tokens VALUES (%s, 'bench', 0, %s, NULL)",
            (state["hash"], 1e12),
        )

        def rotate() -> None:
            new = secrets.token_bytes(32)
            with connection.transaction():
                connection.execute(
                    "UPDATE keyturn_refresh_tokens SET used_at = 1"
                    " WHERE token_hash = %s AND used_at IS NULL",
                    (state["hash"],),
                )
                connection.execute(
                    "INSERT INTO keyturn_refresh_tokens VALUES (%s, 'bench', 0, %s, NULL)",
                    (new, 1e12),
                )
            state["hash"] = new

        return rotate

    return client


_BARE_LUA = """
redis.call('HSET', KEYS[1], 'used_at', ARGV[1])
redis.call('HSET', KEYS[2], 'issued_at', ARGV[1], 'expires_at', ARGV[2])
return 1
"""


def _redis_baseline(url: str) -> Callable[[], Callable[[], None]]:
    import redis

    client_ = redis.Redis.from_url(url)
    script = client_.register_script(_BARE_LUA)

    def client() -> Callable[[], None]:
        family = secrets.token_hex(16)
        state = {"hash": secrets.token_hex(32)}

        def rotate() -> None:
            new = secrets.token_hex(32)
            keys = (f"bench:{{{family}}}:{state['hash']}", f"bench:{{{family}}}:{new}")
            script(keys=keys, args=("1.0", "1e12"))
            state["hash"] = new

        return rotate

    return client


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer() -> kt.Issuer:
    return kt.Issuer(kt.Keyring.generate(), issuer="https://auth.bench", audience="api")


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def setup(
    store_kind: str, tmp_path: Path, issuer: kt.Issuer
) -> Iterator[tuple[kt.TokenService, Callable[[], Callable[[], None]]]]:
    store: Any
    if store_kind == "sqlite":
        store = kt.SQLiteStore(tmp_path / "bench.db")
        baseline = _sqlite_baseline(tmp_path / "bench.db")
    elif store_kind == "postgres":
        dsn = _env("KEYTURN_TEST_POSTGRES_DSN")
        store = kt.PostgresStore(dsn, pool_size=CLIENTS)
        baseline = _postgres_baseline(dsn)
    else:
        url = _env("KEYTURN_TEST_REDIS_URL")
        import redis

        redis.Redis.from_url(url).flushdb()
        store = kt.RedisStore(url)
        baseline = _redis_baseline(url)
    service = kt.TokenService(issuer, store)
    service.sessions("warm-up")  # creates the schema the SQL baselines write into
    yield service, baseline
    service.close()


def _rotation_client(service: kt.TokenService) -> Callable[[], None]:
    state = {"token": service.issue_pair(f"user-{secrets.token_hex(4)}", "bench").refresh}

    def rotate() -> None:
        state["token"] = service.rotate(state["token"]).refresh

    return rotate


def _concurrently(clients: list[Callable[[], None]]) -> Callable[[], None]:
    def run() -> None:
        def loop(rotate: Callable[[], None]) -> None:
            for _ in range(OPS_PER_CLIENT):
                rotate()

        threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    return run


# --- benchmarks ----------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["rotation", "baseline"])
def test_one_client(
    benchmark: BenchmarkFixture, setup: tuple[kt.TokenService, Any], store_kind: str, what: str
) -> None:
    service, baseline = setup
    rotate = _rotation_client(service) if what == "rotation" else baseline()
    benchmark.group = f"refresh {store_kind}, 1 client"
    benchmark.pedantic(rotate, rounds=200, warmup_rounds=10)
    _record(benchmark, (store_kind, what, 1), 1)


@pytest.mark.parametrize("what", ["rotation", "baseline"])
def test_eight_clients(
    benchmark: BenchmarkFixture, setup: tuple[kt.TokenService, Any], store_kind: str, what: str
) -> None:
    service, baseline = setup
    make = (lambda: _rotation_client(service)) if what == "rotation" else baseline
    clients = [make() for _ in range(CLIENTS)]
    benchmark.group = f"refresh {store_kind}, {CLIENTS} clients"
    benchmark.pedantic(_concurrently(clients), rounds=3, warmup_rounds=1)
    _record(benchmark, (store_kind, what, CLIENTS), CLIENTS * OPS_PER_CLIENT)


def _record(benchmark: BenchmarkFixture, key: tuple[str, str, int], operations: int) -> None:
    # With --benchmark-disable (the smoke run) each benchmark runs once and has no stats.
    if benchmark.stats is not None:
        RESULTS[key] = operations / benchmark.stats.stats.mean


@pytest.fixture(scope="module", autouse=True)
def report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    writer = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if writer is None or capture is None or not RESULTS:
        return
    with capture.global_and_fixture_disabled():
        _write_table(writer.write_line)


def _write_table(write_line: Callable[[str], None]) -> None:
    write_line("")
    write_line("store     clients  rotations/s  baseline/s  cost ratio (target <= 2x)")
    for kind in STORES:
        for clients in (1, CLIENTS):
            rotation = RESULTS.get((kind, "rotation", clients))
            baseline = RESULTS.get((kind, "baseline", clients))
            if rotation and baseline:
                write_line(
                    f"{kind:<9} {clients:>7}  {rotation:>11.0f}  {baseline:>10.0f}"
                    f"  {baseline / rotation:>5.2f}x"
                )
