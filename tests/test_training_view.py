"""The training view (nn.plots.training_html), built from real records and driven in a
real headless Chromium at 1280x800.

Needs Debian's chromium and chromium-driver and selenium, as tests/test_viz_player.py;
outside CI the browser tests are skipped when the browser is missing.

What is checked: the demo's page is built fast and small; nothing is fetched; the
slider, the buttons, the keys and play change the epoch shown, and the caption's
numbers are the History's; the plane, the points, the legend and the curves are drawn
(the fitted curve for a regression, the curves alone for other tasks); no text is
smaller than 12 px and nothing spills out of the window; a hostile title stays text.
"""

import json
import os
import time

import pytest

from nn import MLP, SGD, LinearLR, fit
from nn.data import make_moons, make_regression_curve, make_spiral
from nn.plots import save_training_gif, save_training_html, training_html

from conftest import CHROMEDRIVER, CHROMIUM, HEIGHT, WIDTH
SMALLEST_TEXT = 12  # px
HOSTILE_TITLE = "</title></script><script>window.pwned=1</script> & <b>bold</b>"


# --- records, each trained once -----------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    """The demo: moons, MLP 2-16-16-1, hinge, SGD lr 1.0 -> 0.1, L2 1e-4, 100 epochs
    recorded every epoch on a 50x50 grid, 100 training and 200 validation points."""
    X, y = make_moons(100, noise=0.1, seed=0, signed=True)
    validation = make_moons(200, noise=0.1, seed=1, signed=True)
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1.0)
    return fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=100, l2_penalty=1e-4,
               scheduler=LinearLR(optimizer, 1.0, 0.1, total_iters=100),
               validation=validation, record=1, progress=False, compile=True)


@pytest.fixture(scope="module")
def spiral():
    X, y = make_spiral(60, classes=3, seed=0)
    model = MLP(2, [8, 3], seed=0)
    return fit(model, X, y, loss="cross_entropy", optimizer=SGD(model.parameters(), lr=0.5),
               epochs=10, validation=make_spiral(30, classes=3, seed=1), record=2,
               progress=False)


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression_curve(30, seed=0)
    model = MLP(1, [8, 1], activation="tanh", seed=0)
    return fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=0.1),
               epochs=12, validation=make_regression_curve(20, seed=1), record=3,
               progress=False)


@pytest.fixture(scope="module")
def metrics_only():
    X, y = make_moons(20, seed=0)
    return fit(MLP(2, [4, 1], seed=0), X, [float(v) for v in y], loss="mse", epochs=5,
               record=1, progress=False)


# --- without a browser: size, speed, offline, escaping ----------------------------------


def test_the_demo_page_is_built_in_under_2_s_and_under_2_mb(demo, tmp_path):
    record = demo.record
    assert record.frames == 101 and len(record.predicted[0]) == 50 * 50
    started = time.perf_counter()
    path = save_training_html(record, tmp_path / "view.html")
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    assert seconds < 2.0, f"built in {seconds:.2f} s"
    assert size < 2_000_000, f"{size} bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["view.html"]  # no temporary file left


def test_the_demo_gif_is_small_and_quick(demo, tmp_path):
    from PIL import Image

    started = time.perf_counter()
    path = save_training_gif(demo.record, tmp_path / "view.gif")
    assert time.perf_counter() - started < 5.0
    assert path.stat().st_size < 2_000_000
    with Image.open(path) as gif:
        assert gif.n_frames == 60 and gif.size == (800, 450)


def test_the_page_holds_no_address_to_fetch(demo):
    page = training_html(demo.record)
    # The only URL: the SVG namespace JavaScript names elements with (never fetched).
    addresses = [part.split('"')[0] for part in page.split("http")[1:]]
    assert addresses == ["://www.w3.org/2000/svg"]
    for tag in ("<link", "<img", "<iframe", " src=", "@import", "url(http"):
        assert tag not in page


def test_the_data_cannot_end_its_script_element(demo):
    import dataclasses

    # A loss's name is text that goes into the data (the name of a user's own loss).
    record = dataclasses.replace(demo.record, loss_name=HOSTILE_TITLE + "\u2028")
    page = training_html(record, title=HOSTILE_TITLE)
    data = page.split('<script type="application/json" id="view-data">')[1]
    data = data.split("</script>")[0]
    assert "<" not in data and ">" not in data and "\u2028" not in data
    assert json.loads(data)["loss"] == HOSTILE_TITLE + "\u2028"
    assert json.loads(data)["epochs"] == demo.record.epochs
    assert "<title>&lt;/title&gt;&lt;/script&gt;" in page


def test_the_grids_are_packed_one_byte_per_point(demo):
    import base64

    page = training_html(demo.record)
    data = json.loads(page.split('id="view-data">')[1].split("</script>")[0])
    frames = base64.b64decode(data["grid"]["frames"])
    assert len(frames) == 101 * 50 * 50
    levels = data["grid"]["levels"]
    record = demo.record
    # Frame 60, point 1234: the class and the confidence, to 1 / 127.
    code = frames[60 * 2500 + 1234]
    assert code // levels == record.predicted[60][1234]
    assert code % levels / (levels - 1) == pytest.approx(record.confidence[60][1234],
                                                         abs=0.5 / (levels - 1))


def test_a_record_without_frames_is_refused():
    from nn.record import TrainingRecord

    with pytest.raises(ValueError, match="no frames"):
        training_html(TrainingRecord(task="metrics", loss_name="mse", classes=[], X=[[0.0]],
                                     y=[0.0]))


# --- in the browser ------------------------------------------------------------------------

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
    reason="chromium and chromedriver are not installed")


@pytest.fixture(scope="module")
def pages(tmp_path_factory, demo, spiral, regression, metrics_only):
    folder = tmp_path_factory.mktemp("views")
    return {name: save_training_html(history.record, folder / f"{name}.html",
                                     title=HOSTILE_TITLE if name == "demo" else None)
            for name, history in (("demo", demo), ("spiral", spiral),
                                  ("regression", regression), ("metrics", metrics_only))}


def requests_made(driver):
    """The URLs requested since the last call (file: ones too)."""
    events = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    return [event["params"]["request"]["url"] for event in events
            if event["method"] == "Network.requestWillBeSent"]


def open_view(driver, path):
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(path.as_uri())
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    assert driver.execute_script("return typeof window.trainingView") == "object"


def shown(driver):
    """The frame shown, its epoch, and the caption's numbers."""
    return driver.execute_script("""
        var text = function (id) { return document.getElementById(id).textContent; };
        return {frame: window.trainingView.current(), epoch: Number(document.body.dataset.epoch),
                heading: text("caption-epoch"), position: text("position"),
                loss: text("loss"), valLoss: text("val-loss"), accuracy: text("accuracy"),
                valAccuracy: text("val-accuracy"), extra: text("caption-extra"),
                slider: Number(document.getElementById("slider").value),
                cursor: document.querySelector("#loss-chart .cursor-group").dataset.epoch};
    """)


def number(value):
    """A number as the page writes it (JavaScript's toPrecision(4) / toExponential(2))."""
    if value != 0 and not 1e-3 <= abs(value) < 1e4:
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa}e{int(exponent):+d}"
    return f"{value:#.4g}".rstrip(".")


def expect_caption(state, history):
    epoch = state["epoch"]
    assert state["cursor"] == str(epoch)
    assert state["position"] == f"epoch {epoch} / 100"
    if epoch == 0:
        assert state["heading"].startswith("Before training")
        assert state["loss"] == state["accuracy"] == "\u2013"
        return
    i = epoch - 1
    assert state["heading"].startswith(f"After epoch {epoch}")
    assert state["loss"] == number(history.data_loss[i])
    assert state["valLoss"] == number(history.val_loss[i])
    assert state["accuracy"] == f"{100 * history.accuracy[i]:.1f}%"
    assert state["valAccuracy"] == f"{100 * history.val_accuracy[i]:.1f}%"
    assert f"learning rate {number(history.lr[i])}" in state["extra"]
    assert f"L2 penalty {number(history.penalty[i])}" in state["extra"]


@needs_browser
def test_nothing_is_fetched_and_the_title_stays_text(browser, pages):
    open_view(browser, pages["demo"])
    assert requests_made(browser) == [pages["demo"].as_uri()]
    assert browser.execute_script("return window.pwned") is None
    assert browser.execute_script(
        "return document.getElementById('heading').textContent") == HOSTILE_TITLE
    assert browser.title == HOSTILE_TITLE


@needs_browser
def test_slider_buttons_and_keys_show_epochs_with_the_historys_numbers(browser, pages, demo):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_view(browser, pages["demo"])
    state = shown(browser)
    assert (state["frame"], state["epoch"]) == (0, 0)
    expect_caption(state, demo)
    slider = browser.find_element(By.ID, "slider")
    slider.click()  # the middle of the slider: about half way
    state = shown(browser)
    assert 40 <= state["epoch"] <= 60 and state["slider"] == state["frame"]
    expect_caption(state, demo)
    body = browser.find_element(By.TAG_NAME, "body")
    for key, change in ((Keys.ARROW_RIGHT, +1), (Keys.ARROW_LEFT, -1)):
        before = shown(browser)["epoch"]
        slider.send_keys(key)  # on the focused slider: one step, not two
        assert shown(browser)["epoch"] == before + change
    body.send_keys(Keys.END)
    state = shown(browser)
    assert state["epoch"] == 100 and "(the last)" in state["heading"]
    expect_caption(state, demo)
    body.send_keys(Keys.HOME)
    assert shown(browser)["epoch"] == 0
    browser.find_element(By.ID, "next").click()
    browser.find_element(By.ID, "next").click()
    expect_caption(shown(browser), demo)
    assert shown(browser)["epoch"] == 2
    browser.find_element(By.ID, "last").click()
    browser.find_element(By.ID, "previous").click()
    assert shown(browser)["epoch"] == 99
    for frame in (1, 37, 73):
        browser.execute_script(f"window.trainingView.show({frame})")
        expect_caption(shown(browser), demo)


@needs_browser
def test_play_reaches_the_last_frame_and_space_pauses(browser, pages):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    open_view(browser, pages["demo"])
    Select(browser.find_element(By.ID, "speed")).select_by_visible_text("fast")
    browser.execute_script("window.trainingView.show(90)")
    browser.find_element(By.ID, "play").click()
    assert browser.execute_script("return window.trainingView.playing()")
    deadline = time.time() + 5
    while browser.execute_script("return window.trainingView.playing()") and \
            time.time() < deadline:
        time.sleep(0.05)
    assert shown(browser)["epoch"] == 100
    assert browser.find_element(By.ID, "play").text.endswith("play")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.HOME)
    body.send_keys(Keys.SPACE)
    assert browser.execute_script("return window.trainingView.playing()")
    body.send_keys(Keys.SPACE)
    assert not browser.execute_script("return window.trainingView.playing()")
    assert 0 <= shown(browser)["epoch"] < 100


@needs_browser
def test_the_plane_is_shaded_smoothly_and_changes_with_the_epoch(browser, pages):
    open_view(browser, pages["demo"])
    canvas = browser.execute_script("""
        var c = document.getElementById("shading"), r = c.getBoundingClientRect();
        function pixels() {
          return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
        }
        var first = pixels(); window.trainingView.show(100); var last = pixels();
        var colours = new Set();
        for (var i = 0; i < last.length; i += 4) colours.add(last.slice(i, i + 3).join());
        var changed = 0;
        for (i = 0; i < last.length; i++) if (first[i] !== last[i]) changed++;
        return {width: c.width, height: c.height, shownWidth: r.width,
                rendering: getComputedStyle(c).imageRendering, colours: colours.size,
                changed: changed / last.length};
    """)
    assert (canvas["width"], canvas["height"]) == (200, 200)  # 4x the 50x50 grid
    assert canvas["shownWidth"] > 400 and canvas["rendering"] == "auto"  # scaled smoothly
    assert canvas["colours"] > 200  # graded by confidence
    assert canvas["changed"] > 0.3


@needs_browser
def test_points_legend_and_curves_are_drawn(browser, pages, demo):
    open_view(browser, pages["demo"])
    drawn = browser.execute_script("""
        var q = function (s) { return document.querySelectorAll(s); };
        return {training: q("#plane-svg .point.training").length,
                validation: q("#plane-svg .point.validation").length,
                hollow: Array.from(q("#plane-svg .point.validation")).every(function (c) {
                  return getComputedStyle(c).fill === "none"; }),
                legend: document.getElementById("legend").textContent,
                axes: Array.from(q("#plane-svg .axis-label"), function (t) {
                  return t.textContent; }),
                lossLines: Array.from(q("#loss-chart path.series"), function (p) {
                  return [p.getAttribute("class"), p.getAttribute("d").split("L").length]; }),
                accuracyLines: q("#accuracy-chart path.series").length};
    """)
    assert (drawn["training"], drawn["validation"]) == (100, 200)
    assert drawn["hollow"]
    for words in ("class -1", "class +1", "training (100)", "validation (200)"):
        assert words in drawn["legend"]
    assert drawn["axes"] == ["x1", "x2"]
    assert drawn["lossLines"] == [["series training", 100], ["series validation", 100]]
    assert drawn["accuracyLines"] == 2


@needs_browser
def test_the_log_scale_toggle_redraws_the_loss_axis(browser, pages):
    from selenium.webdriver.common.by import By

    open_view(browser, pages["demo"])
    ticks = "return Array.from(document.querySelectorAll('#loss-chart .axes text'), " \
            "function (t) { return t.textContent; })"
    # The demo's loss falls by far more than 100x: the page starts on a log scale.
    assert browser.find_element(By.ID, "log-scale").is_selected()
    logarithmic = browser.execute_script(ticks)
    browser.find_element(By.ID, "log-scale").click()
    linear = browser.execute_script(ticks)
    assert "0.5" in linear and "0.01" not in linear
    assert {"0.01", "0.1", "1"} <= set(logarithmic)


@needs_browser
def test_three_classes_have_three_colours(browser, pages):
    open_view(browser, pages["spiral"])
    legend = browser.execute_script("return document.getElementById('legend').textContent")
    assert all(f"class {k}" in legend for k in range(3))
    fills = browser.execute_script("""
        return Array.from(new Set(Array.from(
          document.querySelectorAll("#plane-svg .point.training"),
          function (c) { return c.getAttribute("fill"); })));
    """)
    assert len(fills) == 3


@needs_browser
def test_a_regression_page_draws_the_fitted_curve(browser, pages, regression):
    open_view(browser, pages["regression"])
    curve = browser.execute_script("""
        var path = document.getElementById("fitted"), result = [];
        [0, window.trainingView.count - 1].forEach(function (i) {
          window.trainingView.show(i);
          result.push([Number(path.dataset.points), path.getAttribute("d")]);
        });
        return {frames: result, accuracyShown: !document.getElementById("accuracy-chart").hidden,
                axes: Array.from(document.querySelectorAll("#plane-svg .axis-label"),
                                 function (t) { return t.textContent; }),
                points: document.querySelectorAll("#plane-svg .point").length};
    """)
    (first_points, first), (last_points, last) = curve["frames"]
    assert first_points == last_points == 200  # curve_points: the whole curve
    assert first != last
    assert not curve["accuracyShown"]
    assert curve["axes"] == ["x", "y"] and curve["points"] == 50


@needs_browser
def test_a_metrics_record_shows_the_curves_alone(browser, pages):
    open_view(browser, pages["metrics"])
    layout = browser.execute_script("""
        var visible = function (id) {
          return document.getElementById(id).getBoundingClientRect().width > 0; };
        return [visible("plane-panel"), visible("loss-chart"),
                document.querySelectorAll("#loss-chart path.series").length];
    """)
    assert layout == [False, True, 1]


# Text smaller than 12 px on screen, and anything outside the 1280x800 window.
READABILITY = """
var smallest = arguments[0], small = [], outside = [];
document.querySelectorAll("body *").forEach(function (node) {
  var style = getComputedStyle(node), box = node.getBoundingClientRect();
  if (style.display === "none" || style.visibility === "hidden" || !box.width) return;
  var own = Array.from(node.childNodes).some(function (c) {
    return c.nodeType === 3 && c.textContent.trim(); });
  if (!own) return;
  var m = node.getScreenCTM ? node.getScreenCTM() : null;  // SVG text: zoom and rotation
  var scale = m ? Math.sqrt(m.a * m.a + m.b * m.b) : 1;
  if (parseFloat(style.fontSize) * scale < smallest - 1e-6) {
    small.push([node.textContent.trim().slice(0, 30), style.fontSize]);
  }
  if (box.right > window.innerWidth + 0.5 || box.bottom > window.innerHeight + 0.5 ||
      box.left < -0.5) outside.push(node.textContent.trim().slice(0, 30));
});
return {small: small, outside: outside,
        scroll: [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight]};
"""


@needs_browser
@pytest.mark.parametrize("name", ["demo", "spiral", "regression", "metrics"])
def test_text_is_12_px_or_more_and_nothing_spills_out(browser, pages, name):
    open_view(browser, pages[name])
    for frame in ("0", "window.trainingView.count - 1"):
        browser.execute_script(f"window.trainingView.show({frame})")
        found = browser.execute_script(READABILITY, SMALLEST_TEXT)
        assert not found["small"], found["small"]
        assert not found["outside"], found["outside"]
        assert found["scroll"] == [WIDTH, HEIGHT]


def test_a_record_shows_as_the_training_view_in_jupyter():
    import html

    X, y = make_moons(20, seed=0, signed=True)
    record = fit(MLP(2, [4, 1], seed=0), X, y, epochs=2, record=1, progress=False).record
    shown = record._repr_html_()
    assert shown.startswith('<iframe srcdoc="') and 'title="training view"' in shown
    page = html.unescape(shown.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert page == training_html(record)
