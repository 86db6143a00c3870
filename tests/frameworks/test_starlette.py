"""keyturn.starlette: Starlette's own authentication (request.user, request.auth.scopes,
``@requires``) backed by a keyturn verifier, over real HTTP (uvicorn on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import keyturn
from keyturn.starlette import TokenUser, bearer_middleware
from support.loopback import serve

ISSUER = "https://auth.test"
AUDIENCE = "api.test"


@pytest.fixture
def issuer() -> keyturn.Issuer:
    return keyturn.Issuer(keyturn.Keyring.generate(), issuer=ISSUER, audience=AUDIENCE)


@requires("read:orders")
async def orders(request: Request) -> JSONResponse:
    user = request.user
    assert isinstance(user, TokenUser)
    return JSONResponse({"sub": user.identity, "scopes": request.auth.scopes})


async def whoami(request: Request) -> JSONResponse:
    user = request.user
    return JSONResponse({"authenticated": user.is_authenticated, "name": user.display_name})


def make_app(verifier: Any) -> Starlette:
    routes = [Route("/orders", orders), Route("/whoami", whoami)]
    return Starlette(routes=routes, middleware=[bearer_middleware(verifier)])


@pytest.fixture
def client(issuer: keyturn.Issuer) -> Iterator[httpx.Client]:
    with serve(make_app(issuer.verifier())) as url, httpx.Client(base_url=url) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_scopes_and_user_from_a_valid_token(client: httpx.Client, issuer: keyturn.Issuer) -> None:
    token = issuer.issue("user-1", scope="read:orders profile")
    response = client.get("/orders", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"sub": "user-1", "scopes": ["profile", "read:orders"]}


def test_requires_refuses_a_token_without_the_scope(
    client: httpx.Client, issuer: keyturn.Issuer
) -> None:
    # Starlette's own answer (a plain 403): BearerAuth(scopes=...) gives the RFC 6750 one.
    response = client.get("/orders", headers=bearer(issuer.issue("user-1", scope="profile")))
    assert response.status_code == 403


def test_no_token_is_anonymous(client: httpx.Client) -> None:
    assert client.get("/whoami").json() == {"authenticated": False, "name": ""}
    assert client.get("/orders").status_code == 403


def test_an_invalid_token_is_401_invalid_token(client: httpx.Client) -> None:
    response = client.get("/whoami", headers=bearer("not.a.token"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer realm="api", error="invalid_token", error_description="token_malformed"'
    )
    assert response.json() == {"error": "invalid_token", "error_description": "token_malformed"}


def test_unreachable_revocations_are_503(issuer: keyturn.Issuer) -> None:
    class Down:
        async def averify(self, token: str) -> dict[str, Any]:
            raise keyturn.StoreError("the database is down")

    with serve(make_app(Down())) as url:
        response = httpx.get(f"{url}/whoami", headers=bearer(issuer.issue("u")))
    assert response.status_code == 503
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"error": "temporarily_unavailable"}


def test_a_quote_in_the_realm_is_a_configuration_error(issuer: keyturn.Issuer) -> None:
    with pytest.raises(keyturn.ConfigurationError) as raised:
        bearer_middleware(issuer.verifier(), realm='a"b')
    assert raised.value.code == "configuration_invalid"
