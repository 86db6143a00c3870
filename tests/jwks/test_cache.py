"""Caching: hits cost nothing, freshness follows Cache-Control within bounds, ETag revalidation,
background refresh, and stale-if-error through an outage."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from keyturn import JWKSError, RemoteJWKS, Verifier
from keyturn._core import SigningKey

if TYPE_CHECKING:
    from conftest import FakeClock, JWKSServer

Join = Callable[[RemoteJWKS], None]
# A cooldown no test outlives: joining a flight can then never start one (see conftest.join).
NEVER = 1e9


def kids(jwks: RemoteJWKS) -> list[str]:
    return sorted(key.kid for key in jwks.verification_keys())


def expire(jwks: RemoteJWKS, clock: FakeClock, seconds: float, join: Join) -> None:
    """Move past the freshness lifetime and wait for the background refresh that starts."""
    clock.advance(seconds)
    _ = jwks.keys_version  # the read that notices staleness and starts the refresh
    join(jwks)


def test_cache_hits_cost_no_request(
    server: JWKSServer,
    key_a: SigningKey,
    make_token: Callable[[SigningKey], str],
    make_verifier: Callable[[RemoteJWKS], Verifier],
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url())
    verifier = make_verifier(jwks)
    token = make_token(key_a)
    for _ in range(500):
        assert verifier.verify(token)["sub"] == "user-1"
        assert kids(jwks) == ["key-a"]
    assert server.count() == 1
    assert jwks.keys_version == 1


@pytest.mark.parametrize(
    ("headers", "lifetime"),
    [
        ({}, 600),  # no Cache-Control: ttl
        ({"Cache-Control": "public, max-age=120"}, 120),
        ({"Cache-Control": 'max-age="300"', "Age": "200"}, 100),
        ({"Cache-Control": "max-age=5"}, 60),  # below the lower bound
        ({"Cache-Control": "no-cache"}, 60),
        ({"Cache-Control": "no-store, max-age=900"}, 60),
        ({"Cache-Control": "max-age=999999999"}, 86400),  # above the upper bound
        ({"Cache-Control": "max-age=soon"}, 600),  # unparseable: ttl
    ],
)
def test_freshness_follows_cache_control_within_bounds(
    server: JWKSServer,
    key_a: SigningKey,
    clock: FakeClock,
    join: Join,
    headers: dict[str, str],
    lifetime: float,
) -> None:
    server.serve_keys(key_a, headers=headers)
    jwks = RemoteJWKS(server.url(), ttl=600, cooldown=NEVER, clock=clock)
    jwks.verification_keys()
    expire(jwks, clock, lifetime - 0.5, join)
    assert server.count() == 1
    expire(jwks, clock, 0.5, join)
    assert server.count() == 2


def test_etag_revalidation_keeps_the_set_and_restarts_its_ttl(
    server: JWKSServer, key_a: SigningKey, clock: FakeClock, join: Join
) -> None:
    server.serve_keys(key_a, headers={"ETag": '"v1"'})
    jwks = RemoteJWKS(server.url(), ttl=600, cooldown=NEVER, clock=clock)
    first = jwks.verification_keys()
    expire(jwks, clock, 600, join)
    assert server.count() == 2
    assert server.requests[1][1]["If-None-Match"] == '"v1"'
    assert "If-None-Match" not in server.requests[0][1]
    assert jwks.verification_keys() is first
    assert jwks.keys_version == 1
    expire(jwks, clock, 599, join)
    assert server.count() == 2
    expire(jwks, clock, 1, join)
    assert server.count() == 3


@pytest.mark.parametrize("etag", ["x" * 257, '"caf\u00e9"'])
def test_an_etag_unfit_to_send_back_is_not_used(
    server: JWKSServer, key_a: SigningKey, clock: FakeClock, join: Join, etag: str
) -> None:
    server.serve_keys(key_a, headers={"ETag": etag})
    jwks = RemoteJWKS(server.url(), ttl=600, cooldown=NEVER, clock=clock)
    jwks.verification_keys()
    expire(jwks, clock, 600, join)
    assert server.count() == 2
    assert "If-None-Match" not in server.requests[1][1]
    assert jwks.keys_version == 1


def test_background_refresh_picks_up_a_changed_set(
    server: JWKSServer, key_a: SigningKey, key_b: SigningKey, clock: FakeClock, join: Join
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), ttl=600, clock=clock)
    assert kids(jwks) == ["key-a"]
    server.serve_keys(key_b)  # a's removal (revocation) must be noticed too
    expire(jwks, clock, 600, join)
    assert jwks.keys_version == 2
    assert kids(jwks) == ["key-b"]


def test_same_keys_refetched_keep_the_version(
    server: JWKSServer, key_a: SigningKey, key_b: SigningKey, clock: FakeClock, join: Join
) -> None:
    server.serve_keys(key_a, key_b)
    jwks = RemoteJWKS(server.url(), ttl=600, clock=clock)
    first = jwks.verification_keys()
    server.serve_keys(key_b, key_a)  # same keys, other order
    expire(jwks, clock, 600, join)
    assert server.count() == 2
    assert jwks.keys_version == 1
    assert jwks.verification_keys() is first


def test_a_stale_cache_does_not_make_verify_wait(
    server: JWKSServer,
    key_a: SigningKey,
    clock: FakeClock,
    join: Join,
    make_token: Callable[[SigningKey], str],
    make_verifier: Callable[[RemoteJWKS], Verifier],
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), ttl=600, clock=clock)
    verifier = make_verifier(jwks)
    token = make_token(key_a)
    verifier.verify(token)
    server.serve_keys(key_a, hold=True)
    server.arrived.clear()
    clock.advance(600)
    # Starts the refresh and answers from the stale set while the server still holds the reply
    # (it holds until released, so a verify that waited for it would not return here first).
    assert verifier.verify(token)["sub"] == "user-1"
    assert server.arrived.wait(30)
    assert verifier.verify(token)["sub"] == "user-1"
    server.release.set()
    join(jwks)
    assert server.count() == 2


def test_outage_keeps_serving_the_last_good_set(
    server: JWKSServer,
    key_a: SigningKey,
    clock: FakeClock,
    join: Join,
    make_token: Callable[[SigningKey], str],
    make_verifier: Callable[[RemoteJWKS], Verifier],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), ttl=600, cooldown=30, stale_for=3600, clock=clock)
    verifier = make_verifier(jwks)
    token = make_token(key_a)
    verifier.verify(token)
    server.stop()

    with caplog.at_level(logging.WARNING, logger="keyturn.jwks"):
        expire(jwks, clock, 600, join)
        assert verifier.verify(token)["sub"] == "user-1"
    [record] = caplog.records
    assert record.name == "keyturn.jwks"
    assert record.levelno == logging.WARNING
    assert "JWKS refresh failed" in record.getMessage()
    assert "ConnectionRefusedError" in record.getMessage()
    assert "still using the key set fetched 600 s ago (for at most 3600 s more)" in (
        record.getMessage()
    )

    # Retries are spaced by the cooldown, and the set stays usable up to stale_for.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="keyturn.jwks"):
        expire(jwks, clock, 10, join)
        assert not caplog.records  # no retry yet
        expire(jwks, clock, 20, join)
        assert len(caplog.records) == 1
        clock.advance(3600 - 30 - 1)
        assert verifier.verify(token)["sub"] == "user-1"

    # Past the bound the set is dropped: verification fails closed.
    version = jwks.keys_version
    clock.advance(1)
    assert jwks.keys_version == version + 1
    with pytest.raises(JWKSError, match="no usable JWKS") as caught:
        verifier.verify(token)
    assert type(caught.value) is JWKSError
    assert caught.value.code == "jwks_error"
    assert "older than its freshness plus stale_for=3600s" in caplog.text


def test_a_bad_set_during_refresh_keeps_the_old_one_and_recovery_is_logged(
    server: JWKSServer,
    key_a: SigningKey,
    key_b: SigningKey,
    clock: FakeClock,
    join: Join,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), ttl=600, clock=clock)
    jwks.verification_keys()
    server.serve_json({"keys": []})
    with caplog.at_level(logging.INFO, logger="keyturn.jwks"):
        expire(jwks, clock, 600, join)
        assert kids(jwks) == ["key-a"]
        assert "no usable verification key" in caplog.text
        server.serve_keys(key_b)
        expire(jwks, clock, 30, join)
    assert kids(jwks) == ["key-b"]
    assert caplog.records[-1].levelno == logging.INFO
    assert "reachable again" in caplog.records[-1].getMessage()


def test_a_set_dropped_after_an_outage_comes_back_with_the_server(
    server: JWKSServer, key_a: SigningKey, clock: FakeClock, join: Join
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), ttl=60, cooldown=5, stale_for=0, clock=clock)
    jwks.verification_keys()
    server.reply(status=503)
    clock.advance(60)
    _ = jwks.keys_version  # stale_for=0: dropped at once, no background refresh
    with pytest.raises(JWKSError, match="HTTP 503") as caught:
        jwks.verification_keys()
    assert type(caught.value) is JWKSError
    assert caught.value.code == "jwks_error"
    server.serve_keys(key_a)
    clock.advance(5)
    assert kids(jwks) == ["key-a"]
    assert server.count() == 3


def test_a_304_for_a_set_dropped_meanwhile_is_a_failure(
    server: JWKSServer, key_a: SigningKey, clock: FakeClock, join: Join
) -> None:
    server.serve_keys(key_a, headers={"ETag": '"v1"'})
    jwks = RemoteJWKS(server.url(), ttl=60, stale_for=10, cooldown=NEVER, clock=clock)
    jwks.verification_keys()
    server.serve_keys(key_a, headers={"ETag": '"v1"'}, hold=True)
    clock.advance(60)
    _ = jwks.keys_version  # starts the revalidation, held by the server
    clock.advance(10)
    _ = jwks.keys_version  # past stale_for while it is in flight: the set is dropped
    server.release.set()
    join(jwks)
    assert server.count() == 2
    with pytest.raises(JWKSError, match="304 for a key set no longer held") as caught:
        jwks.verification_keys()
    assert type(caught.value) is JWKSError
    assert caught.value.code == "jwks_error"
