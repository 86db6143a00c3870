"""The FastAPI and Starlette examples, called through their ASGI interface (httpx ASGITransport)."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import pytest_asyncio

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "correct horse battery staple"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest_asyncio.fixture(params=["fastapi_app", "starlette_app"])
async def client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("KEYTURN_KEYRING", str(tmp_path / "keys.json"))
    monkeypatch.setenv("KEYTURN_DB", str(tmp_path / "kt.db"))
    transport = httpx.ASGITransport(app=load_example(request.param).app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    assert (tmp_path / "keys.json").is_file()  # the example used the configured paths


async def login(client: httpx.AsyncClient, **extra: object) -> dict[str, str]:
    response = await client.post(
        "/login", json={"username": "alice", "password": PASSWORD, "device": "phone", **extra}
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


@pytest.mark.asyncio
async def test_wrong_password_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/login", json={"username": "alice", "password": "guess"})
    assert response.status_code == 401
    unknown = await client.post("/login", json={"username": "mallory", "password": ""})
    assert unknown.status_code == 401


@pytest.mark.asyncio
async def test_login_then_call_the_api(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    assert tokens["refresh_token"].startswith("ktr_")
    me = await client.get("/api/me", headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json()["user"] == "alice"


@pytest.mark.asyncio
async def test_api_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/me")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="api"'
    forged = await client.get("/api/me", headers={"authorization": "Bearer a.b.c"})
    assert forged.status_code == 401
    assert forged.json()["error_description"] == "token_malformed"


@pytest.mark.asyncio
async def test_refresh_and_replay(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    rotated = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    new_access = rotated.json()["access_token"]
    me = await client.get("/api/me", headers={"authorization": f"Bearer {new_access}"})
    assert me.is_success
    replay = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert replay.status_code == 400
    assert replay.json()["error_description"] == "refresh_replayed"


@pytest.mark.asyncio
async def test_browser_login_uses_an_httponly_cookie(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/login", json={"username": "alice", "password": PASSWORD, "cookie": True}
    )
    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    refresh_cookie = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith("__Host-keyturn_refresh=")
    )
    assert "HttpOnly; Secure; SameSite=Strict" in refresh_cookie
    refresh = refresh_cookie.split(";", 1)[0].split("=", 1)[1]
    rotated = await client.post(
        "/auth/refresh",
        headers={"cookie": f"__Host-keyturn_refresh={refresh}", "origin": "http://testserver"},
    )
    assert rotated.status_code == 200
    assert "refresh_token" not in rotated.json()


@pytest.mark.asyncio
async def test_jwks_and_logout_all(client: httpx.AsyncClient) -> None:
    jwks = await client.get("/.well-known/jwks.json")
    assert len(jwks.json()["keys"]) == 2
    tokens = await login(client)
    bearer = {"authorization": f"Bearer {tokens['access_token']}"}
    logged_out = await client.post("/auth/logout-all", headers=bearer)
    assert logged_out.status_code == 200
    dead = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert dead.json()["error_description"] == "refresh_revoked"
