"""The mutation score of each module after ``mutmut run`` (``make mutate`` prints it).

A mutant is a copy of the code with one small change (``+`` for ``-``, ``<`` for
``<=``, a constant off by one, ...). The tests *kill* it when some test fails. A
surviving mutant is behaviour no test pins down, unless the change is *equivalent*
(the program still means the same thing): those are listed, each with its reason, in
``tests/mutation_survivors.txt`` (or ``tests/mutation_survivors_*.txt``) as
``mutant name: reason``.

For each module this prints the mutants, how many were killed, how many survivors are
listed as equivalent and how many are not, the share killed of all checked, the score
killed / (mutants checked - equivalent), and how many mutants are not checked yet
(``mutmut run "nn.losses*"`` checks one module). The exit status is 1 if a module
scores under 90%, a survivor is not listed, or a mutant is not checked.

Run:  mutmut run; python tests/mutation_report.py
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

# The equivalent survivors: mutation_survivors.txt, and any mutation_survivors_*.txt.
SURVIVORS = sorted(Path(__file__).parent.glob("mutation_survivors*.txt"))
TARGET = 0.90
KILLED = {"killed", "timeout", "caught by type check"}  # the tests (or types) caught it


def module_of(mutant: str) -> str:
    """``nn.losses.x_hinge__mutmut_3`` and ``autograd.engine.xǁValueǁ__add____mutmut_1``
    belong to ``nn.losses`` and ``autograd.engine``."""
    return mutant.split(".x")[0]


def statuses() -> dict[str, str]:
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {}
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            found[name] = status
    return found


def listed_equivalents() -> dict[str, str]:
    reasons = {}
    lines = [line for path in SURVIVORS for line in path.read_text().splitlines()]
    for line in lines:
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(": ")
            reasons[name.strip()] = reason.strip()
    return reasons


def main() -> int:
    found = statuses()
    equivalent = listed_equivalents()
    counts: dict[str, Counter] = defaultdict(Counter)
    unexplained = []
    for name, status in sorted(found.items()):
        module = counts[module_of(name)]
        module["mutants"] += 1
        if status == "not checked":  # mutmut was stopped, or run on other modules only
            module["unchecked"] += 1
        elif status in KILLED:
            module["killed"] += 1
        elif name in equivalent:
            module["equivalent"] += 1
        else:
            module["left"] += 1
            unexplained.append(f"{name}: {status}")
    failing = False
    print(
        f"{'module':<22}{'mutants':>9}{'killed':>8}{'equivalent':>12}{'left':>6}"
        f"{'killed/all':>12}{'score':>8}  unchecked"
    )
    for module, c in sorted(counts.items()):
        checked = c["mutants"] - c["unchecked"]
        score = c["killed"] / max(1, checked - c["equivalent"])
        failing |= score < TARGET or c["left"] > 0 or c["unchecked"] > 0
        print(
            f"{module:<22}{c['mutants']:>9}{c['killed']:>8}{c['equivalent']:>12}"
            f"{c['left']:>6}{c['killed'] / max(1, checked):>12.1%}{score:>8.1%}"
            f"  {c['unchecked'] or ''}"
        )
    for line in unexplained:
        print("  survived, not listed as equivalent:", line)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
