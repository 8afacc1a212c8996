"""The step-by-step HTML player, driven in a real headless Chromium.

Needs Debian's chromium and chromium-driver (.ci/run installs them) and selenium.
Outside CI the test is skipped when the browser is missing; in CI it fails instead.
"""

import os
import shutil
import time

import pytest

from autograd import Value
from autograd.viz import draw_backward

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("CI needs chromium and chromium-driver for the player test")
    pytest.skip("chromium and chromedriver are not installed", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def player(tmp_path_factory):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.label = "c"
    path = tmp_path_factory.mktemp("player") / "steps.html"
    steps = draw_backward(c)
    steps.save_html(path)
    return path, len(steps)


def current(driver):
    return int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-current"))


def visible_frames(driver):
    return [f for f in driver.find_elements(By.CLASS_NAME, "frame") if f.is_displayed()]


def test_the_page_is_self_contained(player):
    text = player[0].read_text()
    assert "<script src" not in text and "<link" not in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")


def test_loads_offline_and_steps_through_the_frames(browser, player):
    path, count = player
    browser.get(path.as_uri())
    assert browser.execute_script(
        "return performance.getEntriesByType('resource').length") == 0  # nothing fetched
    assert current(browser) == 0 and len(visible_frames(browser)) == 1
    assert "Start" in browser.find_element(By.ID, "caption").text
    browser.find_element(By.ID, "next").click()
    assert current(browser) == 1 and len(visible_frames(browser)) == 1
    assert "pushes its gradient" in browser.find_element(By.ID, "caption").text
    browser.find_element(By.ID, "previous").click()
    assert current(browser) == 0
    slider = browser.find_element(By.ID, "slider")
    browser.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
        slider, count - 1)
    assert current(browser) == count - 1


def test_play_reaches_the_last_frame_with_the_final_gradients(browser, player):
    path, count = player
    browser.get(path.as_uri())
    browser.find_element(By.ID, "play").click()
    deadline = time.time() + 30
    while current(browser) < count - 1 and time.time() < deadline:
        time.sleep(0.2)
    assert current(browser) == count - 1
    (last,) = visible_frames(browser)
    # c = a*b + a: dc/da = b + 1 = -2, dc/db = a = 2
    assert "grad -2.0000" in last.text and "grad 2.0000" in last.text
    assert "Done" in browser.find_element(By.ID, "caption").text
