"""RFC 7662 introspection and RFC 7009 revocation over real HTTP, for access and refresh tokens."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

import keyturn as kt

from .conftest import API_A, API_B, AUDIENCE, Running
from .test_token import assert_invalid_client, basic, rfc_error

GRANT = {"grant_type": "client_credentials"}


def credentials(auth: Running, client_id: str) -> dict[str, Any]:
    """httpx options carrying the client's secret the way it is registered to send it."""
    secret = auth.secrets[client_id]
    if client_id == "client_secret_post":
        return {"data": {"client_id": client_id, "client_secret": secret}}
    return {"data": {}, "headers": basic(client_id, secret)}


def call(auth: Running, path: str, client_id: str, **form: str) -> httpx.Response:
    options = credentials(auth, client_id)
    options["data"] = {**options["data"], **form}
    return httpx.post(auth.url + path, **options)


def issued(auth: Running, client_id: str = "client_secret_basic", **form: str) -> str:
    answer = call(auth, "/oauth/token", client_id, **GRANT, **form)
    assert answer.status_code == 200
    token: str = answer.json()["access_token"]
    return token


def ask(auth: Running, endpoint: str, token: str, client_id: str) -> httpx.Response:
    return call(auth, f"/oauth/{endpoint}", client_id, token=token)


def introspect(auth: Running, token: str, client_id: str = "client_secret_basic") -> Any:
    answer = ask(auth, "introspect", token, client_id)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    return answer.json()


@pytest.fixture
def resource_server(auth: Running) -> str:
    """A client registered for the audience of users' access tokens (keyturn serve's --audience)."""
    _, secret = auth.registry.add("api", client_id="api", audiences=[AUDIENCE])
    assert secret is not None
    auth.secrets["api"] = secret
    return "api"


# --- introspection --------------------------------------------------------------------------------


def test_an_access_token_introspects_with_its_claims(auth: Running) -> None:
    token = issued(auth, scope="orders:read")
    answer = introspect(auth, token)
    claims = kt.decode(token, auth.ring.jwks(), issuer=auth.url, audience=API_A)
    assert answer == {
        "active": True,
        "token_type": "access_token",
        "scope": "orders:read",
        "client_id": "client_secret_basic",
        "sub": "client_secret_basic",
        "aud": sorted([API_A, API_B]),
        "iss": auth.url,
        "exp": claims["exp"],
        "iat": claims["iat"],
        "jti": claims["jti"],
    }
    # Another client registered for one of its audiences sees it too (a resource server).
    assert introspect(auth, token, "client_secret_post")["active"] is True


def test_tokens_a_client_may_not_see_junk_expired_and_revoked_are_inactive(
    auth: Running,
) -> None:
    for_b = issued(auth, "client_secret_post", resource=API_B)
    # The private_key_jwt client is registered for API_A only, and is not the token's client.
    auth.secrets["private_key_jwt"] = ""
    assert auth.assertion_key is not None
    form_client = kt.PrivateKeyJWT("private_key_jwt", auth.assertion_key)
    form = {"token": for_b}
    headers: dict[str, str] = {}
    form_client.apply(form, headers, audience=auth.url)
    answer = httpx.post(f"{auth.url}/oauth/introspect", data=form, headers=headers)
    assert answer.json() == {"active": False}

    now = int(time.time())
    expired = kt.encode(
        {"iss": auth.url, "sub": "s", "aud": API_A, "iat": now - 600, "exp": now - 300},
        auth.ring.current,
        headers={"typ": "at+jwt"},
    )
    revoked = issued(auth)
    auth.revocations.revoke(kt.decode(revoked, auth.ring.jwks(), issuer=auth.url, audience=API_A))
    for token in ("junk", expired, revoked, "ktr_" + "A" * 70, auth.issuer.issue("user-9")):
        assert introspect(auth, token) == {"active": False}


def test_a_refresh_token_introspects_without_being_spent(
    auth: Running, resource_server: str
) -> None:
    pair = auth.service.issue_pair("user-1", "laptop", claims={"scope": "profile"})
    answer = introspect(auth, pair.refresh, resource_server)
    assert answer["active"] is True
    assert answer["token_type"] == "refresh_token"
    assert answer["sub"] == "user-1"
    assert answer["scope"] == "profile"
    assert answer["exp"] == int(pair.refresh_expires_at)
    # Introspected twice, then rotated: it was never used up (nor taken for a replay).
    assert introspect(auth, pair.refresh, resource_server)["active"] is True
    rotated = auth.service.rotate(pair.refresh)
    assert introspect(auth, pair.refresh, resource_server) == {"active": False}
    assert introspect(auth, rotated.refresh, resource_server)["active"] is True
    # A client not registered for the family's audience learns nothing.
    assert introspect(auth, rotated.refresh) == {"active": False}


def test_introspection_needs_an_authenticated_client(auth: Running) -> None:
    token = issued(auth)
    assert_invalid_client(httpx.post(f"{auth.url}/oauth/introspect", data={"token": token}))
    wrong = httpx.post(
        f"{auth.url}/oauth/introspect",
        data={"token": token},
        headers=basic("client_secret_basic", "wrong"),
    )
    assert_invalid_client(wrong)
    missing = httpx.post(
        f"{auth.url}/oauth/introspect",
        data={},
        headers=basic("client_secret_basic", auth.secrets["client_secret_basic"]),
    )
    rfc_error(missing, 400, "invalid_request")


# --- revocation -----------------------------------------------------------------------------------


def test_revoking_an_access_token_denies_its_jti(auth: Running) -> None:
    token = issued(auth)
    answer = ask(auth, "revoke", token, "client_secret_basic")
    assert answer.status_code == 200
    assert answer.content == b""
    assert auth.revoked() == 1
    assert introspect(auth, token) == {"active": False}
    verifier = kt.Verifier(
        keys=auth.ring, issuer=auth.url, audience=API_A, revocations=auth.revocations
    )
    with pytest.raises(kt.TokenRevoked) as refused:
        verifier.verify(token)
    assert refused.value.code == "token_revoked"


def test_revoking_a_refresh_token_ends_its_family(auth: Running, resource_server: str) -> None:
    pair = auth.service.issue_pair("user-1", "phone")
    assert ask(auth, "revoke", pair.refresh, resource_server).status_code == 200
    with pytest.raises(kt.RevokedRefresh) as refused:
        auth.service.rotate(pair.refresh)
    assert refused.value.code == "refresh_revoked"


def test_unknown_and_foreign_tokens_get_200_and_nothing_changes(
    auth: Running, resource_server: str
) -> None:
    foreign = issued(auth, "client_secret_post", resource=API_B)
    pair = auth.service.issue_pair("user-1", "phone")
    # The resource server is registered for users' tokens only; client_secret_basic for API_A/B.
    for token, revoker in [
        ("junk", "client_secret_basic"),
        ("ktr_" + "A" * 70, "client_secret_basic"),
        (foreign, resource_server),
        (pair.refresh, "client_secret_basic"),
    ]:
        answer = ask(auth, "revoke", token, revoker)
        assert answer.status_code == 200
        assert answer.content == b""
    assert auth.revoked() == 0
    assert introspect(auth, foreign, "client_secret_post")["active"] is True
    assert auth.service.rotate(pair.refresh).refresh  # the family lives on


def test_revocation_needs_an_authenticated_client(auth: Running) -> None:
    token = issued(auth)
    assert_invalid_client(httpx.post(f"{auth.url}/oauth/revoke", data={"token": token}))
    assert auth.revoked() == 0
