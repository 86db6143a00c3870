"""verify_many per token against verify in a loop, on the same batch of valid tokens.

Run: ``pytest benches/bench_verify_many.py --benchmark-columns=mean,stddev,rounds``; every
round verifies the whole batch, so divide by ``BATCH`` (``extra_info["tokens"]``) for a per-token
figure. The ``compiled_loop`` rows show what the Python ``Verifier`` layer adds over the core.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

import keyturn as kt

BATCH = 1000
ISS = "https://auth.example.com"
AUD = "api.example.com"


def batch(key: kt.SigningKey | kt.HmacKey) -> list[str]:
    now = int(time.time())
    return [
        kt.encode(
            {"iss": ISS, "aud": AUD, "sub": f"user-{i}", "iat": now, "exp": now + 3600},
            key,
            alg="HS256" if isinstance(key, kt.HmacKey) else None,
        )
        for i in range(BATCH)
    ]


@pytest.fixture(scope="module", params=["EdDSA", "HS256"])
def setup(request: pytest.FixtureRequest) -> tuple[kt.Verifier, list[str]]:
    if request.param == "HS256":
        key: kt.SigningKey | kt.HmacKey = kt.HmacKey(b"k" * 32, kid="h")
        public: kt.VerifyingKey | kt.HmacKey = key
    else:
        signing = kt.SigningKey.generate()
        key, public = signing, signing.public_key
    verifier = kt.Verifier(public, issuer=ISS, audience=AUD, algorithms=[request.param])
    return verifier, batch(key)


def run(benchmark: Any, name: str, work: Callable[[], object]) -> None:
    benchmark.group = f"verify {BATCH} tokens"
    benchmark.extra_info["tokens"] = BATCH
    benchmark.extra_info["way"] = name
    benchmark(work)


def test_verify_loop(benchmark: Any, setup: tuple[kt.Verifier, list[str]]) -> None:
    verifier, tokens = setup

    def loop() -> None:
        for token in tokens:
            verifier.verify(token)

    run(benchmark, "Verifier.verify in a loop", loop)


def test_compiled_loop(benchmark: Any, setup: tuple[kt.Verifier, list[str]]) -> None:
    verifier, tokens = setup
    compiled = verifier._fixed  # the core object itself, to measure the wrapper's cost
    assert compiled is not None

    def loop() -> None:
        for token in tokens:
            compiled.verify(token)

    run(benchmark, "CompiledVerifier.verify in a loop", loop)


def test_verify_many(benchmark: Any, setup: tuple[kt.Verifier, list[str]]) -> None:
    verifier, tokens = setup
    assert all(isinstance(r, dict) for r in verifier.verify_many(tokens))
    run(benchmark, "Verifier.verify_many", lambda: verifier.verify_many(tokens))
