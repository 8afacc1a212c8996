"""Does higher-order support slow first-order backward()? Side by side in one process.

  backward()            Value.backward(): the float path, with the create_graph option
  first-order only      the same sort and chain-rule loop with no higher-order code at
                        all, written out here as the "before" baseline
  grad()                autograd.grad (returns gradients in a dict instead of .grad)

on micrograd's demo graph (nn.MLP 2-16-16-1, 100 moons points, max-margin loss + L2)
and on a 100,000-deep chain. Only backward is timed; the graph is built untimed.

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
from autograd import Value, topological_order  # noqa: E402


def first_order_only(root: Value) -> None:
    """backward() as it would be with no create_graph support: sort, reset, push."""
    order = topological_order(root)
    for node in order:
        if node.parents:
            node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        first = node._first
        if first is not None:
            g = node.grad
            first.grad += node._d_first * g
            second = node._second
            if second is not None:
                second.grad += node._d_second * g
        elif node._many:
            g = node.grad
            for parent, local in zip(node._many, node._d_many):
                parent.grad += local * g


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
        first_order_only(root)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    methods = ["first-order only", "backward()", "grad()"]
    print(f"Python {sys.version.split()[0]}; medians of {args.repeats} interleaved runs")
    for title, build in (("demo step graph", demo_graph), ("100,000-deep chain", chain_graph)):
        times = {m: [] for m in methods}
        for _ in range(args.repeats):
            for m in methods:
                times[m].append(time_backward(build, m))
        base = times["first-order only"]
        print(f"\nbackward of the {title}")
        for m in methods:
            ratio = statistics.median(s / b for s, b in zip(times[m], base))
            print(f"  {m:<18} median {statistics.median(times[m]) * 1e3:8.2f} ms   "
                  f"this / first-order only: {ratio:5.2f}")


if __name__ == "__main__":
    main()
