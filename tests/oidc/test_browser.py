"""The whole redirect flow in a real browser: headless Chromium (Debian's chromium and
chromium-driver, driven by selenium) signs in at nanoidp through keyturn's /auth/login and
/auth/callback, ends on the page ``next`` named, holds the httpOnly refresh cookie, and trades it
for an access token from same-origin JavaScript.

Bounded in time: every page load and script has a timeout, so a hung browser fails the test.
Skipped (saying why) only outside CI when chromedriver is absent; in CI (``CI=true``) its absence
fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.chromium import STEP_SECONDS, chromium, require_chromium

from .conftest import NANO_PASSWORD, NANO_USER, Site

require_chromium()

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def browser(tmp_path: Any) -> Iterator[Any]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


def test_sign_in_in_a_real_browser(site: Site, browser: Any) -> None:
    wait = WebDriverWait(browser, STEP_SECONDS)
    browser.get(f"{site.url}/auth/login?next=/home")

    # At the provider: its own login page, filled in as a user would.
    wait.until(expected_conditions.presence_of_element_located((By.ID, "password")))
    assert browser.current_url.startswith(site.party.client.metadata.issuer)
    browser.find_element(By.ID, "username").send_keys(NANO_USER)
    browser.find_element(By.ID, "password").send_keys(NANO_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    # Back through /auth/callback to the page `next` named.
    wait.until(expected_conditions.presence_of_element_located((By.ID, "home")))
    assert browser.current_url == f"{site.url}/home"
    cookies = {cookie["name"]: cookie for cookie in browser.get_cookies()}
    refresh = cookies["__Host-keyturn_refresh"]
    assert refresh["httpOnly"] is True
    assert refresh["secure"] is True
    assert not [name for name in cookies if name.startswith("__Host-keyturn_login_")]
    assert site.mapped == [NANO_USER]

    # The page's script cannot read the refresh cookie, but can trade it for an access token.
    answer = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const csrf = document.cookie.split('; ').find(c => c.startsWith('__Host-keyturn_csrf='));
        const httpOnlyVisible = document.cookie.includes('__Host-keyturn_refresh');
        fetch('/auth/refresh', {method: 'POST', headers: {'X-CSRF-Token': csrf.split('=')[1]}})
            .then(r => r.json()).then(body => done({body, httpOnlyVisible}));
        """
    )
    assert answer["httpOnlyVisible"] is False
    claims = site.verifier.verify(answer["body"]["access_token"])
    assert claims["sub"] == f"local-{NANO_USER}"
