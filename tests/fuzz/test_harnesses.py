"""The fuzz harnesses on their seeds and on every past finding, in the ordinary test run.

scripts/fuzz.sh explores from these seeds for a bounded time; these tests make sure the harnesses
themselves work (a harness that raised on valid input would hide every real finding) and that
no past finding comes back.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import keyturn as kt

from . import harnesses

BUILD_CORPUS = Path(__file__).resolve().parents[2] / "fuzz" / "build_corpus.py"


def _build_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_corpus", BUILD_CORPUS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = _build_corpus()

#: Inputs a fuzz run once flagged, with what the run found. Each must now pass its target.
FINDINGS: list[tuple[str, bytes, str]] = [
    (
        "jwk",
        b'{"kty": "OKP", "crv": "Ed25519", "x": "6kpsY-KcUgq-9VB7Ey7F-ZVHdq6-vnuSQh7qaRRG0iw",'
        b' "kid": "ed", "d": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc"}',
        "harness bug, not keyturn's: the repr check looked for the letter d (as in kid)",
    ),
    (
        "jwk",
        b'{"kty":' + b"3" * 73 + b"}",
        "finding 1 in keyturn: ConfigurationError from a JWK dict (see test_regressions.py)",
    ),
]


def _seeds(name: str) -> list[bytes]:
    make = {
        "verify": corpus.tokens,
        "jwk": corpus.jwks,
        "jwks": corpus.jwk_sets,
        "pyjwt": corpus.tokens,
        "refresh": corpus.refresh_tokens,
    }[name]
    return [s.encode() if isinstance(s, str) else s for s in make()]


@pytest.mark.parametrize("name", sorted(harnesses.TARGETS))
def test_every_seed_passes_its_target(name: str) -> None:
    target: Callable[[bytes], None] = harnesses.TARGETS[name]
    seeds = _seeds(name)
    assert seeds
    for seed in seeds:
        target(seed)


@pytest.mark.parametrize(("name", "data", "why"), FINDINGS)
def test_past_findings_stay_fixed(name: str, data: bytes, why: str) -> None:
    harnesses.TARGETS[name](data)


def test_the_verify_seeds_reach_past_the_signature() -> None:
    # Seeds that all failed early would leave the claim checks unexplored.
    accepted = [
        seed
        for seed in _seeds("verify")
        if isinstance(
            harnesses._outcome(lambda s=seed: harnesses.VERIFIER.verify(s, corpus.NOW)), dict
        )
    ]
    assert len(accepted) >= 6


def test_the_harnesses_catch_a_disagreement() -> None:
    # A finding must surface as an exception: feed verify a token the verifiers must refuse
    # differently from what the harness expects by swapping in a laxer verifier.
    lax = kt.Verifier(harnesses.ED.public_key, issuer=None, audience=None, algorithms=["EdDSA"])
    strict, harnesses.CACHED = harnesses.CACHED, lax
    try:
        with pytest.raises(harnesses.Finding):
            harnesses.verify(_seeds("verify")[2])  # HS256: the lax verifier refuses it
    finally:
        harnesses.CACHED = strict


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe", b"a.b.c", b"." * 5000, "é".encode() * 300, b"ktr_" + b"A" * 70],
)
def test_junk_is_refused_quietly_by_every_target(data: bytes) -> None:
    for target in harnesses.TARGETS.values():
        target(data)
