"""The engine against micrograd 0.1.0 as users run them: each in its own fresh process.

In one process, the garbage one engine leaves is collected during the next engine's
run, and the collector's work depends on everything else alive. Here every run is a
new interpreter with the cyclic garbage collector on (Python's default), the engines
alternate round by round, and the figures are medians of the paired ratios.

Workloads:
  numbers  forward + backward of a chain of 100,000 ops with plain-number operands,
           y = y * 0.999 + 0.001 (the median of 3 runs in each process).
  step     micrograd's demo training step (MLP 2-16-16-1, 100 two-moons points,
           max-margin loss + 1e-4 L2, SGD) with micrograd's own nn.py: once on
           micrograd's Value, once on this engine's (median of the steps after one
           warm-up step).
  mlp      the same loop with this project's nn.MLP (weighted-sum neurons), against
           micrograd's own MLP on micrograd's Value.
  memory   peak RSS growth per node of a wide sum, sum(x * x for x in xs) of 100,000
           Values (about 300,000 nodes).

Run:  python bench/bench_fresh.py [--rounds 5] [--only numbers|step|mlp|memory]
Needs: pip install -e '.[bench]'   (micrograd==0.1.0)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

STEPS = {"step": 4, "mlp": 8}  # timed steps per process (after a warm-up step)


def child(engine: str, workload: str) -> dict:
    """Run one workload once in this (fresh) process and return its figures."""
    import bench_engine as B  # imported here: the parent process stays small
    from _common import demo_step

    import nn
    from nn.data import make_moons

    value_class = B.ENGINES[engine]
    if workload == "numbers":
        times = []
        for _ in range(3):
            start = time.perf_counter()
            B.run_with_deep_stack(B.chain_of_numbers, value_class, 100_000)
            times.append(time.perf_counter() - start)
        return {"time": statistics.median(times)}
    if workload == "memory":
        before = B.peak_rss_bytes()
        xs = [value_class(i / 100_000) for i in range(100_000)]
        total = sum(x * x for x in xs)
        B.run_with_deep_stack(total.backward)  # micrograd's recursive sort needs it
        grown = B.peak_rss_bytes() - before
        nodes = B.count_nodes(total)  # after the peak is read: counting takes memory too
        return {"per_node": grown / nodes, "nodes": nodes}
    points, labels = make_moons(100, signed=True)
    if workload == "mlp" and engine == "autograd":
        model = nn.MLP(2, [16, 16, 1], seed=1337)
    else:
        model = B.micrograd_mlp(value_class)
    demo_step(model, value_class, points, labels)  # warm up
    times = []
    for _ in range(STEPS[workload]):
        start = time.perf_counter()
        demo_step(model, value_class, points, labels)
        times.append(time.perf_counter() - start)
    return {"time": statistics.median(times)}


def in_fresh_process(engine: str, workload: str) -> dict:
    result = subprocess.run([sys.executable, str(HERE), "--child", engine, workload],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


TITLES = {
    "numbers": "chain of 100,000 ops with number operands (y * 0.999 + 0.001), fwd + bwd",
    "step": "demo step, micrograd's own nn.py on each engine",
    "mlp": "demo step, micrograd's loop with nn.MLP (micrograd: its own MLP)",
    "memory": "peak RSS per node, sum(x * x) of 100,000 Values",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=list(TITLES))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    print(f"Python {sys.version.split()[0]}; each run in a fresh process, collector on, "
          f"{args.rounds} alternating rounds")
    for workload in [args.only] if args.only else list(TITLES):
        rounds = [{engine: in_fresh_process(engine, workload)
                   for engine in ("micrograd", "autograd")} for _ in range(args.rounds)]
        print(f"\n{TITLES[workload]}")
        key = "per_node" if workload == "memory" else "time"
        for engine in ("micrograd", "autograd"):
            median = statistics.median(r[engine][key] for r in rounds)
            shown = f"{median:7.0f} B per node" if key == "per_node" else f"{median * 1e3:9.1f} ms"
            print(f"  {engine:<10} median {shown}")
        ratios = [r["autograd"][key] / r["micrograd"][key] for r in rounds]
        ratio = statistics.median(ratios)
        print(f"  autograd / micrograd, median of paired rounds: {ratio:.3f}"
              + ("" if workload == "memory" else f"  (micrograd / autograd: {1 / ratio:.1f}x)"))


if __name__ == "__main__":
    main()
