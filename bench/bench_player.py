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
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd import Value  # noqa: E402
from autograd.viz import draw_backward, find_renderer  # noqa: E402
from autograd.viz import player as player_module  # noqa: E402
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

# Stages of draw_backward, timed by wrapping the names player.py calls them by (in this
# process only, for the duration of a build; a wrapper costs a microsecond or so).
STAGES = {"steps": ("forward_steps", "backward_steps"), "layout": ("layout",)}


@contextmanager
def stage_timers(seconds: dict[str, float]):
    originals = {}

    def wrap(stage: str, function: Callable) -> Callable:
        def timed_stage(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - start
        return timed_stage

    for stage, names in STAGES.items():
        for name in names:
            if hasattr(player_module, name):
                originals[name] = getattr(player_module, name)
                setattr(player_module, name, wrap(stage, originals[name]))
    try:
        yield seconds
    finally:
        for name, function in originals.items():
            setattr(player_module, name, function)


@dataclass
class Build:
    name: str
    path: Path
    seconds: list[float] = field(default_factory=list)  # draw_backward + save_html
    draw_seconds: list[float] = field(default_factory=list)  # the draw_backward part
    steps_seconds: list[float] = field(default_factory=list)  # forward/backward_steps
    layout_seconds: list[float] = field(default_factory=list)  # the graphviz subprocess
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
        with stage_timers({}) as stages:
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
        build.steps_seconds.append(stages.get("steps", 0.0))
        build.layout_seconds.append(stages.get("layout", 0.0))
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
    print(f"   {'options':<52} {'values':>6} {'edges':>6} {'steps':>5} {'build s':>8} "
          f"{'draw s':>7} {'steps s':>7} {'dot s':>7} {'MB':>6}  targets <= "
          f"{BUILD_TARGET_S:g} s, <= {SIZE_TARGET_MB:g} MB")
    for b in builds:
        if b.error:
            print(f"   {b.name:<52} FAILED: {b.error}")
            continue
        mb = b.bytes / 1e6
        print(f"   {b.name:<52} {b.nodes:>6} {b.edges:>6} {b.steps:>5} {b.median:>8.3f} "
              f"{statistics.median(b.draw_seconds):>7.3f} "
              f"{statistics.median(b.steps_seconds):>7.3f} "
              f"{statistics.median(b.layout_seconds):>7.3f} {mb:>6.3f}  "
              f"time {mark(b.median <= BUILD_TARGET_S)}, size {mark(mb <= SIZE_TARGET_MB)}")
    print("   values = boxes drawn; edges = value -> op edges drawn; draw s = the "
          "draw_backward part of build s (the rest is save_html); steps s = forward_steps + "
          "backward_steps and dot s = the graphviz layout subprocess, both inside draw s; "
          "all medians")


# --- the browser --------------------------------------------------------------------------

# Each step: [show(i) + forced layout, of which the forced layout]. show() itself may
# already force a layout (keepInView reads getBBox), so the second part can be small.
STEP_SWEEP = """
var P = window.backpropPlayer, out = [];
P.show(0); document.body.getBoundingClientRect();
for (var i = 0; i < P.count; i++) {
  var t0 = performance.now();
  P.show(i);
  var t1 = performance.now();
  document.body.getBoundingClientRect();
  var t2 = performance.now();
  out.push([t2 - t0, t2 - t1]);
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

# Read after two frames, so that the first paint has happened and been recorded.
NAVIGATION = """
var done = arguments[arguments.length - 1];
requestAnimationFrame(function () { requestAnimationFrame(function () {
  var n = performance.getEntriesByType("navigation")[0];
  var paint = performance.getEntriesByType("paint").filter(function (e) {
    return e.name === "first-contentful-paint"; });
  done([n.domContentLoadedEventEnd, n.loadEventEnd,
        paint.length ? paint[0].startTime : NaN, window.backpropPlayer.count]);
}); });
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
    paint_ms: float  # first contentful paint (NaN if Chromium recorded none)


def load(driver, path: Path) -> PageLoad:
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(path.resolve().as_uri())
    wall = (time.perf_counter() - start) * 1e3
    dom, loaded, paint, count = driver.execute_async_script(NAVIGATION)
    if not count:
        raise RuntimeError(f"{path}: window.backpropPlayer.count is {count!r}")
    return PageLoad(wall, dom, loaded, float("nan") if paint is None else paint)


@dataclass
class StepTimes:
    total: list[float]  # per step: median over sweeps of show(i) + forced layout, ms
    layout: list[float]  # per step: median over sweeps of the forced layout part, ms
    worst_sample: float  # the largest single sample of any sweep

    @property
    def worst(self) -> int:
        return max(range(len(self.total)), key=self.total.__getitem__)


def sweep_steps(driver, sweeps: int) -> StepTimes:
    runs = [driver.execute_script(STEP_SWEEP) for _ in range(sweeps)]
    total = [statistics.median(r[i][0] for r in runs) for i in range(len(runs[0]))]
    layout = [statistics.median(r[i][1] for r in runs) for i in range(len(runs[0]))]
    return StepTimes(total, layout, max(sample[0] for r in runs for sample in r))


def _ms(value: float) -> str:
    return "none recorded" if math.isnan(value) else f"{value:.1f} ms"


def step_changes(player, index: int) -> int:
    """How many drawing elements step ``index`` sets (kept and flashed texts and states)."""
    s = player.steps[index]
    return len(s.texts) + len(s.states) + len(s.flash_texts) + len(s.flash_states)


def describe_step(build: Build, index: int) -> str:
    return (f"step {index} of 0..{build.steps - 1}, {build.player.steps[index].phase}, "
            f"sets {step_changes(build.player, index)} elements")


def browse(driver, build: Build, repeats: int, frame_sweeps: int) -> None:
    loads = [load(driver, build.path) for _ in range(repeats)]
    times = sweep_steps(driver, repeats)
    frames = [driver.execute_async_script(FRAME_SWEEP) for _ in range(frame_sweeps)]
    jumps = [driver.execute_script(JUMPS) for _ in range(repeats)]
    frame_steps = [statistics.median(f[i] for f in frames) for i in range(len(frames[0]))]
    frame_worst = max(range(len(frame_steps)), key=frame_steps.__getitem__)
    worst = times.worst
    print(f"\n   {build.name}: {build.steps} steps, {build.bytes / 1e6:.3f} MB")
    print(f"     page load, median of {repeats} (about:blank, then the file): driver.get "
          f"{statistics.median(p.wall_ms for p in loads):.1f} ms; navigation timing: "
          f"DOMContentLoaded {statistics.median(p.dom_ms for p in loads):.1f} ms, load "
          f"event {statistics.median(p.load_ms for p in loads):.1f} ms, first contentful "
          f"paint {_ms(statistics.median(p.paint_ms for p in loads))}")
    print(f"     show(i) + forced layout, each step's median of {repeats} sweeps 0..last: "
          f"median step {statistics.median(times.total):.1f} ms, slowest step "
          f"{times.total[worst]:.1f} ms ({describe_step(build, worst)}; of which "
          f"{times.layout[worst]:.1f} ms in the forced layout after show(), whose getBBox "
          f"already lays out); worst single sample {times.worst_sample:.1f} ms; "
          f"target < {STEP_TARGET_MS:g} ms: {mark(times.total[worst] < STEP_TARGET_MS)}")
    print(f"     show(i) until the next frame has run (rAF + setTimeout 0: paint included, "
          f"waits for the ~16.7 ms frame clock), median of {frame_sweeps} sweeps: median step "
          f"{statistics.median(frame_steps):.1f} ms, slowest "
          f"{frame_steps[frame_worst]:.1f} ms (step {frame_worst})")
    print(f"     jump first -> last, show + forced layout, median / max of {repeats}: "
          f"{statistics.median(j[0] for j in jumps):.1f} / {max(j[0] for j in jumps):.1f} ms;"
          f"  last -> first: {statistics.median(j[1] for j in jumps):.1f} / "
          f"{max(j[1] for j in jumps):.1f} ms")


def js_profile(driver, build: Build, index: int, top: int = 4) -> str:
    """Chromium's sampling profiler (DevTools Profiler, 0.1 ms) over one show(index) +
    forced layout, coming from step index - 1: the JS functions with most self time.
    Style and layout forced from JS are charged to the DOM call that forced them
    (getBBox, getBoundingClientRect)."""
    load(driver, build.path)
    driver.execute_script(f"window.backpropPlayer.show({max(index - 1, 0)}); "
                          "document.body.getBoundingClientRect();")
    driver.execute_cdp_cmd("Profiler.enable", {})
    driver.execute_cdp_cmd("Profiler.setSamplingInterval", {"interval": 100})
    driver.execute_cdp_cmd("Profiler.start", {})
    took = driver.execute_script(f"var t0 = performance.now(); "
                                 f"window.backpropPlayer.show({index}); "
                                 "document.body.getBoundingClientRect(); "
                                 "return performance.now() - t0;")
    result = driver.execute_cdp_cmd("Profiler.stop", {})["profile"]
    driver.execute_cdp_cmd("Profiler.disable", {})
    names = {node["id"]: node["callFrame"]["functionName"] or "(anonymous)"
             for node in result["nodes"]}
    own: dict[str, float] = {}
    for sample, delta in zip(result["samples"], result["timeDeltas"]):
        name = names[sample]
        if name not in ("(idle)", "(program)", "(root)"):
            own[name] = own.get(name, 0.0) + delta / 1e3
    ranked = sorted(own.items(), key=lambda item: -item[1])[:top]
    return (f"{took:.1f} ms; self time: " +
            ", ".join(f"{name} {ms:.1f} ms" for name, ms in ranked))


# --- scaling ------------------------------------------------------------------------------


def exponent(sizes: list[float], costs: list[float]) -> float:
    """The k in cost ~ size^k: the least-squares slope on log-log axes (1 is linear)."""
    points = [(math.log(n), math.log(c)) for n, c in zip(sizes, costs) if n > 0 and c > 0]
    if len(points) < 2:
        return float("nan")
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else math.nan


def print_scaling(title: str, builds: list[Build],
                  browsed: dict[str, tuple[PageLoad, StepTimes]]) -> None:
    print(f"\n   {title}")
    header = (f"   {'values':>6} {'edges':>6} {'steps':>5} {'build s':>8} {'steps s':>8} "
              f"{'dot s':>8} {'file KB':>8} {'KB/value':>8} {'ms/value':>8}")
    if browsed:
        header += f" {'load ms':>8} {'step med':>8} {'step max':>8}  slowest step"
    print(header)
    for b in builds:
        if b.error:
            print(f"   FAILED: {b.error}")
            continue
        line = (f"   {b.nodes:>6} {b.edges:>6} {b.steps:>5} {b.median:>8.3f} "
                f"{statistics.median(b.steps_seconds):>8.3f} "
                f"{statistics.median(b.layout_seconds):>8.3f} "
                f"{b.bytes / 1e3:>8.1f} {b.bytes / 1e3 / b.nodes:>8.2f} "
                f"{b.median * 1e3 / b.nodes:>8.2f}")
        if b.name in browsed:
            page, times = browsed[b.name]
            worst = times.worst
            flag = "" if times.total[worst] < STEP_TARGET_MS else "  > target"
            line += (f" {page.wall_ms:>8.1f} {statistics.median(times.total):>8.1f} "
                     f"{times.total[worst]:>8.1f}  {describe_step(b, worst)}{flag}")
        print(line)
    ok = [b for b in builds if not b.error]
    if len(ok) < 2:
        return
    first, last = ok[0], ok[-1]
    kb = (last.bytes / last.nodes) / (first.bytes / first.nodes)
    ms = (last.median / last.nodes) / (first.median / first.nodes)
    print(f"   per-value ratio, largest / smallest ({last.nodes} / {first.nodes} values): "
          f"KB/value {kb:.2f}x, ms/value {ms:.2f}x  (1 = linear; below 1: fixed costs "
          "dominate small graphs)")
    large = [b for b in ok if b.nodes >= 100] or ok  # past the fixed costs
    sizes = [b.nodes for b in large]
    fits = {"file": [b.bytes for b in large], "build": [b.median for b in large],
            "steps": [statistics.median(b.steps_seconds) for b in large],
            "dot": [statistics.median(b.layout_seconds) for b in large]}
    if all(b.name in browsed for b in large):
        fits["median browser step"] = [statistics.median(browsed[b.name][1].total)
                                       for b in large]
    print(f"   growth exponent k, cost ~ values^k fitted over {', '.join(map(str, sizes))} "
          "values (1 = linear, 2 = quadratic): " +
          ", ".join(f"{name} {exponent(sizes, costs):.2f}" for name, costs in fits.items()))


def profile(label: str, run: Callable[[], object], edges: int, top: int = 10) -> None:
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
    print(f"\n   cProfile, {label}: {wall:.3f} s under the profiler (which slows the "
          f"Python parts, not the graphviz subprocess) "
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
              ("  write_atomically", "files.py", "write_atomically")]
    counts = {name: sum(row[1] for key, row in stats.stats.items()
                        if key[2] == name and key[0].endswith(f"autograd/viz/{module}"))
              for name, module in (("symbol", "steps.py"), ("format_number", "graph.py"),
                                   ("rule_text", "steps.py"))}
    print(f"     calls per drawn edge ({edges} edges): " +
          ", ".join(f"{name} {calls / edges:.1f}" for name, calls in counts.items()))
    print("     stages by cumulative time:")
    for title, module, function in stages:
        cumulative = sum(row[3] for key, row in stats.stats.items()
                         if key[2] == function and key[0].endswith(f"/{module}"))
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
          f"medians of {repeats} runs; gc enabled; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at start")

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
    chains = [time_build(f"chain of {n} values", chain(n), out_dir / f"chain_{n}.html",
                         repeats, max_nodes=None, collapse_after=None) for n in CHAIN_SIZES]
    mlps = []
    for width in MLP_WIDTHS:
        root, named = mlp_example(width)
        mlps.append(time_build(f"MLP 2-{width}-{width}-1", root, out_dir / f"mlp_{width}.html",
                               repeats, params=named, max_nodes=None, collapse_after=None))

    # 2. The browser.
    browsed: dict[str, tuple[PageLoad, StepTimes]] = {}
    frame_sweeps = scaling_sweeps = min(3, repeats)
    js_profiles: dict[str, str] = {}
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
                        browse(driver, build, repeats, frame_sweeps)
                for build in chains + mlps:
                    if not build.error:
                        browsed[build.name] = (load(driver, build.path),
                                               sweep_steps(driver, scaling_sweeps))
                # Where the slowest step of each largest page spends its time.
                for build in (chains[-1], mlps[-1]):
                    if build.name in browsed:
                        worst = browsed[build.name][1].worst
                        js_profiles[build.name] = (
                            f"{build.name}: {describe_step(build, worst)}: "
                            + js_profile(driver, build, worst))
            finally:
                driver.quit()

    # 3. Scaling.
    print(f"\n3. Scaling: max_nodes=None, collapse_after=None. build s = draw_backward + "
          f"save_html, median of {repeats}; steps s, dot s = its forward/backward_steps and "
          "graphviz-layout parts")
    if browsed:
        print(f"   browser: load ms = one driver.get; step med / step max = median / slowest "
              f"of each step's median of {scaling_sweeps} sweeps of show(i) + forced layout")
    print_scaling("chain x -> *0.9 -> tanh -> *0.9 -> ...", chains, browsed)
    print_scaling("MLP 2-w-w-1, w = " + ", ".join(map(str, MLP_WIDTHS)) + ", one example",
                  mlps, browsed)

    if js_profiles:
        print("\n   The slowest browser step of the largest pages, under Chromium's sampling "
              "profiler (one run; style/layout is charged to the DOM call forcing it):")
        for text in js_profiles.values():
            print(f"     {text}")

    # Where the time goes, at the largest sizes.
    print("\n   Profiles of the largest builds (draw_backward + save_html):")
    big_chain = chain(CHAIN_SIZES[-1])
    profile(f"chain of {CHAIN_SIZES[-1]} values", lambda: draw_backward(
        big_chain, max_nodes=None, collapse_after=None).save_html(out_dir / "profile.html"),
        chains[-1].edges)
    root, named = mlp_example(MLP_WIDTHS[-1])
    profile(f"MLP 2-{MLP_WIDTHS[-1]}-{MLP_WIDTHS[-1]}-1", lambda: draw_backward(
        root, params=named, max_nodes=None, collapse_after=None).save_html(
        out_dir / "profile.html"), mlps[-1].edges)
    print("     (render.layout's time is spent waiting for the graphviz subprocess: its own "
          "time shows as select/poll/read)")

    if args.keep:
        print(f"\nPages kept in {out_dir}")
    work.cleanup()
    print(f"\nTotal {time.perf_counter() - started:.1f} s; load average "
          f"{os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
