"""The PyJWT surface issue 17 found missing or different, each checked against real PyJWT."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import warnings
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt as real_jwt
import pytest

import keyturn
from keyturn import pyjwt as kt_jwt

SECRET = b"p" * 64
LIBS = [pytest.param(real_jwt, id="pyjwt"), pytest.param(kt_jwt, id="keyturn")]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(header: dict[str, Any], payload: str) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload.encode())}"
    mac = hmac.new(SECRET, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


# --- get_unverified_header ------------------------------------------------------------------------


@pytest.mark.parametrize("lib", LIBS)
def test_unverified_header_reads_only_the_header(lib: Any) -> None:
    token = signed({"alg": "HS256", "kid": "k1"}, "not json at all")
    assert lib.get_unverified_header(token) == {"alg": "HS256", "kid": "k1"}


@pytest.mark.parametrize("lib", LIBS)
def test_unverified_header_refuses_an_unknown_crit(lib: Any) -> None:
    token = signed({"alg": "HS256", "crit": ["exp-ext"], "exp-ext": 1}, "{}")
    with pytest.raises(lib.InvalidTokenError, match="Unsupported critical extension: exp-ext"):
        lib.get_unverified_header(token)


# --- audience -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", LIBS)
def test_null_aud_with_an_audience_is_a_missing_claim(lib: Any) -> None:
    token = signed({"alg": "HS256"}, '{"aud": null}')
    with pytest.raises(lib.MissingRequiredClaimError) as caught:
        lib.decode(token, SECRET, algorithms=["HS256"], audience="api")
    assert caught.value.claim == "aud"
    assert str(caught.value) == 'Token is missing the "aud" claim'


@pytest.mark.parametrize("lib", LIBS)
def test_bytes_audience_never_matches(lib: Any) -> None:
    token = signed({"alg": "HS256"}, '{"aud": "api"}')
    with pytest.raises(lib.InvalidAudienceError):
        lib.decode(token, SECRET, algorithms=["HS256"], audience=b"api")


def test_null_aud_without_an_audience_is_refused_by_keyturn_only() -> None:
    """The documented `aud-null` difference: a token naming an audience member is refused by a
    verifier that expects none."""
    token = signed({"alg": "HS256"}, '{"aud": null, "sub": "u"}')
    assert real_jwt.decode(token, SECRET, algorithms=["HS256"]) == {"aud": None, "sub": "u"}
    with pytest.raises(kt_jwt.InvalidAudienceError) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["HS256"])
    assert caught.value.code == "audience_invalid"


# --- time claims and messages ---------------------------------------------------------------------


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("claim", ["exp", "nbf"])
def test_non_numeric_exp_or_nbf_is_a_decode_error(lib: Any, claim: str) -> None:
    token = signed({"alg": "HS256"}, json.dumps({claim: "soon"}))
    with pytest.raises(lib.DecodeError, match=rf"\({claim}\) must be an integer"):
        lib.decode(token, SECRET, algorithms=["HS256"])


def test_non_numeric_exp_keeps_its_code() -> None:
    token = signed({"alg": "HS256"}, '{"exp": "soon"}')
    with pytest.raises(kt_jwt.DecodeError) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["HS256"])
    assert caught.value.code == "claim_invalid"
    assert caught.value.claim == "exp"


@pytest.mark.parametrize("lib", LIBS)
def test_messages_name_the_claim(lib: Any) -> None:
    token = signed({"alg": "HS256"}, '{"iat": "x"}')
    with pytest.raises(lib.InvalidIssuedAtError, match=r"Issued At claim \(iat\) must be"):
        lib.decode(token, SECRET, algorithms=["HS256"])
    token = signed({"alg": "HS256"}, '{"sub": "u"}')
    with pytest.raises(lib.MissingRequiredClaimError, match='Token is missing the "jti" claim'):
        lib.decode(token, SECRET, algorithms=["HS256"], options={"require": ["jti"]})


def test_iat_as_a_numeric_string_is_refused_by_keyturn_only() -> None:
    token = signed({"alg": "HS256"}, '{"iat": "1700000000"}')
    assert real_jwt.decode(token, SECRET, algorithms=["HS256"]) == {"iat": "1700000000"}
    with pytest.raises(kt_jwt.InvalidIssuedAtError) as caught:
        kt_jwt.decode(token, SECRET, algorithms=["HS256"])
    assert caught.value.code == "claim_invalid"


# --- encode ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", LIBS)
def test_non_string_iss_is_a_type_error(lib: Any) -> None:
    with pytest.raises(TypeError, match="Issuer"):
        lib.encode({"iss": 123}, SECRET)


def test_infinity_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not JSON"):
        kt_jwt.encode({"exp": float("inf")}, SECRET)


@pytest.mark.parametrize("lib", LIBS)
def test_json_encoder_datetime_and_sort_headers(lib: Any) -> None:
    class Encoder(json.JSONEncoder):
        def default(self, o: object) -> object:
            return sorted(o) if isinstance(o, set) else super().default(o)

    token = lib.encode(
        {"roles": {"b", "a"}, "exp": datetime(2100, 1, 1)},
        SECRET,
        headers={"z": 1, "kid": "k"},
        json_encoder=Encoder,
        sort_headers=True,
    )
    assert lib.decode(token, SECRET, algorithms=["HS256"]) == {
        "roles": ["a", "b"],
        "exp": 4102444800,
    }
    assert lib.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT", "kid": "k", "z": 1}


def test_encode_writes_no_kid_unless_given() -> None:
    key = keyturn.SigningKey.generate()
    token = kt_jwt.encode({"sub": "u"}, key.to_pem(), algorithm="EdDSA")
    assert "kid" not in kt_jwt.get_unverified_header(token)


# --- legacy arguments warn, as in PyJWT -----------------------------------------------------------


@pytest.mark.parametrize("lib", LIBS)
def test_unknown_keyword_arguments_warn(lib: Any) -> None:
    token = lib.encode({"sub": "u"}, SECRET)
    with pytest.warns(lib.warnings.RemovedInPyjwt3Warning, match="Unsupported kwargs"):
        assert lib.decode(token, SECRET, algorithms=["HS256"], verify_nothing=True)


@pytest.mark.parametrize("lib", LIBS)
def test_legacy_verify_warns(lib: Any) -> None:
    token = lib.encode({"sub": "u"}, SECRET)
    with pytest.warns(DeprecationWarning, match="`verify` argument"):
        lib.decode(token, SECRET, algorithms=["HS256"], verify=False)


# --- module surface -------------------------------------------------------------------------------


def test_pyjwt_names_exist() -> None:
    from keyturn.pyjwt.exceptions import ExpiredSignatureError, PyJWKClientError
    from keyturn.pyjwt.warnings import InsecureKeyLengthWarning

    assert ExpiredSignatureError is kt_jwt.ExpiredSignatureError
    assert issubclass(PyJWKClientError, keyturn.JWKSError)
    assert InsecureKeyLengthWarning is kt_jwt.InsecureKeyLengthWarning
    assert kt_jwt.__version__ == real_jwt.__version__
    assert set(real_jwt.__all__) - set(kt_jwt.__all__) == {
        "PyJWS",
        "get_algorithm_by_name",
        "register_algorithm",
        "unregister_algorithm",
    }


def test_pyjwt_class_options_are_defaults() -> None:
    token = signed({"alg": "HS256"}, '{"sub": "u"}')
    strict = kt_jwt.PyJWT(options={"require": ["exp"]})
    with pytest.raises(kt_jwt.MissingRequiredClaimError):
        strict.decode(token, SECRET, algorithms=["HS256"])
    assert kt_jwt.PyJWT().decode(token, SECRET, algorithms=["HS256"]) == {"sub": "u"}


def test_pyjwk_is_a_key() -> None:
    signer = keyturn.SigningKey.generate()
    public = kt_jwt.PyJWK(signer.public_key.to_jwk())
    assert public.algorithm_name == "EdDSA"
    assert public.key_id == signer.kid
    private = kt_jwt.PyJWK(signer.to_jwk(private=True))
    token = kt_jwt.encode({"sub": "u"}, private)  # the algorithm comes from the JWK
    assert kt_jwt.decode(token, public) == {"sub": "u"}  # and so do the allowed algorithms
    keys = kt_jwt.PyJWKSet([signer.public_key.to_jwk(), {"kty": "EC", "crv": "P-256K"}])
    assert keys[signer.kid].key == signer.public_key
    assert signer.to_jwk(private=True)["d"] not in repr(private)


# --- PyJWKClient over a real loopback server ------------------------------------------------------


class _JWKS(BaseHTTPRequestHandler):
    document: bytes = b"{}"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.document)))
        self.end_headers()
        self.wfile.write(self.document)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def jwks_url() -> Iterator[tuple[str, keyturn.SigningKey]]:
    signer = keyturn.SigningKey.generate()
    handler = type(
        "Handler",
        (_JWKS,),
        {"document": json.dumps({"keys": [signer.public_key.to_jwk()]}).encode()},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", signer
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_pyjwkclient_signing_key_from_jwt(jwks_url: tuple[str, keyturn.SigningKey]) -> None:
    url, signer = jwks_url
    client = kt_jwt.PyJWKClient(url, timeout=5)
    token = kt_jwt.encode({"sub": "u"}, signer, algorithm="EdDSA", headers={"kid": signer.kid})
    key = client.get_signing_key_from_jwt(token)
    assert kt_jwt.decode(token, key.key, algorithms=["EdDSA"]) == {"sub": "u"}
    stranger = keyturn.SigningKey.generate()
    with pytest.raises(kt_jwt.PyJWKClientError, match="Unable to find a signing key") as caught:
        client.get_signing_key_from_jwt(
            kt_jwt.encode({}, stranger, headers={"kid": "nope"}, algorithm="EdDSA")
        )
    assert caught.value.code == "jwks_error"


def test_pyjwkclient_unreachable_is_a_connection_error() -> None:
    client = kt_jwt.PyJWKClient("http://127.0.0.1:9/jwks.json", timeout=2)
    with pytest.raises(kt_jwt.PyJWKClientConnectionError, match="Fail to fetch data"):
        client.get_signing_keys()


def test_pyjwkclient_refuses_plain_http_elsewhere() -> None:
    """keyturn calls the URL a configuration mistake; PyJWT's callers catch PyJWKClientError."""
    with pytest.raises(kt_jwt.PyJWKClientError, match="plain http refused") as caught:
        kt_jwt.PyJWKClient("http://example.com/jwks.json")
    assert type(caught.value) is kt_jwt.PyJWKClientError
    assert caught.value.code == "jwks_error"


# --- short secrets --------------------------------------------------------------------------------


def test_short_secret_warning_points_at_the_caller() -> None:
    token = real_jwt.encode({"sub": "u"}, "s" * 32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(kt_jwt.InvalidSignatureError):
            kt_jwt.decode(token, "s" * 20, algorithms=["HS256"])
    assert [w.category for w in caught] == [kt_jwt.InsecureKeyLengthWarning]
    assert caught[0].filename == __file__


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize(
    ("payload", "message"),
    [("1", "Invalid payload string: must be a json object"), ("nope", "Invalid payload string")],
)
def test_payload_refusals_keep_pyjwt_wording(lib: Any, payload: str, message: str) -> None:
    with pytest.raises(lib.DecodeError, match=f"^{message}"):
        lib.decode(signed({"alg": "HS256"}, payload), SECRET, algorithms=["HS256"])


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize(
    ("jwk", "error"),
    [
        ({"kty": "unknown"}, "InvalidKeyError"),
        ({"kty": "OKP", "crv": "unknown", "x": "AA"}, "InvalidKeyError"),
        ({"kty": "OKP", "x": "AA"}, "InvalidKeyError"),
    ],
)
def test_pyjwk_refuses_unknown_key_types_as_pyjwt_does(
    lib: Any, jwk: dict[str, str], error: str
) -> None:
    with pytest.raises(getattr(lib, error)):
        lib.PyJWK.from_dict(jwk)


@pytest.mark.parametrize("lib", LIBS)
def test_pyjwk_unknown_algorithm_is_a_pyjwk_error(lib: Any) -> None:
    jwk = keyturn.SigningKey.generate().public_key.to_jwk()
    with pytest.raises(lib.PyJWKError):
        lib.PyJWK.from_dict(jwk, algorithm="unknown")


def test_pyjwkset_iterates_its_keys() -> None:
    jwks = [keyturn.SigningKey.generate().public_key.to_jwk() for _ in range(2)]
    keys = kt_jwt.PyJWKSet.from_dict({"keys": jwks})
    assert [key.key_id for key in keys] == [jwk["kid"] for jwk in jwks]
    assert len(keys) == 2


@pytest.mark.parametrize("lib", LIBS)
def test_a_key_of_another_type_is_a_key_error(lib: Any) -> None:
    """An EdDSA token checked with an HMAC secret, or an HS256 token with an Ed25519 key object:
    the key is read for the token's algorithm and refused, as PyJWT refuses it."""
    signer = keyturn.SigningKey.generate()
    eddsa = kt_jwt.encode({"sub": "u"}, signer.to_pem(), algorithm="EdDSA")
    with pytest.raises(lib.InvalidKeyError):
        lib.decode(eddsa, SECRET, algorithms=["EdDSA", "HS256"])


def test_short_secret_verifies_hs512_with_a_warning() -> None:
    """Padding goes up to the algorithm's own minimum, so an HS512 token signed with a 40-byte
    secret verifies (with PyJWT's warning) as PyJWT verifies it."""
    secret = b"s" * 40
    with pytest.warns(real_jwt.warnings.InsecureKeyLengthWarning):
        token = real_jwt.encode({"sub": "u"}, secret, algorithm="HS512")
    with pytest.warns(kt_jwt.InsecureKeyLengthWarning):
        assert kt_jwt.decode(token, secret, algorithms=["HS512"]) == {"sub": "u"}
