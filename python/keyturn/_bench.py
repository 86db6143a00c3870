"""``keyturn bench``: a quick timing table, for a feel of the numbers (``benches/`` has the real
pytest-benchmark suite).

In a source checkout it times every installed peer of ``benches/peers.py`` on the same EdDSA token
and claim policy; elsewhere it times keyturn alone: ``encode``, ``Verifier.verify`` and
``verify_many`` per token.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from keyturn._core import ed25519_backend
from keyturn.issuer import Issuer
from keyturn.keyring import Keyring
from keyturn.tokens import Verifier

__all__ = ["run"]

BATCH = 256


class Row(NamedTuple):
    name: str
    sign: Callable[[], object]
    verify: Callable[[], object]


def per_call_seconds(action: Callable[[], object], budget: float, calls_per_action: int) -> float:
    """Mean seconds per call over roughly ``budget`` seconds of repeated calls."""
    action()  # warm caches and lazy imports outside the measurement
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < budget:
        action()
        count += 1
    return elapsed / (count * calls_per_action)


def find_peers_module() -> ModuleType | None:
    """``benches/peers.py`` from the current directory or from the checkout keyturn runs from."""
    candidates = [Path.cwd() / "benches" / "peers.py"]
    candidates.append(Path(__file__).resolve().parents[2] / "benches" / "peers.py")
    for path in candidates:
        if not path.is_file():
            continue
        spec = importlib.util.spec_from_file_location("keyturn_bench_peers", path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while it loads
        try:
            spec.loader.exec_module(module)
        except ImportError as error:
            del sys.modules[spec.name]
            print(f"peers unavailable ({error.name} is not installed)", file=sys.stderr)
            return None
        return module
    return None


def peer_rows(peers: Any) -> list[Row]:
    found, missing = peers.load_peers(peers.make_keys())
    for name, why in missing.items():
        print(f"skipping {name}: {why}", file=sys.stderr)
    claims = peers.make_claims()
    return [
        Row(name, partial(peer.sign, claims), partial(peer.verify, peer.sign(claims)))
        for name, peer in found.items()
    ]


def keyturn_rows(issuer: Issuer, verifier: Verifier) -> list[Row]:
    def sign() -> str:
        return issuer.issue("user-1", scope="read write")

    token = sign()
    return [Row("keyturn", sign, lambda: verifier.verify(token))]


def run(seconds: float) -> None:
    issuer = Issuer(Keyring.generate(), issuer="https://bench", audience="bench", ttl=3600)
    verifier = issuer.verifier()
    peers = find_peers_module()
    rows = peer_rows(peers) if peers is not None else keyturn_rows(issuer, verifier)
    print(f"{'library':<30} {'sign µs':>9} {'verify µs':>10}")
    for row in rows:
        print(f"timing {row.name}...", file=sys.stderr)
        sign = per_call_seconds(row.sign, seconds, 1) * 1e6
        verify = per_call_seconds(row.verify, seconds, 1) * 1e6
        print(f"{row.name:<30} {sign:9.1f} {verify:10.1f}")
    batch = [issuer.issue(f"user-{n}") for n in range(BATCH)]
    print("timing verify_many...", file=sys.stderr)
    many = per_call_seconds(lambda: verifier.verify_many(batch), seconds, BATCH) * 1e6
    print(f"{f'keyturn verify_many ({BATCH})':<30} {'-':>9} {many:10.1f}  (per token)")
    # Verify times depend on it: AVX-512 IFMA, AVX2 or serial curve arithmetic.
    print(f"keyturn Ed25519 backend: {ed25519_backend()}")
