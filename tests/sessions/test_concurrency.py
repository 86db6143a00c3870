"""32 concurrent requests on one session, on every backend: threads for the sync service, tasks
on one event loop for the async one. The session stays consistent and the touch throttle holds:
of 32 requests after the interval passed exactly one writes."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from typing import Any

import pytest

import keyturn as kt
from support import Clock
from support.stores import Blocking

from .conftest import Backend, MakeService

REQUESTS = 32
Run = Callable[[Callable[[int], None], int], None]


class CountingTouches:
    """A store whose touches that wrote are counted (the rest passes through)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.written = 0
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def _count(self, wrote: bool) -> bool:
        with self._lock:
            self.written += wrote
        return wrote

    def touch(self, *args: Any) -> bool:
        return self._count(self._store.touch(*args))


class AsyncCountingTouches(CountingTouches):
    async def touch(self, *args: Any) -> bool:  # type: ignore[override]
        return self._count(await self._store.touch(*args))


def _concurrently(service: Any, call: Callable[[Any, int], Any], in_threads: Run) -> list[Any]:
    """``call(service, i)`` for i in 0..31 at once; each one's result or the error it raised."""
    results: list[Any] = [None] * REQUESTS
    if isinstance(service, Blocking):

        async def one(i: int) -> None:
            try:
                results[i] = await call(service.service, i)
            except kt.KeyturnError as error:
                results[i] = error

        async def all_of_them() -> None:
            await asyncio.gather(*(one(i) for i in range(REQUESTS)))

        service.loop.run_until_complete(all_of_them())
        return results

    def work(i: int) -> None:
        try:
            results[i] = call(service, i)
        except kt.KeyturnError as error:
            results[i] = error

    in_threads(work, REQUESTS)
    return results


@pytest.fixture
def counted(make_service: MakeService, backend: Backend, is_async: bool) -> Any:
    store = backend.make_async_store() if is_async else backend.make_store()
    native = inspect.iscoroutinefunction(store.load)
    counting = (AsyncCountingTouches if native else CountingTouches)(store)
    return make_service(store=counting), counting


def test_concurrent_requests_write_last_seen_once(counted: Any, clock: Clock, in_threads: Run):
    service, counting = counted
    started = service.start("user-1")
    clock.advance(120)  # past touch_interval: every request would like to record itself
    results = _concurrently(service, lambda s, i: s.get(started.id), in_threads)
    assert all(isinstance(r, kt.Session) for r in results), results
    assert counting.written == 1
    stored = service.sessions("user-1")
    assert [(s.handle, s.last_seen) for s in stored] == [(started.session.handle, clock.now)]
    # Within the interval, nobody writes.
    clock.advance(30)
    _concurrently(service, lambda s, i: s.get(started.id), in_threads)
    assert counting.written == 1


def test_concurrent_rotations_have_one_winner(service: Any, in_threads: Run):
    started = service.start("user-1", data={"n": 0})
    results = _concurrently(service, lambda s, i: s.rotate(started.id, data={"n": i}), in_threads)
    won = [r for r in results if isinstance(r, kt.StartedSession)]
    lost = [r for r in results if isinstance(r, kt.InvalidSession)]
    assert (len(won), len(lost)) == (1, REQUESTS - 1), results
    assert {e.code for e in lost} == {"session_invalid"}
    (winner,) = won
    assert service.get(winner.id).data == winner.session.data
    assert [s.handle for s in service.sessions("user-1")] == [winner.session.handle]
    with pytest.raises(kt.InvalidSession):
        service.get(started.id)


def test_concurrent_data_writes_leave_one_whole_value(service: Any, in_threads: Run):
    started = service.start("user-1")
    written = [{"writer": i, "items": list(range(i))} for i in range(REQUESTS)]
    results = _concurrently(service, lambda s, i: s.set_data(started.id, written[i]), in_threads)
    assert all(isinstance(r, kt.Session) for r in results), results
    assert service.get(started.id).data in written


def test_requests_racing_a_logout_see_the_session_or_a_clear_refusal(service, in_threads: Run):
    started = service.start("user-1")

    def request(s: Any, i: int) -> Any:
        return s.end(started.id) if i == 0 else s.get(started.id)

    results = _concurrently(service, request, in_threads)
    assert all(r is None or isinstance(r, (kt.Session, kt.InvalidSession)) for r in results)
    with pytest.raises(kt.InvalidSession):
        service.get(started.id)
    assert service.sessions("user-1") == []
