"""The JWKS, refresh and logout endpoints and the bearer middleware over real HTTP (uvicorn)."""

from __future__ import annotations

import time

import httpx
import pytest

import keyturn
from keyturn.asgi import MAX_BODY_BYTES


def cookie_of(response: httpx.Response, name: str) -> str:
    for value in response.headers.get_list("set-cookie"):
        if value.startswith(f"{name}="):
            return value
    raise AssertionError(f"no {name} cookie set")


def cookie_value(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def same_origin(client: httpx.Client) -> dict[str, str]:
    return {"origin": str(client.base_url).rstrip("/")}


# --- JWKS -----------------------------------------------------------------------------------------


def test_jwks_serves_public_keys_with_cache_control(
    client: httpx.Client, ring: keyturn.Keyring
) -> None:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json() == ring.jwks()
    assert response.headers["cache-control"] == f"public, max-age={ring.max_age_hint()}"
    assert all("d" not in key for key in response.json()["keys"])
    assert len(response.json()["keys"]) == 2  # current and the published next key


def test_jwks_follows_rotation(client: httpx.Client, ring: keyturn.Keyring) -> None:
    before = {key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]}
    ring.rotate()
    after = {key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]}
    assert before < after  # the old current stays published as previous


def test_jwks_head_and_wrong_method(client: httpx.Client) -> None:
    head = client.head("/.well-known/jwks.json")
    assert head.status_code == 200
    assert head.content == b""
    post = client.post("/.well-known/jwks.json")
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"


# --- bearer middleware ----------------------------------------------------------------------------


def test_valid_bearer_token_reaches_the_app(client: httpx.Client, issuer: keyturn.Issuer) -> None:
    token = issuer.issue("user-1", scope="read")
    response = client.get("/me", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["sub"] == "user-1"
    assert response.json()["scope"] == "read"


def test_missing_token_is_401_without_error_code(client: httpx.Client) -> None:
    for headers in ({}, {"authorization": "Basic dXNlcjpwYXNz"}, {"authorization": "Bearer"}):
        response = client.get("/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("expired", "token_expired"),
        ("forged", "signature_invalid"),
        ("garbage", "token_malformed"),
        ("unknown-kid", "key_unknown"),
        ("wrong-audience", "audience_invalid"),
    ],
)
def test_rejected_tokens_are_401_with_rfc6750_error(
    client: httpx.Client, ring: keyturn.Keyring, kind: str, code: str
) -> None:
    now = int(time.time())
    claims = {"iss": "https://auth.test", "aud": "api.test", "sub": "u", "exp": now + 600}
    stranger = keyturn.SigningKey.generate()
    tokens = {
        "expired": keyturn.encode({**claims, "exp": now - 60}, ring.current),
        "forged": keyturn.encode(claims, stranger, headers={"kid": ring.current.kid}),
        "garbage": "not.a.token",
        "unknown-kid": keyturn.encode(claims, stranger),
        "wrong-audience": keyturn.encode({**claims, "aud": "other"}, ring.current),
    }
    response = client.get("/me", headers={"authorization": f"Bearer {tokens[kind]}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        f'Bearer realm="api", error="invalid_token", error_description="{code}"'
    )
    assert response.json() == {"error": "invalid_token", "error_description": code}


def test_public_paths_pass_without_a_token(client: httpx.Client) -> None:
    assert client.get("/public").status_code == 200
    assert client.get("/public/page").status_code == 200
    assert client.get("/publicity").status_code == 401


# --- refresh: body clients ------------------------------------------------------------------------


def test_body_client_rotates_and_replay_kills_the_family(
    client: httpx.Client, service: keyturn.TokenService, verifier: keyturn.Verifier
) -> None:
    pair = service.issue_pair("user-1", "phone")
    first = client.post("/auth/refresh", json={"refresh_token": pair.refresh})
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert 590 <= body["expires_in"] <= 600
    assert first.headers["cache-control"] == "no-store"
    assert "set-cookie" not in first.headers
    assert verifier.verify(body["access_token"])["sub"] == "user-1"

    replay = client.post("/auth/refresh", json={"refresh_token": pair.refresh})
    assert replay.status_code == 400
    assert replay.json() == {"error": "invalid_grant", "error_description": "refresh_replayed"}
    successor = client.post("/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert successor.status_code == 400
    assert successor.json()["error_description"] == "refresh_revoked"


def test_form_body_per_rfc6749(client: httpx.Client, service: keyturn.TokenService) -> None:
    pair = service.issue_pair("user-1", "cli")
    form = {"grant_type": "refresh_token", "refresh_token": pair.refresh}
    response = client.post("/auth/refresh", data=form)
    assert response.status_code == 200
    assert "refresh_token" in response.json()
    wrong = client.post("/auth/refresh", data={**form, "grant_type": "password"})
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize(
    ("content", "content_type", "error", "description"),
    [
        (b"{not json", "application/json", "invalid_request", "malformed JSON body"),
        (b"[1, 2]", "application/json", "invalid_request", "the JSON body must be an object"),
        (
            b'{"refresh_token": 7}',
            "application/json",
            "invalid_request",
            "refresh_token must be a string",
        ),
        (b"{}", "application/json", "invalid_request", "refresh_token missing"),
        (b"\xff\xfe", "application/json", "invalid_request", "malformed JSON body"),
        (b"refresh_token=x", "text/plain", "invalid_request", "send JSON or a form body"),
        (
            b"no-equals-sign",
            "application/x-www-form-urlencoded",
            "invalid_request",
            "malformed form body",
        ),
        (b"", "application/json", "invalid_request", "no refresh token in the body or cookie"),
        (b'{"refresh_token": "junk"}', "application/json", "invalid_grant", "refresh_invalid"),
        (
            b"x" * (MAX_BODY_BYTES + 1),
            "application/json",
            "invalid_request",
            "request body too large",
        ),
    ],
)
def test_junk_input_is_400_with_an_rfc6749_error(
    client: httpx.Client, content: bytes, content_type: str, error: str, description: str
) -> None:
    response = client.post("/auth/refresh", content=content, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": description}
    assert "Traceback" not in response.text


def test_refresh_only_accepts_post(client: httpx.Client) -> None:
    response = client.get("/auth/refresh")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


# --- refresh: cookie clients and CSRF -------------------------------------------------------------


def test_cookie_client_rotates_with_a_fresh_httponly_cookie(
    client: httpx.Client, service: keyturn.TokenService
) -> None:
    pair = service.issue_pair("user-1", "browser")
    headers = {"cookie": f"__Host-keyturn_refresh={pair.refresh}", **same_origin(client)}
    response = client.post("/auth/refresh", headers=headers)
    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    refresh_cookie = cookie_of(response, "__Host-keyturn_refresh")
    assert refresh_cookie.endswith("; Path=/; HttpOnly; Secure; SameSite=Strict")
    assert cookie_value(refresh_cookie) != pair.refresh
    csrf_cookie = cookie_of(response, "__Host-keyturn_csrf")
    assert "HttpOnly" not in csrf_cookie

    # The next rotation uses the new cookie and the double-submit token instead of Origin.
    new_refresh, csrf = cookie_value(refresh_cookie), cookie_value(csrf_cookie)
    again = client.post(
        "/auth/refresh",
        headers={
            "cookie": f"__Host-keyturn_refresh={new_refresh}; __Host-keyturn_csrf={csrf}",
            "x-csrf-token": csrf,
        },
    )
    assert again.status_code == 200


@pytest.mark.parametrize(
    "evidence",
    [
        {},
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"x-csrf-token": "guess"},
    ],
)
def test_cross_site_cookie_requests_are_refused_and_consume_nothing(
    client: httpx.Client, service: keyturn.TokenService, evidence: dict[str, str]
) -> None:
    pair = service.issue_pair("user-1", "browser")
    cookies = f"__Host-keyturn_refresh={pair.refresh}; __Host-keyturn_csrf=the-real-one"
    refused = client.post("/auth/refresh", headers={"cookie": cookies, **evidence})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_request",
        "error_description": "cross-site request refused",
    }
    # The token was never presented to the service: it still rotates.
    assert service.rotate(pair.refresh).refresh


def test_sec_fetch_site_same_origin_passes(
    client: httpx.Client, service: keyturn.TokenService
) -> None:
    pair = service.issue_pair("user-1", "browser")
    headers = {"cookie": f"__Host-keyturn_refresh={pair.refresh}", "sec-fetch-site": "same-origin"}
    assert client.post("/auth/refresh", headers=headers).status_code == 200


def test_cookie_replay_clears_the_cookie(
    client: httpx.Client, service: keyturn.TokenService
) -> None:
    pair = service.issue_pair("user-1", "browser")
    service.rotate(pair.refresh)
    headers = {"cookie": f"__Host-keyturn_refresh={pair.refresh}", **same_origin(client)}
    response = client.post("/auth/refresh", headers=headers)
    assert response.status_code == 400
    assert response.json()["error_description"] == "refresh_replayed"
    assert cookie_of(response, "__Host-keyturn_refresh").startswith(
        "__Host-keyturn_refresh=; Max-Age=0"
    )


# --- logout ---------------------------------------------------------------------------------------


def test_logout_revokes_the_family(client: httpx.Client, service: keyturn.TokenService) -> None:
    pair = service.issue_pair("user-1", "phone")
    response = client.post("/auth/logout", json={"refresh_token": pair.refresh})
    assert response.status_code == 200
    with pytest.raises(keyturn.RevokedRefresh) as caught:
        service.rotate(pair.refresh)
    assert caught.value.code == "refresh_revoked"
    # RFC 7009: logging out an unknown token is not an error.
    assert client.post("/auth/logout", json={"refresh_token": "junk"}).status_code == 200


def test_logout_by_cookie_needs_csrf_and_clears_cookies(
    client: httpx.Client, service: keyturn.TokenService
) -> None:
    pair = service.issue_pair("user-1", "browser")
    cookie = {"cookie": f"__Host-keyturn_refresh={pair.refresh}"}
    assert client.post("/auth/logout", headers=cookie).status_code == 400
    response = client.post("/auth/logout", headers={**cookie, **same_origin(client)})
    assert response.status_code == 200
    assert cookie_of(response, "__Host-keyturn_refresh").startswith(
        "__Host-keyturn_refresh=; Max-Age=0"
    )


def test_logout_all_needs_a_valid_access_token(
    client: httpx.Client, service: keyturn.TokenService, ring: keyturn.Keyring
) -> None:
    phone = service.issue_pair("user-1", "phone")
    laptop = service.issue_pair("user-1", "laptop")
    other = service.issue_pair("user-2", "phone")

    missing = client.post("/auth/logout-all")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="auth"'
    expired = keyturn.encode(
        {"iss": "https://auth.test", "aud": "api.test", "sub": "user-1", "exp": 1}, ring.current
    )
    refused = client.post("/auth/logout-all", headers={"authorization": f"Bearer {expired}"})
    assert refused.status_code == 401
    assert refused.json()["error_description"] == "token_expired"
    assert service.sessions("user-1")

    done = client.post("/auth/logout-all", headers={"authorization": f"Bearer {phone.access}"})
    assert done.status_code == 200
    assert service.sessions("user-1") == []
    for pair in (phone, laptop):
        with pytest.raises(keyturn.RevokedRefresh):
            service.rotate(pair.refresh)
    assert service.rotate(other.refresh).access


def test_other_paths_fall_through(client: httpx.Client) -> None:
    assert client.get("/auth/other").status_code == 401  # reached BearerAuth, not the endpoints
