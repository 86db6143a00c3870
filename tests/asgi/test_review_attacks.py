"""The ASGI attacks of the outside review (issue 13 items 4 and 7), against the real app over real
HTTP (uvicorn on loopback): cookie tossing on the refresh cookie, and ``public=["/"]``."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

import keyturn
from keyturn.asgi import BearerAuth, RefreshCookie, refresh_endpoints

from .conftest import echo_claims

REFRESH, CSRF = "__Host-keyturn_refresh", "__Host-keyturn_csrf"


@contextlib.contextmanager
def _serve(app: Any) -> Iterator[httpx.Client]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}") as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def root_public(verifier: keyturn.Verifier) -> Iterator[httpx.Client]:
    with _serve(BearerAuth(echo_claims, verifier, public=["/", "/docs/"])) as client:
        yield client


def _refused(response: httpx.Response, description: str) -> None:
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": description}
    assert "set-cookie" not in response.headers


# --- cookie tossing ---------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["attacker", "victim"])
def test_a_tossed_refresh_cookie_is_refused_and_rotates_nothing(
    client: httpx.Client, service: keyturn.TokenService, first: str
) -> None:
    """The review's attack: a sibling subdomain planted its own refresh cookie beside the victim's
    (``Sec-Fetch-Site: same-origin``); the first value used to win and be rotated."""
    attacker = service.issue_pair("attacker", "browser")
    victim = service.issue_pair("victim", "browser")
    values = [attacker.refresh, victim.refresh]
    if first == "victim":
        values.reverse()
    cookie = "; ".join(f"{REFRESH}={value}" for value in values)
    response = client.post(
        "/auth/refresh", headers={"cookie": cookie, "sec-fetch-site": "same-origin"}
    )
    _refused(response, f"cookie {REFRESH} sent more than once")
    # Neither token was presented to the service: both still rotate, once.
    assert service.rotate(attacker.refresh).refresh
    assert service.rotate(victim.refresh).refresh


def test_a_tossed_csrf_cookie_is_refused(
    client: httpx.Client, service: keyturn.TokenService
) -> None:
    pair = service.issue_pair("victim", "browser")
    cookie = f"{REFRESH}={pair.refresh}; {CSRF}=planted; {CSRF}=real"
    response = client.post("/auth/refresh", headers={"cookie": cookie, "x-csrf-token": "planted"})
    _refused(response, f"cookie {CSRF} sent more than once")
    assert service.rotate(pair.refresh).refresh


def test_logout_by_a_tossed_cookie_is_refused(
    client: httpx.Client, service: keyturn.TokenService
) -> None:
    victim = service.issue_pair("victim", "browser")
    cookie = f"{REFRESH}=ktr_planted; {REFRESH}={victim.refresh}"
    response = client.post(
        "/auth/logout", headers={"cookie": cookie, "sec-fetch-site": "same-origin"}
    )
    _refused(response, f"cookie {REFRESH} sent more than once")
    assert service.rotate(victim.refresh).refresh


def test_a_body_token_is_not_affected_by_cookies(
    client: httpx.Client, service: keyturn.TokenService
) -> None:
    """Mobile and CLI clients send the token in the body; stray cookies do not matter there."""
    pair = service.issue_pair("user-1", "phone")
    response = client.post(
        "/auth/refresh",
        json={"refresh_token": pair.refresh},
        headers={"cookie": f"{REFRESH}=a; {REFRESH}=b"},
    )
    assert response.status_code == 200


def test_cookies_are_host_prefixed_by_default(
    client: httpx.Client, service: keyturn.TokenService
) -> None:
    pair = service.issue_pair("user-1", "browser")
    response = client.post(
        "/auth/refresh",
        headers={"cookie": f"{REFRESH}={pair.refresh}", "sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 200
    refresh, csrf = response.headers.get_list("set-cookie")
    # What a browser demands of a __Host- cookie: Secure, Path=/, no Domain.
    for value in (refresh, csrf):
        assert value.startswith("__Host-")
        assert "; Path=/; " in value
        assert "; Secure" in value
        assert "domain" not in value.lower()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"path": "/auth"}, "a __Host- cookie must have path '/' (use __Secure- instead)"),
        ({"name": "a b"}, "cookie name 'a b' is not a valid cookie name"),
        ({"csrf_name": "x;y"}, "cookie name 'x;y' is not a valid cookie name"),
        (
            {"name": "__Secure-r", "path": "auth"},
            "cookie path must start with '/' and contain no ';'",
        ),
    ],
)
def test_cookie_policies_a_browser_would_drop_are_refused(
    options: dict[str, str], message: str
) -> None:
    with pytest.raises(keyturn.ConfigurationError) as caught:
        RefreshCookie(**options)
    assert caught.value.code == "configuration_invalid"
    assert str(caught.value) == message


# --- public=["/"] -----------------------------------------------------------------------------


def test_public_root_is_the_root_path_only(root_public: httpx.Client) -> None:
    assert root_public.get("/").status_code == 200
    assert root_public.get("/docs").status_code == 200
    assert root_public.get("/docs/page").status_code == 200
    for path in ("/api/me", "/admin", "/docsx"):
        response = root_public.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"].startswith('Bearer realm="api"')


@pytest.mark.parametrize("prefix", ["", "api", 7])
def test_public_paths_must_start_with_a_slash(verifier: keyturn.Verifier, prefix: object) -> None:
    with pytest.raises(keyturn.ConfigurationError) as caught:
        BearerAuth(echo_claims, verifier, public=[prefix])  # type: ignore[list-item]
    assert caught.value.code == "configuration_invalid"


def test_refresh_endpoints_default_policy_is_the_host_cookie(
    service: keyturn.TokenService, verifier: keyturn.Verifier
) -> None:
    app = refresh_endpoints(service, verifier=verifier, prefix="/api/auth")
    pair = service.issue_pair("user-1", "browser")
    with _serve(app) as client:
        response = client.post(
            "/api/auth/refresh",
            headers={"cookie": f"{REFRESH}={pair.refresh}", "sec-fetch-site": "same-origin"},
        )
    assert response.status_code == 200
    assert response.headers.get_list("set-cookie")[0].startswith(f"{REFRESH}=")
