"""Pending-login stores on every backend (memory, SQLite, PostgreSQL and Redis, blocking and
asyncio): single use under concurrency, expiring, shared by every process on the database, bounded
in memory, and nothing at rest that hands out a live ``state``.

Each store comes from ``open_backend``/``open_async_backend`` (``Backend.login_states``), the way
a service gets it; an asyncio store is driven from these sync tests on a private loop.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from keyturn.login_state import PendingLogin, state_key
from support import Clock, marked

from .conftest import Scripted

STORE_KINDS = ["memory", "sqlite", "postgres", "redis", "async-postgres", "async-redis"]


def pending(expires_at: float, return_to: str | None = "/x") -> PendingLogin:
    return PendingLogin(
        binding_hash="b" * 64,
        nonce="nonce-secret",
        code_verifier="verifier-secret",
        expires_at=expires_at,
        return_to=return_to,
    )


@dataclass
class Stores:
    """One store kind: ``open()`` a backend's login states (a new backend each call: another
    process on the same database), and ``at_rest()``, everything the database holds, as bytes."""

    kind: str
    open: Callable[[], Any]
    at_rest: Callable[[], bytes]
    loop: asyncio.AbstractEventLoop
    backends: list[Any]

    def run(self, result: Any) -> Any:
        """A blocking store's result, or an asyncio store's coroutine run to completion."""
        return self.loop.run_until_complete(result) if inspect.isawaitable(result) else result


def _target(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    base = kind.removeprefix("async-")
    if base == "memory":
        return "memory://"
    if base == "sqlite":
        return f"sqlite:///{tmp_path / 'keyturn.db'}"
    return str(request.getfixturevalue("postgres_dsn" if base == "postgres" else "redis_url"))


def _at_rest(kind: str, target: str, tmp_path: Path) -> Callable[[], bytes]:
    base = kind.removeprefix("async-")
    if base == "sqlite":
        return lambda: b"".join(p.read_bytes() for p in tmp_path.glob("keyturn.db*"))
    if base == "postgres":
        return lambda: (
            subprocess.run(
                ["pg_dump", "--data-only", target], check=True, capture_output=True
            ).stdout
        )

    def redis_keys() -> bytes:
        import redis

        with redis.Redis.from_url(target) as client:
            # Every key name and every value, as stored (DUMP) and as read.
            parts: list[bytes] = []
            for key in client.scan_iter():
                parts += [key, client.dump(key) or b""]
                if client.type(key) == b"string":
                    parts.append(client.get(key) or b"")
            return b"\n".join(parts)

    return redis_keys


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(params=marked(*STORE_KINDS))
def stores(
    request: pytest.FixtureRequest, tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> Iterator[Stores]:
    kind = str(request.param)
    target = _target(kind, request, tmp_path)
    opened: list[Any] = []
    memory: list[Any] = []  # memory:// is one process: every "process" shares the first store

    def open_states() -> Any:
        if kind == "memory" and memory:
            return memory[0]
        if kind.startswith("async-"):
            backend: Any = kt.open_async_backend(target)
        else:
            backend = kt.open_backend(target)
        opened.append(backend)
        memory.append(backend.login_states)
        return backend.login_states

    yield Stores(kind, open_states, _at_rest(kind, target, tmp_path), loop, opened)
    for backend in opened:
        if isinstance(backend, kt.AsyncBackend):
            loop.run_until_complete(backend.aclose())
        else:
            backend.close()


def test_take_returns_the_row_once(stores: Stores) -> None:
    states = stores.open()
    now = time.time()
    row = pending(now + 600)
    stores.run(states.put(state_key("state-1"), row, now))
    assert stores.run(states.take(state_key("state-1"))) == row
    assert stores.run(states.take(state_key("state-1"))) is None
    assert stores.run(states.take(state_key("never-put"))) is None


def test_a_login_started_by_one_process_finishes_at_another(stores: Stores) -> None:
    """Two backends on one database (two processes of a service): either one takes the row."""
    starting, finishing = stores.open(), stores.open()
    now = time.time()
    row = pending(now + 600, return_to="/after")
    stores.run(starting.put(state_key("shared"), row, now))
    assert stores.run(finishing.take(state_key("shared"))) == row
    assert stores.run(starting.take(state_key("shared"))) is None


def test_racing_takes_have_one_winner(stores: Stores) -> None:
    states = stores.open()
    now = time.time()
    racers = 8
    for round_ in range(3):
        key = state_key(f"contended-{round_}")
        stores.run(states.put(key, pending(now + 600), now))
        if stores.kind.startswith("async-"):

            async def race(key: str = key) -> list[Any]:
                return list(await asyncio.gather(*(states.take(key) for _ in range(racers))))

            won = stores.run(race())
        else:
            won = _race_in_threads(lambda key=key: states.take(key), racers)
        assert sum(row is not None for row in won) == 1, won


def _race_in_threads(take: Callable[[], Any], racers: int) -> list[Any]:
    barrier = threading.Barrier(racers)
    won: list[Any] = []
    errors: list[BaseException] = []

    def racer() -> None:
        try:
            barrier.wait()
            won.append(take())
        except BaseException as exc:  # collected: a failing worker fails the test
            errors.append(exc)

    threads = [threading.Thread(target=racer) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(won) == racers
    return won


def test_expired_rows_go(stores: Stores) -> None:
    """SQL and memory: a put at a moved clock sweeps the rows expired by then, keeping live ones.
    Redis: each key expires by itself at the login's ``expires_at`` (Redis's clock, which a test
    cannot move: a login already past it is gone at once, a live one carries that PXAT)."""
    states = stores.open()
    clock = Clock()
    expiring, lasting = pending(clock.now + 600), pending(clock.now + 3600)
    stores.run(states.put(state_key("expiring"), expiring, clock.now))
    stores.run(states.put(state_key("lasting"), lasting, clock.now))
    if stores.kind.endswith("redis"):
        _check_redis_expiry(stores, states, expiring)
        return
    clock.advance(601)
    stores.run(states.put(state_key("later"), pending(clock.now + 600), clock.now))
    assert stores.run(states.take(state_key("expiring"))) is None
    assert stores.run(states.take(state_key("lasting"))) == lasting


def _check_redis_expiry(stores: Stores, states: Any, expiring: PendingLogin) -> None:
    from keyturn.stores.redis.login_states import login_key

    client = states._db.client
    pxat = stores.run(client.pexpiretime(login_key(state_key("expiring"))))
    assert pxat == int(expiring.expires_at * 1000)
    past = time.time() - 1
    stores.run(states.put(state_key("already-expired"), pending(past), past))
    assert stores.run(states.take(state_key("already-expired"))) is None


def test_an_expired_row_still_stored_is_returned(stores: Stores) -> None:
    """Until a sweep removes it, an expired login is returned, so the caller says "expired"
    (login_state_expired) rather than "unknown". Redis drops it at expiry (test_expired_rows_go)."""
    if stores.kind.endswith("redis"):
        pytest.skip("Redis keys expire by themselves at expires_at")
    states = stores.open()
    now = time.time()
    stale = pending(now - 1)
    stores.run(states.put(state_key("stale"), stale, now - 5))
    assert stores.run(states.take(state_key("stale"))) == stale


def test_no_state_at_rest(stores: Stores) -> None:
    """Only SHA-256 of a ``state`` is stored: SQLite file + WAL, pg_dump, every Redis key name,
    DUMP and value (memory keeps nothing on disk, so it is not scanned)."""
    if stores.kind == "memory":
        pytest.skip("nothing at rest")
    states = stores.open()
    now = time.time()
    live = [f"live-state-{i}-Zq8" for i in range(3)]
    for state in live:
        stores.run(states.put(state_key(state), pending(now + 600), now))
    stores.run(states.put(state_key("taken-state-Zq8"), pending(now + 600), now))
    stores.run(states.take(state_key("taken-state-Zq8")))

    stored = stores.at_rest()
    assert state_key(live[0]).encode() in stored  # the scan is meaningful: the hash is there
    for state in [*live, "taken-state-Zq8"]:
        assert state.encode() not in stored, f"{stores.kind} stores a state in plaintext"


def test_the_backend_shares_its_pool_or_client(stores: Stores) -> None:
    """One backend, one pool or client: the login states use the sessions' (and every store's)."""
    if stores.kind in ("memory", "sqlite"):
        pytest.skip("no pool or client")
    stores.open()
    (backend,) = stores.backends
    field = "pool" if stores.kind.endswith("postgres") else "client"
    shared = getattr(backend.sessions._db, field)
    assert getattr(backend.login_states._db, field) is shared


def test_secrets_stay_out_of_repr() -> None:
    shown = repr(pending(time.time()))
    assert "nonce-secret" not in shown
    assert "verifier-secret" not in shown


def test_memory_store_is_bounded() -> None:
    states = kt.MemoryLoginStates(capacity=3)
    now = time.time()
    for i in range(5):
        states.put(state_key(f"s{i}"), pending(now + 600), now)
    assert len(states) == 3
    assert states.take(state_key("s0")) is None  # the oldest went first
    assert states.take(state_key("s4")) is not None


def test_a_sqlite_file_written_before_the_backend_opens_unchanged(tmp_path: Path) -> None:
    """The table SQLiteLoginStates created on its own (before the one schema) is the schema's
    table: such a file's pending logins are taken by the backend."""
    path = tmp_path / "keyturn.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE keyturn_login_states ("
            " state_hash TEXT PRIMARY KEY, login TEXT NOT NULL, expires_at REAL NOT NULL)"
        )
        row = pending(time.time() + 600)
        db.execute(
            "INSERT INTO keyturn_login_states VALUES (?, ?, ?)",
            (state_key("before"), row.to_json(), row.expires_at),
        )
    with kt.open_backend(path) as backend:
        assert isinstance(backend.login_states, kt.SQLiteLoginStates)
        assert backend.login_states.take(state_key("before")) == row


def test_sqlite_refuses_memory_paths() -> None:
    with pytest.raises(kt.ConfigurationError) as refused:
        kt.SQLiteLoginStates(":memory:")
    assert refused.value.code == "configuration_invalid"


def test_memory_capacity_must_be_positive() -> None:
    with pytest.raises(kt.ConfigurationError) as refused:
        kt.MemoryLoginStates(capacity=0)
    assert refused.value.code == "configuration_invalid"


@pytest.mark.parametrize("kind", marked("postgres", "redis"))
def test_an_unreachable_server_is_a_store_error(kind: str, loop: asyncio.AbstractEventLoop) -> None:
    """A dead server: StoreError store_unavailable naming host:port, never the password."""
    if kind == "postgres":
        states: Any = kt.PostgresLoginStates("postgresql://u:hunter2@127.0.0.1:9/db", timeout=1)
    else:
        states = kt.RedisLoginStates("redis://:hunter2@127.0.0.1:9/0", timeout=1)
    try:
        with pytest.raises(kt.StoreError) as failed:
            states.take(state_key("s"))
    finally:
        states.close()
    assert type(failed.value) is kt.StoreError
    assert failed.value.code == "store_unavailable"
    assert "127.0.0.1:9" in str(failed.value)
    assert "hunter2" not in str(failed.value)


# --- the relying party on every store ---------------------------------------------------------


def test_a_sign_in_completes_on_every_store(stores: Stores, scripted: Scripted) -> None:
    """The whole callback through the backend's login states: ``astart_login``/
    ``acomplete_login`` (an asyncio store awaited, a blocking one in a thread) and, on blocking
    stores, ``start_login``/``complete_login``; a second callback with the same state is refused."""
    from .test_signin_refusals import answer_tokens, id_token, make_party, query_of

    party = make_party(scripted, states=stores.open())
    start = stores.run(party.astart_login(return_to="/home"))
    params = {"state": start.state, "code": "code-1"}
    answer_tokens(scripted, id_token(scripted, query_of(start)["nonce"]))
    login = stores.run(party.acomplete_login(params, binding=start.binding))
    assert (login.subject, login.return_to) == ("user-7", "/home")
    with pytest.raises(kt.LoginError) as reused:
        stores.run(party.acomplete_login(params, binding=start.binding))
    assert type(reused.value) is kt.LoginError
    assert reused.value.code == "login_state_invalid"
    if stores.kind.startswith("async-"):
        return
    start = party.start_login()
    answer_tokens(scripted, id_token(scripted, query_of(start)["nonce"]))
    params = {"state": start.state, "code": "code-2"}
    assert party.complete_login(params, binding=start.binding).subject == "user-7"


@pytest.mark.parametrize("kind", marked("async-postgres", "async-redis"))
def test_the_blocking_calls_refuse_an_asyncio_store(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, scripted: Scripted
) -> None:
    from .test_signin_refusals import make_party

    backend = kt.open_async_backend(_target(kind, request, tmp_path))
    party = make_party(scripted, states=backend.login_states)
    for call in (party.start_login, lambda: party.complete_login({"state": "s"}, binding="b")):
        with pytest.raises(kt.ConfigurationError) as refused:
            call()
        assert refused.value.code == "configuration_invalid"
        assert "astart_login" in str(refused.value)
    asyncio.run(backend.aclose())


def test_a_callback_past_the_login_ttl_is_expired(stores: Stores, scripted: Scripted) -> None:
    """On every store: a login whose ``expires_at`` has passed is refused login_state_expired
    (the row still stored) or login_state_invalid (already gone, Redis), and never redeemed."""
    from .test_signin_refusals import make_party

    party = make_party(scripted, states=stores.open(), login_ttl=0.05)
    start = stores.run(party.astart_login())
    time.sleep(0.1)
    with pytest.raises(kt.LoginError) as late:
        stores.run(
            party.acomplete_login({"state": start.state, "code": "c"}, binding=start.binding)
        )
    expected = "login_state_invalid" if stores.kind.endswith("redis") else "login_state_expired"
    assert late.value.code == expected
    assert scripted.requests_to("/token") == []
