"""Shared fixtures of the peer benchmarks: one key, one claims set, one token, every peer.

Run: ``pytest benches/bench_verify.py benches/bench_sign.py --benchmark-json=bench.json`` and
then ``python benches/chart.py bench.json`` (see README.md, "Benchmarks").
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# pytest imports these files with --import-mode=importlib, which puts no directory on sys.path;
# the bench modules share the adapters of peers.py beside them.
sys.path.insert(0, str(Path(__file__).parent))

import peers
from keyturn import _core


def pytest_benchmark_update_machine_info(machine_info: dict[str, object]) -> None:
    """Records the Ed25519 backend in --benchmark-json, for benches/chart.py's title."""
    machine_info["ed25519_backend"] = _core.ed25519_backend()


@pytest.fixture(scope="session")
def keys() -> peers.Keys:
    return peers.make_keys()


@pytest.fixture(scope="session")
def claims() -> peers.Claims:
    return peers.make_claims()


@pytest.fixture(scope="session")
def loaded_peers(keys: peers.Keys) -> tuple[dict[str, peers.Peer], dict[str, str]]:
    return peers.load_peers(keys)


@pytest.fixture
def peer(
    request: pytest.FixtureRequest, loaded_peers: tuple[dict[str, peers.Peer], dict[str, str]]
) -> peers.Peer:
    """The adapter named by the test's ``peer_name`` parameter (skipped if not installed)."""
    available, missing = loaded_peers
    name: str = request.param
    if name in missing:
        pytest.skip(f"{name}: {missing[name]}")
    return available[name]


@pytest.fixture(scope="session")
def token(loaded_peers: tuple[dict[str, peers.Peer], dict[str, str]], claims: peers.Claims) -> str:
    """The one token every peer verifies, signed by keyturn."""
    return loaded_peers[0]["keyturn"].sign(claims)
