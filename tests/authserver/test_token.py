"""POST /oauth/token with an independent OAuth client (Authlib's httpx OAuth2Client) for every
client authentication method, keyturn's own client-credentials source, and httpx for raw forms."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from joserfc.jwk import ECKey

import keyturn as kt

from .conftest import API_A, API_B, SCOPES, Running

NO_STORE = "no-store"


def verify(auth: Running, token: str, audience: str = API_A) -> dict[str, Any]:
    remote = kt.RemoteJWKS.from_issuer(auth.url)
    verifier = kt.Verifier(keys=remote, issuer=auth.url, audience=audience, typ="at+jwt")
    return verifier.verify(token)


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def post(auth: Running, form: dict[str, str] | str, **options: Any) -> httpx.Response:
    return httpx.post(auth.token_url, data=form, **options)  # type: ignore[arg-type]


# --- issued ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_obtains_a_token_with_a_secret(auth: Running, method: str) -> None:
    with OAuth2Client(method, auth.secrets[method], token_endpoint_auth_method=method) as client:
        token = client.fetch_token(
            auth.token_url, grant_type="client_credentials", scope="orders:read"
        )
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "orders:read"
    assert token["expires_in"] == 300
    assert "refresh_token" not in token
    claims = verify(auth, token["access_token"])
    assert claims["sub"] == claims["client_id"] == method
    assert claims["scope"] == "orders:read"
    assert claims["aud"] == sorted([API_A, API_B])  # the registry keeps them sorted
    assert claims["iss"] == auth.url
    assert claims["exp"] - claims["iat"] == 300
    assert isinstance(claims["jti"], str)
    assert len(claims["jti"]) >= 16


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):  # type: ignore[misc]
    """Authlib's PrivateKeyJWT with a 60 s assertion: its default of an hour is over keyturn's
    five-minute bound (keyturn.clients.MAX_ASSERTION_LIFETIME)."""

    def sign(self, auth: Any, token_endpoint: str) -> Any:
        return private_key_jwt_sign(
            auth.client_secret, auth.client_id, token_endpoint, alg=self.alg, expires_in=60
        )


def authlib_jwt_client(auth: Running, method: PrivateKeyJWT) -> OAuth2Client:
    assert auth.assertion_key is not None
    key = ECKey.import_key(auth.assertion_key.to_pem().decode())
    client = OAuth2Client("private_key_jwt", key, token_endpoint_auth_method="private_key_jwt")
    client.register_client_auth_method(method)
    return client


def test_authlib_obtains_a_token_with_private_key_jwt(auth: Running) -> None:
    # Authlib addresses the assertion to the token endpoint URL (RFC 7523 §3).
    with authlib_jwt_client(auth, ShortLivedPrivateKeyJWT(auth.token_url, alg="ES256")) as client:
        token = client.fetch_token(auth.token_url, grant_type="client_credentials")
        again = client.fetch_token(auth.token_url, grant_type="client_credentials")
    claims = verify(auth, token["access_token"])
    assert claims["client_id"] == "private_key_jwt"
    assert claims["scope"] == token["scope"] == SCOPES  # none asked: every registered scope
    assert claims["aud"] == API_A
    assert verify(auth, again["access_token"])["jti"] != claims["jti"]


def test_authlibs_default_hour_long_assertion_is_refused(auth: Running) -> None:
    with (
        authlib_jwt_client(auth, PrivateKeyJWT(auth.token_url, alg="ES256")) as client,
        pytest.raises(OAuthError) as refused,
    ):
        client.fetch_token(auth.token_url, grant_type="client_credentials")
    assert refused.value.error == "invalid_client"


def test_keyturns_own_client_credentials_source_with_each_method(auth: Running) -> None:
    assert auth.assertion_key is not None
    methods: list[kt.ClientAuth] = [
        kt.ClientSecretBasic("client_secret_basic", auth.secrets["client_secret_basic"]),
        kt.ClientSecretPost("client_secret_post", auth.secrets["client_secret_post"]),
        # keyturn's PrivateKeyJWT addresses the issuer identifier (rfc7523bis): accepted too.
        kt.PrivateKeyJWT("private_key_jwt", auth.assertion_key),
    ]
    for method in methods:
        client = kt.OAuthClient.discover(auth.url, method)
        source = kt.ClientCredentials(client, scope="orders:write", extra={"resource": API_A})
        claims = verify(auth, source.token())
        assert claims["client_id"] == method.client_id
        assert claims["scope"] == "orders:write"
        assert claims["aud"] == API_A


def test_the_answer_is_not_cached_and_a_resource_narrows_the_audience(auth: Running) -> None:
    answer = post(
        auth,
        {"grant_type": "client_credentials", "audience": API_B},
        headers=basic("client_secret_basic", auth.secrets["client_secret_basic"]),
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == NO_STORE
    assert answer.headers["pragma"] == "no-cache"
    assert verify(auth, answer.json()["access_token"], API_B)["aud"] == API_B


# --- refused --------------------------------------------------------------------------------------

INVALID_CLIENT = {"error": "invalid_client", "error_description": "client authentication failed"}


def assert_invalid_client(answer: httpx.Response) -> None:
    assert answer.status_code == 401
    assert answer.json() == INVALID_CLIENT
    assert answer.headers["www-authenticate"].startswith("Basic ")
    assert answer.headers["cache-control"] == NO_STORE


def assert_nothing_written(auth: Running) -> None:
    assert auth.store.writes == []
    assert auth.families() == 0


GRANT = {"grant_type": "client_credentials"}


def test_a_wrong_secret_an_unknown_or_disabled_client_all_get_one_answer(auth: Running) -> None:
    right = auth.secrets["client_secret_basic"]
    auth.registry.add("off", client_id="off", audiences=[API_A])
    auth.registry.disable("off")
    auth.store.writes.clear()
    answers = [
        post(auth, GRANT, headers=basic("client_secret_basic", right + "x")),
        post(auth, GRANT, headers=basic("nobody", right)),
        post(auth, GRANT, headers=basic("off", right)),
        # A client_secret_post client's secret sent the basic way.
        post(auth, GRANT, headers=basic("client_secret_post", auth.secrets["client_secret_post"])),
        post(auth, {**GRANT, "client_id": "client_secret_post", "client_secret": right}),
        post(auth, GRANT, headers={"Authorization": "Basic !!notbase64"}),
        post(auth, GRANT, headers={"Authorization": "Bearer abc"}),
        post(auth, GRANT),  # no credentials at all
    ]
    for answer in answers:
        assert_invalid_client(answer)
    assert_nothing_written(auth)


def assertion(auth: Running, **changes: Any) -> str:
    assert auth.assertion_key is not None
    now = int(time.time())
    claims = {
        "iss": "private_key_jwt",
        "sub": "private_key_jwt",
        "aud": auth.token_url,
        "jti": f"jti-{time.monotonic_ns()}",
        "iat": now,
        "exp": now + 60,
        **changes,
    }
    return kt.encode(claims, auth.assertion_key, alg="ES256")


def assertion_form(signed: str) -> dict[str, str]:
    return {
        **GRANT,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": signed,
    }


def test_a_replayed_assertion_is_refused(auth: Running) -> None:
    signed = assertion(auth)
    first = post(auth, assertion_form(signed))
    assert first.status_code == 200
    replay = post(auth, assertion_form(signed))
    assert_invalid_client(replay)
    assert "access_token" not in replay.json()


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"exp": int(time.time()) - 30}, id="expired"),
        pytest.param({"aud": "https://other.example.com/oauth/token"}, id="another-audience"),
        pytest.param({"exp": int(time.time()) + 3600}, id="lives-too-long"),
        pytest.param({"sub": "client_secret_basic"}, id="another-subject"),
    ],
)
def test_a_bad_assertion_is_refused_and_its_jti_not_spent(
    auth: Running, changes: dict[str, Any]
) -> None:
    assert_invalid_client(post(auth, assertion_form(assertion(auth, **changes))))
    assert "remember_jti" not in auth.store.writes


def test_an_assertion_signed_by_another_key_is_refused(auth: Running) -> None:
    stranger = kt.SigningKey.generate(alg="ES256")
    now = int(time.time())
    claims = {"iss": "private_key_jwt", "sub": "private_key_jwt", "aud": auth.token_url}
    forged = kt.encode({**claims, "jti": "j", "iat": now, "exp": now + 60}, stranger, alg="ES256")
    assert_invalid_client(post(auth, assertion_form(forged)))
    assert_nothing_written(auth)


def rfc_error(answer: httpx.Response, status: int, error: str) -> None:
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert "access_token" not in answer.json()
    assert answer.headers["cache-control"] == NO_STORE


def test_scope_escalation_and_a_foreign_audience_are_refused(auth: Running) -> None:
    headers = basic("client_secret_basic", auth.secrets["client_secret_basic"])
    rfc_error(
        post(auth, {**GRANT, "scope": "orders:read admin"}, headers=headers), 400, "invalid_scope"
    )
    rfc_error(
        post(auth, {**GRANT, "scope": "orders:read  x"}, headers=headers), 400, "invalid_scope"
    )
    rfc_error(
        post(auth, {**GRANT, "resource": "https://x.internal"}, headers=headers),
        400,
        "invalid_target",
    )
    rfc_error(
        post(auth, {**GRANT, "resource": API_A, "audience": API_B}, headers=headers),
        400,
        "invalid_request",
    )
    assert_nothing_written(auth)


def test_malformed_requests_are_refused_before_anything_is_checked(auth: Running) -> None:
    headers = basic("client_secret_basic", auth.secrets["client_secret_basic"])
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    refusals = [
        # Not form-encoded.
        httpx.post(auth.token_url, json=GRANT, headers=headers),
        httpx.post(auth.token_url, content=b"grant_type=client_credentials", headers=headers),
        # Duplicated parameters, blank or not.
        httpx.post(
            auth.token_url,
            content=b"grant_type=client_credentials&grant_type=client_credentials",
            headers={**headers, **form_type},
        ),
        httpx.post(
            auth.token_url,
            content=b"grant_type=client_credentials&scope=orders:read&scope=",
            headers={**headers, **form_type},
        ),
        # Over the body limit.
        post(auth, {**GRANT, "scope": "orders:read", "pad": "x" * 9000}, headers=headers),
        # Not UTF-8; not a form at all.
        httpx.post(auth.token_url, content=b"grant_type=\xff", headers={**headers, **form_type}),
        httpx.post(auth.token_url, content=b"&&&", headers={**headers, **form_type}),
        # No grant_type; two authentication methods at once.
        post(auth, {"scope": "orders:read"}, headers=headers),
        post(
            auth,
            {**GRANT, "client_secret": "x", "client_id": "client_secret_basic"},
            headers=headers,
        ),
    ]
    for answer in refusals:
        rfc_error(answer, 400, "invalid_request")
    assert_nothing_written(auth)


def test_an_unsupported_grant_type_is_named(auth: Running) -> None:
    headers = basic("client_secret_basic", auth.secrets["client_secret_basic"])
    answer = post(
        auth, {"grant_type": "password", "username": "u", "password": "p"}, headers=headers
    )
    rfc_error(answer, 400, "unsupported_grant_type")
    assert httpx.get(auth.token_url).status_code == 405
