"""Shared helpers for the benchmarks: timing, medians and micrograd's demo step."""

from __future__ import annotations

import gc
import statistics
import time
from typing import Callable


def demo_step(model, value_class, points, labels, learning_rate: float = 0.1) -> float:
    """One step of micrograd's demo loop: max-margin loss + 1e-4 L2, plain SGD."""
    inputs = [list(map(value_class, row)) for row in points]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * score).relu() for yi, score in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss.data


def timed(run: Callable[[], object]) -> float:
    """Seconds for ``run()`` plus collecting the garbage it left.

    micrograd's closures leave reference cycles that only the cycle collector frees;
    timing the collection with the step charges each engine for its own garbage
    instead of whichever engine happens to run next.
    """
    start = time.perf_counter()
    run()
    gc.collect()
    return time.perf_counter() - start


def interleaved(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Time each run ``repeats`` times, taking the engines in turn each round."""
    gc.collect()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(timed(run))
    return times


def report(title: str, times: dict[str, list[float]], baseline: str) -> None:
    """Print medians and the median of the paired ratios against ``baseline``."""
    print(f"\n{title}")
    base = times[baseline]
    for name, samples in times.items():
        median_ms = statistics.median(samples) * 1e3
        ratio = statistics.median(b / s for b, s in zip(base, samples))
        print(f"  {name:<42} median {median_ms:9.2f} ms   {baseline} / this: {ratio:6.2f}x")
