"""Configuration mistakes: ConfigurationError with its code, before anything is stored."""

from __future__ import annotations

from typing import Any

import pytest

import keyturn as kt


@pytest.mark.parametrize(
    "options",
    [
        {"idle_timeout": 0},
        {"idle_timeout": -1},
        {"idle_timeout": float("inf")},
        {"idle_timeout": float("nan")},
        {"idle_timeout": True},
        {"idle_timeout": "60"},
        {"absolute_timeout": 0},
        {"idle_timeout": 600, "absolute_timeout": 599},
        {"touch_interval": -1},
        {"idle_timeout": 600, "touch_interval": 301},
        {"retention": -1},
        {"max_data_bytes": 0},
        {"max_data_bytes": 64 * 1024 + 1},
        {"max_data_bytes": 1.5},
        {"max_data_bytes": True},
        {"purge_batch_size": 0},
    ],
    ids=repr,
)
def test_bad_options_are_refused(options: dict[str, Any]):
    for service_class in (kt.SessionService, kt.AsyncSessionService):
        with pytest.raises(kt.ConfigurationError) as error:
            service_class(kt.MemorySessionStore(), **options)
        assert error.value.code == "configuration_invalid"


def test_the_limits_themselves_are_accepted():
    kt.SessionService(
        kt.MemorySessionStore(),
        idle_timeout=600,
        absolute_timeout=600,
        touch_interval=300,
        retention=0,
        max_data_bytes=64 * 1024,
        purge_batch_size=1,
    )
    kt.SessionService(kt.MemorySessionStore(), touch_interval=0)


def test_the_sync_service_refuses_an_async_token_service_and_the_reverse():
    issuer = kt.Issuer(kt.Keyring.generate(), issuer="https://a.test", audience="api")
    async_tokens = kt.AsyncTokenService(issuer, kt.MemoryStore())
    with pytest.raises(kt.ConfigurationError) as error:
        kt.SessionService(kt.MemorySessionStore(), tokens=async_tokens)  # type: ignore[arg-type]
    assert error.value.code == "configuration_invalid"
    tokens = kt.TokenService(issuer, kt.MemoryStore())
    with pytest.raises(kt.ConfigurationError) as error:
        kt.AsyncSessionService(kt.MemorySessionStore(), tokens=tokens)  # type: ignore[arg-type]
    assert error.value.code == "configuration_invalid"


def test_the_sync_service_refuses_an_async_store():
    class AsyncStore:
        async def load(self, session_hash: bytes) -> None: ...

    with pytest.raises(kt.ConfigurationError) as error:
        kt.SessionService(AsyncStore())  # type: ignore[arg-type]
    assert error.value.code == "configuration_invalid"
