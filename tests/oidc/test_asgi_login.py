"""``GET /auth/login`` and ``/auth/callback`` over real HTTP (uvicorn), signing in at nanoidp.

Cookies are sent by hand (no cookie jar): each request carries exactly what a browser would.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

import keyturn as kt
from keyturn.asgi import login_endpoints

from .conftest import NANO_USER, Site, nanoidp_sign_in

LOGIN_COOKIE = re.compile(r"^(__Host-keyturn_login_[0-9a-f]{16})=([A-Za-z0-9_-]+); ")


def start(site: Site, query: str = "") -> tuple[str, str, str]:
    """``/auth/login``: the provider URL and the login cookie (name, value) it set."""
    response = httpx.get(f"{site.url}/auth/login{query}")
    assert response.status_code == 302
    assert response.headers["cache-control"] == "no-store"
    (cookie,) = response.headers.get_list("set-cookie")
    match = LOGIN_COOKIE.match(cookie)
    assert match, cookie
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=Lax" in cookie
    assert len(cookie) < 200
    return response.headers["location"], match.group(1), match.group(2)


def sign_in_at_provider(site: Site, url: str) -> dict[str, str]:
    with httpx.Client() as browser:
        return nanoidp_sign_in(browser, url, site.party.redirect_uri)


def callback(site: Site, params: dict[str, str], cookie: str | None) -> httpx.Response:
    headers = {"cookie": cookie} if cookie else {}
    return httpx.get(f"{site.url}/auth/callback?{urlencode(params)}", headers=headers)


def test_sign_in_issues_a_keyturn_pair(site: Site) -> None:
    url, name, value = start(site, "?next=/home")
    assert urlsplit(url).netloc == urlsplit(site.party.client.metadata.issuer).netloc
    params = sign_in_at_provider(site, url)

    done = callback(site, params, f"{name}={value}")

    assert done.status_code == 303
    assert done.headers["location"] == "/home"
    cookies = done.headers.get_list("set-cookie")
    assert f"{name}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax" in cookies
    refresh = next(c for c in cookies if c.startswith("__Host-keyturn_refresh="))
    csrf = next(c for c in cookies if c.startswith("__Host-keyturn_csrf="))
    assert "HttpOnly" in refresh
    assert site.mapped == [NANO_USER]
    (session,) = site.service.sessions(f"local-{NANO_USER}")
    assert session.device_id == "web"

    # The browser's next step: an access token from the refresh cookie.
    jar = "; ".join(c.split(";", 1)[0] for c in (refresh, csrf))
    token = httpx.post(
        f"{site.url}/auth/refresh",
        headers={"cookie": jar, "x-csrf-token": csrf.split(";", 1)[0].split("=", 1)[1]},
    )
    assert token.status_code == 200, token.text
    assert site.verifier.verify(token.json()["access_token"])["sub"] == f"local-{NANO_USER}"


@pytest.mark.parametrize(
    ("cookie", "tamper", "code"),
    [
        (None, {}, "login_state_invalid"),
        ("wrong", {}, "login_state_invalid"),
        ("own", {"state": "forged"}, "login_state_invalid"),
        ("own", {"iss": "https://evil.example"}, "login_response_invalid"),
        ("twice", {}, "login_state_invalid"),
    ],
    ids=["no-cookie", "wrong-cookie", "forged-state", "mix-up", "cookie-tossed"],
)
def test_refused_callback_issues_nothing(
    site: Site, cookie: str | None, tamper: dict[str, str], code: str
) -> None:
    url, name, value = start(site)
    params = {**sign_in_at_provider(site, url), **tamper}
    header = {
        None: None,
        "wrong": f"{name}=not-the-binding",
        "own": f"{name}={value}",
        "twice": f"{name}=planted; {name}={value}",
    }[cookie]

    refused = callback(site, params, header)

    assert refused.status_code == 400
    assert refused.json() == {"error": code}
    assert not any(
        c.startswith("__Host-keyturn_refresh") for c in refused.headers.get_list("set-cookie")
    )
    assert site.mapped == []
    assert site.service.sessions(f"local-{NANO_USER}") == []


def test_repeated_query_parameter_is_refused(site: Site) -> None:
    url, name, value = start(site)
    params = sign_in_at_provider(site, url)
    query = urlencode([*params.items(), ("code", "injected")])
    refused = httpx.get(f"{site.url}/auth/callback?{query}", headers={"cookie": f"{name}={value}"})
    assert refused.status_code == 400
    assert refused.json() == {"error": "login_response_invalid"}
    assert site.mapped == []


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example", "/\\evil.example", "home"]
)
def test_next_never_leaves_the_site(site: Site, target: str) -> None:
    url, name, value = start(site, "?" + urlencode({"next": target}))
    done = callback(site, sign_in_at_provider(site, url), f"{name}={value}")
    assert done.status_code == 303
    assert done.headers["location"] == "/"


def test_two_tabs_each_keep_their_login(site: Site) -> None:
    first = start(site, "?next=/a")
    second = start(site, "?next=/b")
    assert first[1] != second[1]  # two cookies, not one overwritten
    params_first = sign_in_at_provider(site, first[0])
    params_second = sign_in_at_provider(site, second[0])
    assert callback(site, params_second, f"{second[1]}={second[2]}").headers["location"] == "/b"
    assert callback(site, params_first, f"{first[1]}={first[2]}").headers["location"] == "/a"


def test_only_get(site: Site) -> None:
    response = httpx.post(f"{site.url}/auth/login")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


class BrokenStates:
    """A login-state store whose database is gone: every operation fails."""

    def put(self, state_hash: str, login: object, now: float) -> None:
        raise kt.StoreError("login state store: OperationalError")

    def take(self, state_hash: str) -> None:
        raise kt.StoreError("login state store: OperationalError")

    def close(self) -> None:
        """Nothing to release."""


@pytest.mark.asyncio
async def test_a_failing_state_store_is_a_503_and_issues_nothing(tmp_path: Path) -> None:
    document = {
        "issuer": "https://idp.example",
        "jwks_uri": "https://idp.example/jwks",
        "authorization_endpoint": "https://idp.example/authorize",
        "token_endpoint": "https://idp.example/token",
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    metadata = kt.ProviderMetadata.from_document(document, issuer="https://idp.example")
    party = kt.RelyingParty(
        kt.OAuthClient(metadata, kt.PublicClient("app")),
        redirect_uri="https://app.example/auth/callback",
        states=BrokenStates(),
    )
    service = kt.TokenService(
        kt.Issuer(kt.Keyring.generate(), issuer="https://app.example", audience="app"),
        store=kt.SQLiteStore(str(tmp_path / "kt.db")),
    )
    app = login_endpoints(party, service, map_user=lambda login: login.subject)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://app.example") as client:
        for path in ("/auth/login", "/auth/callback?state=s&code=c"):
            response = await client.get(path)
            assert response.status_code == 503, path
            assert response.json() == {"error": "temporarily_unavailable"}
    service.close()
