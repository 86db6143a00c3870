"""The shared test helpers hold to what they promise (tests/conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

InThreads = Callable[[Callable[[int], None], int], None]


def test_in_threads_fails_on_any_worker_failure(in_threads: InThreads) -> None:
    def work(index: int) -> None:
        if index in (1, 3):
            raise KeyError(index)

    with pytest.raises(AssertionError, match=r"^2 of 4 workers failed$") as info:
        in_threads(work, 4)
    assert isinstance(info.value.__cause__, KeyError)


def test_in_threads_releases_every_worker_together(in_threads: InThreads) -> None:
    # Each worker waits for all the others: this only finishes if they all run at once.
    everyone = threading.Barrier(6, timeout=30)
    ran: list[int] = []

    def work(index: int) -> None:
        everyone.wait()
        ran.append(index)

    in_threads(work, 6)
    assert sorted(ran) == list(range(6))
