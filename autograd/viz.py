"""Drawing the graph, and the backward pass step by step, with Graphviz.

``draw_dot(root)`` returns a ``graphviz.Digraph``: a notebook shows it inline, and
``.pipe()`` / ``.render()`` (or ``render_svg``) write SVG or PNG. Each value is a record
``label | data | grad``; each op is a small node of its own; edges keep argument order.

``draw_backward(root)`` returns the frames of the backward pass, one per step, without
changing any ``.grad``; ``.save_html(path)`` writes a self-contained player.

Example:
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> dot = draw_dot(c)
    >>> "data 2.0000" in dot.source and 'v0 -> "v2*"' in dot.source
    True

Rendering needs a Graphviz ``dot`` program: the system's (``apt-get install graphviz``)
or the self-contained ``graphviz-pure`` from PyPI (installed with this package's
``[draw]`` extra). ``find_renderer()`` says which one is used.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

import graphviz

from .engine import Value, topological_order

__all__ = ["BackwardSteps", "draw_backward", "draw_dot", "find_renderer", "render_svg"]

STYLE = {
    "value": {"shape": "record", "style": "rounded", "fontname": "Helvetica", "fontsize": "11"},
    "leaf": {"style": "rounded,filled", "fillcolor": "#eeeeee"},
    "parameter": {"style": "rounded,filled", "fillcolor": "#fff2cc", "color": "#b58900"},
    "output": {"style": "rounded,filled,bold", "fillcolor": "#d9ead3", "penwidth": "2"},
    "highlight": {"style": "rounded,filled,bold", "fillcolor": "#f4cccc", "color": "#cc0000",
                  "penwidth": "2.5"},
    "op": {"shape": "circle", "fontname": "Helvetica", "fontsize": "10", "width": "0.3",
           "fixedsize": "false", "margin": "0.02", "ordering": "in"},
    "more": {"shape": "note", "fontname": "Helvetica", "fontsize": "10", "color": "#888888",
             "fontcolor": "#555555"},
    "chain_edge": {"color": "#cc0000", "fontcolor": "#cc0000", "fontsize": "10",
                   "fontname": "Helvetica", "penwidth": "1.8"},
}

GROUPINGS = {"neuron": 4, "layer": 2}  # how many parts of nn's dotted names form a group


class GraphTooLargeError(ValueError):
    """The drawing would exceed ``max_nodes``."""


@dataclass
class _Drawing:
    """Options of one drawing, and the graph walk they imply."""

    root: Value
    rankdir: str = "LR"
    number_format: str = ".4f"
    show_data: bool = True
    show_grad: bool = True
    highlight: Collection[Value] = ()
    params: Mapping[Value, str] = field(default_factory=dict)  # parameter -> its name
    max_nodes: int | None = 500
    group_by: str | None = None
    collapse_after: int | None = 8
    grad_of: Callable[[Value], Any] = lambda v: v.grad
    edge_notes: Mapping[tuple[Value, int], str] = field(default_factory=dict)
    caption: str | None = None

    def build(self) -> graphviz.Digraph:
        nodes, shown_parents = self._visible_graph()
        names = {node: f"v{i}" for i, node in enumerate(nodes)}
        dot = graphviz.Digraph(graph_attr={"rankdir": self.rankdir, "fontname": "Helvetica"})
        if self.caption:
            dot.attr(label=self.caption, labelloc="t", fontsize="13")
        clusters: dict[str, list[Value]] = {}
        for node in nodes:
            key = self._group_of(node)
            if key is None:
                self._add_value(dot, node, names[node])
                self._add_op_node(dot, node, names[node])
            else:
                clusters.setdefault(key, []).append(node)
        for key, members in sorted(clusters.items(), key=lambda item: _natural_key(item[0])):
            with dot.subgraph(name=f"cluster_{key}") as cluster:
                cluster.attr(label=key, style="rounded,dashed", color="#999999",
                             fontcolor="#555555", fontsize="10")
                for node in members:
                    self._add_value(cluster, node, names[node])
                    self._add_op_node(cluster, node, names[node])
        for node in nodes:
            if node.parents:
                self._add_edges(dot, node, names, shown_parents[node])
        return dot

    # --- which nodes and edges are shown ------------------------------------------------

    def _visible_graph(self) -> tuple[list[Value], dict[Value, list[int]]]:
        """Nodes reachable from the root through shown edges, parents first."""
        shown_parents: dict[Value, list[int]] = {}
        seen = {self.root}
        stack = [self.root]
        while stack:
            node = stack.pop()
            shown = self._shown_argument_positions(node)
            shown_parents[node] = shown
            for i in shown:
                parent = node.parents[i]
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
            if self.max_nodes is not None and len(seen) > self.max_nodes:
                raise GraphTooLargeError(
                    f"draw: the graph has more than {self.max_nodes} values to draw; "
                    "pass group_by='neuron', a smaller collapse_after, or a larger "
                    "max_nodes (None for no limit)")
        order = [n for n in topological_order(self.root) if n in seen]
        return order, shown_parents

    def _shown_argument_positions(self, node: Value) -> list[int]:
        count = len(node.parents)
        if self.collapse_after is None or count <= self.collapse_after:
            return list(range(count))
        # Long sums: the first arguments and the last one, the rest summarised.
        head = max(1, self.collapse_after - 1)
        if node.primitive is not None and node.primitive.name == "weighted_sum":
            # Keep each weight with its input: the bias, then pairs (w_i, x_i).
            n = (count - 1) // 2
            pairs = [*range(max(1, head // 2)), n - 1]
            return [0, *(1 + i for i in pairs), *(1 + n + i for i in pairs)]
        return [*range(head), count - 1]

    # --- nodes and edges ----------------------------------------------------------------

    def _add_value(self, dot: graphviz.Digraph, node: Value, name: str) -> None:
        fields = []
        name_shown = node.label or self.params.get(node, "")
        if name_shown:
            fields.append(_escape(name_shown))
        if self.show_data:
            fields.append(f"data {format(node.data, self.number_format)}")
        if self.show_grad:
            fields.append(f"grad {_format_grad(self.grad_of(node), self.number_format)}")
        label = "{ " + " | ".join(fields or [" "]) + " }"
        dot.node(name, label=label, **self._style_of(node))

    def _style_of(self, node: Value) -> dict[str, str]:
        style = dict(STYLE["value"])
        if node in self.highlight:
            style.update(STYLE["highlight"])
        elif node is self.root:
            style.update(STYLE["output"])
        elif node in self.params:
            style.update(STYLE["parameter"])
        elif node.is_leaf:
            style.update(STYLE["leaf"])
        return style

    def _add_op_node(self, dot: graphviz.Digraph, node: Value, name: str) -> None:
        if node.parents:  # one small op node per computed value, micrograd's style
            dot.node(name + node._op, label=_escape(node._op), **STYLE["op"])

    def _add_edges(self, dot: graphviz.Digraph, node: Value, names: dict[Value, str],
                   shown: list[int]) -> None:
        op_name = names[node] + node._op  # e.g. "v7*"
        dot.edge(op_name, names[node])
        hidden = len(node.parents) - len(shown)
        for position, i in enumerate(shown):
            if hidden and position == len(shown) - 1:
                more = f"{op_name}_more"
                dot.node(more, label=f"... {hidden} more inputs", **STYLE["more"])
                dot.edge(more, op_name, style="dashed", color="#888888")
            note = self.edge_notes.get((node, i))
            attributes = dict(STYLE["chain_edge"], label=note) if note else {}
            dot.edge(names[node.parents[i]], op_name, **attributes)

    def _group_of(self, node: Value) -> str | None:
        if self.group_by is None:
            return None
        parts = GROUPINGS[self.group_by]
        if node.is_leaf:
            return _label_prefix(node.label, parts)
        # A neuron's weighted sum belongs with its weights; its activation with the sum.
        if node.primitive is not None and node.primitive.name == "weighted_sum":
            weights = [p for p in node.parents[1:] if p.is_leaf and p.label]
            return _label_prefix(weights[0].label, parts) if weights else None
        if len(node.parents) == 1 and node.parents[0].primitive is not None \
                and node.parents[0].primitive.name == "weighted_sum":
            return self._group_of(node.parents[0])
        return None


def _parameter_names(params: Iterable[Value] | Mapping[str, Value]) -> dict[Value, str]:
    if isinstance(params, Mapping):
        named = dict(params)
        for name, value in named.items():
            if not isinstance(value, Value):
                raise TypeError(f"draw: params[{name!r}] is a {type(value).__name__}, not a Value")
        return {value: name for name, value in named.items()}
    values = list(params)
    for i, value in enumerate(values):
        if not isinstance(value, Value):
            raise TypeError(f"draw: params[{i}] is a {type(value).__name__}, not a Value")
    return {value: "" for value in values}


def _natural_key(text: str) -> list[Any]:
    # "layers.2" before "layers.10": compare the numbers inside names as numbers.
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _label_prefix(label: str, parts: int) -> str | None:
    pieces = label.split(".")
    return ".".join(pieces[:parts]) if len(pieces) > parts else None


def _format_grad(grad: Any, number_format: str) -> str:
    if isinstance(grad, Value):  # after backward(create_graph=True)
        return format(grad.data, number_format)
    return format(grad, number_format)


def _escape(text: str) -> str:
    # Characters with a meaning inside Graphviz record labels.
    for char in "\\{}|<>\"":
        text = text.replace(char, "\\" + char)
    return text


def draw_dot(
    root: Value,
    format: str = "svg",  # noqa: A002 (micrograd's and graphviz's name)
    rankdir: str = "LR",
    *,
    number_format: str = ".4f",
    show_data: bool = True,
    show_grad: bool = True,
    highlight: Iterable[Value] = (),
    params: Iterable[Value] | Mapping[str, Value] = (),
    max_nodes: int | None = 500,
    group_by: str | None = None,
    collapse_after: int | None = 8,
) -> graphviz.Digraph:
    """The graph that computed ``root``, as a ``graphviz.Digraph``.

    Args:
        format: the output format ``.render()`` writes by default, "svg" or "png"
            (micrograd's ``draw_dot(root, format, rankdir)`` signature).
        rankdir: layout direction, "LR" (left to right, default), "TB", "RL" or "BT".
        number_format: format spec for data and grad, e.g. ".4f" or ".3g".
        show_data, show_grad: include those fields in each value's box.
        highlight: values to draw in red.
        params: values to draw as parameters: ``model.parameters()``, or a dict of
            name -> Value like ``dict(model.named_parameters())`` (as torchviz takes),
            whose names label values that have no label of their own.
        max_nodes: raise ``GraphTooLargeError`` beyond this many values (None: no limit).
        group_by: "neuron" or "layer": cluster nodes by nn's parameter names.
        collapse_after: ops with more inputs than this (long sums) show their first
            inputs and the last one, the rest summarised in one "... more" node.

    Example:
        >>> from autograd import Value
        >>> x = Value(3.0, label="x"); y = (x * x).tanh(); y.backward()
        >>> print(draw_dot(y, show_data=False).source.count("grad"))
        3
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(f"draw_dot: group_by must be None, 'neuron' or 'layer', got {group_by!r}")
    f"{1.0:{number_format}}"  # a bad format spec fails here, with Python's message
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: expected a Value, got {type(root).__name__}")
    _point_graphviz_at_a_renderer()
    dot = _Drawing(root, rankdir, number_format, show_data, show_grad, set(highlight),
                   _parameter_names(params), max_nodes, group_by, collapse_after).build()
    dot.format = format
    return dot


# --- the backward pass, step by step ------------------------------------------------------


@dataclass
class BackwardSteps:
    """The frames of a backward pass: one ``graphviz.Digraph`` per step, with captions."""

    frames: list[graphviz.Digraph]
    captions: list[str]

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> graphviz.Digraph:
        return self.frames[index]

    def save_html(self, path: str | Path, title: str = "Backpropagation, step by step") -> Path:
        """Write one self-contained HTML file (inline SVG and script, no network) with
        previous / next / play controls and a slider."""
        svgs = [_svg_text(frame) for frame in self.frames]
        page = _PLAYER_TEMPLATE.format(
            title=html.escape(title),
            frames="\n".join(
                f'<div class="frame" data-index="{i}"{"" if i == 0 else " hidden"}>{svg}</div>'
                for i, svg in enumerate(svgs)),
            captions=json.dumps(self.captions).replace("</", "<\\/"),
            last=len(svgs) - 1,
        )
        path = Path(path)
        path.write_text(page, encoding="utf-8")
        return path


def draw_backward(root: Value, **options: Any) -> BackwardSteps:
    """The backward pass of ``root`` as frames, without changing any ``.grad``.

    It walks the same reverse topological order as ``backward()``. Frame 0 seeds
    d root/d root = 1. Each next frame highlights the node whose gradient is pushed,
    and labels the edge to each parent with the chain-rule product it adds:
    ``local derivative x upstream gradient = contribution``. The last frame shows the
    graph exactly as ``draw_dot`` would after ``root.backward()``.
    Options are those of ``draw_dot``.

    Example:
        >>> from autograd import Value
        >>> x = Value(2.0, label="x"); y = x * x + x
        >>> steps = draw_backward(y)
        >>> len(steps), x.grad           # seed, two pushes, the final graph
        (4, 0.0)
    """
    number_format = options.get("number_format", ".4f")
    _point_graphviz_at_a_renderer()
    order = topological_order(root)
    # Simulate backward(): interior gradients start at 0, leaves keep what they have.
    grads = {node: (0.0 if node.parents else node.grad) for node in order}
    grads[root] = grads[root] + 1.0

    def frame(highlight: Sequence[Value] = (), notes: Mapping | None = None,
              caption: str | None = None) -> graphviz.Digraph:
        snapshot = dict(grads)
        return _Drawing(root, grad_of=snapshot.__getitem__, highlight=set(highlight),
                        edge_notes=notes or {}, caption=caption,
                        **_drawing_options(options)).build()

    captions = ["Start: d(output)/d(output) = 1"]
    frames = [frame([root], caption=captions[0])]
    for node in reversed(order):
        if not node.parents:
            continue
        upstream = grads[node]
        notes = {}
        for i, (parent, local) in enumerate(zip(node.parents, node.local_derivatives)):
            contribution = local * upstream
            grads[parent] += contribution
            notes[(node, i)] = (f"{format(local, number_format)} x "
                                f"{format(upstream, number_format)} = "
                                f"{format(contribution, number_format)}")
        captions.append(_step_caption(node, upstream, number_format))
        frames.append(frame([node], notes, captions[-1]))
    captions.append("Done: every gradient is final (the same as after backward())")
    frames.append(_Drawing(root, grad_of=grads.__getitem__, **_drawing_options(options)).build())
    return BackwardSteps(frames, captions)


def _drawing_options(options: Mapping[str, Any]) -> dict[str, Any]:
    allowed = {"rankdir", "number_format", "show_data", "show_grad", "params", "max_nodes",
               "group_by", "collapse_after"}
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(f"draw_backward: unknown option(s) {', '.join(sorted(unknown))}")
    chosen = dict(options)
    if "params" in chosen:
        chosen["params"] = _parameter_names(chosen["params"])
    return chosen


def _step_caption(node: Value, upstream: float, number_format: str) -> str:
    name = node.label or f"the {node.primitive.name if node.primitive else 'leaf'} node"
    return (f"{name} (= {node._op} of its inputs) pushes its gradient "
            f"{format(upstream, number_format)} to each input: "
            "input.grad += local derivative x upstream gradient")


# --- rendering --------------------------------------------------------------------------


def find_renderer() -> str:
    """The Graphviz program used to render, and point the graphviz package at it.

    In order: the ``AUTOGRAD_DOT`` environment variable, the system's ``dot``, then
    ``graphviz-pure`` (PyPI) on the PATH or beside this Python. Raises RuntimeError with
    the fix when there is none.
    """
    candidates = [os.environ.get("AUTOGRAD_DOT"), shutil.which("dot"),
                  shutil.which("graphviz-pure"),
                  shutil.which("graphviz-pure", path=sysconfig.get_path("scripts")),
                  shutil.which("graphviz-pure", path=str(Path(sys.executable).parent))]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            graphviz.backend.dot_command.DOT_BINARY = Path(candidate)
            return candidate
    raise RuntimeError(
        "no Graphviz renderer found: install one with `pip install graphviz-pure` "
        "(or `pip install 'backproplab[draw]'`), or `apt-get install graphviz`; or set "
        "AUTOGRAD_DOT to the path of a dot program")


def _point_graphviz_at_a_renderer() -> None:
    # So that Jupyter can show the returned Digraph inline; building DOT text works
    # without a renderer, so a missing one is only reported when rendering.
    try:
        find_renderer()
    except RuntimeError:
        pass


def render_svg(dot: graphviz.Digraph, path: str | Path | None = None) -> str:
    """Render ``dot`` to SVG text, and write it to ``path`` when given.

    Example:
        >>> from autograd import Value
        >>> render_svg(draw_dot(Value(1.0) + 2)).lstrip().startswith("<?xml")
        True
    """
    find_renderer()
    svg = dot.pipe(format="svg", encoding="utf-8")
    if path is not None:
        Path(path).write_text(svg, encoding="utf-8")
    return svg


def _svg_text(dot: graphviz.Digraph) -> str:
    svg = render_svg(dot)
    return svg[svg.index("<svg"):]  # drop the XML prologue to inline it in HTML


_PLAYER_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }}
  #controls {{ display: flex; gap: 0.6em; align-items: center; flex-wrap: wrap; }}
  button {{ font-size: 1em; padding: 0.3em 0.9em; }}
  #slider {{ width: 22em; }}
  #caption {{ margin: 0.8em 0; min-height: 2.6em; font-size: 1.05em; }}
  .frame svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<div id="controls">
  <button id="previous" type="button">&#9664; previous</button>
  <button id="play" type="button">play</button>
  <button id="next" type="button">next &#9654;</button>
  <input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
  <span id="position"></span>
</div>
<p id="caption"></p>
{frames}
<script>
(function () {{
  var captions = {captions};
  var frames = document.querySelectorAll(".frame");
  var slider = document.getElementById("slider");
  var play = document.getElementById("play");
  var current = 0, timer = null;
  function show(index) {{
    current = Math.max(0, Math.min(frames.length - 1, index));
    frames.forEach(function (f, i) {{ f.hidden = i !== current; }});
    slider.value = current;
    document.getElementById("position").textContent =
      "step " + current + " of " + (frames.length - 1);
    document.getElementById("caption").textContent = captions[current];
    document.body.dataset.current = current;
  }}
  function stop() {{ clearInterval(timer); timer = null; play.textContent = "play"; }}
  document.getElementById("previous").onclick = function () {{ stop(); show(current - 1); }};
  document.getElementById("next").onclick = function () {{ stop(); show(current + 1); }};
  slider.oninput = function () {{ stop(); show(parseInt(slider.value, 10)); }};
  play.onclick = function () {{
    if (timer) {{ stop(); return; }}
    if (current === frames.length - 1) show(0);
    play.textContent = "pause";
    timer = setInterval(function () {{
      if (current >= frames.length - 1) {{ stop(); return; }}
      show(current + 1);
    }}, 1200);
  }};
  show(0);
}})();
</script>
</body>
</html>
"""
