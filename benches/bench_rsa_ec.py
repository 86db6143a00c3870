"""RS256 and ES256: verify (with the same claim checks) and sign, keyturn against its peers.

Every peer verifies the very same token (signed by cryptography/OpenSSL, as an identity provider
would), and each adapter is checked before it is timed (``check``): it must return the claims of a
good token and refuse a forged signature and a wrong audience with its own library's error class
(``peers.REFUSALS``). Run with the others:
``pytest benches/bench_rsa_ec.py --benchmark-json=rsa_ec.json``; ``benches/chart_rsa_ec.py`` times
the same adapters in one interleaved run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pytest_benchmark.fixture import BenchmarkFixture

import keyturn as kt
import peers

ALGS = ("RS256", "ES256")
ISS, AUD, REQUIRED = peers.ISSUER, peers.AUDIENCE, peers.REQUIRED


@dataclass(frozen=True)
class KeyForms:
    alg: str
    private: Any
    private_pem: bytes
    public_pem: bytes
    public_jwk: dict[str, Any]


@dataclass(frozen=True)
class Peer:
    name: str
    #: As in ``peers.Peer``: "keyturn", "rust" (Rust-backed) or "python".
    kind: str
    sign: Callable[[peers.Claims], str]
    verify: Callable[[str], peers.Claims]


def make_keys(alg: str) -> KeyForms:
    if alg == "RS256":
        private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ec.generate_private_key(ec.SECP256R1())
    none = serialization.NoEncryption()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, none
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jwk = {**kt.VerifyingKey.from_pem(public_pem).to_jwk(), "alg": alg}
    return KeyForms(alg, private, private_pem, public_pem, jwk)


def keyturn_peer(keys: KeyForms) -> Peer:
    signing = kt.SigningKey.from_pem(keys.private_pem)
    verifier = kt.Verifier(
        [kt.VerifyingKey.from_jwk(keys.public_jwk)],
        issuer=ISS,
        audience=AUD,
        algorithms=[keys.alg],
        require=REQUIRED,
    )
    return Peer(
        "keyturn",
        "keyturn",
        lambda claims: kt.encode(claims, signing, alg=keys.alg),
        verifier.verify,
    )


def _pyjwt_style(name: str, kind: str, module: Any, signing: Any, verifying: Any, alg: str) -> Peer:
    def sign(claims: peers.Claims) -> str:
        token: str = module.encode(claims, signing, algorithm=alg)
        return token

    def verify(token: str) -> peers.Claims:
        claims: peers.Claims = module.decode(
            token,
            verifying,
            algorithms=[alg],
            issuer=ISS,
            audience=AUD,
            options={"require": list(REQUIRED)},
        )
        return claims

    return Peer(name, kind, sign, verify)


def pyjwt_peer(keys: KeyForms) -> Peer:
    import jwt

    return _pyjwt_style("PyJWT", "python", jwt, keys.private, keys.private.public_key(), keys.alg)


def pyjwt_rs_peer(keys: KeyForms) -> Peer:
    import jwt_rs

    verifying = jwt_rs.PyJWK(keys.public_jwk, algorithm=keys.alg)
    return _pyjwt_style("pyjwt-rs", "rust", jwt_rs, keys.private_pem, verifying, keys.alg)


def oxyjwt_peer(keys: KeyForms) -> Peer:
    import oxyjwt
    from oxyjwt._oxyjwt import DecodingKey, EncodingKey

    kind = "rsa" if keys.alg.startswith("RS") else "ec"
    signing = getattr(EncodingKey, f"from_{kind}_pem")(keys.private_pem)
    verifying = getattr(DecodingKey, f"from_{kind}_pem")(keys.public_pem)
    return _pyjwt_style("oxyjwt", "rust", oxyjwt, signing, verifying, keys.alg)


def joserfc_peer(keys: KeyForms) -> Peer:
    from joserfc import jwt
    from joserfc.jwk import ECKey, RSAKey

    key_class = RSAKey if keys.alg.startswith("RS") else ECKey
    signing = key_class.import_key(keys.private_pem)
    verifying = key_class.import_key(keys.public_pem)
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISS},
        aud={"essential": True, "value": AUD},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )

    def sign(claims: peers.Claims) -> str:
        return jwt.encode({"alg": keys.alg}, claims, signing, algorithms=[keys.alg])

    def verify(token: str) -> peers.Claims:
        claims = jwt.decode(token, verifying, algorithms=[keys.alg]).claims
        registry.validate(claims)
        return claims

    return Peer("joserfc", "python", sign, verify)


def jwcrypto_peer(keys: KeyForms) -> Peer:
    from jwcrypto import jwk, jwt

    signing = jwk.JWK.from_pem(keys.private_pem)
    verifying = jwk.JWK.from_pem(keys.public_pem)
    checks = {"iss": ISS, "aud": AUD, "exp": None, "iat": None, "sub": None}

    def sign(claims: peers.Claims) -> str:
        token = jwt.JWT(header={"alg": keys.alg}, claims=claims)
        token.make_signed_token(signing)
        serialized: str = token.serialize()
        return serialized

    def verify(token: str) -> peers.Claims:
        checked = jwt.JWT(jwt=token, key=verifying, algs=[keys.alg], check_claims=checks)
        claims: peers.Claims = json.loads(checked.claims)
        return claims

    return Peer("jwcrypto", "python", sign, verify)


def ryjwt_peer(keys: KeyForms) -> Peer:
    import ryjwt  # CPython >= 3.12 only

    signing = ryjwt.PrivateKey(keys.private_pem, algorithms=[keys.alg])
    verifying = ryjwt.PublicKey(keys.public_pem, algorithms=[keys.alg], audience=AUD, issuer=ISS)

    def verify(token: str) -> peers.Claims:
        claims: peers.Claims = verifying.decode(token)
        # ryjwt checks exp/aud/iss itself but has no required-claims option.
        peers.require_present(claims)
        return claims

    return Peer("ryjwt", "rust", signing.encode, verify)


ADAPTERS: dict[str, Callable[[KeyForms], Peer]] = {
    "keyturn": keyturn_peer,
    "PyJWT": pyjwt_peer,
    "pyjwt-rs": pyjwt_rs_peer,
    "oxyjwt": oxyjwt_peer,
    "joserfc": joserfc_peer,
    "jwcrypto": jwcrypto_peer,
    "ryjwt": ryjwt_peer,
}


def check(peer: Peer, keys: KeyForms, token: str, claims: peers.Claims) -> None:
    """Fails unless ``peer`` returns ``token``'s claims and refuses a forged signature and a
    wrong audience with its library's own class: a peer is timed only doing every check."""
    assert peer.verify(token) == claims, peer.name
    head, payload, _ = token.split(".")
    foreign = jwt.encode(claims, make_keys(keys.alg).private, algorithm=keys.alg)
    forged = f"{head}.{payload}.{foreign.split('.')[2]}"
    elsewhere = jwt.encode({**claims, "aud": "other.example.com"}, keys.private, algorithm=keys.alg)
    refusals = peers.REFUSALS[peer.name]
    assert _refusal(peer, forged) == refusals["bad signature"], peer.name
    assert _refusal(peer, elsewhere) == refusals["wrong audience"], peer.name


def _refusal(peer: Peer, token: str) -> str:
    try:
        peer.verify(token)
    except Exception as error:
        return type(error).__name__
    raise AssertionError(f"{peer.name} accepted a token it must refuse")


@pytest.fixture(scope="module", params=ALGS)
def keys(request: pytest.FixtureRequest) -> KeyForms:
    return make_keys(request.param)


@pytest.fixture(scope="module")
def claims() -> peers.Claims:
    return peers.make_claims()


@pytest.fixture(scope="module")
def token(keys: KeyForms, claims: peers.Claims) -> str:
    """Signed by cryptography through PyJWT: the same bytes for every peer."""
    signed: str = jwt.encode(claims, keys.private, algorithm=keys.alg)
    return signed


def _peer(name: str, keys: KeyForms) -> Peer:
    try:
        return ADAPTERS[name](keys)
    except ImportError as error:
        pytest.skip(f"{name}: {error}")


@pytest.mark.parametrize("name", list(ADAPTERS))
def test_verify(
    benchmark: BenchmarkFixture, keys: KeyForms, token: str, claims: peers.Claims, name: str
) -> None:
    peer = _peer(name, keys)
    check(peer, keys, token, claims)
    benchmark.group = f"verify {keys.alg}"
    benchmark.extra_info.update(peer=name, alg=keys.alg)
    assert benchmark(peer.verify, token) == claims


@pytest.mark.parametrize("name", list(ADAPTERS))
def test_sign(benchmark: BenchmarkFixture, keys: KeyForms, claims: peers.Claims, name: str) -> None:
    peer = _peer(name, keys)
    checker = keyturn_peer(keys)
    benchmark.group = f"sign {keys.alg}"
    benchmark.extra_info.update(peer=name, alg=keys.alg)
    signed = benchmark(peer.sign, claims)
    assert checker.verify(signed) == claims  # what was timed is a valid token


@pytest.mark.parametrize("alg", ALGS)
def test_interleaved_cases(alg: str) -> None:
    """benches/chart_rsa_ec.py's cases: built (which checks every peer), complete, and correct."""
    import chart_rsa_ec

    built = chart_rsa_ec.cases(alg)
    rows = {(case.group, case.peer) for case in built}
    keyturn_only = {chart_rsa_ec.RAW, chart_rsa_ec.MANY, chart_rsa_ec.CACHED}
    assert {(f"verify {alg}", row) for row in keyturn_only} <= rows
    for name in ("keyturn", "PyJWT"):
        assert {(f"verify {alg}", name), (f"sign {alg}", name)} <= rows
    for case in built:
        result = case.call()
        if case.kind == "raw":  # the bare signature check: it returns nothing, or raises
            assert result is None
        elif case.group.startswith("verify"):  # claims, or verify_many's list of them
            assert all(
                isinstance(r, dict) for r in (result if isinstance(result, list) else [result])
            )
        else:  # cases() verified each peer's token under keyturn; here: the one timed call
            assert isinstance(result, str)
            assert jwt.get_unverified_header(result)["alg"] == alg
