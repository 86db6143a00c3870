"""The clock tests move by hand."""

from __future__ import annotations

import time


class Clock:
    """A clock the tests move by hand; starts at the real time (Redis expiries are real)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
