"""The engine against micrograd 0.1.0, side by side in one process.

Workloads:
  step    micrograd's demo training step (MLP 2-16-16-1, 100 two-moons points,
          max-margin loss + 1e-4 L2, SGD), micrograd's own nn code in both cases:
          once on micrograd's Value, once on ours (so only the engine differs).
  chain   forward + backward of a chain of binary ops (y = y * a + b), 100,000 deep.
  numbers the same chain with plain-number operands (y = y * 0.999 + 0.001).
  wide    forward + backward of a sum of 100,000 products.
  memory  peak RSS per node of the demo step's graph (each engine in a fresh process).

Run:  python bench/bench_engine.py [--repeats 7] [--depth 100000]
Needs: pip install -e '.[bench]'   (micrograd==0.1.0)
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import demo_step, interleaved, report  # noqa: E402

import autograd  # noqa: E402
from nn.data import make_moons  # noqa: E402
from micrograd import engine as micro_engine  # noqa: E402
from micrograd import nn as micro_nn  # noqa: E402

ENGINES = {"micrograd": micro_engine.Value, "autograd": autograd.Value}


def micrograd_mlp(value_class, seed: int = 1337):
    """micrograd's own MLP 2-16-16-1, its parameters made of ``value_class``."""
    random.seed(seed)
    model = micro_nn.MLP(2, [16, 16, 1])
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.w = [value_class(w.data) for w in neuron.w]
            neuron.b = value_class(neuron.b.data)
    return model


def chain(value_class, depth: int) -> float:
    a, b = value_class(0.999), value_class(0.001)
    x = value_class(0.5)
    y = x
    for _ in range(depth // 2):
        y = y * a + b
    y.backward()
    return x.grad


def chain_of_numbers(value_class, depth: int) -> float:
    """The same chain written as people write it, with plain-number operands."""
    x = value_class(0.5)
    y = x
    for _ in range(depth // 2):
        y = y * 0.999 + 0.001
    y.backward()
    return x.grad


def wide(value_class, width: int) -> float:
    xs = [value_class(i / width) for i in range(width)]
    total = sum(x * x for x in xs)
    total.backward()
    return xs[-1].grad


def run_with_deep_stack(function, *args):
    """micrograd sorts recursively: give it a big stack and recursion limit.

    Only micrograd needs this; our engine walks the graph with an explicit stack.
    """
    result: list = []
    threading.stack_size(1 << 29)
    sys.setrecursionlimit(10_000_000)
    worker = threading.Thread(target=lambda: result.append(function(*args)))
    worker.start()
    worker.join()
    return result[0]


def bench_step(repeats: int) -> None:
    points, labels = make_moons(100, signed=True)
    models = {name: micrograd_mlp(cls) for name, cls in ENGINES.items()}
    losses = {name: demo_step(models[name], cls, points, labels) for name, cls in ENGINES.items()}
    assert abs(losses["micrograd"] - losses["autograd"]) < 1e-9, losses
    runs = {
        f"{name} (micrograd's MLP code)": (
            lambda m=models[name], c=cls: demo_step(m, c, points, labels)
        )
        for name, cls in ENGINES.items()
    }
    times = interleaved(runs, repeats)
    report("demo training step (forward + backward + SGD), gc collection included",
           times, "micrograd (micrograd's MLP code)")


def bench_chain(repeats: int, depth: int) -> None:
    runs = {
        "micrograd": lambda: run_with_deep_stack(chain, micro_engine.Value, depth),
        "autograd": lambda: chain(autograd.Value, depth),
    }
    times = interleaved(runs, repeats)
    report(f"chain of {depth:,} binary ops, forward + backward", times, "micrograd")


def bench_chain_of_numbers(repeats: int, depth: int) -> None:
    runs = {
        "micrograd": lambda: run_with_deep_stack(chain_of_numbers, micro_engine.Value, depth),
        "autograd": lambda: chain_of_numbers(autograd.Value, depth),
    }
    times = interleaved(runs, repeats)
    report(f"chain of {depth:,} ops with number operands (y * 0.999 + 0.001), "
           "forward + backward", times, "micrograd")


def bench_wide(repeats: int, width: int) -> None:
    def ours_one_node():
        xs = [autograd.Value(i / width) for i in range(width)]
        total = autograd.sum_values(x * x for x in xs)
        total.backward()

    runs = {
        "micrograd": lambda: run_with_deep_stack(wide, micro_engine.Value, width),
        "autograd, sum() of binary adds": lambda: wide(autograd.Value, width),
        "autograd, sum_values (one n-ary node)": ours_one_node,
    }
    times = interleaved(runs, repeats)
    report(f"sum of {width:,} squares, forward + backward", times, "micrograd")


def memory_child(engine: str) -> None:
    """Build and backpropagate the demo step's graph; print peak RSS growth per node."""
    cls = ENGINES[engine]
    points, labels = make_moons(100, signed=True)
    model = micrograd_mlp(cls)
    before = peak_rss_bytes()
    inputs = [list(map(cls, row)) for row in points * 10]  # 1,000 examples
    scores = list(map(model, inputs))
    loss = sum((1 + -yi * s).relu() for yi, s in zip(labels * 10, scores))
    run_with_deep_stack(loss.backward)  # micrograd's recursive sort needs it
    after = peak_rss_bytes()
    nodes = count_nodes(loss)
    print(f"{(after - before) / nodes:.0f} {nodes}")


def peak_rss_bytes() -> int:
    """This process's peak resident memory (VmHWM).

    Not ``ru_maxrss``: Linux carries that over from the parent across fork and exec,
    so a child started by a big parent would report the parent's peak.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status (this benchmark needs Linux)")


def count_nodes(root) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        for parent in stack.pop()._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def bench_memory() -> None:
    print("\npeak RSS growth per node (demo step graph, 1,000 examples, fresh process each)")
    per_node = {}
    for engine in ENGINES:
        out = subprocess.run([sys.executable, __file__, "--memory-child", engine],
                             capture_output=True, text=True, check=True).stdout.split()
        per_node[engine] = float(out[0])
        print(f"  {engine:<12} {float(out[0]):6.0f} B per node   ({int(out[1]):,} nodes)")
    print(f"  autograd / micrograd: {per_node['autograd'] / per_node['micrograd']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--depth", type=int, default=100_000)
    parser.add_argument("--only", choices=["step", "chain", "numbers", "wide", "memory"])
    parser.add_argument("--memory-child", choices=list(ENGINES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    print(f"Python {sys.version.split()[0]}; medians of {args.repeats} interleaved runs")
    if args.only in (None, "step"):
        bench_step(args.repeats)
    if args.only in (None, "chain"):
        bench_chain(args.repeats, args.depth)
    if args.only in (None, "numbers"):
        bench_chain_of_numbers(args.repeats, args.depth)
    if args.only in (None, "wide"):
        bench_wide(args.repeats, args.depth)
    if args.only in (None, "memory"):
        bench_memory()


if __name__ == "__main__":
    main()
