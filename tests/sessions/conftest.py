"""Fixtures for the session tests: one suite, every store kind, sync and async.

``make_service(**options)`` gives a ``SessionService``, or an ``AsyncSessionService`` driven
from sync test code (``Blocking``), on the parametrized store; ``backend.state()`` is everything
the store holds, so a test can assert a refusal wrote nothing.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from support import Clock, marked

KINDS = ["memory"]
SERVICE_KINDS = KINDS + [f"async-{kind}" for kind in KINDS]


@dataclass
class Backend:
    """One store kind: how to make its stores and how to look at what it holds."""

    kind: str
    make_store: Callable[[], Any]
    make_async_store: Callable[[], Any]
    #: Every stored session, in a canonical form (compare before/after a refusal).
    state: Callable[[], Any]
    #: Everything at rest, as bytes (scanned for plaintext ids).
    at_rest: Callable[[], bytes]


def _memory_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    store = kt.MemorySessionStore()

    def state() -> Any:
        return sorted((repr(s), s.session_hash) for s in store._sessions.values())

    def at_rest() -> bytes:
        import pickle

        return pickle.dumps(store._sessions)

    return Backend("memory", lambda: store, lambda: store, state, at_rest)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Backend]] = {
    "memory": _memory_backend,
}


class Blocking:
    """Drives an async service from sync test code on a private event loop, so the very same
    test body checks the sync and the async service."""

    def __init__(self, service: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.service = service
        self.loop = loop

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.service, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            return self.loop.run_until_complete(attribute(*args, **kwargs))

        return call


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(params=marked(*SERVICE_KINDS))
def service_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend(service_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return BACKENDS[service_kind.removeprefix("async-")](request, tmp_path)


@pytest.fixture
def is_async(service_kind: str) -> bool:
    return service_kind.startswith("async-")


MakeService = Callable[..., Any]


@pytest.fixture
def make_service(
    is_async: bool, backend: Backend, clock: Clock, loop: asyncio.AbstractEventLoop
) -> Iterator[MakeService]:
    """``make_service(**options)``: a session service on the parametrized store (sync or async,
    ``clock`` moved by hand). Services made in one test share the store's data."""
    made: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("clock", clock)
        if is_async:
            service: Any = Blocking(
                kt.AsyncSessionService(backend.make_async_store(), **options), loop
            )
        else:
            service = kt.SessionService(backend.make_store(), **options)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


@pytest.fixture
def service(make_service: MakeService) -> Any:
    return make_service()
