"""The demo at its defaults on every classification data set with SGD and with Adam.

    python bench/cli_matrix.py            # prints the README's table (about 2 minutes)

Each cell is a real run of the command-line demo (``python -m nn --dataset D
--optimizer O``, drawings off), eager as it runs by default, one after another.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn.cli import DATA_SETS, main  # noqa: E402


def run(dataset: str, optimizer: str) -> tuple[float, float, float]:
    """Training accuracy, validation accuracy (both in %) and seconds of one run."""
    with tempfile.TemporaryDirectory() as folder:
        output = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(output):
            code = main(["--dataset", dataset, "--optimizer", optimizer, "--no-progress",
                         "--output", folder, "--no-player", "--no-graph", "--no-view"])
        seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"{dataset} {optimizer}: exit code {code}")
    text = output.getvalue()
    train = float(re.search(r"training accuracy ([\d.]+)%", text).group(1))
    validation = float(re.search(r"validation accuracy ([\d.]+)%", text).group(1))
    return train, validation, seconds


def main_table() -> None:
    print("| data set | optimiser | training accuracy | validation accuracy | lr | epochs "
          "| seconds |")
    print("|---|---|---|---|---|---|---|")
    for name, spec in DATA_SETS.items():
        if not spec.classes:
            continue
        for optimizer in ("sgd", "adam"):
            train, validation, seconds = run(name, optimizer)
            print(f"| {name} | {optimizer} | {train:.1f}% | {validation:.1f}% | "
                  f"{spec.lr[optimizer]:g} | {spec.epochs[optimizer]} | {seconds:.1f} |",
                  flush=True)


if __name__ == "__main__":
    main_table()
