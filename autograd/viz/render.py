"""Running Graphviz: finding a ``dot`` program, rendering SVG, computing a layout.

Rendering needs a Graphviz ``dot`` program: the system's (``apt-get install graphviz``)
or the self-contained ``graphviz-pure`` from PyPI (installed with this package's
``[draw]`` extra). ``find_renderer()`` says which one is used.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import graphviz

from ..files import write_atomically

__all__ = ["find_renderer", "render_svg"]


def find_renderer() -> str:
    """The Graphviz program used to render, and point the graphviz package at it.

    In order: the ``AUTOGRAD_DOT`` environment variable, the system's ``dot``, then
    ``graphviz-pure`` (PyPI) on the PATH or beside this Python. Raises RuntimeError with
    the fix when there is none.
    """
    candidates = [
        os.environ.get("AUTOGRAD_DOT"),
        shutil.which("dot"),
        shutil.which("graphviz-pure"),
        shutil.which("graphviz-pure", path=sysconfig.get_path("scripts")),
        shutil.which("graphviz-pure", path=str(Path(sys.executable).parent)),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            graphviz.backend.dot_command.DOT_BINARY = Path(candidate)
            return candidate
    raise RuntimeError(
        "no Graphviz renderer found: install one with `pip install graphviz-pure` "
        "(or `pip install 'backproplab[draw]'`), or `apt-get install graphviz`; or set "
        "AUTOGRAD_DOT to the path of a dot program"
    )


def point_graphviz_at_a_renderer() -> None:
    """So that Jupyter can show a returned Digraph inline. Building DOT text works
    without a renderer, so a missing one is only reported when rendering."""
    with contextlib.suppress(RuntimeError):
        find_renderer()


def render_svg(dot: graphviz.Digraph, path: str | Path | None = None) -> str:
    """Render ``dot`` to SVG text, and write it to ``path`` when given (atomically).

    Example:
        >>> from autograd import Value
        >>> from autograd.viz import draw_dot
        >>> render_svg(draw_dot(Value(1.0) + 2)).lstrip().startswith("<?xml")
        True
    """
    find_renderer()
    # quiet: Graphviz's font-metric warnings (any non-ASCII label) are not the user's concern
    svg = dot.pipe(format="svg", encoding="utf-8", quiet=True)
    if path is not None:
        write_atomically(path, svg)
    return svg


def layout(dot_source: str) -> dict[str, Any]:
    """Graphviz's layout of ``dot_source``: positions and sizes as JSON (``-Tjson0``)."""
    program = find_renderer()
    result = subprocess.run(
        [program, "-Tjson0"], input=dot_source.encode("utf-8"), capture_output=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"draw: Graphviz could not lay out the graph: "
            f"{result.stderr.decode('utf-8', 'replace').strip()}"
        )
    return json.loads(result.stdout.decode("utf-8"))
