"""Run sans-IO flows: the logic is written once as a generator that yields the I/O it needs,
and a sync or an async driver performs that I/O. This keeps the sync and async services, stores
and ``Revocations`` from being copy-paste twins. (Outside ``keyturn.refresh``: revocations use
it, and the refresh package imports them.)"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

from keyturn.errors import ConfigurationError

__all__ = ["Flow", "acall", "aclose", "adrive", "drive", "native_async"]

C = TypeVar("C")
S = TypeVar("S")
T = TypeVar("T")
Flow = Generator[C, Any, T]


def drive(flow: Flow[C, T], perform: Callable[[C], Any]) -> T:
    try:
        request = next(flow)
        while True:
            request = flow.send(perform(request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        flow.close()


async def adrive(flow: Flow[C, T], perform: Callable[[C], Awaitable[Any]]) -> T:
    try:
        request = next(flow)
        while True:
            request = flow.send(await perform(request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        flow.close()


# --- a service over a store: the glue every sync/async service pair shares -----------------------


def native_async(service: object, store: Any, *, takes_async: bool, twin: str) -> bool:
    """Whether ``store`` is an async store (its ``load`` is a coroutine function). A sync service
    (``takes_async`` false) refuses one, naming ``twin``, the async service to use instead."""
    found = inspect.iscoroutinefunction(store.load)
    if found and not takes_async:
        raise ConfigurationError(f"{type(service).__name__} needs a sync store: use {twin}")
    return found


async def acall(store: S, is_async: bool, call: Callable[[S], Any]) -> Any:
    """One store call from asyncio: awaited on an async store; on a sync one, in a worker thread
    so its I/O does not block the event loop."""
    if is_async:
        return await call(store)
    return await asyncio.to_thread(call, store)


async def aclose(store: Any) -> None:
    """Close a store from asyncio, whether its ``close`` is sync or async."""
    closing = store.close()
    if inspect.isawaitable(closing):
        await closing
