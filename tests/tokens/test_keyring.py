"""Keyring lifecycle: states, schedule, JWKS, and the rotation scenario end to end."""

from __future__ import annotations

import pytest

import keyturn as kt

from .tokens_support import AUD, ISS, expect

T0 = 1_700_000_000.0


def states(ring: kt.Keyring) -> list[tuple[str, str]]:
    return [(info.kid, info.state.value) for info in ring.entries()]


def kid_in(ring: kt.Keyring, state: kt.KeyState) -> list[str]:
    return [info.kid for info in ring.entries() if info.state is state]


@pytest.fixture
def timed_ring() -> kt.Keyring:
    return kt.Keyring.generate(rotate_every=3600, retire_after=1200, now=T0)


def test_generate_gives_a_current_and_a_next_key(timed_ring):
    (current,) = kid_in(timed_ring, kt.KeyState.CURRENT)
    (upcoming,) = kid_in(timed_ring, kt.KeyState.NEXT)
    assert timed_ring.current.kid == current != upcoming
    assert [info.since for info in timed_ring.entries()] == [
        {kt.KeyState.NEXT: T0, kt.KeyState.CURRENT: T0},
        {kt.KeyState.NEXT: T0},
    ]


def test_jwks_is_public_and_complete(timed_ring):
    jwks = timed_ring.jwks()
    assert [jwk["kid"] for jwk in jwks["keys"]] == [
        *kid_in(timed_ring, kt.KeyState.CURRENT),
        *kid_in(timed_ring, kt.KeyState.NEXT),
    ]
    for jwk in jwks["keys"]:
        assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}
        assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == (
            "OKP",
            "Ed25519",
            "sig",
            "EdDSA",
        )
        assert kt.VerifyingKey.from_jwk(jwk).kid == jwk["kid"]


def test_rotate_moves_every_key_one_step(timed_ring):
    first, second = timed_ring.entries()
    version = timed_ring.keys_version
    timed_ring.rotate(now=T0 + 10)
    assert timed_ring.keys_version != version
    entries = timed_ring.entries()
    assert [(e.kid, e.state) for e in entries[:2]] == [
        (first.kid, kt.KeyState.PREVIOUS),
        (second.kid, kt.KeyState.CURRENT),
    ]
    assert entries[0].since[kt.KeyState.PREVIOUS] == T0 + 10
    assert entries[1].since == {kt.KeyState.NEXT: T0, kt.KeyState.CURRENT: T0 + 10}
    assert entries[2].state is kt.KeyState.NEXT
    assert timed_ring.current.kid == second.kid
    assert len(timed_ring.jwks()["keys"]) == 3


def test_maintain_retires_then_rotates_on_schedule(timed_ring):
    assert timed_ring.maintain(now=T0 + 3599) is False
    version = timed_ring.keys_version
    assert timed_ring.maintain(now=T0 + 3600) is True
    assert timed_ring.keys_version != version
    (demoted,) = kid_in(timed_ring, kt.KeyState.PREVIOUS)
    assert timed_ring.maintain(now=T0 + 3600 + 1199) is False
    assert timed_ring.maintain(now=T0 + 3600 + 1200) is True
    assert kid_in(timed_ring, kt.KeyState.RETIRED) == [demoted]
    assert demoted not in [jwk["kid"] for jwk in timed_ring.jwks()["keys"]]
    assert demoted not in [key.kid for key in timed_ring.verification_keys()]


def test_maintain_after_a_long_sleep_rotates_once(timed_ring):
    assert timed_ring.maintain(now=T0 + 10 * 3600) is True
    assert len(kid_in(timed_ring, kt.KeyState.PREVIOUS)) == 1
    assert timed_ring.maintain(now=T0 + 10 * 3600) is False


def test_revoking_the_current_key_promotes_next(timed_ring):
    current = timed_ring.current.kid
    (upcoming,) = kid_in(timed_ring, kt.KeyState.NEXT)
    timed_ring.revoke(current, now=T0 + 5)
    assert timed_ring.current.kid == upcoming
    assert kid_in(timed_ring, kt.KeyState.REVOKED) == [current]
    assert len(kid_in(timed_ring, kt.KeyState.NEXT)) == 1
    assert current not in [jwk["kid"] for jwk in timed_ring.jwks()["keys"]]
    revoked = next(e for e in timed_ring.entries() if e.kid == current)
    assert revoked.since[kt.KeyState.REVOKED] == T0 + 5


def test_revoking_next_publishes_a_fresh_next(timed_ring):
    (upcoming,) = kid_in(timed_ring, kt.KeyState.NEXT)
    timed_ring.revoke(upcoming)
    (fresh,) = kid_in(timed_ring, kt.KeyState.NEXT)
    assert fresh != upcoming


def test_revoking_twice_is_harmless_and_unknown_kids_are_refused(timed_ring):
    (upcoming,) = kid_in(timed_ring, kt.KeyState.NEXT)
    timed_ring.revoke(upcoming)
    version = timed_ring.keys_version
    timed_ring.revoke(upcoming)
    assert timed_ring.keys_version == version
    expect(kt.KeyringError, timed_ring.revoke, "no-such-kid")


def test_max_age_hint_is_well_below_the_rotation_period():
    assert kt.Keyring.generate(rotate_every=3600).max_age_hint() == 360
    assert kt.Keyring.generate().max_age_hint() == 3600
    assert kt.Keyring.generate(rotate_every=5).max_age_hint() == 1


@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan"), "60", True])
def test_schedule_must_be_positive_seconds(value):
    expect(kt.ConfigurationError, kt.Keyring.generate, rotate_every=value)
    expect(kt.ConfigurationError, kt.Keyring.generate, retire_after=value)


def test_repr_shows_kids_and_states_only(timed_ring, tmp_path):
    path = tmp_path / "ring.json"
    timed_ring.save(path)
    text = repr(timed_ring)
    for info in timed_ring.entries():
        assert f"{info.kid}: {info.state.value}" in text
    private = timed_ring.current.to_jwk(private=True)["d"]
    assert private not in text
    assert private in path.read_text()  # the check above would catch a leak


def test_keyring_is_a_key_source(timed_ring):
    assert isinstance(timed_ring, kt.KeySource)
    assert timed_ring.refresh_on_unknown_kid() is False
    assert [key.kid for key in timed_ring.verification_keys()] == [
        jwk["kid"] for jwk in timed_ring.jwks()["keys"]
    ]


def test_concurrent_rotations_and_revocations_keep_the_ring_consistent(in_threads):
    ring = kt.Keyring.generate()

    def rotate(_: int) -> None:
        for _ in range(50):
            ring.rotate()
            assert ring.current.kid in [jwk["kid"] for jwk in ring.jwks()["keys"]]

    in_threads(rotate, 4)
    assert len(kid_in(ring, kt.KeyState.PREVIOUS)) == 200
    targets = kid_in(ring, kt.KeyState.PREVIOUS)[:100]

    def rotate_and_revoke(index: int) -> None:
        for kid in targets[index::4]:
            ring.revoke(kid)
            ring.rotate()

    in_threads(rotate_and_revoke, 4)
    assert len(kid_in(ring, kt.KeyState.CURRENT)) == 1
    assert len(kid_in(ring, kt.KeyState.NEXT)) == 1
    assert len(kid_in(ring, kt.KeyState.PREVIOUS)) == 200
    assert sorted(kid_in(ring, kt.KeyState.REVOKED)) == sorted(targets)


# --- the rotation scenario -----------------------------------------------------------------------


def test_rotation_scenario_end_to_end():
    """Tokens outlive a rotation until their key retires; a revocation cuts them off at once.

    Real clock for tokens (iat/exp), simulated clock for the schedule (`now=` in maintain).
    """
    ring = kt.Keyring.generate(rotate_every=3600, retire_after=900)
    issuer = kt.Issuer(ring, issuer=ISS, audience=AUD, ttl=600)
    verifier = issuer.verifier()  # follows the ring
    published = kt.Verifier(ring.jwks(), issuer=ISS, audience=AUD, typ="at+jwt")  # a JWKS cache
    start = ring.entries()[0].since[kt.KeyState.CURRENT]

    old = issuer.issue("user-1")
    assert ring.maintain(now=start + 3600) is True  # rotation
    new = issuer.issue("user-2")
    assert verifier.verify(old)["sub"] == "user-1"
    assert verifier.verify(new)["sub"] == "user-2"
    # The cached JWKS predates the rotation, yet knows the new signer: it was published as next.
    assert published.verify(new)["sub"] == "user-2"

    assert ring.maintain(now=start + 3600 + 899) is False
    assert verifier.verify(old)["sub"] == "user-1"
    assert ring.maintain(now=start + 3600 + 900) is True  # the previous key retires
    expect(kt.UnknownKey, verifier.verify, old)
    assert verifier.verify(new)["sub"] == "user-2"

    compromised = ring.current.kid
    ring.revoke(compromised)
    expect(kt.UnknownKey, verifier.verify, new)
    assert verifier.verify(issuer.issue("user-3"))["sub"] == "user-3"
    assert compromised not in [jwk["kid"] for jwk in ring.jwks()["keys"]]
