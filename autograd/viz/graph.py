"""What a drawing shows: which values and edges, their names, roles and groups.

Both pictures, the static ``draw_dot`` and the backward-pass player, start from one
:class:`VisibleGraph`: the values reachable from the root through the edges that are
shown (long sums collapse), in topological order, each with a name a person can read.

Example:
    >>> from autograd import Value
    >>> a = Value(2.0, label="a"); b = a * 3; c = b * a
    >>> graph = VisibleGraph.of(c, DrawOptions())
    >>> [graph.name(n) for n in graph.nodes]
    ['a', 'v1', 'v2']
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value, topological_order
from .options import GROUPINGS, DrawOptions


class GraphTooLargeError(ValueError):
    """The drawing would exceed ``max_nodes``."""


@dataclass
class VisibleGraph:
    """The part of a graph a drawing shows, and how each value is named and styled."""

    root: Value
    nodes: list[Value]  # shown values, every value after its parents
    shown: dict[Value, list[int]]  # for each value, the argument positions drawn
    names: dict[Value, str]  # the name a person reads: label, parameter name or v<k>
    ids: dict[Value, str]  # the element id: "v<k>" by topological position
    full_names: dict[Value, str]  # names as given, also for values inside a group
    params: Mapping[Value, str]
    options: DrawOptions
    _groups: dict[Value, str | None] = field(default_factory=dict, repr=False)  # memo

    @classmethod
    def of(
        cls, root: Value, options: DrawOptions, params: Mapping[Value, str] | None = None
    ) -> VisibleGraph:
        if not isinstance(root, Value):
            raise TypeError(f"draw: expected a Value, got {type(root).__name__}")
        params = params or {}
        shown = _shown_arguments(root, options)
        nodes = [n for n in topological_order(root) if n in shown]
        ids = {node: f"v{i}" for i, node in enumerate(nodes)}
        names, unnamed = {}, 0
        for node in nodes:
            given = node.label or params.get(node, "")
            if not given:  # v1, v2, ... in order: a reader looks for v1 if v2 is shown
                unnamed += 1
                given = f"v{unnamed}"
            names[node] = visible_text(given)
        graph = cls(root, nodes, shown, names, ids, dict(names), params, options)
        graph._shorten_names_inside_groups()
        return graph

    def _shorten_names_inside_groups(self) -> None:
        # Inside the box of group "layers.0.neurons.1", a weight reads "w.0", not
        # "layers.0.neurons.1.w.0": the group's label already says the rest. A neuron's
        # unnamed values read as in the lecture: n (the weighted sum) and o (its output).
        taken: dict[tuple[str, str], Value] = {}
        for node in self.nodes:
            key = self.group_of(node)
            if not key:
                continue
            if self.names[node].startswith(key + "."):
                self.names[node] = self.names[node][len(key) + 1 :]
            elif not node.label and node not in self.params and not node.is_leaf:
                lecture_name = "n" if _is_weighted_sum(node) else "o"
                if taken.setdefault((key, lecture_name), node) is node:  # one n, one o
                    self.names[node] = lecture_name
                    self.full_names[node] = f"{key}.{lecture_name}"

    def parameter_tables(self) -> dict[Value, list[Value]]:
        """For each grouped neuron, its weights and bias in formula order (w0, w1, ...,
        b), when they are leaves used by that neuron alone: ``draw_dot`` shows them as
        one table, in order, instead of boxes that Graphviz would shuffle."""
        consumers: dict[Value, set[Value]] = {}
        for node in self.nodes:
            for i in self.shown[node]:
                consumers.setdefault(node.parents[i], set()).add(node)
        tables = {}
        for node in self.nodes:
            if _is_weighted_sum(node) and self.group_of(node) is not None:
                leaves = [node.parents[i] for i in self.argument_order(node)]
                leaves = [
                    p
                    for p in dict.fromkeys(leaves)
                    if p.is_leaf
                    and consumers[p] == {node}
                    and self.group_of(p) == self.group_of(node)
                ]
                if len(leaves) > 1:
                    tables[node] = leaves
        return tables

    def rank_hints(self) -> list[tuple[Value, Value]]:
        """Invisible edges that keep a neuron's weights to the right of its inputs.

        Without them Graphviz puts the next layer's weights in the same column as the
        previous layer's outputs, and since group boxes cannot share a column, every
        neuron of the network ends up stacked in one very tall column.
        """
        hints: list[tuple[Value, Value]] = []
        for node in self.nodes:
            if _is_weighted_sum(node) and self.group_of(node) is not None:
                shown = [node.parents[i] for i in self.shown[node]]
                computed = [p for p in shown if not p.is_leaf]
                if computed:
                    hints.extend((computed[0], p) for p in shown if p.is_leaf)
        return hints

    def name(self, node: Value) -> str:
        return self.names[node]

    def is_auto_named(self, node: Value) -> bool:
        """True for a value without a label or a parameter name (drawn in grey)."""
        return not (node.label or self.params.get(node))

    def hidden_count(self, node: Value) -> int:
        """How many inputs of ``node`` are summarised in a "... N more" node (for a
        weighted sum, how many w*x terms)."""
        hidden = len(node.parents) - len(self.shown[node])
        return hidden // 2 if _is_weighted_sum(node) else hidden

    def hidden_text(self, node: Value) -> str:
        """What the "... N more" node stands for, e.g. "12 more w*x terms"."""
        count = self.hidden_count(node)
        return f"{count} more {'w*x terms' if _is_weighted_sum(node) else 'inputs'}"

    def role(self, node: Value) -> str:
        """ "output", "parameter", "input" (any other leaf) or "interior"."""
        if node is self.root:
            return "output"
        if node in self.params:
            return "parameter"
        return "input" if node.is_leaf else "interior"

    def group_of(self, node: Value) -> str | None:
        """The cluster of ``node`` under ``group_by`` (None: not in a cluster)."""
        if node not in self._groups:  # asked for every name in every formula: kept
            self._groups[node] = self._find_group(node)
        return self._groups[node]

    def _find_group(self, node: Value) -> str | None:
        if self.options.group_by is None:
            return None
        parts = GROUPINGS[self.options.group_by]
        if node.is_leaf:
            return _label_prefix(node.label or self.params.get(node, ""), parts)
        # A neuron's weighted sum belongs with its weights; its activation with the sum.
        if _is_weighted_sum(node):
            weights = [p for p in node.parents[1:] if p.is_leaf]
            return self.group_of(weights[0]) if weights else None
        if len(node.parents) == 1 and _is_weighted_sum(node.parents[0]):
            return self.group_of(node.parents[0])
        return None

    def clusters(self) -> dict[str, list[Value]]:
        """The groups in natural order ("layers.2" before "layers.10"), with members."""
        groups: dict[str, list[Value]] = {}
        for node in self.declaration_order():
            key = self.group_of(node)
            if key is not None:
                groups.setdefault(key, []).append(node)
        return dict(sorted(groups.items(), key=lambda item: natural_key(item[0])))

    def declaration_order(self) -> list[Value]:
        """The shown values in the order to hand them to Graphviz: each value's inputs
        right before it, in layout order, so a neuron's weights come out w0, w1, ..."""
        order: dict[Value, None] = {}
        for node in self.nodes:
            for i in self.argument_order(node):
                order.setdefault(node.parents[i], None)
            order.setdefault(node, None)
        return list(order)

    def argument_order(self, node: Value) -> list[int]:
        """The shown argument positions in the order a person reads the formula, and
        the order to lay them out in (top to bottom).

        A weighted sum reads ``w1*x1 + w2*x2 + ... + b``: weights in order, then the
        inputs, then the bias, so a neuron's weights line up as w0, w1, w2, ...
        """
        shown = self.shown[node]
        if _is_weighted_sum(node) and shown and shown[0] == 0:
            return [*shown[1:], 0]
        return shown


def _shown_arguments(root: Value, options: DrawOptions) -> dict[Value, list[int]]:
    """The values reachable from the root through shown edges, with those edges."""
    shown: dict[Value, list[int]] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node in shown:
            continue
        shown[node] = _shown_positions(node, options.collapse_after)
        if options.max_nodes is not None and len(shown) > options.max_nodes:
            raise GraphTooLargeError(
                f"draw: the graph has more than {options.max_nodes} values to draw; "
                "pass group_by='neuron', a smaller collapse_after, or a larger "
                "max_nodes (None for no limit)"
            )
        stack.extend(node.parents[i] for i in shown[node] if node.parents[i] not in shown)
    return shown


def _shown_positions(node: Value, collapse_after: int | None) -> list[int]:
    count = len(node.parents)
    if collapse_after is None or count <= collapse_after:
        return list(range(count))
    # Long sums: the first arguments and the last one, the rest summarised.
    head = max(1, collapse_after - 1)
    if _is_weighted_sum(node):
        # Keep each weight with its input: the bias, then pairs (w_i, x_i).
        n = (count - 1) // 2
        pairs = list(dict.fromkeys([*range(max(1, head // 2)), n - 1]))
        shown = [0, *(1 + i for i in pairs), *(1 + n + i for i in pairs)]
    else:
        shown = [*range(head), count - 1]
    return shown if len(shown) < count else list(range(count))


def _is_weighted_sum(node: Value) -> bool:
    return node.primitive is not None and node.primitive.layout == "bias_weights_inputs"


def _label_prefix(label: str, parts: int) -> str | None:
    pieces = label.split(".")
    return ".".join(pieces[:parts]) if len(pieces) > parts else None


def natural_key(text: str) -> list[Any]:
    """Compare the numbers inside names as numbers: "w.2" before "w.10"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


# --- text a person reads ------------------------------------------------------------------

# Characters XML cannot hold, and other control characters: shown as visible escapes.
# Bidirectional and zero-width controls too: they could reorder or hide a caption's text.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ud800-\udfff\ufeff\ufffe\uffff]"
)


def visible_text(text: str) -> str:
    r"""``text`` with control characters written as escapes a person can see.

    Example:
        >>> visible_text("a\x00b\nc")
        'a\\x00b\\nc'
    """
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

    def escape(match: re.Match) -> str:
        char = match.group()
        if char in named:
            return named[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(escape, text)


def format_number(x: Any, spec: str) -> str:
    """``x`` formatted with ``spec``, never as a negative zero.

    Example:
        >>> format_number(-0.00001, ".4f"), format_number(-0.0, ".4g"), format_number(2.5, ".4g")
        ('0.0000', '0', '2.5')
    """
    x = getattr(x, "data", x)  # a gradient that is a Value, after create_graph=True
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    text = format(x, spec)
    if math.isfinite(x) and not re.search(r"[1-9]", re.split(r"[eE]", text)[0]):
        return format(0.0, spec)  # -0.0, or rounded to zero: no sign, same padding
    return text


def escape_xml(text: str) -> str:
    """Text for SVG, HTML and Graphviz's HTML-like labels (control characters visible)."""
    return (
        visible_text(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def highlight_set(values: Value | Iterable[Value]) -> set[Value]:
    values = {values} if isinstance(values, Value) else set(values)
    for value in values:
        if not isinstance(value, Value):
            raise TypeError(f"draw: highlight must hold Values, got {type(value).__name__}")
    return values
