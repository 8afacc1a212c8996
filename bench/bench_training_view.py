"""The training view: what recording costs during fit, and how fast and small the page and
the GIF are, on the demo run.

The demo: make_moons(100, noise 0.1, seed 0, signed) with make_moons(200, noise 0.1,
seed 1) for validation, nn.MLP(2, [16, 16, 1], seed=0), hinge loss, SGD lr 1.0 with
LinearLR 1.0 -> 0.1 over 100 epochs, l2_penalty 1e-4, full batch.

  1. fit        the demo's fit without and with ``record=1`` (a 50x50 grid every epoch),
                side by side in one process, taking the two in turn each round, garbage
                collector on (each run timed with the collection it leaves): medians, and
                the median of the paired ratios as the recording overhead. Eager and
                ``compile=True`` (the compiled fit is faster, so the same recording
                weighs more there).
  2. page       ``save_training_html(record, path)``: build time and file size.
                Targets: at most 2 s, at most 2 MB.
  3. GIF        ``save_training_gif(record, path)`` (60 of the 101 frames): time, size.
                Target: under 2 MB.

Run:  python bench/bench_training_view.py [--repeats 5] [--no-eager]
Needs: pip install -e '.[nn]' (numpy, matplotlib, pillow)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import interleaved, timed  # noqa: E402

from nn import MLP, SGD, LinearLR, fit  # noqa: E402
from nn.data import make_moons  # noqa: E402
from nn.plots import save_training_gif, save_training_html  # noqa: E402

PAGE_TARGET_S, PAGE_TARGET_MB, GIF_TARGET_MB = 2.0, 2.0, 2.0
X, Y = make_moons(100, noise=0.1, seed=0, signed=True)
VALIDATION = make_moons(200, noise=0.1, seed=1, signed=True)


def demo_fit(record: int | None, compile: bool) -> Any:  # noqa: A002 (fit's own name)
    """The demo's training run, from the same initial weights every time."""
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1.0)
    return fit(model, X, Y, loss="hinge", optimizer=optimizer, epochs=100, l2_penalty=1e-4,
               scheduler=LinearLR(optimizer, 1.0, 0.1, total_iters=100),
               validation=VALIDATION, record=record, progress=False, compile=compile)


def fit_rows(repeats: int, compile: bool) -> list[tuple[str, str, str]]:
    name = "compiled" if compile else "eager"
    times = interleaved({"plain": lambda: demo_fit(None, compile),
                         "record": lambda: demo_fit(1, compile)}, repeats)
    plain, recorded = statistics.median(times["plain"]), statistics.median(times["record"])
    overhead = statistics.median(r / p - 1 for p, r in zip(times["plain"], times["record"]))
    return [(f"fit, {name}, record=None", f"{plain:.2f} s", ""),
            (f"fit, {name}, record=1", f"{recorded:.2f} s",
             f"recording overhead {100 * overhead:+.1f} %")]


def build_rows(repeats: int, folder: Path) -> list[tuple[str, str, str]]:
    record = demo_fit(1, compile=True).record
    page, gif = folder / "training.html", folder / "training.gif"
    page_s = statistics.median(timed(lambda: save_training_html(record, page))
                               for _ in range(repeats))
    gif_s = statistics.median(timed(lambda: save_training_gif(record, gif))
                              for _ in range(repeats))
    page_mb, gif_mb = page.stat().st_size / 1e6, gif.stat().st_size / 1e6
    return [
        ("save_training_html", f"{page_s:.3f} s",
         (f"{page_mb:.2f} MB (targets <= {PAGE_TARGET_S:g} s, <= {PAGE_TARGET_MB:g} MB: "
          f"{'met' if page_s <= PAGE_TARGET_S and page_mb <= PAGE_TARGET_MB else 'MISSED'})")),
        ("save_training_gif (60 of 101 frames)", f"{gif_s:.3f} s",
         (f"{gif_mb:.2f} MB (target < {GIF_TARGET_MB:g} MB: "
          f"{'met' if gif_mb < GIF_TARGET_MB else 'MISSED'})")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-eager", action="store_true",
                        help="skip the eager fits (about 7 s each)")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = [] if args.no_eager else fit_rows(args.repeats, compile=False)
    rows += fit_rows(args.repeats, compile=True)
    with tempfile.TemporaryDirectory() as folder:
        rows += build_rows(args.repeats, Path(folder))
    print(f"Training view on the demo run (100 epochs, 50x50 grid every epoch, 100 + 200 "
          f"points); medians of {args.repeats}, gc on")
    for what, median, note in rows:
        print(f"  {what:<38} {median:>9}   {note}")
    print(f"Total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
