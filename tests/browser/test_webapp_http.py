"""examples/webapp over plain HTTP (uvicorn on loopback, no browser): the sign-in form's
refusals, and the session exchanged for a token the example's own API accepts."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import keyturn
from support.loopback import serve
from support.providers import NANO_BASIC, Provider

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webapp" / "app.py"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("KEYTURN_KEYRING", str(tmp_path / "keys.json"))
    monkeypatch.setenv("KEYTURN_DB", str(tmp_path / "kt.db"))
    monkeypatch.delenv("KEYTURN_OIDC_ISSUER", raising=False)  # the password form at import
    spec = importlib.util.spec_from_file_location("example_webapp_http", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look it up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def site(example: Any, tmp_path: Path) -> Any:
    return example.build(tmp_path / "keys.json", tmp_path / "kt.db")


@pytest.fixture
def client(site: Any) -> Iterator[httpx.Client]:
    with serve(site.app) as url, httpx.Client(base_url=url) as client:
        yield client


def same_origin(client: httpx.Client) -> dict[str, str]:
    return {"origin": str(client.base_url).rstrip("/")}


def test_sign_in_sets_both_httponly_cookies(client: httpx.Client) -> None:
    form = {"username": "alice", "password": PASSWORD}
    response = client.post("/login", data=form, headers=same_origin(client))
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    set_cookies = response.headers.get_list("set-cookie")
    session = next(c for c in set_cookies if c.startswith("__Host-keyturn_session="))
    refresh = next(c for c in set_cookies if c.startswith("__Host-keyturn_refresh="))
    assert session.endswith("; Path=/; HttpOnly; Secure; SameSite=Lax")
    assert refresh.endswith("; Path=/; HttpOnly; Secure; SameSite=Strict")


@pytest.mark.parametrize(
    ("form", "headers", "status", "text"),
    [
        ({"username": "alice", "password": "guess"}, "same", 401, "wrong username or password"),
        ({"username": "mallory", "password": ""}, "same", 401, "wrong username or password"),
        ({"username": "alice", "password": PASSWORD}, "none", 403, "cross-site request refused"),
        (
            {"username": "alice", "password": PASSWORD},
            "cross",
            403,
            "cross-site request refused",
        ),
        ({"username": "alice", "password": "x" * 2000}, "same", 400, "request body too large"),
    ],
)
def test_sign_in_refusals_set_no_cookie(
    client: httpx.Client, form: dict[str, str], headers: str, status: int, text: str
) -> None:
    evidence = {
        "same": same_origin(client),
        "none": {},
        "cross": {"sec-fetch-site": "cross-site", "origin": "https://evil.test"},
    }[headers]
    response = client.post("/login", data=form, headers=evidence)
    assert response.status_code == status
    assert response.text == text
    assert "set-cookie" not in response.headers


def test_the_session_buys_a_token_the_api_accepts(client: httpx.Client, site: Any) -> None:
    form = {"username": "alice", "password": PASSWORD}
    signed_in = client.post("/login", data=form, headers=same_origin(client))
    session = signed_in.cookies["__Host-keyturn_session"]
    exchanged = client.post(
        "/auth/token",
        headers={**same_origin(client), "cookie": f"__Host-keyturn_session={session}"},
    )
    assert exchanged.status_code == 200
    token = exchanged.json()["access_token"]
    me = client.get("/api/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200
    handle = site.sessions.sessions("alice")[0].handle
    assert me.json() == {"user": "alice", "sid": handle}


def test_the_api_needs_the_read_scope(client: httpx.Client, site: Any) -> None:
    issuer = keyturn.Issuer(
        site.ring, issuer="https://auth.example.com", audience="api.example.com"
    )
    response = client.get("/api/me", headers={"authorization": f"Bearer {issuer.issue('alice')}"})
    assert response.status_code == 403
    assert response.json() == {"error": "insufficient_scope", "scope": "read"}
    assert client.get("/api/me").status_code == 401


def test_the_provider_is_read_from_the_environment(
    example: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert example.ProviderConfig.from_env() is None
    monkeypatch.setenv("KEYTURN_OIDC_ISSUER", "https://idp.example.org")
    monkeypatch.setenv("KEYTURN_OIDC_CLIENT_ID", "webapp")
    monkeypatch.setenv("KEYTURN_OIDC_CLIENT_SECRET", "s3cret-s3cret")
    expected = ("https://idp.example.org", "webapp", "s3cret-s3cret")
    default = example.ProviderConfig(*expected)
    assert example.ProviderConfig.from_env() == default
    assert default.redirect_uri == "http://127.0.0.1:8000/auth/callback"
    monkeypatch.setenv("KEYTURN_OIDC_REDIRECT_URI", "https://app.example.org/auth/callback")
    redirect = example.ProviderConfig(*expected, "https://app.example.org/auth/callback")
    assert example.ProviderConfig.from_env() == redirect
    assert "s3cret" not in repr(redirect)


def test_with_a_provider_the_password_form_is_gone(
    example: Any, tmp_path: Path, nanoidp: Provider
) -> None:
    redirect_uri = "http://127.0.0.1:9/auth/callback"  # never reached: the test reads Location
    config = example.ProviderConfig(nanoidp.issuer, *NANO_BASIC, redirect_uri)
    site = example.build(tmp_path / "keys.json", tmp_path / "kt.db", config)
    with serve(site.app) as url, httpx.Client(base_url=url) as client:
        page = client.get("/").text
        assert 'id="sign-in-provider" href="/auth/login"' in page
        assert 'id="password"' not in page
        form = {"username": "alice", "password": PASSWORD}
        assert client.post("/login", data=form, headers=same_origin(client)).status_code == 404
        login = client.get("/auth/login")
    assert login.status_code == 302
    assert login.headers["location"].startswith(nanoidp.issuer + "/")
    assert f"redirect_uri={quote(redirect_uri, safe='')}" in login.headers["location"]
