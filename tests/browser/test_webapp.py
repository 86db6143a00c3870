"""examples/webapp in a real headless Chromium (Debian's chromium and chromium-driver, driven by
selenium): what a reviewer would check by hand in the browser's developer tools.

One browser and one server for the module (starting Chromium is the slow part); each test
starts from a browser with no cookies and signs in through the page's own form, except the last,
which serves the example configured with a real OpenID Provider (nanoidp, on loopback) and signs
in there. Every page load
and wait is bounded, so a hung browser fails the test. Skipped (saying why) only outside CI when
chromedriver is absent; in CI (``CI=true``) its absence fails.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import keyturn
from support.chromium import STEP_SECONDS, require_chromium
from support.chromium import chromium as start_chromium
from support.loopback import serve
from support.providers import NANO_BASIC, NANO_PASSWORD, NANO_USER, Provider

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webapp" / "app.py"
PASSWORD = "correct horse battery staple"
BOB_PASSWORD = "hunter2 hunter2 hunter2"

require_chromium()

pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# What the page's own script (or one injected into it) can reach: cookies, web storage, globals.
SCRIPT_SEES = """
    const stored = [];
    for (const area of [localStorage, sessionStorage]) {
        for (let i = 0; i < area.length; i++) stored.push(area.getItem(area.key(i)));
    }
    return {cookie: document.cookie, stored, globals: Object.keys(window)};
"""


def load_example(directory: Path) -> ModuleType:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KEYTURN_KEYRING", str(directory / "keys.json"))
        patch.setenv("KEYTURN_DB", str(directory / "kt.db"))
        spec = importlib.util.spec_from_file_location("example_webapp", EXAMPLE)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Registered while it runs: dataclasses look their module up by name.
        patch.setitem(sys.modules, spec.name, module)
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    directory = tmp_path_factory.mktemp("webapp")
    return load_example(directory).build(directory / "keys.json", directory / "kt.db")


@pytest.fixture(scope="module")
def url(site: Any) -> Iterator[str]:
    with serve(site.app) as base:
        yield base


async def _evil(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Another site (``localhost`` is not the same site as ``127.0.0.1``): a form that posts
    itself to the target named in the query string."""
    target = scope["query_string"].decode()
    page = (
        f'<form method="post" action="{target}"><input name="username" value="mallory">'
        '<input name="password" value="x"></form><script>document.forms[0].submit()</script>'
    ).encode()
    headers = [(b"content-type", b"text/html")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": page})


@pytest.fixture(scope="module")
def evil_url() -> Iterator[str]:
    with serve(_evil) as base:
        yield base.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with start_chromium(tmp_path_factory.mktemp("profile")) as driver:
        yield driver


@pytest.fixture
def browser(chromium: Any, url: str) -> Any:
    chromium.get(f"{url}/")
    chromium.delete_all_cookies()
    return chromium


def wait(browser: Any) -> Any:
    # A navigation replaces the document under a lookup: look again rather than fail.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(browser, STEP_SECONDS, ignored_exceptions=ignored)


def status_is(browser: Any, text: str) -> None:
    wait(browser).until(lambda driver: driver.find_element(By.ID, "status").text == text)


def sign_in(browser: Any, url: str, user: str = "alice", password: str = PASSWORD) -> None:
    browser.get(f"{url}/")
    status_is(browser, "signed out")
    browser.find_element(By.ID, "username").send_keys(user)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "submit").click()
    status_is(browser, f"signed in as {user}")


def cookies(browser: Any) -> dict[str, dict[str, Any]]:
    return {cookie["name"]: cookie for cookie in browser.get_cookies()}


def cookie_value(browser: Any, name: str) -> str:
    value: str = cookies(browser)[name]["value"]
    return value


def test_tokens_stay_out_of_reach_of_the_page_script(browser: Any, url: str) -> None:
    sign_in(browser, url)
    jar = cookies(browser)
    session, refresh, csrf = (
        jar["__Host-keyturn_session"],
        jar["__Host-keyturn_refresh"],
        jar["__Host-keyturn_csrf"],
    )
    assert (session["httpOnly"], session["secure"], session["sameSite"]) == (True, True, "Lax")
    assert (refresh["httpOnly"], refresh["secure"], refresh["sameSite"]) == (True, True, "Strict")
    assert csrf["httpOnly"] is False  # the one the script echoes
    seen = browser.execute_script(SCRIPT_SEES)
    assert seen["cookie"] == f"__Host-keyturn_csrf={csrf['value']}"
    assert seen["stored"] == []
    assert "accessToken" not in seen["globals"]


def test_reload_restores_the_access_token_through_the_refresh_cookie(
    browser: Any, url: str
) -> None:
    sign_in(browser, url)
    before = cookie_value(browser, "__Host-keyturn_refresh")
    browser.refresh()  # the in-memory access token is gone
    status_is(browser, "signed in as alice")  # /api/me answered with a new one
    assert cookie_value(browser, "__Host-keyturn_refresh") != before  # rotated on the way


def test_silent_refresh_on_401(browser: Any, url: str, site: Any) -> None:
    sign_in(browser, url)
    before = cookie_value(browser, "__Host-keyturn_refresh")
    # The page's access token was signed by the current key: revoking it makes the next API
    # call a 401 (key_unknown), which the page answers with one refresh and a retry.
    site.ring.revoke(site.ring.current.kid)
    browser.find_element(By.ID, "call-api").click()
    wait(browser).until(
        lambda driver: '"user":"alice"' in driver.find_element(By.ID, "api-result").text
    )
    assert cookie_value(browser, "__Host-keyturn_refresh") != before


def test_logout_ends_the_session_and_the_refresh_family(browser: Any, url: str, site: Any) -> None:
    sign_in(browser, url)
    refresh = cookie_value(browser, "__Host-keyturn_refresh")
    session = cookie_value(browser, "__Host-keyturn_session")
    browser.find_element(By.ID, "logout").click()
    status_is(browser, "signed out")
    assert {"__Host-keyturn_refresh", "__Host-keyturn_session"}.isdisjoint(cookies(browser))
    with pytest.raises(keyturn.RefreshError):
        site.tokens.rotate(refresh)
    with pytest.raises(keyturn.InvalidSession) as ended:
        site.sessions.get(session)
    assert ended.value.code == "session_invalid"
    browser.refresh()
    status_is(browser, "signed out")


def test_log_out_everywhere_ends_the_other_devices_too(browser: Any, url: str, site: Any) -> None:
    # bob, not alice: the subject watermark also refuses tokens issued in the same second after
    # it (whole-second iat, docs/revocation.md), which would reach into the next test's sign-in.
    with httpx.Client(base_url=url) as device:  # another device of bob's, same-origin by Origin
        form = {"username": "bob", "password": BOB_PASSWORD}
        signed_in = device.post("/login", data=form, headers={"origin": url})
        assert signed_in.status_code == 303
        other_refresh = signed_in.cookies["__Host-keyturn_refresh"]
    sign_in(browser, url, "bob", BOB_PASSWORD)
    browser.find_element(By.ID, "logout-all").click()
    status_is(browser, "signed out")
    with pytest.raises(keyturn.RevokedRefresh) as revoked:
        site.tokens.rotate(other_refresh)
    assert revoked.value.code == "refresh_revoked"
    assert site.sessions.sessions("bob") == []


def test_a_replayed_refresh_cookie_revokes_the_family_and_signs_the_browser_out(
    browser: Any, url: str, site: Any
) -> None:
    sign_in(browser, url)
    copied = cookie_value(browser, "__Host-keyturn_refresh")  # stolen before a rotation
    session = cookie_value(browser, "__Host-keyturn_session")
    browser.refresh()
    status_is(browser, "signed in as alice")  # the browser rotated past the copy
    replay = httpx.post(f"{url}/auth/refresh", json={"refresh_token": copied})
    assert replay.status_code == 400
    assert replay.json() == {"error": "invalid_grant", "error_description": "refresh_replayed"}
    browser.refresh()  # the browser's own (newer) cookie belongs to the revoked family
    status_is(browser, "signed out")
    assert {"__Host-keyturn_refresh", "__Host-keyturn_session"}.isdisjoint(cookies(browser))
    with pytest.raises(keyturn.InvalidSession):
        site.sessions.get(session)


def test_a_cross_site_form_post_is_refused(browser: Any, url: str, evil_url: str) -> None:
    sign_in(browser, url)
    # SameSite=Lax keeps the session cookie off a cross-site POST: nothing to act on.
    browser.get(f"{evil_url}/?{url}/auth/session/logout-all")
    wait(browser).until(lambda driver: driver.current_url == f"{url}/auth/session/logout-all")
    wait(browser).until(lambda driver: '"no session cookie"' in driver.page_source)
    # Login CSRF: a cross-site form cannot sign the browser into another account.
    browser.get(f"{evil_url}/?{url}/login")
    wait(browser).until(lambda driver: driver.current_url == f"{url}/login")
    wait(browser).until(lambda driver: "cross-site request refused" in driver.page_source)
    browser.get(f"{url}/")
    status_is(browser, "signed in as alice")


@pytest.fixture(scope="module")
def provider_site(tmp_path_factory: pytest.TempPathFactory, nanoidp: Provider) -> Iterator[Any]:
    """The example configured to sign in at nanoidp, served on loopback: ``(url, site)``."""
    directory = tmp_path_factory.mktemp("webapp-provider")
    example = load_example(directory)
    built: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await built[0].app(scope, receive, send)

    # The callback URL registered at the provider names the port, known once the server listens.
    with serve(app) as base:
        config = example.ProviderConfig(nanoidp.issuer, *NANO_BASIC, f"{base}/auth/callback")
        built.append(example.build(directory / "keys.json", directory / "kt.db", config))
        yield base, built[0]


def test_sign_in_at_the_provider_keeps_every_token_out_of_the_page_script(
    chromium: Any, provider_site: tuple[str, Any], nanoidp: Provider
) -> None:
    url, site = provider_site
    chromium.get(f"{url}/")
    chromium.delete_all_cookies()  # every port of 127.0.0.1, the provider's too
    chromium.get(f"{url}/")
    status_is(chromium, "signed out")
    assert chromium.find_elements(By.ID, "password") == []  # one way in: the provider
    chromium.find_element(By.ID, "sign-in-provider").click()

    # At the provider: its own login page, filled in as a user would.
    wait(chromium).until(lambda driver: driver.find_element(By.ID, "password"))
    assert chromium.current_url.startswith(nanoidp.issuer + "/")
    chromium.find_element(By.ID, "username").send_keys(NANO_USER)
    chromium.find_element(By.ID, "password").send_keys(NANO_PASSWORD)
    chromium.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    # Back through /auth/callback, signed in: the page traded the refresh cookie for a token.
    status_is(chromium, f"signed in as {NANO_USER}")
    assert chromium.current_url == f"{url}/"
    jar = cookies(chromium)
    session, refresh = jar["__Host-keyturn_session"], jar["__Host-keyturn_refresh"]
    assert (session["httpOnly"], session["secure"], session["sameSite"]) == (True, True, "Lax")
    assert (refresh["httpOnly"], refresh["secure"]) == (True, True)
    assert not [name for name in jar if name.startswith("__Host-keyturn_login_")]
    seen = chromium.execute_script(SCRIPT_SEES)
    assert seen["cookie"] == f"__Host-keyturn_csrf={jar['__Host-keyturn_csrf']['value']}"
    assert seen["stored"] == []
    assert "accessToken" not in seen["globals"]

    # The API answers the in-memory token; its sid is the browser session the callback started.
    chromium.find_element(By.ID, "call-api").click()
    wait(chromium).until(lambda driver: driver.find_element(By.ID, "api-result").text)
    answer = json.loads(chromium.find_element(By.ID, "api-result").text)
    [started] = site.sessions.sessions(NANO_USER)
    assert answer == {"user": NANO_USER, "sid": started.handle}

    # A reload forgets the token; the refresh cookie brings a new one (and rotates).
    chromium.refresh()
    status_is(chromium, f"signed in as {NANO_USER}")
    assert cookie_value(chromium, "__Host-keyturn_refresh") != refresh["value"]

    chromium.find_element(By.ID, "logout").click()
    status_is(chromium, "signed out")
    assert {"__Host-keyturn_refresh", "__Host-keyturn_session"}.isdisjoint(cookies(chromium))
    assert site.sessions.sessions(NANO_USER) == []
    with pytest.raises(keyturn.RefreshError):
        site.tokens.rotate(refresh["value"])
