"""BearerAuth's per-route scopes over real HTTP (uvicorn on loopback): RFC 6750 §3.1 refusals."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

import keyturn
from keyturn.asgi import BearerAuth
from keyturn.asgi._scopes import ScopeRules, granted, scope_set

RULES = {
    "/orders": "read:orders",
    "POST /orders": ["write:orders"],
    "/admin": "admin audit",
}


@pytest.fixture
def app(verifier: keyturn.Verifier, echo: Any) -> Any:
    return BearerAuth(echo, verifier, public=["/public"], scopes=RULES)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_token_with_the_scope_reaches_the_app(
    client: httpx.Client, issuer: keyturn.Issuer
) -> None:
    token = issuer.issue("user-1", scope="profile read:orders")
    response = client.get("/orders/7", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["sub"] == "user-1"


def test_missing_scope_is_403_insufficient_scope_naming_what_is_needed(
    client: httpx.Client, issuer: keyturn.Issuer
) -> None:
    token = issuer.issue("user-1", scope="profile")
    response = client.get("/orders", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["www-authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", scope="read:orders"'
    )
    assert response.json() == {"error": "insufficient_scope", "scope": "read:orders"}


def test_every_matching_rule_applies(client: httpx.Client, issuer: keyturn.Issuer) -> None:
    # POST /orders matches both "/orders" and "POST /orders": both scopes are needed.
    write_only = issuer.issue("user-1", scope="write:orders")
    refused = client.post("/orders/7", headers=bearer(write_only))
    assert refused.status_code == 403
    assert refused.json() == {"error": "insufficient_scope", "scope": "read:orders write:orders"}
    both = issuer.issue("user-1", scope="read:orders write:orders")
    assert client.post("/orders/7", headers=bearer(both)).status_code == 200
    # The method rule does not apply to GET.
    assert client.get("/orders/7", headers=bearer(both)).status_code == 200


def test_all_scopes_of_a_rule_are_needed(client: httpx.Client, issuer: keyturn.Issuer) -> None:
    half = issuer.issue("user-1", scope="admin")
    response = client.get("/admin", headers=bearer(half))
    assert response.status_code == 403
    assert response.json() == {"error": "insufficient_scope", "scope": "admin audit"}
    whole = issuer.issue("user-1", scope="audit admin")
    assert client.get("/admin", headers=bearer(whole)).status_code == 200


def test_prefixes_match_whole_segments(client: httpx.Client, issuer: keyturn.Issuer) -> None:
    token = issuer.issue("user-1")  # no scope at all
    assert client.get("/ordersx", headers=bearer(token)).status_code == 200
    assert client.get("/orders", headers=bearer(token)).status_code == 403


@pytest.mark.parametrize(
    "scope_claim",
    [
        ["read:orders"],  # a list is not RFC 9068's space-separated string
        7,
        "read:ordersx",  # no prefix or substring match
        "READ:ORDERS",  # scopes are case-sensitive (RFC 6749 §3.3)
    ],
)
def test_other_shapes_of_the_scope_claim_grant_nothing(
    client: httpx.Client, ring: keyturn.Keyring, scope_claim: Any
) -> None:
    claims = {"iss": "https://auth.test", "aud": "api.test", "sub": "u", "exp": 2**40}
    token = keyturn.encode({**claims, "scope": scope_claim}, ring.current)
    response = client.get("/orders", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_scp_is_not_read(client: httpx.Client, ring: keyturn.Keyring) -> None:
    claims = {"iss": "https://auth.test", "aud": "api.test", "sub": "u", "exp": 2**40}
    token = keyturn.encode({**claims, "scp": "read:orders"}, ring.current)
    assert client.get("/orders", headers=bearer(token)).status_code == 403


def test_no_token_on_a_scoped_route_is_401_naming_the_scope(client: httpx.Client) -> None:
    response = client.get("/orders")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="api", scope="read:orders"'
    assert response.json() == {"error": "invalid_token", "error_description": "missing"}


def test_an_invalid_token_is_401_before_any_scope_check(client: httpx.Client) -> None:
    response = client.get("/orders", headers=bearer("not.a.token"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer realm="api", error="invalid_token", error_description="token_malformed", '
        'scope="read:orders"'
    )
    assert response.json() == {"error": "invalid_token", "error_description": "token_malformed"}


def test_public_paths_need_no_scope(client: httpx.Client) -> None:
    assert client.get("/public").status_code == 200


@pytest.mark.parametrize(
    "rules",
    [
        {"orders": "read"},  # not a path
        {"get /orders": "read"},  # methods are upper case
        {"GET  /orders": "read"},  # "GET " is not a method
        {"/orders": 'read"x'},  # a quote would break out of the WWW-Authenticate attribute
        {"/orders": "read\\x"},
        {"/orders": ""},
        {"/orders": []},
        {"/orders": [7]},
        {7: "read"},
    ],
)
def test_malformed_rules_are_configuration_errors(rules: Any, verifier: keyturn.Verifier) -> None:
    with pytest.raises(keyturn.ConfigurationError) as raised:
        BearerAuth(lambda *a: None, verifier, scopes=rules)  # type: ignore[arg-type,return-value]
    assert raised.value.code == "configuration_invalid"


def test_root_rule_covers_every_path() -> None:
    # Unlike ``public``, where "/" is the root alone: requiring more is never the unsafe reading.
    rules = ScopeRules({"/": "base"})
    assert rules.required("GET", "/") == {"base"}
    assert rules.required("GET", "/anything/below") == {"base"}


def test_scope_helpers() -> None:
    assert scope_set("a b") == scope_set(["b", "a"]) == {"a", "b"}
    assert granted({"scope": " a  b "}) == {"a", "b"}
    assert granted({}) == frozenset()


def test_websocket_without_the_scope_is_closed_1008(
    verifier: keyturn.Verifier, issuer: keyturn.Issuer, echo: Any
) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    token = issuer.issue("user-1", scope="profile")
    scope = {
        "type": "websocket",
        "path": "/orders/live",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
    }
    asyncio.run(BearerAuth(echo, verifier, scopes=RULES)(scope, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1008}]
