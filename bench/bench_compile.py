"""Compiled training against micrograd (and PyTorch, where installed), in one process.

  micrograd          micrograd's demo step: its MLP 2-16-16-1, 100 moons, max-margin
                     loss + 1e-4 L2, SGD (gc collection included, as everywhere here)
  eager nn.fit       one full-batch epoch of nn.fit on the same problem
  compiled nn.fit    nn.fit(..., compile=True) for 40 full-batch epochs, tracing
                     included, divided by 40: NumPy (the grouped program, numbers in
                     arrays), and pure-Python replay
Against PyTorch and hand-written NumPy as the batch grows: bench/bench_batching.py.

Run:  python bench/bench_compile.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import demo_step, timed  # noqa: E402

import nn  # noqa: E402
from nn.data import make_moons  # noqa: E402
import nn.compiled  # noqa: E402
from micrograd import engine as micro_engine  # noqa: E402
from micrograd import nn as micro_nn  # noqa: E402

EPOCHS = 40


def fit_seconds_per_step(points, labels, compile_mode: str | None) -> float:
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    saved = nn.compiled._numpy
    if compile_mode == "python":
        nn.compiled._numpy = lambda: None  # force the pure-Python replay
    try:
        epochs = EPOCHS if compile_mode else 1
        start = time.perf_counter()
        nn.fit(model, points, labels, loss="hinge", optimizer=optimizer, epochs=epochs,
               l2_penalty=1e-4, progress=False, compile=compile_mode is not None)
        gc.collect()
        return (time.perf_counter() - start) / epochs
    finally:
        nn.compiled._numpy = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    points, labels = make_moons(100, signed=True)
    random.seed(1337)
    micro_model = micro_nn.MLP(2, [16, 16, 1])
    runs = {
        "micrograd demo step": lambda: demo_step(micro_model, micro_engine.Value, points, labels),
        "eager nn.fit, per epoch": lambda: fit_seconds_per_step(points, labels, None),
        "compiled nn.fit (NumPy), per epoch": lambda: fit_seconds_per_step(points, labels, "numpy"),
        "compiled nn.fit (pure Python), per epoch":
            lambda: fit_seconds_per_step(points, labels, "python"),
    }
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):  # engines in turn, each round
        samples["micrograd demo step"].append(timed(runs["micrograd demo step"]))
        for name in list(runs)[1:]:
            samples[name].append(runs[name]())
    base = samples["micrograd demo step"]
    print(f"Python {sys.version.split()[0]}; medians of {args.repeats} interleaved runs; "
          f"compiled figures include tracing, amortised over {EPOCHS} epochs")
    print("\nfull-batch step on 100 moons, MLP 2-16-16-1")
    for name, times in samples.items():
        ratio = statistics.median(b / t for b, t in zip(base, times))
        print(f"  {name:<42} median {statistics.median(times) * 1e3:9.2f} ms   "
              f"micrograd / this: {ratio:7.1f}x")


if __name__ == "__main__":
    main()
