"""The backward-pass player (``autograd.viz.draw_backward``): build time, file size, and
step time in a real headless Chromium, as a user meets them.

  1. build    ``draw_backward(...)`` + ``player.save_html(path)``, the whole user-facing
              call, garbage collector on, on one example through nn.MLP(2, [16, 16, 1]):
              with the default options, and with collapse_after=None, max_nodes=None
              (every edge drawn). Targets: built in at most 3 s, file at most 3 MB.
  2. browser  each page opened in headless Chromium (selenium): page load; every step
              timed in the page with performance.now() around
              ``window.backpropPlayer.show(i)`` plus a forced layout
              (``document.body.getBoundingClientRect()``); the jump first -> last -> first;
              and, separately, ``show(i)`` until the next frame has run (paint included,
              so quantised to the ~16.7 ms frame clock). Target: every step under 50 ms.
  3. scaling  size and build time against graph size, 10 to 1,000 values: a chain of
              mul/tanh ops and MLPs 2-w-w-1 of growing width, max_nodes=None,
              collapse_after=None; per-node figures and how far from linear they are.
              Then cProfile of the largest builds: which function dominates.

Timing: wall clock (time.perf_counter), gc enabled as usual; one untimed gc.collect()
before each timed call so a call is not charged for an earlier call's garbage. The
graph itself is built once, untimed (draw_backward does not touch .grad).

Run:  python bench/bench_player.py [--repeats 5] [--no-browser] [--keep DIR]
Needs: pip install -e '.[dev]' (graphviz-pure, selenium) and, for part 2, chromium and
chromedriver on the PATH (Debian: apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd import Value  # noqa: E402
from autograd.viz import draw_backward, find_renderer  # noqa: E402
from nn import MLP  # noqa: E402

BUILD_TARGET_S = 3.0
SIZE_TARGET_MB = 3.0
STEP_TARGET_MS = 50.0
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1280,800")
CHAIN_SIZES = (10, 30, 100, 300, 1000)
MLP_WIDTHS = (1, 3, 7, 13, 27)  # 2-w-w-1: 14, 40, 116, 290, 976 values


# --- graphs -------------------------------------------------------------------------------


def mlp_example(width: int = 16, seed: int = 0) -> tuple[Value, dict[str, Value]]:
    """One example through nn.MLP(2, [width, width, 1]); its output and named parameters."""
    model = MLP(2, [width, width, 1], seed=seed)
    out = model([Value(0.5, label="x0"), Value(-1.0, label="x1")])
    return out, dict(model.named_parameters())


def chain(values: int) -> Value:
    """x, then alternately ``* 0.9`` (a constant and a product: 2 values) and tanh (1)."""
    y = Value(0.5, label="x")
    count, k = 1, 0
    while count < values:
        if k % 2:
            y, count = y.tanh(), count + 1
        else:
            y, count = y * 0.9, count + 2
        k += 1
    return y


# --- building -----------------------------------------------------------------------------


@dataclass
class Build:
    name: str
    path: Path
    seconds: list[float] = field(default_factory=list)  # draw_backward + save_html
    draw_seconds: list[float] = field(default_factory=list)  # the draw_backward part
    nodes: int = 0
    edges: int = 0
    steps: int = 0
    bytes: int = 0
    error: str | None = None
    player: object = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def time_build(name: str, root: Value, path: Path, repeats: int, **kwargs) -> Build:
    """``draw_backward(root, **kwargs)`` then ``save_html(path)``, ``repeats`` times."""
    build = Build(name, path)
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        try:
            player = draw_backward(root, **kwargs)
        except Exception as error:  # report it, keep benchmarking the rest
            build.error = f"{type(error).__name__}: {error}"[:160]
            return build
        drawn = time.perf_counter()
        player.save_html(path)
        end = time.perf_counter()
        build.seconds.append(end - start)
        build.draw_seconds.append(drawn - start)
    graph = player.graph
    build.player = player
    build.nodes = len(graph.nodes)
    build.edges = sum(len(graph.shown[node]) for node in graph.nodes)
    build.steps = len(player)
    build.bytes = path.stat().st_size
    return build


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_builds(builds: list[Build], repeats: int) -> None:
    print(f"\n1. Build: draw_backward(...) + save_html(...), median of {repeats} runs, "
          "gc on; MB = 10^6 bytes")
    print(f"   {'options':<44} {'values':>6} {'edges':>6} {'steps':>5} {'build s':>8} "
          f"{'(draw s)':>8} {'MB':>6}  targets <= {BUILD_TARGET_S:g} s, "
          f"<= {SIZE_TARGET_MB:g} MB")
    for b in builds:
        if b.error:
            print(f"   {b.name:<44} FAILED: {b.error}")
            continue
        mb = b.bytes / 1e6
        print(f"   {b.name:<44} {b.nodes:>6} {b.edges:>6} {b.steps:>5} {b.median:>8.3f} "
              f"{statistics.median(b.draw_seconds):>8.3f} {mb:>6.3f}  "
              f"time {mark(b.median <= BUILD_TARGET_S)}, size {mark(mb <= SIZE_TARGET_MB)}")
    print("   (values = boxes drawn, edges = value -> op edges drawn, draw s = the "
          "draw_backward part of build s)")


# --- the browser --------------------------------------------------------------------------

STEP_SWEEP = """
var P = window.backpropPlayer, out = [];
P.show(0); document.body.getBoundingClientRect();
for (var i = 0; i < P.count; i++) {
  var t0 = performance.now();
  P.show(i);
  document.body.getBoundingClientRect();
  out.push(performance.now() - t0);
}
return out;
"""

FRAME_SWEEP = """
var done = arguments[arguments.length - 1], P = window.backpropPlayer, out = [], i = 0;
P.show(0);
function next() {
  if (i >= P.count) { done(out); return; }
  var t0 = performance.now();
  P.show(i);
  requestAnimationFrame(function () {
    setTimeout(function () { out.push(performance.now() - t0); i++; next(); }, 0);
  });
}
requestAnimationFrame(function () { setTimeout(next, 0); });
"""

JUMPS = """
var P = window.backpropPlayer, last = P.count - 1;
P.show(0); document.body.getBoundingClientRect();
var t0 = performance.now(); P.show(last); document.body.getBoundingClientRect();
var t1 = performance.now(); P.show(0); document.body.getBoundingClientRect();
var t2 = performance.now();
return [t1 - t0, t2 - t1];
"""

NAVIGATION = """
var n = performance.getEntriesByType("navigation")[0];
var paint = performance.getEntriesByType("paint").filter(function (e) {
  return e.name === "first-contentful-paint"; });
return [n.domContentLoadedEventEnd, n.loadEventEnd, paint.length ? paint[0].startTime : -1,
        window.backpropPlayer.count];
"""


def start_browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_script_timeout(600)
    return driver


@dataclass
class PageLoad:
    wall_ms: float  # driver.get(): navigation until the load event, seen from Python
    dom_ms: float  # navigation timing: DOMContentLoaded end (the player script has run)
    load_ms: float  # navigation timing: load event end
    paint_ms: float  # first contentful paint


def load(driver, path: Path) -> PageLoad:
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(path.resolve().as_uri())
    wall = (time.perf_counter() - start) * 1e3
    dom, loaded, paint, count = driver.execute_script(NAVIGATION)
    assert count > 0
    return PageLoad(wall, dom, loaded, paint)


def per_step_medians(sweeps: list[list[float]]) -> list[float]:
    return [statistics.median(samples) for samples in zip(*sweeps)]


def step_changes(player, index: int) -> int:
    """How many drawing elements step ``index`` sets (kept and flashed texts and states)."""
    s = player.steps[index]
    return len(s.texts) + len(s.states) + len(s.flash_texts) + len(s.flash_states)


def browse(driver, build: Build, repeats: int) -> None:
    loads = [load(driver, build.path) for _ in range(repeats)]
    sweeps = [driver.execute_script(STEP_SWEEP) for _ in range(repeats)]
    frames = [driver.execute_async_script(FRAME_SWEEP) for _ in range(repeats)]
    jumps = [driver.execute_script(JUMPS) for _ in range(repeats)]
    steps = per_step_medians(sweeps)
    frame_steps = per_step_medians(frames)
    worst = max(range(len(steps)), key=steps.__getitem__)
    frame_worst = max(range(len(frame_steps)), key=frame_steps.__getitem__)
    raw_max = max(max(s) for s in sweeps)
    player = build.player
    print(f"\n   {build.name}: {build.steps} steps, {build.bytes / 1e6:.3f} MB")
    print(f"     page load (median of {repeats} loads, about:blank -> file):  driver.get "
          f"{statistics.median(p.wall_ms for p in loads):7.1f} ms   "
          f"DOMContentLoaded {statistics.median(p.dom_ms for p in loads):7.1f} ms   "
          f"load event {statistics.median(p.load_ms for p in loads):7.1f} ms   "
          f"first contentful paint {statistics.median(p.paint_ms for p in loads):7.1f} ms")
    print(f"     show(i) + forced layout, per step (median of {repeats} sweeps 0..last): "
          f"median {statistics.median(steps):6.1f} ms   max {steps[worst]:6.1f} ms "
          f"(step {worst}, {player.steps[worst].phase}, {step_changes(player, worst)} "
          f"elements set)   worst single sample {raw_max:6.1f} ms   "
          f"target < {STEP_TARGET_MS:g} ms: {mark(steps[worst] < STEP_TARGET_MS)}")
    print(f"     show(i) until the next frame has run (paint included, frame-clock "
          f"quantised; median of {repeats} sweeps): median "
          f"{statistics.median(frame_steps):6.1f} ms   max {frame_steps[frame_worst]:6.1f} ms "
          f"(step {frame_worst})")
    print(f"     jump first -> last (median / max of {repeats}): "
          f"{statistics.median(j[0] for j in jumps):6.1f} / {max(j[0] for j in jumps):6.1f} ms"
          f"   last -> first: {statistics.median(j[1] for j in jumps):6.1f} / "
          f"{max(j[1] for j in jumps):6.1f} ms   (show + forced layout)")


def browse_once(driver, build: Build) -> tuple[PageLoad, list[float]]:
    """One load and one step sweep (for the scaling table)."""
    return load(driver, build.path), driver.execute_script(STEP_SWEEP)


# --- scaling ------------------------------------------------------------------------------


def exponent(small: tuple[float, float], large: tuple[float, float]) -> float:
    """The k in cost ~ n^k between two sizes: 1 is linear, 2 quadratic."""
    (n0, c0), (n1, c1) = small, large
    return math.log(c1 / c0) / math.log(n1 / n0)


def print_scaling(title: str, builds: list[Build], repeats: int,
                  browsed: dict[str, tuple[PageLoad, list[float]]]) -> None:
    print(f"\n   {title} (build: median of {repeats} runs)")
    header = (f"   {'values':>6} {'edges':>6} {'steps':>5} {'build s':>8} {'file KB':>8} "
              f"{'KB/value':>8} {'ms/value':>8}")
    if browsed:
        header += f" {'load ms':>8} {'step med':>8} {'step max':>8} {'at step':>8}"
    print(header)
    for b in builds:
        if b.error:
            print(f"   FAILED: {b.error}")
            continue
        line = (f"   {b.nodes:>6} {b.edges:>6} {b.steps:>5} {b.median:>8.3f} "
                f"{b.bytes / 1e3:>8.1f} {b.bytes / 1e3 / b.nodes:>8.2f} "
                f"{b.median * 1e3 / b.nodes:>8.2f}")
        if b.name in browsed:
            page, sweep = browsed[b.name]
            worst = max(range(len(sweep)), key=sweep.__getitem__)
            line += (f" {page.wall_ms:>8.1f} {statistics.median(sweep):>8.1f} "
                     f"{sweep[worst]:>8.1f} {worst:>4}/{b.steps - 1:<4}")
        print(line)
    ok = [b for b in builds if not b.error]
    if len(ok) < 2:
        return
    first, last, before = ok[0], ok[-1], ok[-2]
    kb = (last.bytes / last.nodes) / (first.bytes / first.nodes)
    ms = (last.median / last.nodes) / (first.median / first.nodes)
    print(f"   per-value ratio largest/smallest ({last.nodes} / {first.nodes} values): "
          f"KB/value {kb:.2f}x, ms/value {ms:.2f}x   (about 1 or below: linear or better; "
          "fixed costs make small graphs dearer per value)")
    file_k = exponent((before.nodes, before.bytes), (last.nodes, last.bytes))
    time_k = exponent((before.nodes, before.median), (last.nodes, last.median))
    print(f"   growth exponent k (cost ~ values^k) between the two largest sizes "
          f"({before.nodes} -> {last.nodes}): file {file_k:.2f}, build time {time_k:.2f}"
          "   (1.00 = linear)")


def profile(label: str, run: Callable[[], object], top: int = 10) -> None:
    """cProfile one build; print the functions with the most own time and the main
    stages' cumulative time."""
    gc.collect()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    run()
    profiler.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = sum(row[2] for row in stats.stats.values())  # own time of every function
    print(f"\n   cProfile, {label}: {wall:.3f} s under the profiler "
          f"({total:.3f} s of own time recorded)")
    print(f"     top {top} by own time (tottime):")
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    for (filename, line, name), (_, calls, own, cumulative, _) in rows:
        where = f"{_short(filename)}:{line}({name})" if line else name
        print(f"       {own:7.3f} s own {100 * own / wall:5.1f}%  cum {cumulative:7.3f} s  "
              f"{calls:>8} calls  {where}")
    stages = [("draw_backward", "player.py", "draw_backward"),
              ("  VisibleGraph.of", "graph.py", "of"),
              ("  forward_steps", "steps.py", "forward_steps"),
              ("  backward_steps", "steps.py", "backward_steps"),
              ("  _Layout.of: longest texts + DOT + layout + read", "player.py", "of"),
              ("    render.layout: the graphviz subprocess", "render.py", "layout"),
              ("save_html", "player.py", "save_html"),
              ("  Player.html", "player.py", "html"),
              ("    _Layout.svg", "player.py", "svg"),
              ("    _script_safe_json", "player.py", "_script_safe_json"),
              ("  write_atomically", "render.py", "write_atomically")]
    print("     stages by cumulative time:")
    for title, module, function in stages:
        cumulative = sum(row[3] for key, row in stats.stats.items()
                         if key[2] == function and key[0].endswith(f"autograd/viz/{module}"))
        print(f"       {cumulative:7.3f} s  {100 * cumulative / wall:5.1f}%  {title}")


def _short(filename: str) -> str:
    parts = Path(filename).parts
    for anchor in ("autograd", "nn"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor):])
    return Path(filename).name


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true", help="skip Chromium")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the pages to this directory and keep them")
    args = parser.parse_args()
    repeats = max(1, args.repeats)
    work = tempfile.TemporaryDirectory(prefix="bench-player-")
    out_dir = args.keep or Path(work.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"Python {sys.version.split()[0]}; Graphviz: {find_renderer()}; "
          f"medians of {repeats} runs; gc enabled")

    # 1. The MLP player.
    out, params = mlp_example()
    builds = [
        time_build("MLP 2-16-16-1, default options", out, out_dir / "mlp_default.html",
                   repeats, params=params),
        time_build("MLP 2-16-16-1, collapse_after=None, max_nodes=None", out,
                   out_dir / "mlp_every_edge.html", repeats, params=params,
                   collapse_after=None, max_nodes=None),
    ]
    if builds[0].error:  # the defaults failed: the closest default build that works
        builds.insert(1, time_build("MLP 2-16-16-1, defaults but forward=False", out,
                                    out_dir / "mlp_default_backward_only.html", repeats,
                                    params=params, forward=False))
    print_builds(builds, repeats)

    # 3's builds first (the browser then opens every page in one session).
    chains = [time_build(f"chain {n}", chain(n), out_dir / f"chain_{n}.html", repeats,
                         max_nodes=None, collapse_after=None) for n in CHAIN_SIZES]
    mlps = []
    for width in MLP_WIDTHS:
        root, named = mlp_example(width)
        mlps.append(time_build(f"mlp {width}", root, out_dir / f"mlp_{width}.html", repeats,
                               params=named, max_nodes=None, collapse_after=None))

    # 2. The browser.
    browsed: dict[str, tuple[PageLoad, list[float]]] = {}
    have_browser = shutil.which("chromedriver") and (
        shutil.which("chromium") or shutil.which("chromium-browser"))
    if args.no_browser or not have_browser:
        print("\n2. Browser: skipped (" + ("--no-browser" if args.no_browser else
                                          "chromium or chromedriver not found") + ")")
    else:
        with tempfile.TemporaryDirectory(prefix="bench-player-chromium-") as profile_dir:
            driver = start_browser(Path(profile_dir))
            try:
                print(f"\n2. Browser: headless Chromium "
                      f"{driver.capabilities.get('browserVersion', '?')}, 1280x800, times "
                      "from performance.now() in the page (0.1 ms resolution)")
                for build in builds:
                    if not build.error:
                        browse(driver, build, repeats)
                for build in chains + mlps:
                    if not build.error:
                        browsed[build.name] = browse_once(driver, build)
            finally:
                driver.quit()

    # 3. Scaling.
    print("\n3. Scaling: max_nodes=None, collapse_after=None; build = draw_backward + "
          "save_html")
    if browsed:
        print("   browser columns: one load (driver.get) and one sweep of show(i) + forced "
              "layout over every step")
    print_scaling("chain x -> *0.9 -> tanh -> *0.9 -> ... (forward + backward steps)",
                  chains, repeats, browsed)
    print_scaling("MLP 2-w-w-1, w = " + ", ".join(map(str, MLP_WIDTHS)) + ", one example",
                  mlps, repeats, browsed)

    # Where the time goes, at the largest sizes.
    print("\n   Profiles of the largest builds (draw_backward + save_html):")
    big_chain = chain(CHAIN_SIZES[-1])
    profile(f"chain of {CHAIN_SIZES[-1]} values", lambda: draw_backward(
        big_chain, max_nodes=None, collapse_after=None).save_html(out_dir / "profile.html"))
    root, named = mlp_example(MLP_WIDTHS[-1])
    profile(f"MLP 2-{MLP_WIDTHS[-1]}-{MLP_WIDTHS[-1]}-1", lambda: draw_backward(
        root, params=named, max_nodes=None, collapse_after=None).save_html(
        out_dir / "profile.html"))
    print("     (render.layout's time is spent waiting for the graphviz subprocess: its own "
          "time shows as select/poll/read)")

    if args.keep:
        print(f"\nPages kept in {out_dir}")
    work.cleanup()
    print(f"\nTotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
