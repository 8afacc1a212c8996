"""The cyclic garbage collector's tax, as users run the engine (collector on).

micrograd's demo loop with micrograd's own ``nn.py`` on this engine's Value, in fresh
processes with the collector on and off, alternating; prints the median step of each
and their ratio, and (collector on) how many collections of each generation ran and
how long they took, from ``gc.callbacks``.

Run:  python bench/bench_gc.py [--rounds 5]
Needs: pip install -e '.[bench]'   (micrograd==0.1.0)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import gc, json, random, statistics, sys, time
sys.path.insert(0, sys.argv[2]); sys.path.insert(0, sys.argv[3])
from micrograd import nn as micro_nn
import autograd
from nn.data import make_moons
from _common import demo_step

micro_nn.Value = autograd.Value          # micrograd's own nn.py, this engine underneath
random.seed(1337)
model = micro_nn.MLP(2, [16, 16, 1])
X, y = make_moons(100, signed=True)
collections, started, spent = [0, 0, 0], {}, [0.0]

def watch(phase, info):
    if phase == "start":
        started["t"] = time.perf_counter()
    else:
        collections[info["generation"]] += 1
        spent[0] += time.perf_counter() - started["t"]

if sys.argv[1] == "off":
    gc.disable()
demo_step(model, autograd.Value, X, y)  # warm up
gc.callbacks.append(watch)
steps = []
for _ in range(5):
    start = time.perf_counter()
    demo_step(model, autograd.Value, X, y)
    steps.append(time.perf_counter() - start)
print(json.dumps({"step": statistics.median(steps), "collections": collections,
                  "collecting": spent[0] / len(steps)}))
"""


def run(mode: str) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, mode, str(HERE.parent), str(HERE)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    samples: dict[str, list[dict]] = {"on": [], "off": []}
    for _ in range(rounds):
        for mode in samples:
            samples[mode].append(run(mode))
    on = statistics.median(s["step"] for s in samples["on"])
    off = statistics.median(s["step"] for s in samples["off"])
    last = samples["on"][-1]
    print(f"micrograd's demo step with its own nn.py on this engine, {rounds} rounds")
    print(f"  collector on  {on * 1e3:7.1f} ms per step")
    print(f"  collector off {off * 1e3:7.1f} ms per step")
    print(f"  tax: {on / off:.2f}x; with it on, per step: {last['collecting'] * 1e3:.1f} ms "
          f"collecting, collections by generation over 5 steps {last['collections']}")


if __name__ == "__main__":
    main()
