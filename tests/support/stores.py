"""What the store-kind suites (tests/sessions, tests/clients) share: one test body driving a sync
or an async service (``Blocking``, on the ``loop`` fixture), the ``clock`` moved by hand, and
every byte a store kind keeps at rest (scanned for secrets in the clear). tests/conftest.py
loads this module as a plugin, so the fixtures serve every test directory that does not define
its own."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.clock import Clock

__all__ = ["Blocking", "clock", "loop", "postgres_at_rest", "redis_at_rest", "sqlite_at_rest"]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A private event loop for ``Blocking``, closed after the test."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


class Blocking:
    """Drives an async service from sync test code on a private event loop, so the very same
    test body checks the sync and the async service: each coroutine method runs to completion,
    any other attribute is the service's own."""

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


def sqlite_at_rest(path: Path) -> bytes:
    """The SQLite file and its write-ahead log (``path`` + ``-wal``, ``-shm``): a secret must be
    in neither."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(f"{path.name}*")))


def postgres_at_rest(dsn: str) -> bytes:
    """The database's every row, as ``pg_dump --data-only`` writes it."""
    return subprocess.run(["pg_dump", "--data-only", dsn], check=True, capture_output=True).stdout


def redis_at_rest(url: str) -> bytes:
    """Every key name, its serialized value (``DUMP``) and its value as read (hash fields and
    values, set members, strings)."""
    import redis

    parts: list[bytes] = []
    with redis.Redis.from_url(url) as client:
        for key in client.scan_iter():
            parts += [key, client.dump(key) or b""]
            kind = client.type(key)
            if kind == b"hash":
                parts += [b for pair in client.hgetall(key).items() for b in pair]
            elif kind == b"set":
                parts += list(client.smembers(key))
            else:
                parts.append(client.get(key) or b"")
    return b"\n".join(parts)
