"""Single flight: many threads and coroutines waiting on one cold or refreshing cache cause
exactly one request, and the event loop keeps running while it is in flight."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from keyturn import JWKSError, RemoteJWKS
from keyturn._core import SigningKey

if TYPE_CHECKING:
    from conftest import FakeClock, JWKSServer

SLOW = 0.3  # the server's delay: long enough that every caller really overlaps the one request
THREADS = 16


def together(call: Callable[[], Any], n: int = THREADS) -> list[Any]:
    """Run ``call`` in ``n`` threads released at the same instant; results or exceptions."""
    barrier = threading.Barrier(n)

    def run() -> Any:
        barrier.wait()
        try:
            return call()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: run(), range(n)))


def test_threads_on_a_cold_cache_make_one_request(server: JWKSServer, key_a: SigningKey) -> None:
    server.serve_keys(key_a, delay=SLOW)
    jwks = RemoteJWKS(server.url())
    results = together(jwks.verification_keys)
    assert server.count() == 1
    assert all(result is results[0] for result in results)
    assert [key.kid for key in results[0]] == ["key-a"]


def test_threads_on_a_failing_cold_cache_make_one_request(server: JWKSServer) -> None:
    server.reply(status=500, delay=SLOW)
    jwks = RemoteJWKS(server.url())
    results = together(jwks.verification_keys)
    assert server.count() == 1
    for result in results:
        assert type(result) is JWKSError
        assert result.code == "jwks_error"
        assert "HTTP 500" in str(result)


def test_coroutines_on_a_cold_cache_make_one_request(server: JWKSServer, key_a: SigningKey) -> None:
    server.serve_keys(key_a, delay=SLOW)
    jwks = RemoteJWKS(server.url())
    ticks = 0

    async def ticker(stop: asyncio.Event) -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    async def main() -> list[Any]:
        stop = asyncio.Event()
        tick = asyncio.create_task(ticker(stop))
        results = await asyncio.gather(*(jwks.averification_keys() for _ in range(50)))
        stop.set()
        await tick
        return results

    results = asyncio.run(main())
    assert server.count() == 1
    assert all(result is results[0] for result in results)
    # The loop kept running during the 0.3 s fetch: it was never blocked by it.
    assert ticks >= 5


def test_threads_and_coroutines_together_make_one_request(
    server: JWKSServer, key_a: SigningKey
) -> None:
    server.serve_keys(key_a, delay=SLOW)
    jwks = RemoteJWKS(server.url())
    barrier = threading.Barrier(3)

    def in_loop() -> list[Any]:
        async def main() -> list[Any]:
            barrier.wait()
            return await asyncio.gather(*(jwks.averification_keys() for _ in range(8)))

        return asyncio.run(main())

    def in_thread() -> Any:
        barrier.wait()
        return jwks.verification_keys()

    with ThreadPoolExecutor(3) as pool:
        loop_a, loop_b, thread = pool.submit(in_loop), pool.submit(in_loop), pool.submit(in_thread)
        results = [*loop_a.result(), *loop_b.result(), thread.result()]
    assert server.count() == 1
    assert all(result is results[0] for result in results)


def test_a_cancelled_waiter_does_not_disturb_the_others(
    server: JWKSServer, key_a: SigningKey
) -> None:
    server.serve_keys(key_a, delay=SLOW)
    jwks = RemoteJWKS(server.url())

    async def main() -> tuple[Any, ...]:
        leader = asyncio.create_task(jwks.averification_keys())
        waiter = asyncio.create_task(jwks.averification_keys())
        other = asyncio.create_task(jwks.averification_keys())
        await asyncio.sleep(0.05)
        waiter.cancel()
        leader.cancel()  # the fetch thread carries on and still finishes the flight
        with pytest.raises(asyncio.CancelledError):
            await waiter
        return await other, await jwks.averification_keys()

    got, again = asyncio.run(main())
    assert [key.kid for key in got] == ["key-a"]
    assert again is got
    assert server.count() == 1


def test_concurrent_unknown_kid_refreshes_make_one_request(
    server: JWKSServer, key_a: SigningKey, key_b: SigningKey, clock: FakeClock
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), cooldown=30, clock=clock)
    jwks.verification_keys()
    # Longer than SLOW: a thread that started after the refetch ended would rightly get False.
    server.serve_keys(key_a, key_b, delay=1.0)
    clock.advance(30)
    results = together(jwks.refresh_on_unknown_kid)
    assert server.count() == 2
    assert results == [True] * THREADS
    assert sorted(key.kid for key in jwks.verification_keys()) == ["key-a", "key-b"]


def test_concurrent_async_unknown_kid_refreshes_make_one_request(
    server: JWKSServer, key_a: SigningKey, key_b: SigningKey, clock: FakeClock
) -> None:
    server.serve_keys(key_a)
    jwks = RemoteJWKS(server.url(), cooldown=30, clock=clock)

    async def main() -> list[bool]:
        await jwks.averification_keys()
        server.serve_keys(key_a, key_b, delay=SLOW)
        clock.advance(30)
        return await asyncio.gather(*(jwks.arefresh_on_unknown_kid() for _ in range(20)))

    assert asyncio.run(main()) == [True] * 20
    assert server.count() == 2
    assert jwks.keys_version == 2
