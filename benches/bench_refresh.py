"""Refresh-token rotations per second, per store, 1 client and 8 concurrent clients, against the
bare transaction on the same store (one UPDATE + one INSERT in one transaction, or one Lua call).

Run (servers from ``source scripts/test-services.sh``; without them only SQLite runs):

    pytest benches/bench_refresh.py --benchmark-only

PostgreSQL and Redis run in a private database of this run (``support.databases``, as the tests
do), never in the shared one the variables name.

The table printed at the end gives rotations/s and bare transactions/s (medians over alternating
blocks) and the ratio rotation cost / baseline cost (target: <= 2x).
"""

from __future__ import annotations

import secrets
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import keyturn as kt
from keyturn._sqlite import write_lock
from support import DSN_VAR, REDIS_VAR, server_env
from support.databases import private_postgres, private_redis

CLIENTS = 8
OPS_PER_BLOCK = 25  # per client
ROUNDS = 12
STORES = ["sqlite", "postgres", "redis"]
#: (store, clients) -> median seconds per operation of (rotation, baseline)
RESULTS: dict[tuple[str, int], tuple[float, float]] = {}
DAY = 86400.0


# --- the bare transactions -----------------------------------------------------------------


def _sqlite_baseline(path: Path) -> Callable[[], Callable[[], None]]:
    # Writers queue on the store's per-file lock, as the store's own do: without it the bare
    # transactions of 8 clients would sleep in SQLite's busy handler and look slower than a
    # whole rotation.
    lock = write_lock(str(path))

    def client() -> Callable[[], None]:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        state = {"hash": secrets.token_bytes(32)}
        connection.execute(
            "INSERT INTO keyturn_refresh_tokens VALUES (?, 'bench', 0, ?, NULL)",
            (state["hash"], 1e12),
        )

        def rotate() -> None:
            new = secrets.token_bytes(32)
            with lock:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(
                    "UPDATE keyturn_refresh_tokens SET used_at = 1"
                    " WHERE token_hash = ? AND used_at IS NULL",
                    (state["hash"],),
                )
                connection.execute(
                    "INSERT INTO keyturn_refresh_tokens VALUES (?, 'bench', 0, ?, NULL)",
                    (new, 1e12),
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
    with ExitStack() as private:
        if store_kind == "sqlite":
            store = kt.SQLiteStore(tmp_path / "bench.db")
            baseline = _sqlite_baseline(tmp_path / "bench.db")
        elif store_kind == "postgres":
            dsn = private.enter_context(private_postgres(server_env(DSN_VAR)))
            store = kt.PostgresStore(dsn, pool_size=CLIENTS)
            baseline = _postgres_baseline(dsn)
        else:
            url = private.enter_context(private_redis(server_env(REDIS_VAR))).url
            store = kt.RedisStore(url)
            baseline = _redis_baseline(url)
        service = kt.TokenService(issuer, store)
        service.sessions("warm-up")  # creates the schema the SQL baselines write into
        yield service, baseline
        service.close()


class _RotationClient:
    """One device rotating its own refresh token, keeping every token it was given (outside the
    timed call's work: one list append) so the run can be checked afterwards."""

    def __init__(self, service: kt.TokenService, verifier: kt.Verifier) -> None:
        self._service = service
        self._verifier = verifier
        self._user = f"user-{secrets.token_hex(4)}"
        self.tokens = [service.issue_pair(self._user, "bench").refresh]

    def __call__(self) -> None:
        self.tokens.append(self._service.rotate(self.tokens[-1]).refresh)

    def check(self, rotations: int) -> None:
        """Every timed rotation happened and gave a new token; the chain is live; and a spent
        token is a replay that ends the family (the rotation was the real, checked one)."""
        assert len(self.tokens) == rotations + 1
        assert len(set(self.tokens)) == len(self.tokens)
        pair = self._service.rotate(self.tokens[-1])
        assert self._verifier.verify(pair.access)["sub"] == self._user
        with pytest.raises(kt.ReplayedRefresh) as replay:
            self._service.rotate(self.tokens[-3])  # two generations back: past any grace
        assert replay.value.code == "refresh_replayed"


def _run_clients(clients: list[Callable[[], None]], operations: int) -> None:
    """Run every client ``operations`` times, concurrently; any client's failure fails the run
    (a failed rotation must not pass for a fast one)."""
    errors: list[BaseException] = []

    def loop(rotate: Callable[[], None]) -> None:
        try:
            for _ in range(operations):
                rotate()
        except BaseException as error:  # surfaced in the benchmark's thread below
            errors.append(error)

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise AssertionError(f"{len(errors)} of {len(clients)} clients failed") from errors[0]


# --- benchmarks ----------------------------------------------------------------------------


@pytest.mark.parametrize("clients", [1, CLIENTS])
def test_rotation_vs_baseline(
    benchmark: BenchmarkFixture,
    setup: tuple[kt.TokenService, Any],
    issuer: kt.Issuer,
    store_kind: str,
    clients: int,
) -> None:
    """Blocks of rotations and blocks of bare transactions, alternating, so both see the same
    machine (a shared disk's fsync times swing a lot); each round is one block of each."""
    service, baseline = setup
    verifier = issuer.verifier()
    devices = [_RotationClient(service, verifier) for _ in range(clients)]
    contenders: dict[str, list[Callable[[], None]]] = {
        "rotation": list(devices),
        "baseline": [baseline() for _ in range(clients)],
    }
    seconds_per_op: dict[str, list[float]] = {"rotation": [], "baseline": []}

    def one_block_each() -> None:
        for what, fns in contenders.items():
            started = time.perf_counter()
            _run_clients(fns, OPS_PER_BLOCK)
            seconds_per_op[what].append((time.perf_counter() - started) / (clients * OPS_PER_BLOCK))

    benchmark.group = f"refresh {store_kind}: {clients} client(s), a block of rotations + baselines"
    benchmark.pedantic(one_block_each, rounds=ROUNDS, warmup_rounds=1)
    for device in devices:
        device.check(len(seconds_per_op["rotation"]) * OPS_PER_BLOCK)
    rotation = statistics.median(seconds_per_op["rotation"][1:] or seconds_per_op["rotation"])
    bare = statistics.median(seconds_per_op["baseline"][1:] or seconds_per_op["baseline"])
    RESULTS[(store_kind, clients)] = (rotation, bare)
    benchmark.extra_info.update(
        rotations_per_s=1 / rotation, baseline_per_s=1 / bare, cost_ratio=rotation / bare
    )


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
    for (kind, clients), (rotation, bare) in sorted(RESULTS.items()):
        write_line(
            f"{kind:<9} {clients:>7}  {1 / rotation:>11.0f}  {1 / bare:>10.0f}"
            f"  {rotation / bare:>5.2f}x"
        )
