"""RS256 and ES256: verify (with the same claim checks) and sign, keyturn against its peers.

Every peer verifies the very same token (signed by cryptography/OpenSSL, as an identity provider
would), and each adapter is checked before it is timed: it must return the claims of a good token
and refuse a forged one with its own library's error class. Run with the others:
``pytest benches/bench_rsa_ec.py --benchmark-json=rsa_ec.json``.
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
    sign: Callable[[peers.Claims], str]
    verify: Callable[[str], peers.Claims]
    #: The class name this library raises for a bad signature.
    refusal: str


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
        lambda claims: kt.encode(claims, signing, alg=keys.alg),
        verifier.verify,
        "InvalidSignature",
    )


def _pyjwt_style(name: str, module: Any, signing: Any, verifying: Any, alg: str) -> Peer:
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

    return Peer(name, sign, verify, "InvalidSignatureError")


def pyjwt_peer(keys: KeyForms) -> Peer:
    import jwt

    return _pyjwt_style("PyJWT", jwt, keys.private, keys.private.public_key(), keys.alg)


def pyjwt_rs_peer(keys: KeyForms) -> Peer:
    import jwt_rs

    verifying = jwt_rs.PyJWK(keys.public_jwk, algorithm=keys.alg)
    return _pyjwt_style("pyjwt-rs", jwt_rs, keys.private_pem, verifying, keys.alg)


def oxyjwt_peer(keys: KeyForms) -> Peer:
    import oxyjwt
    from oxyjwt._oxyjwt import DecodingKey, EncodingKey

    kind = "rsa" if keys.alg.startswith("RS") else "ec"
    signing = getattr(EncodingKey, f"from_{kind}_pem")(keys.private_pem)
    verifying = getattr(DecodingKey, f"from_{kind}_pem")(keys.public_pem)
    return _pyjwt_style("oxyjwt", oxyjwt, signing, verifying, keys.alg)


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

    return Peer("joserfc", sign, verify, "BadSignatureError")


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

    return Peer("jwcrypto", sign, verify, "InvalidJWSSignature")


ADAPTERS: dict[str, Callable[[KeyForms], Peer]] = {
    "keyturn": keyturn_peer,
    "PyJWT": pyjwt_peer,
    "pyjwt-rs": pyjwt_rs_peer,
    "oxyjwt": oxyjwt_peer,
    "joserfc": joserfc_peer,
    "jwcrypto": jwcrypto_peer,
}


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


def _refusal(peer: Peer, token: str) -> str:
    try:
        peer.verify(token)
    except Exception as error:
        return type(error).__name__
    raise AssertionError(f"{peer.name} accepted a forged token")


@pytest.mark.parametrize("name", list(ADAPTERS))
def test_verify(
    benchmark: BenchmarkFixture, keys: KeyForms, token: str, claims: peers.Claims, name: str
) -> None:
    peer = _peer(name, keys)
    head, payload, _ = token.split(".")
    foreign = jwt.encode(claims, make_keys(keys.alg).private, algorithm=keys.alg)
    assert _refusal(peer, f"{head}.{payload}.{foreign.split('.')[2]}") == peer.refusal
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
