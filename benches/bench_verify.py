"""Verify one EdDSA token with full claim checks: keyturn against every peer, same token, same run.

Also keyturn's raw Ed25519 verify of the token's own signature and signing input: the floor that
keyturn's whole verify (split, base64url, JSON, header and claim checks, dict) is measured against.
"""

from __future__ import annotations

import time

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import peers

NAMES = list(peers.ADAPTERS)


def _rejects(peer: peers.Peer, token: str) -> bool:
    # Each library raises its own exception classes; any exception is a rejection here.
    try:
        peer.verify(token)
    except Exception:
        return True
    return False


@pytest.mark.parametrize("peer", NAMES, indirect=True)
def test_verify(
    benchmark: BenchmarkFixture, peer: peers.Peer, token: str, claims: peers.Claims
) -> None:
    benchmark.group = "verify"
    benchmark.extra_info.update(peer=peer.name, kind=peer.kind)
    assert benchmark(peer.verify, token) == claims


def test_verify_raw_ed25519(benchmark: BenchmarkFixture, keys: peers.Keys, token: str) -> None:
    raw_verify, _ = peers.raw_ed25519(keys, token)
    benchmark.group = "verify"
    benchmark.extra_info.update(peer="keyturn raw Ed25519", kind="raw")
    benchmark(raw_verify)


# A benchmark only means something if every peer runs the same checks: each of these claim sets,
# correctly signed, must be refused by every peer.
BAD_CLAIMS = {
    "wrong audience": {"aud": "other.example.com"},
    "wrong issuer": {"iss": "https://auth.example.com.evil"},
    "expired": {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
    "no subject": {"sub": None},
    "no iat": {"iat": None},
}


@pytest.mark.parametrize("peer", NAMES, indirect=True)
@pytest.mark.parametrize("case", list(BAD_CLAIMS))
def test_peer_enforces_claims(
    peer: peers.Peer, loaded_peers: tuple[dict[str, peers.Peer], dict[str, str]], case: str
) -> None:
    claims = {**peers.make_claims(), **BAD_CLAIMS[case]}
    claims = {name: value for name, value in claims.items() if value is not None}
    assert _rejects(peer, loaded_peers[0]["keyturn"].sign(claims))


@pytest.mark.parametrize("peer", NAMES, indirect=True)
def test_peer_rejects_bad_signature(peer: peers.Peer, token: str) -> None:
    head, payload, signature = token.split(".")
    forged = "A" if signature[0] != "A" else "B"
    assert _rejects(peer, f"{head}.{payload}.{forged}{signature[1:]}")
