"""Store set-up: driver extras, configuration, repr, the protocols (the schema and its version:
test_stores_schema.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from keyturn.refresh.store import AsyncStore, Store

#: Every server-backed store class, with the driver module and extra it needs, and a URL.
SERVER_STORES = [
    (kt.PostgresStore, "psycopg", "keyturn[postgres]", "postgresql://localhost/x"),
    (kt.AsyncPostgresStore, "psycopg", "keyturn[postgres]", "postgresql://localhost/x"),
    (kt.PostgresRevocationStore, "psycopg", "keyturn[postgres]", "postgresql://localhost/x"),
    (kt.AsyncPostgresRevocationStore, "psycopg", "keyturn[postgres]", "postgresql://localhost/x"),
    (kt.RedisStore, "redis", "keyturn[redis]", "redis://localhost"),
    (kt.AsyncRedisStore, "redis", "keyturn[redis]", "redis://localhost"),
    (kt.RedisRevocationStore, "redis", "keyturn[redis]", "redis://localhost"),
    (kt.AsyncRedisRevocationStore, "redis", "keyturn[redis]", "redis://localhost"),
]


@pytest.mark.parametrize(
    ("make", "module", "extra", "url"), SERVER_STORES, ids=[s[0].__name__ for s in SERVER_STORES]
)
def test_missing_driver_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, make: Any, module: str, extra: str, url: str
):
    # A None entry in sys.modules makes `import` fail exactly as an absent package does.
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(kt.ConfigurationError, match=extra.replace("[", r"\[")) as missing:
        make(url)
    assert missing.value.code == "configuration_invalid"


@pytest.mark.parametrize(
    ("make", "module", "extra", "url"), SERVER_STORES, ids=[s[0].__name__ for s in SERVER_STORES]
)
@pytest.mark.parametrize(
    "options",
    [{"timeout": 0}, {"timeout": True}, {"url": None}, {"client": object(), "pool": object()}],
    ids=["timeout-zero", "timeout-bool", "neither", "both"],
)
def test_server_store_configuration_mistakes(
    make: Any, module: str, extra: str, url: str, options: dict[str, Any]
) -> None:
    """A bad timeout, or not exactly one of a URL and a pool/client, is refused before any I/O."""
    target = dict(options)
    given = target.pop("url", url)
    shared = "pool" if module == "psycopg" else "client"
    if "client" in target:
        target = {shared: object()}
    with pytest.raises(kt.ConfigurationError) as bad:
        make(given, **target)
    assert bad.value.code == "configuration_invalid"


def test_store_reprs_hide_credentials():
    postgres = kt.PostgresStore("postgresql://u:hunter2@127.0.0.1:9/x", timeout=0.5)
    redis_store = kt.RedisStore("redis://:hunter2@127.0.0.1:9/0")
    try:
        assert "hunter2" not in repr(postgres)
        assert "hunter2" not in repr(redis_store)
    finally:
        postgres.close()
        redis_store.close()


@pytest.mark.parametrize(
    "make",
    [
        lambda: kt.SQLiteStore(":memory:"),
        lambda: kt.PostgresStore("postgresql://localhost/x", pool_size=0),
        lambda: kt.RedisStore("redis://localhost", retention=-1),
    ],
    ids=["sqlite-memory", "pool-size", "retention"],
)
def test_bad_store_configuration(make: Any):
    with pytest.raises(kt.ConfigurationError) as bad:
        make()
    assert bad.value.code == "configuration_invalid"


@pytest.mark.parametrize(
    "options",
    [
        {"refresh_ttl": 0},
        {"session_max_age": 0},
        {"reuse_grace": -1},
        {"reuse_grace": 30 * 86400},
        {"purge_batch_size": 0},
    ],
    ids=["ttl", "max-age", "negative-grace", "grace-too-long", "batch"],
)
@pytest.mark.parametrize("service_class", [kt.TokenService, kt.AsyncTokenService])
def test_bad_service_configuration(issuer: kt.Issuer, service_class: Any, options: Any):
    with pytest.raises(kt.ConfigurationError) as bad:
        service_class(issuer, kt.MemoryStore(), **options)
    assert bad.value.code == "configuration_invalid"


@pytest.mark.redis
def test_stores_follow_the_protocols(tmp_path: Path, redis_url: str):
    assert isinstance(kt.MemoryStore(), Store)
    assert isinstance(kt.SQLiteStore(tmp_path / "k.db"), Store)
    assert isinstance(kt.RedisStore(redis_url), Store)
    assert isinstance(kt.AsyncRedisStore(redis_url), AsyncStore)


@pytest.mark.redis
def test_sync_service_refuses_an_async_store(issuer: kt.Issuer, redis_url: str):
    with pytest.raises(kt.ConfigurationError, match="AsyncTokenService") as wrong:
        kt.TokenService(issuer, kt.AsyncRedisStore(redis_url))
    assert wrong.value.code == "configuration_invalid"
