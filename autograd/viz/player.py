"""The backward-pass player: one layout, many states.

Graphviz lays the graph out once, with every box and every edge label as large as the
longest text any step will show (``-Tjson0`` gives positions, not pictures). This
module then draws that layout as SVG itself, with an id on every element a step can
change. A step changes only texts and states (colours, visibility), so nothing moves
while the eye follows the gradient. The page holds the drawing once plus each step's
changes: its size grows linearly with the graph.

Example:
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a; c.label = "c"
    >>> player = draw_backward(c)
    >>> len(player), player.steps[-1].phase, a.grad      # no .grad was changed
    (7, 'done', 0.0)
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..engine import Value, _needs_table_rule, topological_order
from ..files import script_safe_json, write_atomically
from .dot import COLOURS
from .graph import VisibleGraph, escape_xml, visible_text
from .options import DrawOptions, parameter_names
from .render import layout
from .steps import (
    EDGE_LINES,
    DrawingState,
    Step,
    backward_steps,
    edge_id,
    forward_steps,
    initial_state,
)

FONT_SIZE = 14  # px in the drawing; the page never shows it below 12 px on screen
LINE_HEIGHT = 18
CHAR_WIDTH = 0.605 * FONT_SIZE  # monospace: every character 0.6 em wide, and a little spare
PAD_X, PAD_Y = 6, 6
OP_DIAMETER = 40  # at least; "wx+b" and "ReLU" get a larger circle
OP_CHAR_WIDTH = 9  # the op's symbol is 16 px bold
MARGIN = 4
POINTS_PER_INCH = 72


def draw_backward(
    root: Value,
    gradient: float = 1.0,
    *,
    forward: bool = True,
    params: Iterable[Value] | Mapping[str, Value] = (),
    **options: Any,
) -> Player:
    """A player of the forward and the backward pass of ``root``; no ``.grad`` changes.

    The forward steps show each value computed, in topological order; the backward
    steps follow the engine's own walk: the seed ``output.grad = 1``, then one step per
    value as it passes its gradient to its inputs, each edge labelled with the local
    derivative written from the op's rule (``∂o/∂n = 1 - o^2 = 1 - 0.7071^2 = 0.5``) and
    its product with the upstream gradient. A value reached a second time shows the sum
    (``a.grad = -6 + 3 = -3``). The last step holds the gradients ``backward()`` gives.

    Args:
        gradient: the output's gradient to start from, as in ``backward(gradient)``:
            1 (the default), or the gradient a part of a larger graph receives.
        forward: step through the forward pass first.
        params: values to draw as parameters (a list, or a dict of names).
        **options: the fields of :class:`DrawOptions`. Here ``number_format`` defaults
            to ".4g", so formulas stay short, and ``group_by`` to "neuron", so an nn
            model's weights sit in one box per neuron and read "w.0", not
            "layers.0.neurons.1.w.0" (a graph without such names is not grouped).

    Returns a :class:`Player`: ``save_html(path)`` writes one offline file, a notebook
    shows it inline, ``frame_svg(i)`` is the drawing at step ``i``.

    Example:
        >>> from autograd import Value
        >>> x = Value(2.0, label="x"); y = x * x + x; y.label = "y"
        >>> player = draw_backward(y, forward=False)
        >>> [step.phase for step in player.steps], x.grad
        (['backward', 'backward', 'backward', 'done'], 0.0)
    """
    if not isinstance(forward, bool):
        raise ValueError(f"draw_backward: forward must be True or False; got {forward!r}")
    chosen = DrawOptions.from_keywords(
        "draw_backward", {"number_format": ".4g", "group_by": "neuron"}, **options
    )
    for node in topological_order(root):  # the steps write each op's rule in words
        if node.parents and node.primitive is None:
            raise _needs_table_rule(node, "draw_backward")
    graph = VisibleGraph.of(root, chosen, parameter_names(params))
    steps = (forward_steps(graph) if forward else []) + backward_steps(graph, _seed(gradient))
    start = initial_state(graph, forward)
    return Player(graph, steps, start, _Layout.of(graph, steps, start))


def _seed(gradient: Any) -> float:
    if isinstance(gradient, bool) or not isinstance(gradient, (int, float)):
        raise TypeError(
            f"draw_backward: gradient must be a number, got "
            f"{type(gradient).__name__} ({gradient!r})"
        )
    return float(gradient)


@dataclass
class Player:
    """The steps of a forward and backward pass over one fixed drawing."""

    graph: VisibleGraph
    steps: list[Step]
    start: DrawingState
    drawing: _Layout
    title: str = "Backpropagation, step by step"

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> Frame:
        """Step ``index`` as a picture: a notebook shows ``player[3]`` inline."""
        return Frame(self.steps[index], self.frame_svg(index))

    @property
    def captions(self) -> list[str]:
        """Each step's title."""
        return [step.title for step in self.steps]

    def state(self, index: int) -> DrawingState:
        """Every element's text and state at step ``index`` (what the page shows)."""
        if not -len(self.steps) <= index < len(self.steps):
            raise IndexError(f"player: step {index} of {len(self.steps)}")
        index %= len(self.steps)
        texts, states = dict(self.start.texts), dict(self.start.states)
        for step in self.steps[: index + 1]:
            texts.update(step.texts)
            states.update(step.states)
        texts.update(self.steps[index].flash_texts)
        states.update(self.steps[index].flash_states)
        return DrawingState(texts, states)

    def frame_svg(self, index: int) -> str:
        """The drawing at step ``index``, as a standalone SVG (with its styles)."""
        state = self.state(index)
        return self.drawing.svg(state.texts, state.states, standalone=True)

    def html(self) -> str:
        """The whole player as one offline HTML page (no network requests)."""
        files = resources.files(__package__)
        page = files.joinpath("player.html").read_text(encoding="utf-8")
        data = {
            "steps": [step.as_json() for step in self.steps],
            "size": [self.drawing.width, self.drawing.height],
        }
        parts = {
            "<!--TITLE-->": html.escape(self.title),
            "/*COLOURS*/": _css_variables(),
            "/*STYLE*/": files.joinpath("player.css").read_text(encoding="utf-8"),
            "<!--DRAWING-->": self.drawing.svg(self.start.texts, self.start.states),
            "<!--DATA-->": script_safe_json(data),
            "/*SCRIPT*/": files.joinpath("player.js").read_text(encoding="utf-8"),
            "<!--LEGEND-->": "" if self.graph.options.legend else " hidden",
        }
        # One pass over the markers (not str.format: CSS and JS use { }), so text put in
        # for one marker, such as a label, is never searched for the next.
        pattern = "|".join(re.escape(marker) for marker in parts)
        return re.sub(pattern, lambda match: parts[match.group()], page)

    def save_html(self, path: str | Path, title: str | None = None) -> Path:
        """Write the player to ``path`` (atomically) and return the path."""
        if title is not None:
            self.title = title
        return write_atomically(path, self.html())

    def _repr_html_(self) -> str:
        # An iframe keeps the player's styles and script to itself, in Jupyter and in an
        # nbconvert HTML export alike.
        return (
            f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" '
            'style="width: 100%; height: 680px; border: 1px solid #ccc;" '
            f'title="{html.escape(self.title)}"></iframe>'
        )


@dataclass
class Frame:
    """One step of a player: its words, and the drawing as it looks then."""

    step: Step
    svg: str

    @property
    def title(self) -> str:
        return self.step.title

    @property
    def lines(self) -> list[str]:
        return self.step.lines

    def _repr_svg_(self) -> str:
        return self.svg


# --- the layout, computed once ----------------------------------------------------------


@dataclass
class _Box:
    x: float  # centre, in SVG coordinates (y grows downwards)
    y: float
    width: float
    height: float


@dataclass
class _Edge:
    id: str
    points: list[tuple[float, float]]  # a cubic B-spline's control points
    head: tuple[float, float] | None  # where the arrowhead points
    label_at: tuple[float, float] | None
    classes: str


@dataclass
class _Layout:
    graph: VisibleGraph
    width: float
    height: float
    boxes: dict[str, _Box]
    edges: list[_Edge]
    clusters: list[tuple[str, _Box]]
    more: dict[str, str]  # "... N more" node id -> its text

    @classmethod
    def of(cls, graph: VisibleGraph, steps: list[Step], start: DrawingState) -> _Layout:
        longest = _longest_texts(steps, start)
        result = layout(_layout_source(graph, longest))
        return _read_layout(graph, result)

    def svg(
        self, texts: Mapping[str, str], states: Mapping[str, str], standalone: bool = False
    ) -> str:
        # A frame on its own (a notebook's player[i]) shrinks to fit a narrower column
        # instead of running off the edge; the page's drawing is zoomed by the camera.
        fit = ' style="max-width: 100%; height: auto"' if standalone else ""
        parts = [
            f'<svg id="drawing" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
            f'width="{self.width:.0f}" height="{self.height:.0f}"{fit} '
            'font-size="14" class="backprop">'
        ]
        if standalone:
            parts.append(f"<style>{_css_variables()}\n{_svg_styles()}</style>")
        parts.append('<g id="viewport">')
        for label, box in self.clusters:
            parts.append(_cluster_svg(label, box))
        for edge in self.edges:
            parts.append(_edge_svg(edge, texts, states))
        for node in self.graph.nodes:
            vid = self.graph.ids[node]
            if node.parents:
                parts.append(
                    _op_svg(vid, node._op, self.boxes[f"{vid}_op"], states.get(f"{vid}-op", ""))
                )
            parts.append(_value_svg(self.graph, node, self.boxes[vid], texts, states))
        for more_id, text in self.more.items():
            parts.append(_more_svg(self.boxes[more_id], text))
        parts.append("</g></svg>")
        return "\n".join(parts)


def op_diameter(node: Value) -> float:
    return max(OP_DIAMETER, len(node._op) * OP_CHAR_WIDTH + 14)


def _text_width(text: str) -> float:
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return (len(text) + wide) * CHAR_WIDTH


def _longest_texts(steps: list[Step], start: DrawingState) -> dict[str, float]:
    """For each text element, the width of the longest text any step shows in it."""
    widths: dict[str, float] = {}
    for texts in [start.texts] + [t for s in steps for t in (s.texts, s.flash_texts)]:
        for element, text in texts.items():
            widths[element] = max(widths.get(element, 0.0), _text_width(text))
    return widths


def _value_size(graph: VisibleGraph, node: Value, longest: Mapping[str, float]) -> tuple:
    vid = graph.ids[node]
    lines = [_text_width(graph.name(node))]
    if graph.options.show_data:
        lines.append(longest.get(f"{vid}-data", 0.0))
    if graph.options.show_grad:
        lines.append(longest.get(f"{vid}-grad", 0.0))
    return max(lines) + 2 * PAD_X, len(lines) * LINE_HEIGHT + 2 * PAD_Y


def _layout_source(graph: VisibleGraph, longest: Mapping[str, float]) -> str:
    """DOT for layout only: fixed-size empty boxes and label-sized edge labels."""
    inches = POINTS_PER_INCH
    lines = [
        f"digraph {{ rankdir={graph.options.rankdir}; nodesep=0.2; ranksep=0.02; "
        'node [label="" fixedsize=true]; edge [arrowsize=0.8];'
    ]
    clusters = graph.clusters()
    clustered = {node for members in clusters.values() for node in members}

    def declare(node: Value) -> None:
        width, height = _value_size(graph, node, longest)
        vid = graph.ids[node]
        lines.append(f"{vid} [shape=box width={width / inches:.3f} height={height / inches:.3f}];")
        if node.parents:
            lines.append(
                f"{vid}_op [shape=circle width={op_diameter(node) / inches:.3f} ordering=in];"
            )

    for node in graph.declaration_order():
        if node not in clustered:
            declare(node)
    for key, members in clusters.items():
        # The label is an empty box as wide as the name: Graphviz reserves the room
        # and never parses the name itself (which may hold anything).
        lines.append(
            f"subgraph cluster_{graph.ids[members[0]]} {{ label=<<table "
            f'fixedsize="true" width="{_text_width(visible_text(key)) + 6:.0f}" '
            f'height="{LINE_HEIGHT}" border="0"><tr><td></td></tr></table>>;'
        )
        for node in members:
            declare(node)
        lines.append("}")
    for node in graph.nodes:
        if node.parents:
            lines.extend(_layout_edges(graph, node, longest))
    for before, after in graph.rank_hints():
        lines.append(f"{graph.ids[before]} -> {graph.ids[after]} [style=invis];")
    lines.append("}")
    return "\n".join(lines)


def _layout_edges(graph: VisibleGraph, node: Value, longest: Mapping[str, float]) -> list:
    vid = graph.ids[node]
    lines = [f'{vid}_op -> {vid} [id="{vid}-out"];']
    for position in graph.argument_order(node):
        eid = edge_id(graph, node, position)
        width = max(longest.get(f"{eid}-{line}", 0.0) for line in EDGE_LINES)
        label = ""
        if width:
            label = (
                f' label=<<table fixedsize="true" width="{width + 6:.0f}" '
                f'height="{len(EDGE_LINES) * LINE_HEIGHT + 4}" border="0" cellpadding="0" '
                'cellspacing="0"><tr><td></td></tr></table>>'
            )
        lines.append(f'{graph.ids[node.parents[position]]} -> {vid}_op [id="{eid}"{label}];')
    if graph.hidden_count(node):
        more = f"{vid}_more"
        width = _text_width(f"... {graph.hidden_text(node)}") + 2 * PAD_X
        lines.append(
            f"{more} [shape=box width={width / POINTS_PER_INCH:.3f} "
            f"height={(LINE_HEIGHT + 2 * PAD_Y) / POINTS_PER_INCH:.3f}];"
        )
        lines.append(f'{more} -> {vid}_op [id="{vid}-more" style=dashed];')
    return lines


def _read_layout(graph: VisibleGraph, result: Mapping[str, Any]) -> _Layout:
    """Graphviz's JSON (y up, points) as boxes and edges in SVG coordinates (y down)."""
    _, _, right, top = (float(v) for v in result["bb"].split(","))

    def point(x: float, y: float) -> tuple[float, float]:
        return x + MARGIN, top - y + MARGIN

    boxes: dict[str, _Box] = {}
    clusters = []
    group_names = {
        f"cluster_{graph.ids[members[0]]}": key for key, members in graph.clusters().items()
    }
    objects = result.get("objects", [])
    for item in objects:
        if "nodes" in item or item["name"].startswith("cluster_"):
            x0, y0, x1, y1 = (float(v) for v in item["bb"].split(","))
            (left, low), (right_x, high) = point(x0, y1), point(x1, y0)
            clusters.append(
                (
                    group_names[item["name"]],
                    _Box((left + right_x) / 2, (low + high) / 2, right_x - left, high - low),
                )
            )
            continue
        x, y = (float(v) for v in item["pos"].split(","))
        cx, cy = point(x, y)
        boxes[item["name"]] = _Box(
            cx, cy, float(item["width"]) * POINTS_PER_INCH, float(item["height"]) * POINTS_PER_INCH
        )
    edges = [
        _read_edge(edge, point) for edge in result.get("edges", []) if edge.get("style") != "invis"
    ]
    more = {
        f"{graph.ids[n]}_more": f"... {graph.hidden_text(n)}"
        for n in graph.nodes
        if graph.hidden_count(n)
    }
    return _Layout(graph, right + 2 * MARGIN, top + 2 * MARGIN, boxes, edges, clusters, more)


def _read_edge(edge: Mapping[str, Any], point: Any) -> _Edge:
    head, points = None, []
    for token in edge["pos"].split():
        if token.startswith("e,"):
            head = point(*(float(v) for v in token[2:].split(",")))
        elif not token.startswith("s,"):
            points.append(point(*(float(v) for v in token.split(","))))
    label_at = point(*(float(v) for v in edge["lp"].split(","))) if "lp" in edge else None
    kind = (
        "more"
        if edge["id"].endswith("-more")
        else "out"
        if edge["id"].endswith("-out")
        else "argument"
    )
    return _Edge(edge["id"], points, head, label_at, f"edge {kind}")


# --- drawing the SVG ----------------------------------------------------------------------


def _value_svg(
    graph: VisibleGraph, node: Value, box: _Box, texts: Mapping[str, str], states: Mapping[str, str]
) -> str:
    vid = graph.ids[node]
    options = graph.options
    left, top = box.x - box.width / 2, box.y - box.height / 2
    name_class = "name auto" if graph.is_auto_named(node) else "name"
    lines: list[tuple[str, str | None, str]] = [(name_class, None, graph.name(node))]
    if options.show_data:
        lines.append(("data", f"{vid}-data", texts.get(f"{vid}-data", "")))
    if options.show_grad:
        lines.append(("grad", f"{vid}-grad", texts.get(f"{vid}-grad", "")))
    parts = [
        f'<g id="{vid}" class="value {graph.role(node)}" data-state="{states.get(vid, "")}">',
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{box.width:.1f}" '
        f'height="{box.height:.1f}" rx="6"/>',
    ]
    for row, (kind, element, text) in enumerate(lines):
        y = top + PAD_Y + (row + 0.75) * LINE_HEIGHT
        element_id = f' id="{element}"' if element else ""
        parts.append(
            f'<text{element_id} class="{kind}" x="{left + PAD_X:.1f}" '
            f'y="{y:.1f}">{escape_xml(text)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _op_svg(vid: str, symbol: str, box: _Box, state: str) -> str:
    return (
        f'<g id="{vid}-op" class="op" data-state="{state}">'
        f'<circle cx="{box.x:.1f}" cy="{box.y:.1f}" r="{box.width / 2:.1f}"/>'
        f'<text x="{box.x:.1f}" y="{box.y + 5:.1f}" text-anchor="middle">'
        f"{escape_xml(symbol)}</text></g>"
    )


def _more_svg(box: _Box, text: str) -> str:
    return (
        f'<g class="more"><rect x="{box.x - box.width / 2:.1f}" '
        f'y="{box.y - box.height / 2:.1f}" width="{box.width:.1f}" '
        f'height="{box.height:.1f}" rx="3"/><text x="{box.x:.1f}" y="{box.y + 5:.1f}" '
        f'text-anchor="middle">{escape_xml(text)}</text></g>'
    )


def _cluster_svg(label: str, box: _Box) -> str:
    left, top = box.x - box.width / 2, box.y - box.height / 2
    return (
        f'<g class="cluster"><rect x="{left:.1f}" y="{top:.1f}" '
        f'width="{box.width:.1f}" height="{box.height:.1f}" rx="8"/>'
        f'<text x="{box.x:.1f}" y="{top + 16:.1f}" text-anchor="middle">'
        f"{escape_xml(label)}</text></g>"
    )


def _edge_svg(edge: _Edge, texts: Mapping[str, str], states: Mapping[str, str]) -> str:
    (x, y), rest = edge.points[0], edge.points[1:]
    path = f"M{x:.1f},{y:.1f}" + "".join(
        f"C{a[0]:.1f},{a[1]:.1f} {b[0]:.1f},{b[1]:.1f} {c[0]:.1f},{c[1]:.1f}"
        for a, b, c in zip(rest[0::3], rest[1::3], rest[2::3], strict=True)
    )
    parts = [
        f'<g id="{edge.id}" class="{edge.classes}" '
        f'data-state="{states.get(edge.id, "")}"><path d="{path}"/>'
    ]
    if edge.head is not None:
        parts.append(_arrowhead(edge.points[-1], edge.head))
    if edge.label_at is not None:
        lx, ly = edge.label_at
        for row, kind in enumerate(EDGE_LINES):
            element = f"{edge.id}-{kind}"
            parts.append(
                f'<text id="{element}" class="{kind}" x="{lx:.1f}" '
                f'y="{ly + (row - 0.75) * LINE_HEIGHT:.1f}" text-anchor="middle">'
                f"{escape_xml(texts.get(element, ''))}</text>"
            )
    parts.append("</g>")
    return "".join(parts)


def _arrowhead(tail: tuple[float, float], tip: tuple[float, float]) -> str:
    dx, dy = tip[0] - tail[0], tip[1] - tail[1]
    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
    ux, uy = dx / length, dy / length
    back = (tip[0] - 9 * ux, tip[1] - 9 * uy)
    left = (back[0] - 4 * uy, back[1] + 4 * ux)
    right = (back[0] + 4 * uy, back[1] - 4 * ux)
    return (
        '<polygon class="arrow" points="'
        + " ".join(f"{px:.1f},{py:.1f}" for px, py in (tip, left, right))
        + '"/>'
    )


# --- the page -----------------------------------------------------------------------------


def _css_variables() -> str:
    return (
        ":root, svg.backprop { "
        + " ".join(f"--{name}: {colour};" for name, colour in COLOURS.items())
        + " }"
    )


def _svg_styles() -> str:
    # The drawing's part of the stylesheet: what a standalone frame needs.
    css = resources.files(__package__).joinpath("player.css").read_text(encoding="utf-8")
    start = css.index("/* drawing */")
    return css[start : css.index("/* end of drawing */")]
