"""Writes the seed corpora for the cargo-fuzz and atheris targets into fuzz/corpus/<target>/.

Seeds are valid inputs (so mutations start deep inside the parsers): tokens signed with the fuzz
targets' fixed keys for their fixed clock, JWKs from ../shared/vectors (Wycheproof and CCTV keys,
small-order ones included), the JSON inside those tokens, and refresh tokens. The corpus directory
is generated, never committed (.gitignore has /fuzz/corpus).

    .venv/bin/python fuzz/build_corpus.py [corpus-dir]
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import keyturn as kt
from keyturn.refresh import format as refresh_format

ROOT = Path(__file__).resolve().parent
VECTORS = ROOT.parent.parent / "shared" / "vectors"
#: Must match NOW in fuzz/fuzz_targets/verify.rs and tests/fuzz/targets.py.
NOW = 1_700_000_000
ED_SEED = bytes([7]) * 32
HMAC_SECRET = b"k" * 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def claim_sets() -> list[dict[str, object]]:
    base = {
        "iss": "https://issuer.test",
        "aud": "api.test",
        "sub": "user-1",
        "iat": NOW - 10,
        "exp": NOW + 600,
        "jti": "seed-jti",
    }
    return [
        base,
        {**base, "aud": ["api.test", "other.test"], "nbf": NOW - 5, "scope": "read write"},
        {**base, "exp": NOW - 1},
        {**base, "nbf": NOW + 60},
        {**base, "iat": 1.5e9, "exp": 1.9e9},
        {**base, "nested": {"a": [1, 2.5, None, True, {"b": "\u00e9\u2603"}]}},
        {"sub": "minimal", "exp": NOW + 1},
    ]


def tokens() -> Iterator[str]:
    ed = kt.SigningKey.from_seed(ED_SEED, kid="ed")
    hs = kt.HmacKey(HMAC_SECRET, kid="hs")
    for claims in claim_sets():
        yield kt.encode(claims, ed, headers={"typ": "at+jwt"})
        yield kt.encode(claims, ed, alg="Ed25519", headers={"typ": "at+jwt"})
        yield kt.encode(claims, hs, alg="HS256", headers={"typ": "at+jwt"})
    yield kt.encode(claim_sets()[0], ed)  # no typ
    # The RSA and EC keys of the verify target are generated per run: these carry their kids
    # ("rs", "es") and real signatures of other keys, so inputs reach aws-lc's verify paths.
    for alg, kid in (("RS256", "rs"), ("PS256", "rs"), ("ES256", "es")):
        key = kt.SigningKey.generate(kid=kid, alg=alg, bits=2048)
        yield kt.encode(claim_sets()[0], key, headers={"typ": "at+jwt"})
    # Headers encode() refuses to write, signed by hand: the verifier must refuse them itself.
    for header in (
        {"alg": "EdDSA", "kid": "ed", "typ": "at+jwt", "crit": ["exp"], "exp": 1},
        {"alg": "EdDSA", "kid": "ed", "typ": "at+jwt", "b64": False, "crit": ["b64"]},
        {"alg": "none", "typ": "at+jwt"},
        {"alg": "HS256", "kid": "ed", "typ": "at+jwt"},
    ):
        signing_input = (
            f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claim_sets()[0]).encode())}"
        )
        yield f"{signing_input}.{_b64(ed.sign(signing_input.encode()))}"


def jwks() -> Iterator[str]:
    ed = kt.SigningKey.from_seed(ED_SEED, kid="ed")
    yield json.dumps(ed.public_key.to_jwk())
    yield json.dumps(ed.to_jwk(private=True))
    yield json.dumps({**ed.public_key.to_jwk(), "use": "sig", "key_ops": ["verify"]})
    for alg in ("RS256", "PS384", "ES256", "ES384", "ES512"):
        key = kt.SigningKey.generate(alg=alg, bits=2048)
        yield json.dumps(key.public_key.to_jwk())
        yield json.dumps(key.to_jwk(private=True))
    if not VECTORS.is_dir():
        print(f"note: {VECTORS} is absent: JWK seeds from the vectors skipped", file=sys.stderr)
        return
    wycheproof = json.loads((VECTORS / "wycheproof_ed25519_test.json").read_text())
    for group in wycheproof["testGroups"]:
        yield json.dumps(group["publicKeyJwk"])
    cctv = json.loads((VECTORS / "cctv_ed25519vectors.json").read_text())
    for key in sorted({vector["key"] for vector in cctv})[:64]:
        yield json.dumps({"kty": "OKP", "crv": "Ed25519", "x": _b64(bytes.fromhex(key))})
    providers = json.loads((VECTORS / "provider_metadata_jwks_2024-10.json").read_text())
    for provider in providers.values():
        for jwk in provider["jwks"]["keys"]:
            yield json.dumps(jwk)


def key_files() -> Iterator[bytes]:
    """PEM and DER of every key type and container: SPKI, PKCS#1, PKCS#8, SEC1."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    none = ser.NoEncryption()
    for private in (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP521R1()),
    ):
        public = private.public_key()
        for encoding in (ser.Encoding.PEM, ser.Encoding.DER):
            yield public.public_bytes(encoding, ser.PublicFormat.SubjectPublicKeyInfo)
            yield private.private_bytes(encoding, ser.PrivateFormat.PKCS8, none)
            yield private.private_bytes(encoding, ser.PrivateFormat.TraditionalOpenSSL, none)
            if isinstance(public, rsa.RSAPublicKey):
                yield public.public_bytes(encoding, ser.PublicFormat.PKCS1)
    yield kt.SigningKey.from_seed(ED_SEED).to_pem()


def jwk_sets() -> Iterator[str]:
    """JWK Sets as a JWKS endpoint serves them: ours, with neighbours, and refused shapes."""
    ours = kt.SigningKey.from_seed(ED_SEED, kid="ed").public_key.to_jwk()
    other = kt.SigningKey.from_seed(bytes(32), kid="other").public_key.to_jwk()
    rsa = {"kty": "RSA", "kid": "rsa", "n": "AQAB", "e": "AQAB"}
    for keys in (
        [ours],
        [ours, other],
        [ours, rsa],
        [ours, {**other, "use": "enc"}],
        [ours, {**ours, "kid": "ed"}],
        [{**ours, "d": "x"}],
        [],
    ):
        yield json.dumps({"keys": keys})
    for text in jwks():
        yield '{"keys": [' + text + "]}"


def json_documents() -> Iterator[bytes]:
    for token in tokens():
        header, payload, _ = token.split(".")
        for segment in (header, payload):
            yield base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    yield b'{"a":1,"a":2}'
    yield b'{"deep":' + b"[" * 40 + b"]" * 40 + b"}"
    yield b'{"n":[0,-0,1e308,-1e-308,18446744073709551615,-9223372036854775808,1.0]}'


def claims_inputs() -> Iterator[bytes]:
    """fuzz_targets/claims.rs input: u32 clock (little-endian), a policy byte, claims JSON."""
    for policy in (0x00, 0x3F, 0x15, 0x2A):
        for claims in claim_sets():
            yield struct.pack("<IB", NOW, policy) + json.dumps(claims).encode()


def refresh_tokens() -> Iterator[str]:
    for _ in range(4):
        yield refresh_format.new_token(refresh_format.new_family_id())


def write(directory: Path, seeds: Iterable[str | bytes]) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for seed in seeds:
        data = seed.encode() if isinstance(seed, str) else seed
        (directory / hashlib.sha1(data, usedforsecurity=False).hexdigest()).write_bytes(data)
        count += 1
    return count


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else ROOT / "corpus"
    counts = {
        "verify": write(corpus / "verify", tokens()),
        "jwk": write(corpus / "jwk", jwks()),
        "der": write(corpus / "der", key_files()),
        "jwks": write(corpus / "jwks", jwk_sets()),
        "json": write(corpus / "json", json_documents()),
        "claims": write(corpus / "claims", claims_inputs()),
        "b64": write(corpus / "b64", (t.split(".")[2] for t in tokens())),
        "refresh": write(corpus / "refresh", refresh_tokens()),
    }
    print(" ".join(f"{name}={count}" for name, count in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
