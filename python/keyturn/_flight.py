"""Single flight: one fetch in progress, every thread and coroutine that needs it waiting for it.

Shared by RemoteJWKS (key-set fetches) and ClientCredentials (token requests).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

__all__ = ["Flight"]


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():  # the waiting coroutine may have been cancelled
        future.set_result(None)


class Flight:
    """One fetch in progress: every thread and coroutine that needs it waits for this one.

    A wait ends when the fetch does or when the fetch's own ``timeout`` has run out, whichever
    comes first: the fetch is bounded by that timeout, and joining it must never wait longer.
    """

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._futures: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._ends = time.monotonic() + timeout  # real time: a test's clock may stand still

    def finish(self) -> None:
        with self._lock:
            self._done.set()
            futures, self._futures = self._futures, []
        for loop, future in futures:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits there
                loop.call_soon_threadsafe(_settle, future)

    def _left(self) -> float:
        return max(0.0, self._ends - time.monotonic())

    def wait(self) -> None:
        self._done.wait(self._left())

    async def wait_async(self) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._done.is_set():
                return
            self._futures.append((loop, future))
        with contextlib.suppress(asyncio.TimeoutError):  # cancels it; finish() then skips it
            await asyncio.wait_for(future, self._left())
