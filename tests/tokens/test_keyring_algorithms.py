"""Keyrings of ES256/RS256 keys, and moving a keyring from one algorithm to another through its
lifecycle: the new key is published as *next* before it signs; old tokens verify until retired."""

from __future__ import annotations

import os
from pathlib import Path

import keyturn as kt

NOW = 1_800_000_000.0
ISS, AUD = "https://auth.example", "api"


def _algs(ring: kt.Keyring) -> list[tuple[str, str]]:
    return [(e.state.value, e.public_key.alg or "EdDSA") for e in ring.entries()]


def test_an_es256_keyring_publishes_signs_and_persists(tmp_path: Path) -> None:
    ring = kt.Keyring.generate(alg="ES256", now=NOW)
    assert _algs(ring) == [("current", "ES256"), ("next", "ES256")]
    jwks = ring.jwks()["keys"]
    assert [(k["kty"], k["crv"], k["alg"], k["use"]) for k in jwks] == [
        ("EC", "P-256", "ES256", "sig")
    ] * 2
    issuer = kt.Issuer(ring, issuer=ISS, audience=AUD)
    token = issuer.issue("user-1")
    assert issuer.verifier().verify(token)["sub"] == "user-1"
    path = tmp_path / "ring.json"
    ring.save(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    loaded = kt.Keyring.load(path)
    assert loaded.jwks() == ring.jwks()
    loaded.rotate(now=NOW + 1)
    assert _algs(loaded) == [("previous", "ES256"), ("current", "ES256"), ("next", "ES256")]
    assert kt.Issuer(loaded, issuer=ISS, audience=AUD).verifier().verify(token)["sub"] == "user-1"


def test_moving_from_ed25519_to_rs256_through_the_lifecycle() -> None:
    ring = kt.Keyring.generate(now=NOW)
    issuer = kt.Issuer(ring, issuer=ISS, audience=AUD)
    old_token = issuer.issue("user-1")
    before = {e.kid for e in ring.entries()}

    ring.change_algorithm("RS256", now=NOW + 1)
    # The unused Ed25519 next key is retired; the RS256 key is published, not yet signing.
    states = {e.kid: (e.state.value, e.public_key.kty) for e in ring.entries()}
    assert sorted(states.values()) == [("current", "OKP"), ("next", "RSA"), ("retired", "OKP")]
    assert {k["kty"] for k in ring.jwks()["keys"]} == {"OKP", "RSA"}
    assert kt.decode(issuer.issue("user-1"), ring, algorithms=["EdDSA"], audience=AUD)

    ring.rotate(now=NOW + 2)
    new_token = issuer.issue("user-1")
    header, _ = kt._core.unverified_parts(new_token)
    assert header["alg"] == "RS256"
    assert _algs(ring)[-2:] == [("current", "RS256"), ("next", "RS256")]
    verifier = issuer.verifier()
    assert set(verifier.algorithms) == {"EdDSA", "Ed25519", "RS256"}
    assert verifier.verify(old_token)["sub"] == verifier.verify(new_token)["sub"] == "user-1"
    assert before - {e.kid for e in ring.entries()} == set()


def test_revoking_the_next_key_keeps_the_algorithm() -> None:
    ring = kt.Keyring.generate(alg="ES256", now=NOW)
    nxt = next(e for e in ring.entries() if e.state is kt.KeyState.NEXT)
    ring.revoke(nxt.kid, now=NOW + 1)
    fresh = next(e for e in ring.entries() if e.state is kt.KeyState.NEXT)
    assert fresh.kid != nxt.kid
    assert fresh.public_key.alg == "ES256"
