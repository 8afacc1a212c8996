"""Compiled training against PyTorch and hand-written NumPy, in one process.

The same problem for all: the demo MLP 2-16-16-1 (ReLU), float64, make_moons points with
-1 / +1 labels, hinge loss (mean) + 1e-4 L2, one full-batch SGD step at lr 0.1, for
batches of 100, 1,000 and 10,000 examples.

  nn.fit(compile=True)   what a user runs: per epoch in steady state, the difference
                         between a 200-epoch and a 20-epoch fit divided by 180 (so
                         tracing and compiling cancel out); progress=False
  PyTorch                batched tensors, torch.set_num_threads(1): forward, loss + L2,
                         zero_grad, backward, optimizer.step()
  NumPy by hand          the limit: three matrix products forward, their transposes
                         backward, the SGD update, written out
Rounds alternate between the three, the garbage collector on; medians, and the medians
of the paired ratios. Then micrograd's full-batch demo step against the compiled fit at
batch 100, and the time and memory to trace and compile 2-16-16-1 and 2-64-64-1.

Run:  python bench/bench_batching.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from _common import demo_step, timed  # noqa: E402

import nn  # noqa: E402
import nn.compiled  # noqa: E402
from nn.data import make_moons  # noqa: E402

SIZES = (100, 1_000, 10_000)
L2, LR = 1e-4, 0.1


def fit_seconds_per_epoch(points, labels) -> float:
    def run(epochs: int) -> float:
        model = nn.MLP(2, [16, 16, 1], seed=1337)
        optimizer = nn.SGD(model.parameters(), lr=LR)
        start = time.perf_counter()
        nn.fit(model, points, labels, loss="hinge", optimizer=optimizer, epochs=epochs,
               l2_penalty=L2, progress=False, compile=True)
        return time.perf_counter() - start

    return (run(200) - run(20)) / 180


def torch_step(points, labels):
    import torch

    torch.set_num_threads(1)
    X = torch.tensor(points, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step() -> None:
        scores = model(X).squeeze(1)
        loss = torch.relu(1 - y * scores).mean()
        loss = loss + L2 * sum((p * p).sum() for p in model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def numpy_step(points, labels):
    """The training step written by hand in NumPy: the limit for any NumPy replay."""
    rng = np.random.default_rng(0)
    X = np.asarray(points, dtype=float).T  # (2, B)
    y = np.asarray(labels, dtype=float)
    shapes = [(16, 2), (16, 16), (1, 16)]
    W = [rng.uniform(-1, 1, size=s) for s in shapes]
    b = [np.zeros(s[0]) for s in shapes]
    count = X.shape[1]

    def step() -> None:
        a0 = X
        z1 = W[0] @ a0 + b[0][:, None]
        a1 = np.maximum(z1, 0.0)
        z2 = W[1] @ a1 + b[1][:, None]
        a2 = np.maximum(z2, 0.0)
        s = (W[2] @ a2 + b[2][:, None])[0]
        margins = 1.0 - y * s
        _loss = np.maximum(margins, 0.0).sum() / count + L2 * sum((w * w).sum() for w in W)
        gs = np.where(margins > 0, -y, 0.0)[None, :] / count
        gW2, gb2 = gs @ a2.T, gs.sum(axis=1)
        g2 = np.where(z2 > 0, W[2].T @ gs, 0.0)
        gW1, gb1 = g2 @ a1.T, g2.sum(axis=1)
        g1 = np.where(z1 > 0, W[1].T @ g2, 0.0)
        gW0, gb0 = g1 @ a0.T, g1.sum(axis=1)
        for w, gw, bias, gb in zip(W, (gW0, gW1, gW2), b, (gb0, gb1, gb2)):
            w -= LR * (gw + 2 * L2 * w)
            bias -= LR * gb

    return step


def one_step_seconds(run) -> float:
    # One step, the collector on (as in fit's figure); not forced to collect: a step of
    # tensors or arrays leaves no cycles behind.
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def compile_cost(hidden: int) -> tuple[float, float]:
    """Seconds (median of 3, the first call included) and peak MB (tracemalloc, in a
    run of its own: tracing memory slows the code it watches) to build the compiled
    training program."""
    points, labels = make_moons(100, signed=True)
    model = nn.MLP(2, [hidden, hidden, 1], seed=0)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        compiled = nn.compiled.CompiledLoss(model, nn.losses.hinge, points, labels)
        times.append(time.perf_counter() - start)
    assert len(compiled.plan.groups) == 8
    gc.collect()
    tracemalloc.start()
    nn.compiled.CompiledLoss(model, nn.losses.hinge, points, labels)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6


def blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: threadpoolctl not installed (pip install threadpoolctl)"
    libraries = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
        f"{i.get('num_threads')} threads)"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    settings = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    return f"BLAS: {'; '.join(libraries) or 'unknown'}; environment {settings or 'unset'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit NumPy's BLAS to this many threads (default: as set up)")
    args = parser.parse_args()
    import torch

    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")

    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}, PyTorch {torch.__version__}")
    print(blas())
    print(f"medians of {args.rounds} interleaved rounds, garbage collector on; ratios are "
          "medians of the per-round ratios (time / PyTorch's time)\n")
    print(f"{'batch':>7} {'nn.fit(compile=True)':>21} {'PyTorch':>10} {'NumPy by hand':>14}"
          f" {'ours / PyTorch':>15} {'hand / PyTorch':>15}")
    for size in SIZES:
        points, labels = make_moons(size, signed=True)
        torch_run, numpy_run = torch_step(points, labels), numpy_step(points, labels)
        for _ in range(20):  # warm up
            torch_run(), numpy_run()
        ours, theirs, hand = [], [], []
        for _ in range(args.rounds):
            ours.append(fit_seconds_per_epoch(points, labels))
            theirs.append(statistics.median(one_step_seconds(torch_run) for _ in range(20)))
            hand.append(statistics.median(one_step_seconds(numpy_run) for _ in range(20)))
        ratio = statistics.median(o / t for o, t in zip(ours, theirs))
        limit = statistics.median(h / t for h, t in zip(hand, theirs))
        print(f"{size:>7,} {statistics.median(ours) * 1e3:>18.3f} ms"
              f" {statistics.median(theirs) * 1e3:>7.3f} ms {statistics.median(hand) * 1e3:>11.3f} ms"
              f" {ratio:>14.2f}x {limit:>14.2f}x")

    print("\nthe replay alone, program.batch(): one NumPy call per op against grouped")
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    for size in SIZES:
        points, labels = make_moons(size, signed=True)
        compiled = nn.compiled.CompiledLoss(model, nn.losses.hinge, points, labels)
        inputs = [*(p.data for p in compiled.params), *compiled._rows]
        per_op = statistics.median(
            one_step_seconds(lambda: compiled.program.batch(*inputs, grouped=False))
            for _ in range(args.rounds)
        )
        grouped = statistics.median(
            one_step_seconds(lambda: compiled.program.batch(*inputs, grouped=True))
            for _ in range(args.rounds)
        )
        print(f"  batch {size:>6,}: per op {per_op * 1e3:7.2f} ms, grouped {grouped * 1e3:6.2f} ms"
              f" ({per_op / grouped:.1f}x)")

    points, labels = make_moons(100, signed=True)
    from micrograd import engine as micro_engine
    from micrograd import nn as micro_nn

    random.seed(1337)
    micro_model = micro_nn.MLP(2, [16, 16, 1])
    micro = statistics.median(
        timed(lambda: demo_step(micro_model, micro_engine.Value, points, labels))
        for _ in range(args.rounds)
    )
    ours = statistics.median(fit_seconds_per_epoch(points, labels) for _ in range(args.rounds))
    print(f"\nmicrograd's full-batch demo step (100 moons): {micro * 1e3:.1f} ms; "
          f"nn.fit(compile=True) per epoch {ours * 1e3:.3f} ms: {micro / ours:,.0f}x faster")

    print("\ntracing and compiling the training program (CompiledLoss: trace, check, generate)")
    for hidden in (16, 64):
        seconds, megabytes = compile_cost(hidden)
        parameters = len(nn.MLP(2, [hidden, hidden, 1]).parameters())
        print(f"  2-{hidden}-{hidden}-1 ({parameters:,} parameters): {seconds:.2f} s, "
              f"peak {megabytes:.1f} MB")


if __name__ == "__main__":
    main()
