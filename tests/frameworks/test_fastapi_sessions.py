"""keyturn.fastapi.CurrentSession behind keyturn.asgi.SessionMiddleware over real HTTP, and the
cookie scheme it shows in OpenAPI."""

# No ``from __future__ import annotations``: FastAPI must resolve the routes' annotations, which
# name a ``current`` local to make_app.
from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI

import keyturn
from keyturn.asgi.sessions import SessionMiddleware
from keyturn.fastapi import CurrentSession
from keyturn.sessions import SessionService
from keyturn.stores.memory.sessions import MemorySessionStore
from support.loopback import serve

SESSION = "__Host-keyturn_session"


def make_app() -> FastAPI:
    current = CurrentSession()
    api = FastAPI()

    @api.get("/me")
    async def me(session: Annotated[Any, Depends(current.session)]) -> dict[str, str]:
        return {"user": session.user_id}

    return api


@pytest.fixture
def sessions() -> SessionService:
    return SessionService(MemorySessionStore())


@pytest.fixture
def client(sessions: SessionService) -> Iterator[httpx.Client]:
    with (
        serve(SessionMiddleware(make_app(), sessions)) as url,
        httpx.Client(base_url=url) as client,
    ):
        yield client


def test_the_current_session(client: httpx.Client, sessions: SessionService) -> None:
    session_id = sessions.start("user-1").id
    response = client.get("/me", headers={"cookie": f"{SESSION}={session_id}"})
    assert response.status_code == 200
    assert response.json() == {"user": "user-1"}


def test_no_session_cookie_is_401(client: httpx.Client) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert response.json() == {
        "detail": {"error": "invalid_request", "error_description": "no session cookie"}
    }


def test_a_bad_session_cookie_is_refused_by_the_middleware(client: httpx.Client) -> None:
    response = client.get("/me", headers={"cookie": f"{SESSION}=junk"})
    assert response.status_code == 401
    assert response.json() == {"error": "session_invalid"}


def test_without_the_middleware_it_is_a_configuration_error() -> None:
    with serve(make_app()) as url:
        # FastAPI answers the ConfigurationError with a 500: never an anonymous pass.
        response = httpx.get(f"{url}/me")
    assert response.status_code == 500


def test_openapi_shows_the_cookie_scheme(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"] == {
        "keyturnSession": {
            "type": "apiKey",
            "in": "cookie",
            "name": SESSION,
            "description": "A keyturn browser session (HttpOnly cookie)",
        }
    }
    assert document["paths"]["/me"]["get"]["security"] == [{"keyturnSession": []}]


def test_the_missing_middleware_is_named_by_its_error_class() -> None:
    from starlette.requests import Request

    from keyturn.fastapi import _loaded_session

    with pytest.raises(keyturn.ConfigurationError) as raised:
        _loaded_session(Request({"type": "http", "state": {}}))
    assert raised.value.code == "configuration_invalid"
