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

# The server's delay: makes the callers overlap the one request. No assertion depends on it: a
# caller that comes after the fetch finds the cached set (or, within the cooldown, its error).
SLOW = 0.3
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
    server.serve_keys(key_a, hold=True)
    jwks = RemoteJWKS(server.url())

    async def main() -> list[Any]:
        waiting = asyncio.gather(*(jwks.averification_keys() for _ in range(50)))
        # The loop itself runs this wait: it was not blocked by the fetch, which is still held.
        assert await asyncio.to_thread(server.arrived.wait, 30)
        assert not waiting.done()
        server.release.set()
        return await waiting

    results = asyncio.run(main())
    assert server.count() == 1
    assert all(result is results[0] for result in results)


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
    server.serve_keys(key_a, hold=True)
    jwks = RemoteJWKS(server.url())

    async def main() -> tuple[Any, ...]:
        leader = asyncio.create_task(jwks.averification_keys())
        waiter = asyncio.create_task(jwks.averification_keys())
        other = asyncio.create_task(jwks.averification_keys())
        # All three took their first step (tasks run in order) before this wait could end.
        assert await asyncio.to_thread(server.arrived.wait, 30)
        waiter.cancel()
        leader.cancel()  # the fetch thread carries on and still finishes the flight
        with pytest.raises(asyncio.CancelledError):
            await waiter
        server.release.set()
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
    server.serve_keys(key_a, key_b, hold=True)
    clock.advance(30)
    reads = clock.reads

    def release_when_all_have_read_the_clock() -> None:
        # Each caller reads the clock once, after noting the version it compares against: from
        # then on it answers True whether it joins the held fetch or finds it finished.
        clock.wait_for_reads(reads + THREADS)
        server.release.set()

    releaser = threading.Thread(target=release_when_all_have_read_the_clock)
    releaser.start()
    results = together(jwks.refresh_on_unknown_kid)
    releaser.join()
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
        server.serve_keys(key_a, key_b, hold=True)
        server.arrived.clear()
        clock.advance(30)
        waiting = asyncio.gather(*(jwks.arefresh_on_unknown_kid() for _ in range(20)))
        # Every coroutine took its first step (joined the flight) before this wait could end.
        assert await asyncio.to_thread(server.arrived.wait, 30)
        server.release.set()
        return await waiting

    assert asyncio.run(main()) == [True] * 20
    assert server.count() == 2
    assert jwks.keys_version == 2
