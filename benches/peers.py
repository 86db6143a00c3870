"""Peer adapters: every library signs and verifies the same EdDSA JWT with its full claim checks.

Each adapter prepares its keys once (as a service would at start-up) and then checks the same
policy per token: signature, ``iss`` and ``aud`` equal to the expected values, ``exp`` in the
future, and ``exp``/``iat``/``sub`` present. Adapters of libraries that are not installed are left
out and named by ``load_peers``; the benchmarks report them as skipped (ryjwt, for one, needs
CPython >= 3.12).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = "https://auth.example.com"
AUDIENCE = "api.example.com"
SUBJECT = "user-1"
REQUIRED = ("exp", "iat", "sub", "iss", "aud")
#: A fixed seed: Ed25519 is deterministic, so every run signs the very same bytes.
SEED = bytes(range(32))

Claims = dict[str, Any]


class Refused(Exception):
    """A refusal by the checks this file writes out by hand (pure25519, ryjwt's missing claims),
    so a refusal is never confused with a crash of the adapter itself."""


@dataclass(frozen=True)
class Peer:
    """One library's sign and verify, ready to call on a claims dict / a token."""

    name: str
    #: "keyturn", "rust" (a Rust-backed peer), "python" (C/OpenSSL crypto via cryptography),
    #: or "pure-python".
    kind: str
    sign: Callable[[Claims], str]
    verify: Callable[[str], Claims]


@dataclass(frozen=True)
class Keys:
    """The one Ed25519 key pair, in the forms the libraries import."""

    seed: bytes
    private: Ed25519PrivateKey
    private_pem: bytes
    public_pem: bytes
    public_jwk: dict[str, str]


def make_keys(seed: bytes = SEED) -> Keys:
    private = Ed25519PrivateKey.from_private_bytes(seed)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    public_jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64(public_raw)}
    return Keys(seed, private, private_pem, public_pem, public_jwk)


def make_claims(now: float | None = None, lifetime: int = 3600) -> Claims:
    """The benchmark token's claims: the registered ones a service checks, plus a scope."""
    issued = int(time.time() if now is None else now)
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": SUBJECT,
        "jti": "6f1c2a0e-6d0b-4b8e-9a43-5d7f1c9e2b10",
        "scope": "read write",
        "iat": issued,
        "exp": issued + lifetime,
    }


def keyturn_verifier(keys: Keys) -> Peer:
    import keyturn as kt

    signing_key = kt.SigningKey.from_seed(keys.seed)
    verifier = kt.Verifier(
        [signing_key.public_key], issuer=ISSUER, audience=AUDIENCE, require=REQUIRED
    )
    return Peer(
        "keyturn", "keyturn", lambda claims: kt.encode(claims, signing_key), verifier.verify
    )


def keyturn_core(keys: Keys) -> Peer:
    """The Rust core without the Python ``Verifier`` around it: what ``Verifier`` costs on top."""
    from keyturn import _core

    signing_key = _core.SigningKey.from_seed(keys.seed)
    compiled = _core.CompiledVerifier(
        [signing_key.public_key],
        algorithms=["EdDSA"],
        issuer=[ISSUER],
        audience=[AUDIENCE],
        require=REQUIRED,
    )
    return Peer(
        "keyturn core",
        "keyturn",
        lambda claims: _core.encode(claims, signing_key),
        compiled.verify,
    )


def _pyjwt_style(name: str, kind: str, module: Any, signing: object, verifying: object) -> Peer:
    """PyJWT and the libraries that copy its API (oxyjwt, pyjwt-rs)."""
    options = {"require": list(REQUIRED)}

    def sign(claims: Claims) -> str:
        token: str = module.encode(claims, signing, algorithm="EdDSA")
        return token

    def verify(token: str) -> Claims:
        claims: Claims = module.decode(
            token,
            verifying,
            algorithms=["EdDSA"],
            issuer=ISSUER,
            audience=AUDIENCE,
            options=options,
        )
        return claims

    return Peer(name, kind, sign, verify)


def pyjwt(keys: Keys) -> Peer:
    import jwt

    return _pyjwt_style("PyJWT", "python", jwt, keys.private, keys.private.public_key())


def pyjwt_rs(keys: Keys) -> Peer:
    import jwt_rs

    # Its fastest key forms, measured: PEM to sign; to verify, a PyJWK, which keeps a prepared
    # Rust key (a cryptography key object is re-converted on every call, ~7x slower).
    verifying = jwt_rs.PyJWK(keys.public_jwk, algorithm="EdDSA")
    return _pyjwt_style("pyjwt-rs", "rust", jwt_rs, keys.private_pem, verifying)


def oxyjwt(keys: Keys) -> Peer:
    import oxyjwt
    from oxyjwt._oxyjwt import DecodingKey, EncodingKey

    signing = EncodingKey.from_ed_pem(keys.private_pem)
    verifying = DecodingKey.from_ed_pem(keys.public_pem)
    return _pyjwt_style("oxyjwt", "rust", oxyjwt, signing, verifying)


def joserfc(keys: Keys) -> Peer:
    from joserfc import jwt
    from joserfc.jwk import OKPKey

    signing = OKPKey.import_key(keys.private_pem)
    verifying = OKPKey.import_key(keys.public_pem)
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": AUDIENCE},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )

    def sign(claims: Claims) -> str:
        return jwt.encode({"alg": "EdDSA"}, claims, signing, algorithms=["EdDSA"])

    def verify(token: str) -> Claims:
        claims = jwt.decode(token, verifying, algorithms=["EdDSA"]).claims
        registry.validate(claims)
        return claims

    return Peer("joserfc", "python", sign, verify)


def jwcrypto(keys: Keys) -> Peer:
    from jwcrypto import jwk, jwt

    signing = jwk.JWK.from_pem(keys.private_pem)
    verifying = jwk.JWK.from_pem(keys.public_pem)
    # A None value means "must be present"; jwcrypto validates exp/nbf itself.
    checks = {"iss": ISSUER, "aud": AUDIENCE, "exp": None, "iat": None, "sub": None}

    def sign(claims: Claims) -> str:
        token = jwt.JWT(header={"alg": "EdDSA"}, claims=claims)
        token.make_signed_token(signing)
        serialized: str = token.serialize()
        return serialized

    def verify(token: str) -> Claims:
        checked = jwt.JWT(jwt=token, key=verifying, algs=["EdDSA"], check_claims=checks)
        claims: Claims = json.loads(checked.claims)
        return claims

    return Peer("jwcrypto", "python", sign, verify)


def authlib(keys: Keys) -> Peer:
    from authlib.jose import JsonWebToken, OKPKey

    codec = JsonWebToken(["EdDSA"])
    signing = OKPKey.import_key(keys.private_pem)
    verifying = OKPKey.import_key(keys.public_pem)
    options = {
        "iss": {"essential": True, "value": ISSUER},
        "aud": {"essential": True, "value": AUDIENCE},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }

    def sign(claims: Claims) -> str:
        token: bytes = codec.encode({"alg": "EdDSA"}, claims, signing)
        return token.decode()

    def verify(token: str) -> Claims:
        claims = codec.decode(token, verifying, claims_options=options)
        claims.validate()
        return dict(claims)

    return Peer("authlib", "python", sign, verify)


def pure_python(keys: Keys) -> Peer:
    """A minimal JWT over pure25519 (no C, no Rust): the same checks, written out by hand."""
    from pure25519 import eddsa
    from pure25519.basic import NotOnCurve

    public = eddsa.publickey(keys.seed)
    header = _b64(json.dumps({"alg": "EdDSA", "typ": "JWT"}, separators=(",", ":")).encode())

    def sign(claims: Claims) -> str:
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode()
        return f"{header}.{payload}.{_b64(eddsa.sign(keys.seed, signing_input))}"

    def verify(token: str) -> Claims:
        head, payload, signature = token.split(".")
        if json.loads(_unb64(head)).get("alg") != "EdDSA":
            raise Refused("algorithm not allowed")
        try:
            eddsa.verify(public, _unb64(signature), f"{head}.{payload}".encode())
        except (ValueError, NotOnCurve) as error:  # pure25519's refusals (R off the curve)
            raise Refused("bad signature") from error
        claims: Claims = json.loads(_unb64(payload))
        _check_claims(claims)
        return claims

    return Peer("pure25519", "pure-python", sign, verify)


def ryjwt(keys: Keys) -> Peer:
    import ryjwt

    signing = ryjwt.PrivateKey(keys.private_pem, algorithms=["EdDSA"])
    verifying = ryjwt.PublicKey(
        keys.public_pem, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER
    )

    def verify(token: str) -> Claims:
        claims: Claims = verifying.decode(token)
        # ryjwt checks exp/aud/iss itself but has no required-claims option.
        require_present(claims)
        return claims

    return Peer("ryjwt", "rust", signing.encode, verify)


def require_present(claims: Claims) -> None:
    missing = [name for name in REQUIRED if name not in claims]
    if missing:
        raise Refused(f"missing claims: {missing}")


def _check_claims(claims: Claims) -> None:
    require_present(claims)
    if claims["iss"] != ISSUER or claims["aud"] != AUDIENCE:
        raise Refused("wrong issuer or audience")
    if claims["exp"] <= time.time():
        raise Refused("expired")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_ed25519(keys: Keys, token: str) -> tuple[Callable[[], None], Callable[[], bytes]]:
    """keyturn's bare Ed25519 verify and sign of ``token``'s own signing input (no JWT work)."""
    import keyturn as kt

    signing_key = kt.SigningKey.from_seed(keys.seed)
    message = token.rpartition(".")[0].encode()
    return raw_verify(signing_key.public_key, token), (lambda: signing_key.sign(message))


def raw_verify(public_key: Any, token: str, alg: str | None = None) -> Callable[[], None]:
    """keyturn's bare signature check of ``token``'s own signing input (no JWT work); it raises
    ``InvalidSignature`` on a bad one."""
    signing_input, _, signature = token.rpartition(".")
    message, raw_signature = signing_input.encode(), _unb64(signature)
    return lambda: public_key.verify(raw_signature, message, alg)


#: Each library's refusal of each bad token (benches/bench_verify.py's bad claim sets and a forged
#: signature; bench_rsa_ec.py's RS256/ES256 tokens too), by class name, each library having its
#: own classes: an adapter that crashes (TypeError, KeyError) never passes for a refusal.
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


#: Every adapter, in the order the benchmarks and the chart list them.
ADAPTERS: dict[str, Callable[[Keys], Peer]] = {
    "keyturn": keyturn_verifier,
    "keyturn core": keyturn_core,
    "oxyjwt": oxyjwt,
    "ryjwt": ryjwt,
    "pyjwt-rs": pyjwt_rs,
    "PyJWT": pyjwt,
    "joserfc": joserfc,
    "jwcrypto": jwcrypto,
    "authlib": authlib,
    "pure25519": pure_python,
}


def load_peers(keys: Keys) -> tuple[dict[str, Peer], dict[str, str]]:
    """Build every adapter whose library imports; return (peers, {name: why it is missing})."""
    peers: dict[str, Peer] = {}
    missing: dict[str, str] = {}
    for name, build in ADAPTERS.items():
        try:
            peers[name] = build(keys)
        except ImportError as error:
            missing[name] = f"not installed: {error.name}"
    return peers, missing
