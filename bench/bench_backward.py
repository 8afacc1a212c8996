"""backward() against grad() and grad(create_graph=True), side by side in one process.

  backward()                  Value.backward(): the walk adding into .grad
  grad()                      autograd.grad: the same walk on borrowed .grad fields,
                              returning the gradients and giving .grad back
  grad(create_graph=True)     the same walk building the gradients as graphs

on micrograd's demo graph (nn.MLP 2-16-16-1, 100 moons points, max-margin loss + L2)
and on a 100,000-deep chain. Only the backward pass is timed; the graph is built
untimed. (What a change to the walk costs against an earlier checkout is measured by
bench/bench_revisions.py, as users run it.)

Run:  python bench/bench_backward.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


import autograd  # noqa: E402
from nn.data import make_moons  # noqa: E402
import nn  # noqa: E402
from autograd import Value  # noqa: E402


def demo_graph() -> tuple[Value, list[Value]]:
    points, labels = make_moons(100, signed=True)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    scores = [model(list(map(Value, p))) for p in points]
    loss = sum((1 + -y * s).relu() for y, s in zip(labels, scores)) * 0.01
    loss = loss + 1e-4 * sum(p * p for p in model.parameters())
    return loss, model.parameters()


def chain_graph(depth: int = 100_000) -> tuple[Value, list[Value]]:
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = (y * 0.999).tanh() if _ % 2 else y + 0.001
    return y, [x]


def time_backward(build, method) -> float:
    root, leaves = build()
    start = time.perf_counter()
    if method == "grad()":
        autograd.grad(root, leaves)
    elif method == "backward()":
        root.backward()
    else:
        autograd.grad(root, leaves, create_graph=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    methods = ["backward()", "grad()", "grad(create_graph=True)"]
    print(f"Python {sys.version.split()[0]}; medians of {args.repeats} interleaved runs")
    for title, build in (("demo step graph", demo_graph), ("100,000-deep chain", chain_graph)):
        times = {m: [] for m in methods}
        for _ in range(args.repeats):
            for m in methods:
                times[m].append(time_backward(build, m))
        base = times["backward()"]
        print(f"\nbackward of the {title}")
        for m in methods:
            ratio = statistics.median(s / b for s, b in zip(times[m], base))
            print(f"  {m:<24} median {statistics.median(times[m]) * 1e3:8.2f} ms   "
                  f"this / backward(): {ratio:5.2f}")


if __name__ == "__main__":
    main()
