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
# correctly signed, must be refused by every peer.
BAD_CLAIMS = {
    "wrong audience": {"aud": "other.example.com"},
    "wrong issuer": {"iss": "https://auth.example.com.evil"},
    "expired": {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
    "no subject": {"sub": None},
    "no iat": {"iat": None},
}

# ... each with the exception that library raises for it, by class name (each library has its
# own classes), so an adapter that crashes (TypeError, KeyError) never passes for a refusal.
_KEYTURN = {
    "wrong audience": "InvalidAudience",
    "wrong issuer": "InvalidIssuer",
    "expired": "ExpiredToken",
    "no subject": "MissingClaim",
    "no iat": "MissingClaim",
    "bad signature": "InvalidSignature",
}
_PYJWT_STYLE = {
    "wrong audience": "InvalidAudienceError",
    "wrong issuer": "InvalidIssuerError",
    "expired": "ExpiredSignatureError",
    "no subject": "MissingRequiredClaimError",
    "no iat": "MissingRequiredClaimError",
    "bad signature": "InvalidSignatureError",
}
_JOSE_STYLE = {  # joserfc and authlib (same author, same names)
    "wrong audience": "InvalidClaimError",
    "wrong issuer": "InvalidClaimError",
    "expired": "ExpiredTokenError",
    "no subject": "MissingClaimError",
    "no iat": "MissingClaimError",
    "bad signature": "BadSignatureError",
}
REFUSALS: dict[str, dict[str, str]] = {
    "keyturn": _KEYTURN,
    "keyturn core": _KEYTURN,
    "oxyjwt": _PYJWT_STYLE,
    # ryjwt (CPython >= 3.12) names its errors as PyJWT does; it has no required-claims option,
    # so its adapter refuses a missing claim itself.
    "ryjwt": {**_PYJWT_STYLE, "no subject": "Refused", "no iat": "Refused"},
    "pyjwt-rs": _PYJWT_STYLE,
    "PyJWT": _PYJWT_STYLE,
    "joserfc": _JOSE_STYLE,
    "jwcrypto": {
        "wrong audience": "JWTInvalidClaimValue",
        "wrong issuer": "JWTInvalidClaimValue",
        "expired": "JWTExpired",
        "no subject": "JWTMissingClaim",
        "no iat": "JWTMissingClaim",
        "bad signature": "InvalidJWSSignature",
    },
    "authlib": _JOSE_STYLE,
    "pure25519": dict.fromkeys(_KEYTURN, "Refused"),
}


def test_every_peer_names_its_refusals() -> None:
    assert set(REFUSALS) == set(peers.ADAPTERS)
    for refusals in REFUSALS.values():
        assert set(refusals) == {*BAD_CLAIMS, "bad signature"}


@pytest.mark.parametrize("peer", NAMES, indirect=True)
@pytest.mark.parametrize("case", list(BAD_CLAIMS))
def test_peer_enforces_claims(
    peer: peers.Peer, loaded_peers: tuple[dict[str, peers.Peer], dict[str, str]], case: str
) -> None:
    claims = {**peers.make_claims(), **BAD_CLAIMS[case]}
    claims = {name: value for name, value in claims.items() if value is not None}
    token = loaded_peers[0]["keyturn"].sign(claims)
    assert _refusal(peer, token) == REFUSALS[peer.name][case]


@pytest.mark.parametrize("peer", NAMES, indirect=True)
def test_peer_rejects_bad_signature(peer: peers.Peer, token: str) -> None:
    head, payload, signature = token.split(".")
    forged = "A" if signature[0] != "A" else "B"
    token = f"{head}.{payload}.{forged}{signature[1:]}"
    assert _refusal(peer, token) == REFUSALS[peer.name]["bad signature"]
