"""Drawing the graph, and playing the forward and backward pass step by step.

The parts, one file each:

* ``options.py``: :class:`DrawOptions`, every option of every drawing, checked once;
* ``graph.py``: which values and edges a drawing shows, and their names and roles;
* ``dot.py``: ``draw_dot``, the graph as a ``graphviz.Digraph`` (inline in Jupyter);
* ``steps.py``: the forward steps, and the backward steps read off the engine's walk;
* ``player.py``: ``draw_backward``, laid out once, played by ``player.html/.css/.js``;
* ``render.py``: finding a Graphviz program, rendering SVG, atomic file writes.

Example:
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a; c.label = "c"
    >>> "data -4.0000" in draw_dot(c).source
    True
    >>> player = draw_backward(c)          # player.save_html("backprop.html")
    >>> player.steps[-2].lines[0]
    '∂v1/∂a = b = -3,  so a.grad += (-3) × 1 = -3'
"""

from .dot import draw_dot
from .graph import GraphTooLargeError
from .options import DrawOptions
from .player import Player, draw_backward
from .render import find_renderer, render_svg

BackwardSteps = Player  # the name of earlier versions

__all__ = [
    "BackwardSteps",
    "DrawOptions",
    "GraphTooLargeError",
    "Player",
    "draw_backward",
    "draw_dot",
    "find_renderer",
    "render_svg",
]
