"""Every way a callback or a provider's answer can be wrong: a clear error with a literal code, and
no token request made when the callback itself is refused.

The provider here is scripted (tests/oidc/conftest.py): real HTTP on loopback, answers chosen by
each test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest

import keyturn as kt

from .conftest import REDIRECT_URI, Answer, Scripted

CLIENT_ID, SECRET = "app", "app-secret-0123456789abcdef"


def make_party(provider: Scripted, **options: Any) -> kt.RelyingParty:
    channel = options.pop("back_channel", None)
    auth = options.pop("auth", kt.ClientSecretBasic(CLIENT_ID, SECRET))
    states = options.pop("states", None)
    client = kt.OAuthClient.discover(provider.issuer, auth, back_channel=channel)
    return kt.RelyingParty(
        client,
        redirect_uri=REDIRECT_URI,
        states=kt.MemoryLoginStates() if states is None else states,
        **options,
    )


def query_of(start: kt.LoginStart) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(start.url).query))


def id_token(provider: Scripted, nonce: str | None, **claims: Any) -> str:
    now = int(time.time())
    body: dict[str, Any] = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "user-7"}
    body |= {"iat": now, "exp": now + 300, **({"nonce": nonce} if nonce else {}), **claims}
    return kt.encode(body, provider.key, alg=provider.key.alg)


def answer_tokens(provider: Scripted, token: str | None, **extra: Any) -> None:
    document = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, **extra}
    if token is not None:
        document["id_token"] = token
    provider.json("/token", document)


def callback(rp: kt.RelyingParty, **params: str) -> tuple[kt.LoginStart, dict[str, str]]:
    start = rp.start_login()
    return start, {"state": start.state, "code": "code-1", **params}


def refused(error: type[kt.KeyturnError], code: str, call: Any) -> kt.KeyturnError:
    with pytest.raises(error) as raised:
        call()
    assert type(raised.value) is error
    assert raised.value.code == code
    return raised.value


# --- the happy path, as the provider sees it ------------------------------------------------------


def test_the_token_request_carries_the_verifier_of_the_challenge(scripted: Scripted) -> None:
    rp = make_party(scripted)
    start, params = callback(rp)
    answer_tokens(scripted, id_token(scripted, query_of(start)["nonce"]))
    login = rp.complete_login(params, binding=start.binding)
    assert login.subject == "user-7"

    (request,) = scripted.requests_to("/token")
    form = request.form
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "code-1"
    assert form["redirect_uri"] == REDIRECT_URI
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert (
        base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query_of(start)["code_challenge"]
    )
    expected = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert "client_secret" not in form


def test_private_key_jwt_assertion_verifies_independently(scripted: Scripted) -> None:
    client_key = kt.SigningKey.generate(alg="ES256", kid="client-key")
    rp = make_party(scripted, auth=kt.PrivateKeyJWT(CLIENT_ID, client_key))
    start, params = callback(rp)
    answer_tokens(scripted, id_token(scripted, query_of(start)["nonce"]))
    rp.complete_login(params, binding=start.binding)

    form = scripted.requests_to("/token")[0].form
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    public = jwt.PyJWK(client_key.public_key.to_jwk())
    claims = jwt.decode(
        form["client_assertion"], public.key, algorithms=["ES256"], audience=scripted.issuer
    )
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["exp"] - claims["iat"] == 60
    assert len(claims["jti"]) >= 32


def test_public_client_sends_only_its_id(scripted: Scripted) -> None:
    rp = make_party(scripted, auth=kt.PublicClient(CLIENT_ID))
    start, params = callback(rp)
    answer_tokens(scripted, id_token(scripted, query_of(start)["nonce"]))
    rp.complete_login(params, binding=start.binding)
    request = scripted.requests_to("/token")[0]
    assert request.form["client_id"] == CLIENT_ID
    assert "Authorization" not in request.headers
    assert "client_secret" not in request.form


# --- the callback: refused before any token request -----------------------------------------------


@pytest.mark.parametrize(
    ("tamper", "binding", "code"),
    [
        ({"state": "forged-state"}, "own", "login_state_invalid"),
        ({"state": ""}, "own", "login_state_invalid"),
        ({}, None, "login_state_invalid"),
        ({}, "another-browser", "login_state_invalid"),
        ({"iss": "https://evil.example"}, "own", "login_response_invalid"),
        ({"code": ""}, "own", "login_response_invalid"),
        ({"code": "x" * 5000}, "own", "login_response_invalid"),
    ],
    ids=[
        "wrong-state",
        "empty-state",
        "no-binding-cookie",
        "binding-of-another-browser",
        "mix-up-iss",
        "empty-code",
        "huge-code",
    ],
)
def test_tampered_callback(
    scripted: Scripted, tamper: dict[str, str], binding: str | None, code: str
) -> None:
    rp = make_party(scripted)
    start, params = callback(rp, **tamper)
    presented = start.binding if binding == "own" else binding
    refused(kt.LoginError, code, lambda: rp.complete_login(params, binding=presented))
    assert scripted.requests_to("/token") == []


def test_missing_iss_when_the_provider_promises_it(scripted: Scripted) -> None:
    scripted.metadata["authorization_response_iss_parameter_supported"] = True
    rp = make_party(scripted)
    start, params = callback(rp)
    refused(
        kt.LoginError,
        "login_response_invalid",
        lambda: rp.complete_login(params, binding=start.binding),
    )
    start, params = callback(rp, iss=scripted.issuer)
    answer_tokens(scripted, id_token(scripted, query_of(start)["nonce"]))
    assert rp.complete_login(params, binding=start.binding).subject == "user-7"


def test_a_state_refused_once_is_gone(scripted: Scripted) -> None:
    """A callback with the wrong binding burns the state: the right browser cannot reuse it."""
    rp = make_party(scripted)
    start, params = callback(rp)
    refused(kt.LoginError, "login_state_invalid", lambda: rp.complete_login(params, binding="x"))
    refused(
        kt.LoginError,
        "login_state_invalid",
        lambda: rp.complete_login(params, binding=start.binding),
    )


def test_expired_login(scripted: Scripted) -> None:
    rp = make_party(scripted, login_ttl=0.05)
    start, params = callback(rp)
    time.sleep(0.1)
    refused(
        kt.LoginError,
        "login_state_expired",
        lambda: rp.complete_login(params, binding=start.binding),
    )
    assert scripted.requests_to("/token") == []


def test_provider_error_code_that_is_not_a_code(scripted: Scripted) -> None:
    rp = make_party(scripted)
    start, params = callback(rp, error='bad"\x00' + "x" * 100)
    error = refused(
        kt.LoginError, "login_denied", lambda: rp.complete_login(params, binding=start.binding)
    )
    assert isinstance(error, kt.LoginError)
    assert error.provider_code == "unrecognised"


# --- the token endpoint's answer ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (Answer(200, b'{"access_token": "a", "token_type": "Bearer"'), "provider_response_invalid"),
        (Answer(200, b'{"a": 1, "a": 2}'), "provider_response_invalid"),
        (Answer(200, b"[]"), "provider_response_invalid"),
        (Answer(200, b"<html>Sign-in</html>", "text/html"), "provider_response_invalid"),
        (Answer(400, b"<html>Bad request</html>", "text/html"), "provider_response_invalid"),
        (Answer(500, b"<html>Internal error</html>", "text/html"), "provider_unavailable"),
        (Answer(302, b""), "provider_unavailable"),
        (Answer(200, b"{" + b" " * 300_000 + b"}"), "provider_unavailable"),
        (Answer(200, json.dumps({"token_type": "Bearer"}).encode()), "provider_response_invalid"),
        (
            Answer(200, json.dumps({"access_token": "a", "token_type": "DPoP"}).encode()),
            "provider_response_invalid",
        ),
        (
            Answer(200, json.dumps({"access_token": "a", "token_type": "Bearer"}).encode()),
            "provider_response_invalid",  # no id_token
        ),
    ],
    ids=[
        "truncated-json",
        "duplicate-member",
        "not-an-object",
        "html-200",
        "html-400",
        "html-500",
        "redirect",
        "oversized",
        "no-access-token",
        "dpop-token-type",
        "no-id-token",
    ],
)
def test_unusable_token_answer(scripted: Scripted, answer: Answer, code: str) -> None:
    rp = make_party(scripted)
    start, params = callback(rp)
    scripted.script("/token", answer)
    refused(kt.ProviderError, code, lambda: rp.complete_login(params, binding=start.binding))


def test_slow_token_answer_hits_the_deadline(scripted: Scripted) -> None:
    rp = make_party(scripted, back_channel=kt.BackChannel(timeout=0.5))
    start, params = callback(rp)
    scripted.script("/token", Answer(200, b'{"access_token": "a"}' + b" " * 100, drip=0.05))
    began = time.monotonic()
    refused(
        kt.ProviderError,
        "provider_unavailable",
        lambda: rp.complete_login(params, binding=start.binding),
    )
    assert time.monotonic() - began < 0.5 + 5  # the deadline, plus a loaded machine's margin


def test_provider_refusal_carries_its_code(scripted: Scripted) -> None:
    rp = make_party(scripted)
    start, params = callback(rp)
    scripted.json("/token", {"error": "invalid_grant"}, status=400)
    error = refused(
        kt.GrantError, "grant_refused", lambda: rp.complete_login(params, binding=start.binding)
    )
    assert isinstance(error, kt.GrantError)
    assert error.provider_code == "invalid_grant"


# --- the id_token ---------------------------------------------------------------------------------


def _unsigned(provider: Scripted, nonce: str) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "user-7", "nonce": nonce}
    return f"{part({'alg': 'none'})}.{part(claims | {'iat': now, 'exp': now + 300})}."


@pytest.mark.parametrize(
    ("forge", "error", "code"),
    [
        ("unknown-key", kt.UnknownKey, "key_unknown"),
        ("alg-none", kt.AlgorithmNotAllowed, "algorithm_not_allowed"),
        ("hs256-client-secret", kt.AlgorithmNotAllowed, "algorithm_not_allowed"),
        ("wrong-nonce", kt.InvalidClaim, "claim_invalid"),
        ("no-nonce", kt.MissingClaim, "claim_missing"),
        ("other-audience", kt.InvalidAudience, "audience_invalid"),
        ("other-issuer", kt.InvalidIssuer, "issuer_invalid"),
        ("wrong-at-hash", kt.InvalidClaim, "claim_invalid"),
        ("not-a-jwt", kt.MalformedToken, "token_malformed"),
    ],
)
def test_bad_id_token(
    scripted: Scripted, forge: str, error: type[kt.KeyturnError], code: str
) -> None:
    rp = make_party(scripted)
    start, params = callback(rp)
    nonce = query_of(start)["nonce"]
    tokens = {
        "unknown-key": lambda: kt.encode(
            {"iss": scripted.issuer, "aud": CLIENT_ID, "sub": "u", "nonce": nonce},
            kt.SigningKey.generate(alg="ES256", kid="intruder"),
        ),
        "alg-none": lambda: _unsigned(scripted, nonce),
        "hs256-client-secret": lambda: kt.encode(
            {"iss": scripted.issuer, "aud": CLIENT_ID, "sub": "u", "nonce": nonce},
            kt.HmacKey(SECRET.encode() * 2),
            alg="HS256",
        ),
        "wrong-nonce": lambda: id_token(scripted, "another-nonce"),
        "no-nonce": lambda: id_token(scripted, None),
        "other-audience": lambda: id_token(scripted, nonce, aud="someone-else"),
        "other-issuer": lambda: id_token(scripted, nonce, iss="https://evil.example"),
        "wrong-at-hash": lambda: id_token(scripted, nonce, at_hash="AAAAAAAAAAAAAAAAAAAAAA"),
        "not-a-jwt": lambda: "<html>not a token</html>",
    }
    answer_tokens(scripted, tokens[forge]())
    refused(error, code, lambda: rp.complete_login(params, binding=start.binding))
