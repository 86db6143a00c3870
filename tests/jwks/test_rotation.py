"""Rotation through a Verifier: a new kid on the server is picked up by one refetch, random kids
cost at most one request per cooldown window."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from keyturn import RemoteJWKS, UnknownKey, Verifier
from keyturn._core import SigningKey
from keyturn.key_source import AsyncKeySource

if TYPE_CHECKING:
    from conftest import FakeClock, JWKSServer

MakeToken = Callable[[SigningKey], str]
MakeVerifier = Callable[[RemoteJWKS], Verifier]


def unknown(verifier: Verifier, token: str) -> None:
    with pytest.raises(UnknownKey) as caught:
        verifier.verify(token)
    assert type(caught.value) is UnknownKey
    assert caught.value.code == "key_unknown"


def test_rotation_is_picked_up_through_an_unknown_kid(
    server: JWKSServer,
    key_a: SigningKey,
    key_b: SigningKey,
    clock: FakeClock,
    make_token: MakeToken,
    make_verifier: MakeVerifier,
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), cooldown=30, clock=clock)
    verifier = make_verifier(jwks)
    assert verifier.verify(make_token(key_a))["sub"] == "user-1"

    server.serve_keys(key_a, key_b)  # the issuer rotates
    clock.advance(30)
    assert verifier.verify(make_token(key_b))["sub"] == "user-1"
    assert verifier.verify(make_token(key_a))["sub"] == "user-1"
    assert server.count() == 2


def test_no_refetch_within_the_cooldown(
    server: JWKSServer,
    key_a: SigningKey,
    key_b: SigningKey,
    clock: FakeClock,
    make_token: MakeToken,
    make_verifier: MakeVerifier,
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), cooldown=30, clock=clock)
    verifier = make_verifier(jwks)
    verifier.verify(make_token(key_a))
    server.serve_keys(key_a, key_b)
    clock.advance(29)
    unknown(verifier, make_token(key_b))
    assert server.count() == 1
    clock.advance(1)
    assert verifier.verify(make_token(key_b))["sub"] == "user-1"
    assert server.count() == 2


def test_random_kid_flood_costs_one_request_per_cooldown_window(
    server: JWKSServer,
    key_a: SigningKey,
    clock: FakeClock,
    make_token: MakeToken,
    make_verifier: MakeVerifier,
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), cooldown=30, clock=clock)
    verifier = make_verifier(jwks)
    verifier.verify(make_token(key_a))
    forger = SigningKey.generate()
    flood = [make_token(forger.with_kid(f"random-{i}")) for i in range(300)]

    requests = []
    for window in range(4):
        clock.advance(30 if window else 0)
        for token in flood:
            unknown(verifier, token)
        requests.append(server.count())
    # 300 unknown kids per window: no refetch inside the first window (the set was just
    # fetched), then exactly one per 30 s window.
    assert requests == [1, 2, 3, 4]
    assert verifier.verify(make_token(key_a))["sub"] == "user-1"


def test_flood_from_many_threads_costs_one_request(
    server: JWKSServer,
    key_a: SigningKey,
    clock: FakeClock,
    make_token: MakeToken,
    make_verifier: MakeVerifier,
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), cooldown=30, clock=clock)
    verifier = make_verifier(jwks)
    verifier.verify(make_token(key_a))
    server.serve_keys(key_a, delay=0.2)
    clock.advance(30)
    forger = SigningKey.generate()
    barrier = threading.Barrier(16)

    def attack(i: int) -> None:
        token = make_token(forger.with_kid(f"thread-{i}"))
        barrier.wait()
        for _ in range(20):
            unknown(verifier, token)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(attack, range(16)))
    assert server.count() == 2


def test_verify_many_refetches_once_for_all_unknown_kids(
    server: JWKSServer,
    key_a: SigningKey,
    key_b: SigningKey,
    clock: FakeClock,
    make_token: MakeToken,
    make_verifier: MakeVerifier,
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), cooldown=30, clock=clock)
    verifier = make_verifier(jwks)
    verifier.verify(make_token(key_a))
    server.serve_keys(key_a, key_b)
    clock.advance(30)
    forged = make_token(SigningKey.generate(kid="nobody"))
    results = verifier.verify_many([make_token(key_b), make_token(key_a), forged] * 5)
    assert server.count() == 2
    assert [isinstance(r, dict) for r in results] == [True, True, False] * 5
    assert all(isinstance(r, UnknownKey) for r in results[2::3])


def test_async_verify_picks_up_rotation(
    server: JWKSServer,
    key_a: SigningKey,
    key_b: SigningKey,
    clock: FakeClock,
    make_token: MakeToken,
    make_verifier: MakeVerifier,
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), cooldown=30, clock=clock)
    assert isinstance(jwks, AsyncKeySource)  # so Verifier.averify takes the async side
    verifier = make_verifier(jwks)

    async def main() -> None:
        assert (await verifier.averify(make_token(key_a)))["sub"] == "user-1"
        server.serve_keys(key_b)
        clock.advance(30)
        assert (await verifier.averify(make_token(key_b)))["sub"] == "user-1"
        with pytest.raises(UnknownKey) as caught:  # key a was withdrawn
            await verifier.averify(make_token(key_a))
        assert type(caught.value) is UnknownKey
        assert caught.value.code == "key_unknown"

    asyncio.run(main())
    assert server.count() == 2


def test_a_withdrawn_key_stops_verifying_once_the_set_is_refreshed(
    server: JWKSServer,
    key_a: SigningKey,
    key_b: SigningKey,
    clock: FakeClock,
    join: Callable[[RemoteJWKS], None],
    make_token: MakeToken,
    make_verifier: MakeVerifier,
) -> None:
    server.serve_keys(key_a, key_b)
    jwks = RemoteJWKS(server.url(), ttl=600, cooldown=30, clock=clock)
    verifier = make_verifier(jwks)
    token = make_token(key_a)
    verifier.verify(token)
    server.serve_keys(key_b, hold=True)  # a is revoked at the issuer
    clock.advance(599)
    verifier.verify(token)  # still fresh: the cached set is trusted until its ttl
    clock.advance(1)
    # Stale: this verify starts the refresh and answers from the old set (the server holds the
    # new one until released, so the refresh cannot overtake this verify).
    verifier.verify(token)
    server.release.set()
    join(jwks)
    unknown(verifier, token)
    assert verifier.verify(make_token(key_b))["sub"] == "user-1"
    assert server.count() == 2
