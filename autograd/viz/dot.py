"""``draw_dot``: the graph of an expression as a ``graphviz.Digraph``.

Each value is a box: its name, then its data (blue: the forward value) above its grad
(red: ∂output/∂value), as CS231n's circuit diagrams put values above the wire and
gradients below. Each op is a circle of its own; edges keep argument order. A legend
under the drawing says what each colour means.

Example:
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> dot = draw_dot(c)
    >>> "data 2.0000" in dot.source and "v0 -> v2_op" in dot.source
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import graphviz

from ..engine import Value
from .graph import VisibleGraph, escape_xml, format_number, highlight_set
from .options import DrawOptions, parameter_names
from .render import point_graphviz_at_a_renderer

# One palette for every picture (the player's stylesheet gets it as CSS variables).
COLOURS = {
    "data": "#1f4e9a",  # forward values
    "grad": "#b3261e",  # gradients
    "input": "#eeeeee",
    "parameter": "#fff2cc",
    "parameter-border": "#b58900",
    "output": "#d9ead3",
    "output-border": "#38761d",
    "interior": "#ffffff",
    "border": "#555555",
    "highlight": "#f4cccc",
    "highlight-border": "#cc0000",
    "op": "#f3f3f3",
    "muted": "#777777",
}

FONT = "Helvetica"  # Graphviz knows its metrics; browsers fall back to a sans-serif
ROLE_STYLE = {  # fill, border, border width
    "input": (COLOURS["input"], COLOURS["border"], "1"),
    "parameter": (COLOURS["parameter"], COLOURS["parameter-border"], "1.5"),
    "output": (COLOURS["output"], COLOURS["output-border"], "2.5"),
    "interior": (COLOURS["interior"], COLOURS["border"], "1"),
    "highlight": (COLOURS["highlight"], COLOURS["highlight-border"], "2.5"),
}


def draw_dot(
    root: Value,
    format: str = "svg",
    rankdir: str = "LR",
    *,
    highlight: Iterable[Value] = (),
    params: Iterable[Value] | Mapping[str, Value] = (),
    **options: Any,
) -> graphviz.Digraph:
    """The graph that computed ``root``, as a ``graphviz.Digraph`` (shown inline in
    Jupyter; ``.render()``, ``.pipe()`` or ``render_svg`` write SVG or PNG).

    Args:
        format: the output format ``.render()`` writes by default, "svg" or "png"
            (micrograd's ``draw_dot(root, format, rankdir)`` signature).
        rankdir: layout direction, "LR" (left to right, default), "TB", "RL" or "BT".
        highlight: values to draw in red.
        params: values to draw as parameters: ``model.parameters()``, or a dict of
            name -> Value like ``dict(model.named_parameters())`` (as torchviz takes),
            whose names label values that have no label of their own.
        **options: the fields of :class:`DrawOptions`: ``number_format`` (".4f"),
            ``show_data``, ``show_grad``, ``max_nodes`` (500), ``group_by`` ("neuron" or
            "layer"), ``collapse_after`` (8) and ``legend`` (True).

    Example:
        >>> from autograd import Value
        >>> x = Value(3.0, label="x"); y = (x * x).tanh(); y.backward()
        >>> print(draw_dot(y, show_data=False, legend=False).source.count("grad "))
        3
    """
    if format not in ("svg", "png", "pdf"):
        raise ValueError(f"draw_dot: format must be one of 'svg', 'png', 'pdf'; got {format!r}")
    chosen = DrawOptions.from_keywords("draw_dot", rankdir=rankdir, **options)
    graph = VisibleGraph.of(root, chosen, parameter_names(params))
    point_graphviz_at_a_renderer()
    dot = build_digraph(graph, highlight_set(highlight))
    dot.format = format
    return dot


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders quietly.

    Graphviz warns on stderr about font metrics whenever a label holds a character
    outside ASCII (the legend's ∂); in Jupyter that warning would show under every
    drawing in red. It is not the user's concern, so ``pipe`` (which Jupyter's inline
    display calls) and ``render`` default to ``quiet=True``.
    """

    def pipe(self, *args: Any, quiet: bool = True, **kwargs: Any) -> Any:
        return super().pipe(*args, quiet=quiet, **kwargs)

    def render(self, *args: Any, quiet: bool = True, **kwargs: Any) -> Any:
        return super().render(*args, quiet=quiet, **kwargs)


def build_digraph(graph: VisibleGraph, highlight: set[Value]) -> graphviz.Digraph:
    """The Digraph of a visible graph: values, ops, edges, clusters and the legend."""
    options = graph.options
    dot = Drawing(
        graph_attr={
            "rankdir": options.rankdir,
            "fontname": FONT,
            "nodesep": "0.15",
            "ranksep": "0.45",
        },
        node_attr={"fontname": FONT, "fontsize": "14"},
        edge_attr={"color": "#444444", "arrowsize": "0.8"},
    )
    clusters = graph.clusters()
    clustered = {node for members in clusters.values() for node in members}
    tables = graph.parameter_tables()
    names = _node_names(graph, tables)
    for node in graph.declaration_order():
        if node not in clustered and node not in names.tabled:
            _add_value_and_op(dot, graph, node, highlight, tables.get(node))
    for key, members in clusters.items():
        with dot.subgraph(name=f"cluster_{graph.ids[members[0]]}") as cluster:
            # An HTML-like label: DOT's own escapes (\\N, \\G, \\") never apply to a name.
            cluster.attr(
                label=f"<{escape_xml(key)}>",
                style="rounded,dashed",
                color="#999999",
                fontcolor="#555555",
                fontsize="12",
            )
            for node in members:
                if node not in names.tabled:
                    _add_value_and_op(cluster, graph, node, highlight, tables.get(node))
    for node in graph.nodes:
        if node.parents:
            _add_edges(dot, graph, node, names)
    hints = {
        (names.of(before, compass=False), names.of(after, compass=False))
        for before, after in graph.rank_hints()
    }
    for before, after in sorted(hints):
        dot.edge(before, after, style="invis")
    if options.legend:
        roles = {graph.role(node) for node in graph.nodes}
        dot.attr(label=_legend(options, roles), labelloc="b", labeljust="l")
    return dot


def value_lines(graph: VisibleGraph, node: Value) -> list[tuple[str, str]]:
    """The lines of a value's box as (kind, text): name, data and grad."""
    options = graph.options
    lines = [("name", graph.name(node))]
    if options.show_data:
        lines.append(("data", f"data {format_number(node.data, options.number_format)}"))
    if options.show_grad:
        lines.append(("grad", f"grad {format_number(node.grad, options.number_format)}"))
    return lines


@dataclass
class _NodeNames:
    """The DOT name of each value: its own box, or its row of a parameter table."""

    graph: VisibleGraph
    tabled: dict[Value, Value]  # parameter -> the neuron whose table holds it

    def of(self, node: Value, compass: bool = True) -> str:
        if node not in self.tabled:
            return self.graph.ids[node]
        table = f"{self.graph.ids[self.tabled[node]]}_params"
        if not compass:
            return table
        side = {"LR": ":e", "RL": ":w", "TB": ":s", "BT": ":n"}[self.graph.options.rankdir]
        return f"{table}:{self.graph.ids[node]}{side}"


def _node_names(graph: VisibleGraph, tables: dict[Value, list[Value]]) -> _NodeNames:
    return _NodeNames(graph, {leaf: neuron for neuron, leaves in tables.items() for leaf in leaves})


def _add_value_and_op(
    dot: graphviz.Digraph,
    graph: VisibleGraph,
    node: Value,
    highlight: set[Value],
    table: list[Value] | None = None,
) -> None:
    role = "highlight" if node in highlight else graph.role(node)
    fill, border, width = ROLE_STYLE[role]
    rows = []
    for kind, text in value_lines(graph, node):
        rows.append(f"<tr>{_cell(graph, node, kind, text)}</tr>")
    label = (
        '<<table border="0" cellborder="0" cellspacing="0" cellpadding="2">'
        + "".join(rows)
        + "</table>>"
    )
    _rounded_box(dot, graph.ids[node], label, fill, border, width, margin="0.08,0.04")
    if node.parents:  # one op node per computed value, micrograd's style
        dot.node(
            graph.ids[node] + "_op",
            label=escape_xml(node._op),
            shape="circle",
            style="filled",
            fillcolor=COLOURS["op"],
            fontsize="16",
            width="0.45",
            margin="0.02",
            ordering="in",
        )
    if table:
        _add_parameter_table(dot, graph, node, table, highlight)


def _cell(graph: VisibleGraph, node: Value, kind: str, text: str, port: str = "") -> str:
    text = escape_xml(text)
    if kind == "name":
        colour = COLOURS["muted"] if graph.is_auto_named(node) else "#000000"
        return f'<td align="left"{port}><font color="{colour}"><b>{text}</b></font></td>'
    return f'<td align="left"{port}><font color="{COLOURS[kind]}">{text}</font></td>'


def _add_parameter_table(
    dot: graphviz.Digraph,
    graph: VisibleGraph,
    neuron: Value,
    leaves: list[Value],
    highlight: set[Value],
) -> None:
    """A neuron's weights and bias as one table, one row each, in formula order; each
    row is the port its edge leaves from, so the edges keep that order too."""
    fill, border, width = ROLE_STYLE["parameter"]
    rows = []
    for leaf in leaves:
        lines = value_lines(graph, leaf)
        shade = f' bgcolor="{ROLE_STYLE["highlight"][0]}"' if leaf in highlight else ""
        cells = [_cell(graph, leaf, kind, text) for kind, text in lines[:-1]]
        kind, text = lines[-1]
        cells.append(_cell(graph, leaf, kind, text, f' port="{graph.ids[leaf]}"'))
        rows.append(f"<tr{shade}>{''.join(cells)}</tr>")
    label = (
        '<<table border="0" cellborder="0" cellspacing="0" cellpadding="3">'
        + "".join(rows)
        + "</table>>"
    )
    _rounded_box(dot, f"{graph.ids[neuron]}_params", label, fill, border, width, margin="0.06,0.03")


def _add_edges(dot: graphviz.Digraph, graph: VisibleGraph, node: Value, names: _NodeNames) -> None:
    op_name = graph.ids[node] + "_op"
    dot.edge(op_name, graph.ids[node])
    for i in graph.argument_order(node):
        dot.edge(names.of(node.parents[i]), op_name)
    if graph.hidden_count(node):
        more = graph.ids[node] + "_more"
        dot.node(
            more,
            label=f"... {graph.hidden_text(node)}",
            shape="note",
            fontsize="12",
            color="#888888",
            fontcolor="#555555",
        )
        dot.edge(more, op_name, style="dashed", color="#888888")


def _legend(options: DrawOptions, roles: set[str]) -> str:
    """The colours' meanings: only the roles the drawing has, then data and grad."""

    def swatch(role: str, text: str) -> str:
        fill, border, _ = ROLE_STYLE[role]
        return f'<td bgcolor="{fill}" color="{border}" border="1">{text}</td>'

    names = {"input": "input or constant", "parameter": "parameter", "output": "output"}
    cells = [swatch(role, text) for role, text in names.items() if role in roles]
    if options.show_data:
        cells.append(f'<td><font color="{COLOURS["data"]}">data: the value (forward)</font></td>')
    if options.show_grad:
        cells.append(
            f'<td><font color="{COLOURS["grad"]}">grad: ∂output/∂value (backward)</font></td>'
        )
    return (
        '<<table border="0" cellspacing="6" cellpadding="4"><tr>'
        + "".join(cells)
        + "</tr></table>>"
    )


def _rounded_box(
    dot: Any, name: str, label: str, fill: str, border: str, width: str, margin: str
) -> None:
    """A value's box (or a neuron's parameters'): rounded, filled, its label a table."""
    dot.node(
        name,
        label=label,
        shape="box",
        style="rounded,filled",
        fillcolor=fill,
        color=border,
        penwidth=width,
        margin=margin,
    )
