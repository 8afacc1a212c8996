"""Shared test settings: hypothesis profiles (a thorough one for CI, a quick one for
editing) and a headless Chromium for the pages the project writes."""

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
WIDTH, HEIGHT = 1280, 800  # the browser's inner viewport, as a laptop or a projector

settings.register_profile(
    "default", max_examples=100, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("quick", parent=settings.get_profile("default"), max_examples=20)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with an inner viewport of WIDTH x HEIGHT, logging the console
    and every request (DevTools' performance log)."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    # The console's messages, and the DevTools events, which list every request made.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_window_size(WIDTH, HEIGHT)  # the outer size; correct for the chrome
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        driver.set_window_size(2 * WIDTH - inner[0], 2 * HEIGHT - inner[1])
        assert driver.execute_script(
            "return [window.innerWidth, window.innerHeight]") == [WIDTH, HEIGHT]
        yield driver
    finally:
        driver.quit()
