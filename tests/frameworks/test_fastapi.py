"""keyturn.fastapi's dependencies over real HTTP (uvicorn on loopback), and the OpenAPI document
FastAPI builds from them (what ``/docs`` renders)."""

# No ``from __future__ import annotations``: FastAPI must resolve the routes' annotations, which
# name an ``auth`` local to make_app.
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI

import keyturn
from keyturn.fastapi import Bearer
from support.loopback import serve

ISSUER = "https://auth.test"
AUDIENCE = "api.test"


@pytest.fixture
def issuer() -> keyturn.Issuer:
    return keyturn.Issuer(keyturn.Keyring.generate(), issuer=ISSUER, audience=AUDIENCE)


def make_app(verifier: Any) -> FastAPI:
    auth = Bearer(verifier)
    api = FastAPI()

    @api.get("/me")
    async def me(claims: Annotated[dict[str, Any], Depends(auth.claims)]) -> dict[str, Any]:
        return {"sub": claims["sub"]}

    @api.get("/orders")
    async def orders(
        claims: Annotated[dict[str, Any], auth.require_scopes("read:orders")],
    ) -> dict[str, Any]:
        return {"sub": claims["sub"]}

    @api.post("/orders", dependencies=[auth.require_scopes("read:orders", "write:orders")])
    async def place() -> dict[str, bool]:
        return {"placed": True}

    @api.get("/open")
    async def open_() -> dict[str, bool]:
        return {"open": True}

    return api


@pytest.fixture
def client(issuer: keyturn.Issuer) -> Iterator[httpx.Client]:
    with serve(make_app(issuer.verifier())) as url, httpx.Client(base_url=url) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_claims_of_a_valid_token(client: httpx.Client, issuer: keyturn.Issuer) -> None:
    response = client.get("/me", headers=bearer(issuer.issue("user-1")))
    assert response.status_code == 200
    assert response.json() == {"sub": "user-1"}


def test_required_scopes(client: httpx.Client, issuer: keyturn.Issuer) -> None:
    reader = issuer.issue("user-1", scope="read:orders")
    assert client.get("/orders", headers=bearer(reader)).json() == {"sub": "user-1"}
    refused = client.post("/orders", headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.headers["www-authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", scope="read:orders write:orders"'
    )
    assert refused.json() == {
        "detail": {"error": "insufficient_scope", "scope": "read:orders write:orders"}
    }
    writer = issuer.issue("user-1", scope="write:orders read:orders")
    assert client.post("/orders", headers=bearer(writer)).json() == {"placed": True}


def test_no_token_is_401_without_an_error_attribute(client: httpx.Client) -> None:
    response = client.get("/orders")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="api", scope="read:orders"'
    assert response.json() == {"detail": {"error": "invalid_token", "error_description": "missing"}}
    plain = client.get("/me", headers={"authorization": "Basic dXNlcjpwYXNz"})
    assert plain.headers["www-authenticate"] == 'Bearer realm="api"'


def test_bad_tokens_are_401_invalid_token(client: httpx.Client, issuer: keyturn.Issuer) -> None:
    stranger = keyturn.Issuer(keyturn.Keyring.generate(), issuer=ISSUER, audience=AUDIENCE)
    for token, code in [("not.a.token", "token_malformed"), (stranger.issue("u"), "key_unknown")]:
        response = client.get("/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == (
            f'Bearer realm="api", error="invalid_token", error_description="{code}"'
        )
        assert response.json() == {"detail": {"error": "invalid_token", "error_description": code}}


def test_a_repeated_authorization_header_never_verifies(
    client: httpx.Client, issuer: keyturn.Issuer
) -> None:
    token = issuer.issue("user-1")
    headers = [("authorization", f"Bearer {token}"), ("authorization", f"Bearer {token}")]
    response = client.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == "invalid_token"


def test_unreachable_keys_are_503(issuer: keyturn.Issuer) -> None:
    class Down:
        async def averify(self, token: str) -> dict[str, Any]:
            raise keyturn.JWKSError("the issuer is down", code="jwks_unavailable")

    with serve(make_app(Down())) as url:
        response = httpx.get(f"{url}/me", headers=bearer(issuer.issue("u")))
    assert response.status_code == 503
    assert response.json() == {"detail": {"error": "temporarily_unavailable"}}


def test_openapi_shows_the_bearer_scheme_and_the_scopes(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"] == {
        "keyturnBearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A keyturn access token (JWT)",
        }
    }
    paths = document["paths"]
    assert paths["/me"]["get"]["security"] == [{"keyturnBearer": []}]
    assert paths["/orders"]["get"]["security"] == [{"keyturnBearer": ["read:orders"]}]
    assert paths["/orders"]["post"]["security"] == [
        {"keyturnBearer": ["read:orders", "write:orders"]}
    ]
    assert "security" not in paths["/open"]["get"]
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("scopes", [("read orders",), ('x"',), ("",)])
def test_malformed_scopes_are_configuration_errors(
    scopes: tuple[str, ...], issuer: keyturn.Issuer
) -> None:
    with pytest.raises(keyturn.ConfigurationError) as raised:
        Bearer(issuer.verifier()).require_scopes(*scopes)
    assert raised.value.code == "configuration_invalid"


def test_a_quote_in_the_realm_is_a_configuration_error(issuer: keyturn.Issuer) -> None:
    with pytest.raises(keyturn.ConfigurationError) as raised:
        Bearer(issuer.verifier(), realm='a"b')
    assert raised.value.code == "configuration_invalid"


def test_import_keyturn_does_not_import_fastapi() -> None:
    import subprocess

    code = "import sys, keyturn; print('fastapi' in sys.modules, 'starlette' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
