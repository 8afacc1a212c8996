"""The hand-written hot paths against the generic table path, side by side.

``+``, ``-``, ``*``, ``relu`` and ``weighted_sum`` skip ``autograd.apply`` and store
their local derivatives directly. Tests check they match the table's rules
(tests/test_primitives.py); this shows what they buy: the same graphs built both ways.

Run:  python bench/bench_hot_paths.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd import Value, apply, weighted_sum  # noqa: E402
from autograd.primitives import ADD, MUL, RELU, SUB, WEIGHTED_SUM  # noqa: E402

N = 50_000


def binary_ops(hot: bool) -> None:
    x, a, b = Value(0.5), Value(0.999), Value(0.001)
    y = x
    for _ in range(N // 3):
        y = (y * a + b - a) if hot else apply(SUB, apply(ADD, apply(MUL, y, a), b), a)
    y.backward()


def relus(hot: bool) -> None:
    # Only the forward differs (the nodes are the same), so only the forward is run.
    xs = [Value(i / N - 0.5) for i in range(N)]
    for x in xs:
        x.relu() if hot else apply(RELU, x)


def weighted_sums(hot: bool) -> None:
    ws = [Value(0.01 * i) for i in range(16)]
    xs = [Value(0.02 * i) for i in range(16)]
    b = Value(0.1)
    for _ in range(N // 16):
        weighted_sum(ws, xs, b) if hot else apply(WEIGHTED_SUM, b, *ws, *xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; medians of {args.repeats} interleaved runs")
    for name, work in (("x * a + b - a, fwd+bwd", binary_ops), ("relu, forward", relus),
                       ("16-input weighted sums, fwd", weighted_sums)):
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.repeats):
            for hot in (True, False):
                start = time.perf_counter()
                work(hot)
                times[hot].append(time.perf_counter() - start)
        ratio = statistics.median(g / h for g, h in zip(times[False], times[True]))
        print(f"  {name:<28} hand-written {statistics.median(times[True]) * 1e3:7.1f} ms, "
              f"generic apply {statistics.median(times[False]) * 1e3:7.1f} ms: {ratio:4.2f}x")


if __name__ == "__main__":
    main()
