"""Revocation configuration errors, store failures (real: closed ports, unwritable paths) and the
bounded cache. A store that cannot answer fails the verify closed, never open."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from support import DSN_VAR, REDIS_VAR, Clock, marked, server_env

from .revocation_support import BackgroundLoop, Blocking, token, verifier


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "options",
    [
        {"max_staleness": -1},
        {"max_staleness": True},
        {"max_staleness": 7200},
        {"max_entries": 0},
        {"subject_retention": 60},
        {"subject_retention": "1d"},
        {"max_entries": True},
    ],
)
def test_bad_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(kt.ConfigurationError) as caught:
        kt.Revocations(kt.MemoryRevocationStore(), **options)
    assert caught.value.code == "configuration_invalid"


@pytest.mark.parametrize("store", [None, "revocations.db", kt.MemoryStore()])
def test_what_is_not_a_revocation_store_is_refused(store: Any) -> None:
    with pytest.raises(kt.ConfigurationError, match="needs a revocation store") as caught:
        kt.Revocations(store)
    assert caught.value.code == "configuration_invalid"


@pytest.mark.parametrize(
    "claims",
    [
        {"jti": "j"},
        {"exp": 10**10},
        {"jti": 5, "exp": 10**10},
        {"jti": "j", "exp": True},
        {"jti": "j", "exp": float("inf")},
    ],
)
def test_revoke_needs_a_string_jti_and_numeric_exp(claims: dict[str, Any]) -> None:
    revocations = kt.Revocations(kt.MemoryRevocationStore())
    with pytest.raises(kt.ConfigurationError) as caught:
        revocations.revoke(claims)
    assert caught.value.code == "configuration_invalid"


@pytest.mark.parametrize("name", ["", None, 3])
def test_empty_or_non_string_names_are_refused(name: Any) -> None:
    revocations = kt.Revocations(kt.MemoryRevocationStore())
    for call in (
        lambda: revocations.revoke_jti(name, 1.0),
        lambda: revocations.revoke_subject(name),
    ):
        with pytest.raises(kt.ConfigurationError) as caught:
            call()
        assert caught.value.code == "configuration_invalid"


def test_sqlite_needs_a_file() -> None:
    with pytest.raises(kt.ConfigurationError) as caught:
        kt.SQLiteRevocationStore(":memory:")
    assert caught.value.code == "configuration_invalid"


def _expect_store_error(revocations: Any, signing_key: kt.SigningKey) -> kt.StoreError:
    v = verifier(signing_key, revocations)
    tok = token(signing_key)
    with pytest.raises(kt.StoreError) as caught:
        v.verify(tok)
    assert caught.value.code == "store_unavailable"
    with pytest.raises(kt.StoreError):
        v.verify_many([tok])
    with pytest.raises(kt.StoreError) as writing:
        revocations.revoke_jti("j", 1e10)
    return writing.value


def test_sqlite_failure_fails_closed(tmp_path: Path, signing_key: kt.SigningKey) -> None:
    path = tmp_path / "missing-dir" / "revocations.db"
    failure = _expect_store_error(kt.Revocations(kt.SQLiteRevocationStore(path)), signing_key)
    assert str(failure) == (
        "SQLite revocation store failed: OperationalError: unable to open database file"
    )


#: A server store on a closed port, with a password in its DSN or URL, and how it names itself.
SERVERS: dict[str, tuple[Callable[[str], Any], str, str]] = {
    "postgres": (
        lambda url: kt.PostgresRevocationStore(url, timeout=1),
        "postgresql://keyturn:secret-pw@127.0.0.1:{port}/nothing",
        "PostgreSQL revocation store",
    ),
    "async-postgres": (
        lambda url: kt.AsyncPostgresRevocationStore(url, timeout=1),
        "postgresql://keyturn:secret-pw@127.0.0.1:{port}/nothing",
        "PostgreSQL revocation store",
    ),
    "redis": (
        lambda url: kt.RedisRevocationStore(url, timeout=1),
        "redis://:secret-pw@127.0.0.1:{port}/0",
        "Redis revocation store",
    ),
    "async-redis": (
        lambda url: kt.AsyncRedisRevocationStore(url, timeout=1),
        "redis://:secret-pw@127.0.0.1:{port}/0",
        "Redis revocation store",
    ),
}


@pytest.mark.parametrize("kind", marked(*SERVERS))
def test_server_failure_fails_closed_naming_host_and_port(
    signing_key: kt.SigningKey, kind: str
) -> None:
    server_env(DSN_VAR if kind.endswith("postgres") else REDIS_VAR)  # the drivers come with them
    make, url, what = SERVERS[kind]
    port = closed_port()
    store = make(url.format(port=port))
    background = BackgroundLoop() if kind.startswith("async-") else None
    revocations = kt.Revocations(store)
    try:
        failure = _expect_store_error(
            revocations if background is None else Blocking(revocations, background),
            signing_key,
        )
    finally:
        closing = store.close()
        if background is not None:
            background.run(closing)
            background.stop()
    assert str(failure).startswith(f"{what} failed (127.0.0.1:{port}): ")
    for shown in (str(failure), repr(store), repr(revocations)):
        assert "secret-pw" not in shown


@pytest.mark.redis
def test_an_async_store_refuses_the_sync_methods(redis_url: str) -> None:
    store = kt.AsyncRedisRevocationStore(redis_url)
    revocations = kt.Revocations(store)
    calls: list[Callable[[], object]] = [
        lambda: revocations.check({"jti": "j"}),
        lambda: revocations.revoke_jti("j", 1e10),
        lambda: revocations.revoke_subject("s"),
        lambda: revocations.screen([{"jti": "j"}]),
        revocations.purge,
        revocations.close,
    ]
    for call in calls:
        with pytest.raises(kt.ConfigurationError, match="AsyncRedisRevocationStore is an async"):
            call()
    asyncio.run(revocations.aclose())


class CountingStore(kt.MemoryRevocationStore):
    """A real memory store that counts its lookups (to see the cache at work)."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    def lookup(self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Any:
        self.lookups += 1
        return super().lookup(jti_hashes, subject_hashes)


def test_the_cache_answers_within_max_staleness_and_stays_bounded() -> None:
    store, clock = CountingStore(), Clock()
    revocations = kt.Revocations(store, max_staleness=30, max_entries=4, clock=clock)
    first = {"jti": "a", "sub": "s"}  # two cache entries: its jti and its subject
    revocations.check(first)
    revocations.check(first)
    assert store.lookups == 1
    revocations.check({"jti": "b", "sub": "t"})  # four entries: the cache is full
    revocations.check({"jti": "c", "sub": "t"})  # evicts the least recently used: a's jti
    assert store.lookups == 3
    revocations.check(first)
    assert store.lookups == 4
    clock.advance(30)
    revocations.check(first)
    assert store.lookups == 5


def test_without_max_staleness_every_check_asks_the_store() -> None:
    store = CountingStore()
    revocations = kt.Revocations(store)
    for _ in range(3):
        revocations.check({"jti": "a"})
    assert store.lookups == 3


def test_a_batch_costs_one_lookup(signing_key: kt.SigningKey) -> None:
    store = CountingStore()
    v = verifier(signing_key, kt.Revocations(store))
    results = v.verify_many([token(signing_key, sub=f"user-{i}") for i in range(50)])
    assert all(isinstance(result, dict) for result in results)
    assert store.lookups == 1


def test_claims_without_jti_or_sub_need_no_lookup() -> None:
    store = CountingStore()
    kt.Revocations(store).check({"iss": "x"})
    assert store.lookups == 0


@pytest.mark.parametrize("when", ["soon", None, float("nan"), True])
def test_times_must_be_finite_numbers(when: Any) -> None:
    revocations = kt.Revocations(kt.MemoryRevocationStore())
    with pytest.raises(kt.ConfigurationError) as caught:
        revocations.revoke_jti("j", when)
    assert caught.value.code == "configuration_invalid"
    if when is not None:
        with pytest.raises(kt.ConfigurationError) as caught:
            revocations.revoke_subject("s", before=when)
        assert caught.value.code == "configuration_invalid"
