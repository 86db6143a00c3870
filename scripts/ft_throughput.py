"""Throughput of Verifier.verify_many and of Verifier.verify from threads, on this interpreter.

scripts/freethreaded.sh runs it on free-threaded CPython twice, with PYTHON_GIL=0 and
PYTHON_GIL=1, so the two lines compare the same wheel with the GIL off and on. A short, bounded
measurement (about a second per figure), not a benchmark: benches/ holds those.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import keyturn as kt

TOKENS = 2000
THREADS = 4


def _per_second(run: Callable[[], None], count: int) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def main() -> None:
    ring = kt.Keyring.generate()
    issuer = kt.Issuer(ring, issuer="https://auth.example.com", audience="api", ttl=600)
    tokens = [issuer.issue(f"user-{i}") for i in range(TOKENS)]
    verifier = kt.Verifier(ring, issuer="https://auth.example.com", audience="api")

    def batch() -> None:
        results = verifier.verify_many(tokens)
        assert all(isinstance(r, dict) for r in results)

    errors: list[BaseException] = []

    def worker(chunk: list[str]) -> None:
        try:
            for token in chunk:
                verifier.verify(token)
        except BaseException as exc:  # collected: a worker's failure fails the run
            errors.append(exc)

    def threads() -> None:
        workers = [
            threading.Thread(target=worker, args=(tokens[i::THREADS],)) for i in range(THREADS)
        ]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()

    batch()  # warm up
    many = _per_second(batch, TOKENS)
    threaded = _per_second(threads, TOKENS)
    if errors:
        raise errors[0]
    # sys._is_gil_enabled exists from 3.13; before that the GIL is always on.
    gil = "on" if getattr(sys, "_is_gil_enabled", lambda: True)() else "off"
    print(
        f"GIL {gil}: verify_many {many:,.0f} tokens/s;"
        f" verify from {THREADS} threads {threaded:,.0f} tokens/s"
    )


if __name__ == "__main__":
    main()
