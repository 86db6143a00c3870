"""The JWKS of eight real providers (captured 2024-10) parse into exactly the keys the rules say.

Shapes met here: keys without ``alg`` (Entra, MojeID, Verimi's first key) serve every RSA
algorithm; Entra's ``x5c``/``x5t``/``issuer`` members are tolerated and unused; Yahoo's three RSA
keys are 1024 bits with a leading zero octet in ``n`` (skipped by default, usable only through the
``min_rsa_bits=1024`` opt-in, and then only for RS256) beside a usable P-256 key.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from keyturn._jwks_parse import keys_from_jwks

# ../shared's provider snapshot has no single upstream file, so GitHub's workflow deselects these.
pytestmark = pytest.mark.provider_snapshot

RSA_ALL = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")

#: provider -> [(kid, kty, algorithms)] in published order, under the default rules.
EXPECTED: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "apple": [
        ("FftONTxoEg", "RSA", ("RS256",)),
        ("T8tIJ1zSrO", "RSA", ("RS256",)),
        ("pggnQeNCOU", "RSA", ("RS256",)),
    ],
    "entra-common": [
        (kid, "RSA", RSA_ALL)
        for kid in (
            "Mc7l3Iz93g7uwgNeEmmw_WYGPko",
            "iw1BXXcybk07kmtIeeJeIYqas18",
            "3PaK4EfyBNQu3CtjYsa3YmhQ5E0",
            "k8kbXTgyy1QKJ54n61Qg3OldE_E",
            "d-Zi0Gbus4sEaOqXgU8pMvYc3KI",
            "8IIDH6M8c3cXoeojKme8Jvqsr2Y",
            "iE89_EVhreMiV2-8rKE2zWBUm3M",
        )
    ],
    "gitlab": [
        ("kewiQq9jiC84CvSsJYOB-N6A8WFLSV20Mb-y7IlWDSQ", "RSA", ("RS256",)),
        ("4i3sFE7sxqNPOT7FdvcGA1ZVGGI_r-tsDXnEuYT4ZqE", "RSA", ("RS256",)),
    ],
    "google": [
        ("73e25f9789119c7875d58087a78ac23f5ef2eda3", "RSA", ("RS256",)),
        ("c88d809f4db943df53da7accfd47764d05ba391f", "RSA", ("RS256",)),
    ],
    "mojeid": [("Pt7HjUz1rqdn1ae1ezT-nO5Fwp6CwuJU5OVaXQJ3uPg", "RSA", RSA_ALL)],
    "slack": [("mB2MAyKSn555isd0EbdhKx6nkyAi9xLq8rvCEb_nOyY", "RSA", ("RS256",))],
    "verimi": [
        ("public:aa547775-4759-40f9-9c31-bd2340191323", "RSA", RSA_ALL),
        ("public:0bc31f7d-9ffc-4d67-82bd-2eb70dc6c854", "RSA", ("RS256",)),
    ],
    "yahoo": [("3466d51f7dd0c780565688c183921816c45889ad", "EC", ("ES256",))],
}


@pytest.fixture(scope="module")
def providers(vectors: Callable[[str], Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = vectors("provider_metadata_jwks_2024-10.json")
    return loaded


def _bytes(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _material(jwk: dict[str, Any]) -> tuple[bytes, ...]:
    """The key itself, integers without leading zero octets."""
    names = ("n", "e") if jwk["kty"] == "RSA" else ("x", "y")
    return tuple(_bytes(jwk[name]).lstrip(b"\0") for name in names)


def _shape(keys: tuple[Any, ...]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(key.kid, key.kty, key.algorithms) for key in keys]


def test_every_provider_is_covered(providers: dict[str, Any]) -> None:
    assert sorted(providers) == sorted(EXPECTED)


@pytest.mark.parametrize("provider", sorted(EXPECTED))
def test_provider_set_parses_into_exactly_the_rule_keys(
    providers: dict[str, Any], provider: str
) -> None:
    keys = keys_from_jwks(providers[provider]["jwks"])
    assert _shape(keys) == EXPECTED[provider]
    published = {jwk["kid"]: jwk for jwk in providers[provider]["jwks"]["keys"]}
    for key in keys:
        assert _material(key.to_jwk()) == _material(published[key.kid])


def test_yahoo_1024_bit_keys_only_through_the_opt_in(providers: dict[str, Any]) -> None:
    keys = keys_from_jwks(providers["yahoo"]["jwks"], min_rsa_bits=1024)
    assert _shape(keys) == [
        ("6ff94cdad11e7c3ac08dc9ec3c44844b87e364f7", "RSA", ("RS256",)),
        ("3466d51f7dd0c780565688c183921816c45889ad", "EC", ("ES256",)),
        ("0", "RSA", ("RS256",)),
        ("4", "RSA", ("RS256",)),
    ]
    # The published n carries a leading zero octet; the key (and its export) does not.
    published = _bytes(providers["yahoo"]["jwks"]["keys"][0]["n"])
    assert published[0] == 0
    assert _bytes(keys[0].to_jwk()["n"]) == published[1:]
    assert len(published[1:]) * 8 == 1024
