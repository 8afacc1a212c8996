"""nn's MLP against micrograd's, on micrograd's demo loop, side by side in one process.

The loop is micrograd's demo notebook step, unchanged (builtin ``sum``, ``Value``
inputs, max-margin loss + 1e-4 L2, SGD); only the model differs:
  micrograd        micrograd.nn.MLP(2, [16, 16, 1]) on micrograd's engine
  nn.MLP           nn.MLP(2, [16, 16, 1]): one weighted-sum node per neuron
Also times a whole ``nn.fit`` epoch (full batch) for reference.

Run:  python bench/bench_nn.py [--repeats 7]
Needs: pip install -e '.[bench]'   (micrograd==0.1.0)
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import demo_step, interleaved, report  # noqa: E402

import autograd  # noqa: E402
from nn.data import make_moons  # noqa: E402
import nn  # noqa: E402
from micrograd import engine as micro_engine  # noqa: E402
from micrograd import nn as micro_nn  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    points, labels = make_moons(100, signed=True)
    random.seed(1337)
    micro_model = micro_nn.MLP(2, [16, 16, 1])
    our_model = nn.MLP(2, [16, 16, 1], seed=1337)
    fit_model = nn.MLP(2, [16, 16, 1], seed=1337)

    def one_fit_epoch():
        nn.fit(fit_model, points, labels, loss="hinge", l2_penalty=1e-4, epochs=1,
               optimizer=nn.SGD(fit_model.parameters(), lr=0.1), progress=False)

    runs = {
        "micrograd MLP, micrograd's loop": lambda: demo_step(
            micro_model, micro_engine.Value, points, labels),
        "nn.MLP, micrograd's loop": lambda: demo_step(
            our_model, autograd.Value, points, labels),
        "nn.MLP, nn.fit one full-batch epoch": one_fit_epoch,
    }
    print(f"Python {sys.version.split()[0]}; medians of {args.repeats} interleaved runs")
    report("micrograd's demo step (MLP 2-16-16-1, 100 moons), gc collection included",
           interleaved(runs, args.repeats), "micrograd MLP, micrograd's loop")


if __name__ == "__main__":
    main()
