"""Run sans-IO flows: the logic is written once as a generator that yields the I/O it needs,
and a sync or an async driver performs that I/O. This keeps the sync and async services, stores
and ``Revocations`` from being copy-paste twins. (Outside ``keyturn.refresh``: revocations use
it, and the refresh package imports them.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

__all__ = ["Flow", "adrive", "drive"]

C = TypeVar("C")
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
