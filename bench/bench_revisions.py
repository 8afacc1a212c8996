"""Two checkouts of this project, side by side: what a change costs as users run it.

Runs micrograd's demo step (nn.MLP 2-16-16-1 on 100 two-moons points, max-margin
loss + 1e-4 L2, backward, SGD update; the garbage collector on, as users run it), the
whole `fit` of the demo (eager) and a 100,000-deep chain (forward + backward) in
alternating fresh processes, one per checkout, and prints the medians and the median
of the paired ratios.

Run:  python bench/bench_revisions.py /path/to/other/checkout [--rounds 7]
      (e.g. `git worktree add /tmp/base HEAD~1` for the checkout before a change)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, random, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from autograd import Value
from nn import MLP, SGD, LinearLR, fit
from nn.data import make_moons
X, y = make_moons(100, noise=0.1, seed=0, signed=True)

def step(model):
    scores = [model(row) for row in X]
    losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad

model = MLP(2, [16, 16, 1], seed=0)
step(model)  # warm up
steps = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter(); step(model); steps.append(time.perf_counter() - start)
model = MLP(2, [16, 16, 1], seed=0)
optimizer = SGD(model.parameters(), lr=1.0)
start = time.perf_counter()
fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=20, l2_penalty=1e-4,
    scheduler=LinearLR(optimizer, 1.0, 0.1, total_iters=20), progress=False)
fitted = time.perf_counter() - start

def chain():
    x = Value(0.5)
    y = x
    for i in range(100_000):
        y = (y * 0.999).tanh() if i % 2 else y + 0.001
    y.backward()

chains = []
for _ in range(3):
    start = time.perf_counter(); chain(); chains.append(time.perf_counter() - start)
print(json.dumps({"step": statistics.median(steps), "fit": fitted,
                  "chain": statistics.median(chains)}))
"""


def measure(checkout: Path, steps: int) -> dict[str, float]:
    result = subprocess.run([sys.executable, "-c", CHILD, str(checkout), str(steps)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (the baseline)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=15, help="demo steps per process")
    args = parser.parse_args()
    checkouts = {"baseline": args.other.resolve(), "this checkout": HERE}
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    for _ in range(args.rounds):  # alternate, so that machine noise hits both alike
        for name, path in checkouts.items():
            samples[name].append(measure(path, args.steps))
    for workload, label in (("step", "demo step (median per process)"),
                            ("fit", "fit, 20 epochs of the demo"),
                            ("chain", "100,000-deep chain, forward + backward (median of 3)")):
        print(label)
        for name in checkouts:
            values = [s[workload] for s in samples[name]]
            print(f"  {name:<14} median {statistics.median(values) * 1e3:8.1f} ms")
        ratios = [t[workload] / b[workload]
                  for b, t in zip(samples["baseline"], samples["this checkout"])]
        print(f"  this / baseline, median of {len(ratios)} paired rounds: "
              f"{statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
