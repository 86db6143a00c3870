"""Differential tests: ``keyturn.decode`` against PyJWT (the reference most services migrate from).

1. Valid tokens, signed by either library: both decode them to the same claims.
2. Tokens built from mutated headers, payloads and encodings, then properly signed (so the
   signature is not what decides): keyturn never accepts a token PyJWT refuses, and where PyJWT
   accepts a token keyturn refuses, the token has one of the strictness differences listed in
   docs/migrating-from-pyjwt.md (``DOCUMENTED`` below) and keyturn says so with the right class.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import keyturn as kt

ISSUER = "https://issuer.test"
AUDIENCE = "api.test"
SIGNING_KEY = kt.SigningKey.from_seed(bytes(range(32)), kid="ed")
PUBLIC_PEM = SIGNING_KEY.public_key.to_pem()
PRIVATE_PEM = SIGNING_KEY.to_pem()
SECRET = bytes(range(100, 132))
HMAC_KEY = kt.HmacKey(SECRET, kid="hs")
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def now() -> int:
    return int(time.time())


# --- 1. valid tokens -----------------------------------------------------------------------------

# Values both sides carry exactly: integers of any width (see test_integers_wider_than_64_bits_
# are_exact_both_ways), finite floats, text without lone surrogates.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**200), 2**200)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
REGISTERED = {"iss", "aud", "exp", "nbf", "iat", "sub", "jti"}
extra_claims = st.dictionaries(text.filter(lambda name: name not in REGISTERED), values, max_size=6)


def registered() -> dict[str, Any]:
    t = now()
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "iat": t, "exp": t + 600, "jti": "j"}


def keyturn_decode(token: str | bytes, key: Any, algorithms: list[str]) -> dict[str, Any]:
    return kt.decode(
        token, key, algorithms=algorithms, issuer=ISSUER, audience=AUDIENCE, require=["exp"]
    )


def pyjwt_decode(token: str | bytes, key: Any, algorithms: list[str]) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=algorithms,
        issuer=ISSUER,
        audience=AUDIENCE,
        options={"require": ["exp"]},
    )
    return claims


@SETTINGS
@given(extra=extra_claims)
def test_tokens_signed_by_keyturn_decode_alike(extra: dict[str, Any]) -> None:
    claims = {**extra, **registered()}
    for key, verify_key, alg in ((SIGNING_KEY, PUBLIC_PEM, "EdDSA"), (HMAC_KEY, SECRET, "HS256")):
        token = kt.encode(claims, key, alg=alg)
        ours = keyturn_decode(token, SIGNING_KEY.public_key if alg == "EdDSA" else HMAC_KEY, [alg])
        assert ours == claims
        assert pyjwt_decode(token, verify_key, [alg]) == ours


@SETTINGS
@given(extra=extra_claims)
def test_tokens_signed_by_pyjwt_decode_alike(extra: dict[str, Any]) -> None:
    claims = {**extra, **registered()}
    for sign_key, key, alg in (
        (PRIVATE_PEM, SIGNING_KEY.public_key, "EdDSA"),
        (SECRET, HMAC_KEY, "HS256"),
    ):
        token = jwt.encode(claims, sign_key, algorithm=alg)
        ours = keyturn_decode(token, key, [alg])
        assert ours == claims
        assert ours == pyjwt_decode(token, PUBLIC_PEM if alg == "EdDSA" else SECRET, [alg])


def test_integers_wider_than_64_bits_are_exact_both_ways() -> None:
    # keyturn reads and writes integers as Python's json does: exact, of any width up to Python's
    # default 4300-digit limit (test_integer_width_limits), never rounded to a double.
    for big in (2**64, 2**70, -(2**63) - 1, 10**300, -(10**4299)):
        claims = {**registered(), "big": big, "nested": [{"n": big}]}
        token = kt.encode(claims, SIGNING_KEY)
        payload = base64.urlsafe_b64decode(token.split(".")[1] + "==")
        assert f'"big":{big},'.encode() in payload
        assert pyjwt_decode(token, PUBLIC_PEM, ["EdDSA"]) == claims
        pyjwt_token = jwt.encode(claims, PRIVATE_PEM, algorithm="EdDSA")
        ours = keyturn_decode(pyjwt_token, SIGNING_KEY.public_key, ["EdDSA"])
        assert ours == claims
        assert type(ours["big"]) is int
        assert type(ours["nested"][0]["n"]) is int


# --- 2. mutated tokens ---------------------------------------------------------------------------

#: docs/migrating-from-pyjwt.md, "Step 2": what keyturn refuses and PyJWT accepts, by name.
DOCUMENTED = {
    "duplicate members": kt.MalformedToken,
    "non-canonical base64url": kt.MalformedToken,
    "b64 false": kt.MalformedToken,
    "nested token": kt.MalformedToken,
    "unknown crit": kt.MalformedToken,
    "non-string sub or jti": kt.InvalidClaim,
    "non-numeric time claim": kt.InvalidClaim,
    # DESIGN.md: "kid is an opaque lookup string". PyJWT (and keyturn.pyjwt) ignore the kid when
    # given one key; keyturn.decode looks it up. Not yet in the migration guide's table.
    "kid names another key": kt.UnknownKey,
    # I-JSON (RFC 7493) forbids unpaired surrogates; Python's json decodes "\ud800" to a lone
    # surrogate, keyturn refuses the token. Not yet in the migration guide's table either.
    "lone surrogate": kt.MalformedToken,
}


@dataclass
class Case:
    """One crafted token and the strictness differences it carries."""

    header: dict[str, Any]
    payload: dict[str, Any]
    duplicate: str | None = None
    encoding: str = "canonical"
    signature: str = "valid"
    differences: set[str] = field(default_factory=set)

    def token(self) -> str:
        header_json = json.dumps(self.header)
        payload_json = json.dumps(self.payload)
        if self.duplicate is not None and self.duplicate in self.payload:
            # The first copy is a lie; Python's json (so PyJWT) keeps the last one.
            lie = json.dumps({self.duplicate: "lie"})[1:-1]
            payload_json = "{" + lie + ", " + payload_json[1:]
            self.differences.add("duplicate members")
        signing_input = f"{self._encode(header_json)}.{self._encode(payload_json)}"
        return f"{signing_input}.{self._encode_signature(self._sign(signing_input))}"

    def _encode(self, document: str) -> str:
        return b64(document.encode())

    def _encode_signature(self, signature: bytes) -> str:
        plain = b64(signature)
        if self.encoding == "padded":
            spelled = base64.urlsafe_b64encode(signature).decode()
        elif self.encoding == "standard alphabet":
            spelled = base64.b64encode(signature).decode().rstrip("=")
        elif self.encoding == "trailing bits":
            # The same bytes with a spare low bit set: a second spelling of the signature.
            spelled = plain[:-1] + B64_ALPHABET[B64_ALPHABET.index(plain[-1]) | 1]
        else:
            spelled = plain
        if spelled != plain:  # the standard alphabet may spell this signature the same way
            self.differences.add("non-canonical base64url")
        return spelled

    def _sign(self, signing_input: str) -> bytes:
        if self.signature == "garbage":
            return bytes(64)
        if self.header.get("alg") == "HS256":
            return hmac.new(SECRET, signing_input.encode(), hashlib.sha256).digest()
        return SIGNING_KEY.sign(signing_input.encode())


#: Each mutation replaces (or, with ``DELETE``, removes) one member of a valid header or payload.
DELETE = object()
HEADER_MUTATIONS: list[tuple[str, Any]] = [
    ("alg", "none"),
    ("alg", "eddsa"),
    ("alg", "RS256"),
    ("alg", DELETE),
    ("typ", "at+jwt"),
    ("typ", DELETE),
    ("kid", "other"),
    ("crit", ["exp"]),
    ("crit", ["b64"]),
    ("b64", False),
    ("cty", "JWT"),
    ("jku", "https://attacker.test/jwks.json"),
]


def payload_mutations(t: int) -> list[tuple[str, Any]]:
    return [
        ("iss", ISSUER + "/"),
        ("iss", 5),
        ("iss", DELETE),
        ("aud", [AUDIENCE, "x"]),
        ("aud", ["x"]),
        ("aud", "API.test"),
        ("aud", []),
        ("aud", DELETE),
        ("exp", t - 600),
        ("exp", "soon"),
        ("exp", 1e300),
        ("exp", DELETE),
        ("nbf", t + 600),
        ("nbf", t - 600),
        ("iat", "x"),
        ("iat", t - 60),
        ("sub", 7),
        ("jti", 7),
        ("name", "\ud800"),
    ]


def _apply(document: dict[str, Any], mutations: list[tuple[str, Any]]) -> dict[str, Any]:
    mutated = dict(document)
    for name, value in mutations:
        if value is DELETE:
            mutated.pop(name, None)
        else:
            mutated[name] = value
    return mutated


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A valid token with 0 to 2 mutations of each part; most draws change little, so the
    interesting region (tokens one library accepts) is well covered."""
    t = now()
    alg = draw(st.sampled_from(["EdDSA", "HS256"]))
    header = {"alg": alg, "typ": "JWT", "kid": "ed" if alg == "EdDSA" else "hs"}
    header_changes = draw(st.lists(st.sampled_from(HEADER_MUTATIONS), max_size=2))
    payload_changes = draw(st.lists(st.sampled_from(payload_mutations(t)), max_size=2))
    return Case(
        header=_apply(header, header_changes),
        payload=_apply(registered(), payload_changes),
        duplicate=draw(st.sampled_from([None] * 6 + ["exp", "aud", "iss"])),
        encoding=draw(
            st.sampled_from(["canonical"] * 9 + ["padded", "standard alphabet", "trailing bits"])
        ),
        signature=draw(st.sampled_from(["valid"] * 9 + ["garbage"])),
    )


def _keyturn_outcome(token: str, key: Any, algorithms: list[str]) -> Any:
    try:
        return keyturn_decode(token, key, algorithms)
    except kt.TokenError as error:
        return type(error)


def _pyjwt_outcome(token: str, key: Any, algorithms: list[str]) -> Any:
    try:
        return pyjwt_decode(token, key, algorithms)
    except jwt.PyJWTError as error:
        return type(error)


def _differences(case: Case) -> None:
    header, payload = case.header, case.payload
    if header.get("kid", "hs" if header.get("alg") == "HS256" else "ed") not in ("ed", "hs"):
        case.differences.add("kid names another key")
    if header.get("b64") is False:
        case.differences.add("b64 false")
    if header.get("cty") == "JWT":
        case.differences.add("nested token")
    if "crit" in header:
        case.differences.add("unknown crit")
    if any(not isinstance(payload.get(name, ""), str) for name in ("sub", "jti")):
        case.differences.add("non-string sub or jti")
    if any(isinstance(payload.get(name), str) for name in ("exp", "nbf", "iat")):
        case.differences.add("non-numeric time claim")
    if any(
        isinstance(v, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in v) for v in payload.values()
    ):
        case.differences.add("lone surrogate")


@SETTINGS
@given(case=cases())
def test_mutated_tokens_keyturn_is_never_laxer(case: Case) -> None:
    token = case.token()
    _differences(case)
    hs = case.header.get("alg") == "HS256"
    ours = _keyturn_outcome(token, HMAC_KEY if hs else SIGNING_KEY.public_key, ["EdDSA", "HS256"])
    theirs = _pyjwt_outcome(token, SECRET if hs else PUBLIC_PEM, ["EdDSA", "HS256"])
    if isinstance(ours, dict):
        assert theirs == ours, f"keyturn accepted what PyJWT refuses with {theirs}"
        assert not case.differences, f"keyturn accepted a token with {case.differences}"
    elif isinstance(theirs, dict):
        assert case.differences, f"PyJWT accepts, keyturn refuses ({ours.__name__}), undocumented"
        expected = {DOCUMENTED[name] for name in case.differences}
        assert any(issubclass(ours, cls) for cls in expected), (ours, case.differences)


KNOWN = [
    pytest.param({}, {}, {"duplicate": "exp"}, "duplicate members", id="duplicate-members"),
    pytest.param({}, {}, {"encoding": "padded"}, "non-canonical base64url", id="padding"),
    pytest.param({"cty": "JWT"}, {}, {}, "nested token", id="nested-token"),
    pytest.param({"kid": "other"}, {}, {}, "kid names another key", id="other-kid"),
    pytest.param({}, {"name": "\ud800"}, {}, "lone surrogate", id="lone-surrogate"),
]


@pytest.mark.parametrize(("header", "payload", "options", "difference"), KNOWN)
def test_each_strictness_difference_as_pyjwt_sees_it(
    header: dict[str, Any], payload: dict[str, Any], options: dict[str, Any], difference: str
) -> None:
    case = Case(
        header={"alg": "EdDSA", "typ": "JWT", "kid": "ed", **header},
        payload={**registered(), **payload},
        **options,
    )
    token = case.token()
    assert isinstance(_pyjwt_outcome(token, PUBLIC_PEM, ["EdDSA"]), dict)
    with pytest.raises(DOCUMENTED[difference]) as caught:
        keyturn_decode(token, SIGNING_KEY.public_key, ["EdDSA"])
    assert caught.value.code == DOCUMENTED[difference].code
