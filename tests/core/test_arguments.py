"""Configuration mistakes caught at the Rust edge (src/python/args.rs) are ``ConfigurationError``.

A value of the wrong type for a setting (a kid, an algorithm name, a size, a verifier option, key
material, a key object, claims JSON cannot carry) is refused as a configuration mistake, never as
pyo3's ``TypeError``/``OverflowError``; data handed to an operation keeps Python's ``TypeError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import keyturn as kt
from keyturn import _core

SK = kt.SigningKey.from_seed(bytes(range(32)), kid="k")
HK = kt.HmacKey(b"s" * 32, kid="h")
JWK = SK.public_key.to_jwk()
LONE_SURROGATE = "\ud800"


class Signer:
    """A ``Signer`` whose ``alg``/``kid``/``sign`` answer with what the test gives it."""

    def __init__(self, alg: object = "EdDSA", kid: object = "s", signature: object = b"") -> None:
        self.alg, self.kid, self._signature = alg, kid, signature

    def sign(self, message: bytes) -> object:
        return self._signature


def compiled(**options: Any) -> _core.CompiledVerifier:
    return _core.CompiledVerifier(SK.public_key, **{"algorithms": ["EdDSA"], **options})


MISTAKES: list[tuple[str, Callable[[], object], str]] = [
    # encode: claims, headers, the key and the algorithm.
    ("claims-list", lambda: kt.encode([1], SK), "expected a mapping with str keys"),  # type: ignore[arg-type]
    (
        "claims-object",
        lambda: kt.encode({"x": object()}, SK),
        "values of type object are not JSON serializable",
    ),
    ("claims-int-key", lambda: kt.encode({1: "x"}, SK), "JSON object keys must be str"),  # type: ignore[dict-item]
    (
        "claims-lone-surrogate",
        lambda: kt.encode({"x": LONE_SURROGATE}, SK),
        "strings must be valid Unicode (no lone surrogates)",
    ),
    (
        "claims-key-lone-surrogate",
        lambda: kt.encode({LONE_SURROGATE: 1}, SK),
        "strings must be valid Unicode (no lone surrogates)",
    ),
    ("headers-list", lambda: kt.encode({}, SK, headers=[1]), "expected a mapping with str keys"),  # type: ignore[arg-type]
    (
        "encode-key-str",
        lambda: kt.encode({}, "secret"),
        "key must be a SigningKey, an HmacKey or a Signer",
    ),  # type: ignore[arg-type]
    (
        "encode-key-public",
        lambda: kt.encode({}, SK.public_key),
        "key must be a SigningKey, an HmacKey or a Signer",
    ),  # type: ignore[arg-type]
    (
        "encode-alg-int",
        lambda: kt.encode({}, SK, alg=5),
        "alg must be an algorithm name (a str) or None",
    ),  # type: ignore[arg-type]
    ("signer-alg-int", lambda: kt.encode({}, Signer(alg=5)), "the signer's alg must be a str"),  # type: ignore[arg-type]
    (
        "signer-kid-int",
        lambda: kt.encode({}, Signer(kid=5)),
        "the signer's kid must be a str or None",
    ),  # type: ignore[arg-type]
    # SigningKey
    ("generate-kid-int", lambda: kt.SigningKey.generate(kid=5), "kid must be a str or None"),  # type: ignore[arg-type]
    (
        "generate-alg-int",
        lambda: kt.SigningKey.generate(alg=5),
        "alg must be an algorithm name (a str) or None",
    ),  # type: ignore[arg-type]
    (
        "generate-bits-negative",
        lambda: kt.SigningKey.generate(alg="RS256", bits=-1),
        "expected a whole number, at least 0",
    ),
    (
        "generate-bits-str",
        lambda: kt.SigningKey.generate(alg="RS256", bits="4096"),
        "expected a whole number, at least 0",
    ),  # type: ignore[arg-type]
    ("seed-str", lambda: kt.SigningKey.from_seed("0" * 32), "key material must be bytes"),  # type: ignore[arg-type]
    ("seed-none", lambda: kt.SigningKey.from_seed(None), "key material must be bytes"),  # type: ignore[arg-type]
    ("private-pem-int", lambda: kt.SigningKey.from_pem(42), "PEM must be bytes or str"),  # type: ignore[arg-type]
    ("private-der-str", lambda: kt.SigningKey.from_der("MC4C"), "key material must be bytes"),  # type: ignore[arg-type]
    (
        "private-pem-kid-bytes",
        lambda: kt.SigningKey.from_pem(SK.to_pem(), kid=b"k"),
        "kid must be a str or None",
    ),  # type: ignore[arg-type]
    ("to-jwk-private-str", lambda: SK.to_jwk(private="yes"), "expected True or False"),  # type: ignore[arg-type]
    ("sign-alg-int", lambda: SK.sign(b"m", alg=5), "alg must be an algorithm name (a str) or None"),  # type: ignore[arg-type]
    ("private-with-kid-none", lambda: SK.with_kid(None), "kid must be a str"),  # type: ignore[arg-type]
    # VerifyingKey
    (
        "public-bytes-str",
        lambda: kt.VerifyingKey.from_bytes("x" * 32),
        "key material must be bytes",
    ),  # type: ignore[arg-type]
    (
        "public-bytes-kid-int",
        lambda: kt.VerifyingKey.from_bytes(SK.public_key.to_bytes(), kid=1),
        "kid must be a str or None",
    ),  # type: ignore[arg-type]
    (
        "public-jwk-min-bits-negative",
        lambda: kt.VerifyingKey.from_jwk(JWK, min_rsa_bits=-1),
        "expected a whole number, at least 0",
    ),
    (
        "public-jwk-min-bits-too-low",
        lambda: kt.VerifyingKey.from_jwk(JWK, min_rsa_bits=512),
        "min_rsa_bits must be between 1024 and 8192",
    ),
    ("public-pem-none", lambda: kt.VerifyingKey.from_pem(None), "PEM must be bytes or str"),  # type: ignore[arg-type]
    (
        "public-der-min-bits-float",
        lambda: kt.VerifyingKey.from_der(b"", min_rsa_bits=2048.5),
        "expected a whole number, at least 0",
    ),  # type: ignore[arg-type]
    (
        "verify-alg-int",
        lambda: SK.public_key.verify(b"s", b"m", alg=5),
        "alg must be an algorithm name (a str) or None",
    ),  # type: ignore[arg-type]
    ("public-with-kid-int", lambda: SK.public_key.with_kid(1), "kid must be a str"),  # type: ignore[arg-type]
    # HmacKey
    ("hmac-secret-none", lambda: kt.HmacKey(None), "an HMAC secret must be bytes or str"),  # type: ignore[arg-type]
    ("hmac-secret-int", lambda: kt.HmacKey(42), "an HMAC secret must be bytes or str"),  # type: ignore[arg-type]
    (
        "hmac-secret-lone-surrogate",
        lambda: kt.HmacKey(LONE_SURROGATE * 32),
        "strings must be valid Unicode (no lone surrogates)",
    ),
    ("hmac-kid-int", lambda: kt.HmacKey(b"s" * 32, kid=1), "kid must be a str or None"),  # type: ignore[arg-type]
    (
        "hmac-sign-alg-none",
        lambda: HK.sign(b"m", alg=None),
        "alg must be an algorithm name (a str)",
    ),  # type: ignore[arg-type]
    ("hmac-sign-alg-eddsa", lambda: HK.sign(b"m", alg="EdDSA"), "not an HMAC algorithm"),
    # CompiledVerifier: the keys and every option.
    (
        "verifier-keys-int",
        lambda: _core.CompiledVerifier(42, algorithms=["EdDSA"]),
        "keys must be VerifyingKey or HmacKey objects",
    ),  # type: ignore[arg-type]
    (
        "verifier-keys-signing-key",
        lambda: _core.CompiledVerifier([SK], algorithms=["EdDSA"]),
        "keys must be VerifyingKey or HmacKey objects",
    ),  # type: ignore[list-item]
    (
        "verifier-keys-str",
        lambda: _core.CompiledVerifier("key", algorithms=["EdDSA"]),
        "keys must be VerifyingKey or HmacKey objects",
    ),  # type: ignore[arg-type]
    (
        "verifier-algorithms-str",
        lambda: compiled(algorithms="EdDSA"),
        "expected a sequence of str (not one str)",
    ),
    (
        "verifier-algorithms-int",
        lambda: compiled(algorithms=[1]),
        "expected a sequence of str (not one str)",
    ),
    (
        "verifier-algorithms-unknown",
        lambda: compiled(algorithms=["none"]),
        'unsupported algorithm "none"',
    ),
    (
        "verifier-issuer-int",
        lambda: compiled(issuer=5),
        "expected a str, an iterable of str or None",
    ),
    (
        "verifier-audience-bytes-item",
        lambda: compiled(audience=[b"api"]),
        "expected a str, an iterable of str or None",
    ),
    ("verifier-leeway-str", lambda: compiled(leeway="5"), "expected a number of seconds"),
    (
        "verifier-require-str",
        lambda: compiled(require="exp"),
        "expected a sequence of str (not one str) or None",
    ),
    ("verifier-typ-int", lambda: compiled(typ=5), "typ must be a str or None"),
    (
        "verifier-max-age-str",
        lambda: compiled(max_age="60"),
        "expected a number of seconds or None",
    ),
    (
        "verifier-max-token-bytes-negative",
        lambda: compiled(max_token_bytes=-1),
        "expected a whole number, at least 0",
    ),
    (
        "verifier-cache-size-str",
        lambda: compiled(cache_size="8"),
        "expected a whole number, at least 0",
    ),
]


@pytest.mark.parametrize(
    ("call", "message"), [(c, m) for _, c, m in MISTAKES], ids=[i for i, _, _ in MISTAKES]
)
def test_a_configuration_mistake_is_a_configuration_error(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(kt.ConfigurationError) as info:
        call()
    assert type(info.value) is kt.ConfigurationError
    assert info.value.code == "configuration_invalid"
    assert str(info.value) == message


def test_the_argument_is_named_on_the_error() -> None:
    with pytest.raises(kt.ConfigurationError) as info:
        kt.SigningKey.generate(alg="RS256", bits=-1)
    # pyo3 attaches the parameter's name as a note (PEP 678) where the interpreter has notes.
    assert getattr(info.value, "__notes__", ["while processing 'bits'"]) == [
        "while processing 'bits'"
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: kt.SigningKey.from_pem(LONE_SURROGATE), "PEM is not ASCII text"),
        (lambda: kt.SigningKey.from_pem(b"\xff"), "PEM is not ASCII text"),
        (lambda: kt.VerifyingKey.from_jwk(LONE_SURROGATE), "JWK is not a JSON object"),
        (lambda: kt.VerifyingKey.from_jwk({"x": object()}), "JWK is not a JSON object"),
    ],
    ids=["pem-lone-surrogate", "pem-not-utf8", "jwk-lone-surrogate", "jwk-not-json"],
)
def test_key_text_that_cannot_be_read_is_an_invalid_key(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(kt.InvalidKey) as info:
        call()
    assert type(info.value) is kt.InvalidKey
    assert info.value.code == "key_encoding_invalid"
    assert str(info.value) == message


def test_a_signer_that_returns_no_bytes_is_an_invalid_key() -> None:
    with pytest.raises(kt.InvalidKey) as info:
        kt.encode({}, Signer(signature="not bytes"))  # type: ignore[arg-type]
    assert type(info.value) is kt.InvalidKey
    assert info.value.code == "key_invalid"
    assert str(info.value) == "the signer's sign() returned something other than bytes"


def test_a_signers_own_exception_passes_through() -> None:
    class Outage(Exception):
        pass

    class Failing(Signer):
        def sign(self, message: bytes) -> object:
            raise Outage("the KMS is down")

    with pytest.raises(Outage, match="the KMS is down"):
        kt.encode({}, Failing())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda: SK.sign("message"),
        lambda: SK.public_key.verify("signature", b"message"),
        lambda: HK.sign("message"),
    ],
    ids=["sign-str", "verify-str", "hmac-sign-str"],
)
def test_data_of_the_wrong_type_stays_a_type_error(call: Callable[[], object]) -> None:
    # A message or signature is data, not configuration: Python's TypeError, as hashlib raises.
    with pytest.raises(TypeError):
        call()
