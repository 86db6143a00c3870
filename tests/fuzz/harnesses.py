"""The Python fuzz targets: one function per entry point, each taking raw bytes.

Each target raises only on a finding: an exception outside the documented error classes, entry
points that disagree about the same input, a round trip that changes a key, a message that echoes
the token, or a store changed by garbage. ``run_atheris.py`` drives them with atheris; the tests
in this folder replay the seed corpus and every past finding through them.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import keyturn as kt
from keyturn import pyjwt
from keyturn._jwks_parse import parse_jwks
from keyturn.refresh import format as refresh_format

#: The seed tokens' clock and keys (fuzz/build_corpus.py makes the seeds with the same ones).
NOW = 1_700_000_000
ED = kt.SigningKey.from_seed(bytes([7]) * 32, kid="ed")
HS = kt.HmacKey(b"k" * 32, kid="hs")
POLICY: dict[str, Any] = {
    "issuer": "https://issuer.test",
    "audience": "api.test",
    "algorithms": ["EdDSA", "Ed25519", "HS256"],
    "leeway": 5,
    "require": ["exp", "sub"],
    "typ": "at+jwt",
    "max_age": 3600,
}
VERIFIER = kt.Verifier([ED.public_key, HS], **POLICY)
CACHED = kt.Verifier([ED.public_key, HS], **POLICY, cache=64)


class Finding(AssertionError):
    """A fuzz target found a bug."""


def _outcome(call: Any) -> Any:
    """The claims, or the exact TokenError class; anything else escapes as a finding."""
    try:
        return call()
    except kt.TokenError as error:
        return type(error)


def _check_message(error_text: str, token: str) -> None:
    # Messages never echo a token (long inputs only: short ones may match by chance).
    if len(token) >= 24 and token in error_text:
        raise Finding("an error message contains the token")


def verify(data: bytes) -> None:
    """``decode``, ``Verifier.verify`` (cached and not) and ``verify_many`` agree on every input."""
    text = data.decode("utf-8", "replace")
    plain = _outcome(lambda: VERIFIER.verify(data, NOW))
    others = {
        "decode": _outcome(lambda: kt.decode(data, [ED.public_key, HS], **POLICY, now=NOW)),
        "cache miss": _outcome(lambda: CACHED.verify(data, NOW)),
        "cache hit": _outcome(lambda: CACHED.verify(data, NOW)),
        "str": _outcome(lambda: VERIFIER.verify(text, NOW)) if text.encode() == data else plain,
    }
    for index, result in enumerate(VERIFIER.verify_many([data, data], NOW)):
        others[f"verify_many[{index}]"] = (
            type(result) if isinstance(result, kt.TokenError) else result
        )
        if isinstance(result, kt.TokenError):
            _check_message(str(result), text)
    for name, outcome in others.items():
        if outcome != plain:
            raise Finding(f"{name} disagrees with verify: {outcome!r} vs {plain!r}")
    if isinstance(plain, dict) and not (plain["exp"] > NOW - POLICY["leeway"]):
        raise Finding("an expired token verified")


def jwk(data: bytes) -> None:
    """JWK import raises only InvalidKey; imported keys round-trip exactly."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    try:
        public = kt.VerifyingKey.from_jwk(text)
    except kt.InvalidKey:
        pass
    else:
        again = kt.VerifyingKey.from_jwk(public.to_jwk())
        if again != public or again.kid != public.kid or again.thumbprint() != public.thumbprint():
            raise Finding("a public JWK changed in a round trip")
    try:
        private = kt.SigningKey.from_jwk(text)
    except kt.InvalidKey:
        pass
    else:
        exported = private.to_jwk(private=True)
        if kt.SigningKey.from_jwk(exported).public_key != private.public_key:
            raise Finding("a private JWK changed in a round trip")
        if "d" in private.to_jwk() or exported["d"] in f"{private!r}{private}":
            raise Finding("private material in a public export or repr")
    try:
        document = json.loads(text)
    except ValueError:
        return
    if isinstance(document, dict):
        # A dict follows the rules of its JSON text (finding 1, tests/fuzz/test_regressions.py).
        with contextlib.suppress(kt.InvalidKey):
            kt.VerifyingKey.from_jwk(document)


def jwks(data: bytes) -> None:
    """A fetched JWK Set body gives usable keys or a JWKSError: what RemoteJWKS relies on."""
    try:
        keys = parse_jwks(data)
    except kt.JWKSError:
        return
    if len({key.kid for key in keys}) != len(keys):
        raise Finding("a JWKS with a repeated kid was accepted")
    kt.Verifier(list(keys), issuer=None, audience=None)


def pyjwt_decode(data: bytes) -> None:
    """The PyJWT shim raises only its own errors and never accepts what ``decode`` refuses."""
    options = {"audience": "api.test", "issuer": "https://issuer.test", "leeway": 5}
    for key, algorithms in ((ED.public_key, ["EdDSA", "Ed25519"]), (HS, ["HS256"])):
        try:
            claims = pyjwt.decode(data, key, algorithms=algorithms, **options)
        except pyjwt.PyJWTError:
            continue
        strict = _outcome(
            lambda key=key, algorithms=algorithms: kt.decode(
                data,
                key,
                algorithms=algorithms,
                issuer="https://issuer.test",
                audience="api.test",
                leeway=5,
                now=time.time(),
            )
        )
        if strict != claims:
            raise Finding(f"the PyJWT shim accepted what decode refuses: {strict!r}")


_STORE = kt.MemoryStore()
_SERVICE = kt.TokenService(kt.Issuer(ED, issuer="https://issuer.test", audience="api.test"), _STORE)
_SERVICE.issue_pair("user-1", "device-1")


def refresh(data: bytes) -> None:
    """The refresh-token parser and ``rotate`` refuse junk with RefreshError and write nothing."""
    text = data.decode("utf-8", "replace")
    before = (dict(_STORE._families), dict(_STORE._tokens))
    with contextlib.suppress(kt.InvalidRefresh):
        refresh_format.parse(text)
    try:
        _SERVICE.rotate(text)
    except kt.RefreshError as error:
        _check_message(str(error), text)
    else:
        raise Finding("a fuzzed refresh token rotated")
    if (dict(_STORE._families), dict(_STORE._tokens)) != before:
        raise Finding("a refused refresh token changed the store")


TARGETS = {"verify": verify, "jwk": jwk, "jwks": jwks, "pyjwt": pyjwt_decode, "refresh": refresh}
#: The seed directory (under fuzz/corpus/) each target starts from.
SEEDS = {"verify": "verify", "jwk": "jwk", "jwks": "jwks", "pyjwt": "verify", "refresh": "refresh"}
