"""Sign (encode) the same claims into an EdDSA JWT: keyturn against every peer, same run.

Also keyturn's raw Ed25519 sign of the same signing input, for the share of encode spent outside
the signature.
"""

from __future__ import annotations

import base64

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import keyturn as kt
import peers

NAMES = list(peers.ADAPTERS)


@pytest.mark.parametrize("peer", NAMES, indirect=True)
def test_sign(
    benchmark: BenchmarkFixture,
    peer: peers.Peer,
    claims: peers.Claims,
    loaded_peers: tuple[dict[str, peers.Peer], dict[str, str]],
) -> None:
    benchmark.group = "sign"
    benchmark.extra_info.update(peer=peer.name, kind=peer.kind)
    token = benchmark(peer.sign, claims)
    # The peer's token must be a real one: keyturn verifies it with the same policy.
    assert loaded_peers[0]["keyturn"].verify(token) == claims


def test_sign_raw_ed25519(benchmark: BenchmarkFixture, keys: peers.Keys, token: str) -> None:
    _, raw_sign = peers.raw_ed25519(keys, token)
    benchmark.group = "sign"
    benchmark.extra_info.update(peer="keyturn raw Ed25519", kind="raw")
    signature = benchmark(raw_sign)
    # The token's own signature (Ed25519 is deterministic), and it verifies under the public key.
    signing_input, _, encoded = token.rpartition(".")
    assert signature == base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    kt.SigningKey.from_seed(keys.seed).public_key.verify(signature, signing_input.encode())
