"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver, driven by
selenium): one way to find it, skip without it, and start it with every step bounded.

``require_chromium()`` at module level skips (saying why) only outside CI when the browser or its
driver is absent; in CI (``CI=true``) the import of selenium and the start then fail instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DRIVER = shutil.which("chromedriver")
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
#: Generous: the machine is shared and loaded; a pass takes about 2 s a step.
STEP_SECONDS = 30


def require_chromium() -> None:
    if (DRIVER is None or BROWSER is None) and os.environ.get("CI") != "true":
        pytest.skip(
            "chromium and chromium-driver are not installed (apt-get install chromium "
            "chromium-driver; scripts/test-services.sh does it in CI)",
            allow_module_level=True,
        )


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """A headless Chromium with its own profile; every page load and script bounded."""
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(BROWSER)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    service = webdriver.ChromeService(executable_path=str(DRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(STEP_SECONDS)
    driver.set_script_timeout(STEP_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()
