"""Verify one EdDSA token with full claim checks: keyturn against every peer, same token, same run.

Also keyturn's raw Ed25519 verify of the token's own signature and signing input: the floor that
keyturn's whole verify (split, base64url, JSON, header and claim checks, dict) is measured against.
"""

from __future__ import annotations

import time

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import keyturn as kt
import peers

NAMES = list(peers.ADAPTERS)


def _refusal(peer: peers.Peer, token: str) -> str:
    """The class name of the exception ``peer`` refuses ``token`` with (fails if it accepts)."""
    try:
        peer.verify(token)
    except Exception as error:
        return type(error).__name__
    raise AssertionError(f"{peer.name} accepted the token")


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
    benchmark(raw_verify)  # raises InvalidSignature on a bad signature; the forged one must:
    head, payload, signature = token.split(".")
    forged_verify, _ = peers.raw_ed25519(keys, f"{head}.{payload[:-1]}A.{signature}")
    with pytest.raises(kt.InvalidSignature):
        forged_verify()


# A benchmark only means something if every peer runs the same checks: each of these claim sets,
# correctly signed, must be refused by every peer (with the class peers.REFUSALS names).
BAD_CLAIMS = {
    "wrong audience": {"aud": "other.example.com"},
    "wrong issuer": {"iss": "https://auth.example.com.evil"},
    "expired": {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
    "no subject": {"sub": None},
    "no iat": {"iat": None},
}


def test_every_peer_names_its_refusals() -> None:
    assert set(peers.REFUSALS) == set(peers.ADAPTERS)
    for refusals in peers.REFUSALS.values():
        assert set(refusals) == {*BAD_CLAIMS, "bad signature"}


@pytest.mark.parametrize("peer", NAMES, indirect=True)
@pytest.mark.parametrize("case", list(BAD_CLAIMS))
def test_peer_enforces_claims(
    peer: peers.Peer, loaded_peers: tuple[dict[str, peers.Peer], dict[str, str]], case: str
) -> None:
    claims = {**peers.make_claims(), **BAD_CLAIMS[case]}
    claims = {name: value for name, value in claims.items() if value is not None}
    token = loaded_peers[0]["keyturn"].sign(claims)
    assert _refusal(peer, token) == peers.REFUSALS[peer.name][case]


@pytest.mark.parametrize("peer", NAMES, indirect=True)
def test_peer_rejects_bad_signature(peer: peers.Peer, token: str) -> None:
    head, payload, signature = token.split(".")
    forged = "A" if signature[0] != "A" else "B"
    token = f"{head}.{payload}.{forged}{signature[1:]}"
    assert _refusal(peer, token) == peers.REFUSALS[peer.name]["bad signature"]
