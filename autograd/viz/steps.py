"""The steps of the forward and the backward pass, in words, symbols and numbers.

The backward steps are not computed here: :func:`backward_steps` runs the engine's own
walk (``autograd.engine.gradients_by_backward_walk``, the one ``backward()`` and
``grad()`` use) and describes each node as the walk finishes it, with the local
derivatives the forward pass recorded.
Each step changes only texts and states of the drawing's elements, which are named by
id: ``v3`` (a value's box), ``v3-data``, ``v3-grad`` (its lines), ``v3-a1`` (the edge
from argument 1 into v3's op), ``v3-a1-rule``, ``v3-a1-value`` and ``v3-a1-product``
(that edge's three lines of text).

Example:
    >>> from autograd import Value
    >>> from autograd.viz.graph import VisibleGraph
    >>> from autograd.viz.options import DrawOptions
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> e = a * b; e.label = "e"
    >>> graph = VisibleGraph.of(e, DrawOptions(number_format=".4g"))
    >>> steps = backward_steps(graph)
    >>> steps[1].lines[0]
    '∂e/∂a = b = -3,  so a.grad += (-3) × 1 = -3'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value, gradients_by_backward_walk, topological_order
from ..primitives import Primitive, contribution
from .graph import VisibleGraph, format_number, natural_key

CHAIN_RULE = "input.grad += local derivative × upstream gradient"
EDGE_LINES = ("rule", "value", "product")  # the texts on an edge, top to bottom
BACKWARDS = {"LR": "←", "RL": "→", "TB": "↑", "BT": "↓"}  # the way gradients flow


@dataclass
class Step:
    """One step of the player: what it says, and what it changes in the drawing."""

    phase: str  # "forward", "backward" or "done"
    title: str
    lines: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # element id -> text, kept
    flash_texts: dict[str, str] = field(default_factory=dict)  # shown in this step only
    states: dict[str, str] = field(default_factory=dict)  # element id -> state, kept
    flash_states: dict[str, str] = field(default_factory=dict)  # this step only
    focus: list[str] = field(default_factory=list)  # keep in view: the actor, its inputs

    def as_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "title": self.title,
            "lines": self.lines,
            "texts": self.texts,
            "flashTexts": self.flash_texts,
            "states": self.states,
            "flashStates": self.flash_states,
            "focus": self.focus,
        }


@dataclass
class DrawingState:
    """Every text and state of the drawing's elements: before the first step (the
    start), or at any step (``Player.state``)."""

    texts: dict[str, str]
    states: dict[str, str]


def edge_id(graph: VisibleGraph, node: Value, position: int) -> str:
    return f"{graph.ids[node]}-a{position}"


def initial_state(graph: VisibleGraph, forward: bool) -> DrawingState:
    spec = graph.options.number_format
    texts, states = {}, {}
    for node in graph.nodes:
        vid = graph.ids[node]
        unknown = forward and not node.is_leaf
        texts[f"{vid}-data"] = "data ?" if unknown else f"data {format_number(node.data, spec)}"
        start = _start_gradient(node)
        texts[f"{vid}-grad"] = f"grad {format_number(start, spec)}" if start else "grad ?"
        states[vid] = "unknown" if unknown else "known"
        if node.parents:
            states[f"{vid}-op"] = "idle"
        for position in graph.shown[node]:
            eid = edge_id(graph, node, position)
            for line in EDGE_LINES:
                texts[f"{eid}-{line}"] = ""
            states[eid] = "idle"
    return DrawingState(texts, states)


def _start_gradient(node: Value) -> float:
    """What backward() starts from: a leaf keeps its gradient, an interior node has 0."""
    return float(getattr(node.grad, "data", node.grad)) if node.is_leaf else 0.0


# --- forward ----------------------------------------------------------------------------


def forward_steps(graph: VisibleGraph) -> list[Step]:
    """Step 0 names the given values; then each computed value appears, in order."""
    spec = graph.options.number_format
    leaves = [graph.full_names[n] for n in reading_order(graph)]
    first = Step(
        "forward",
        "Forward pass: start from the given values",
        [
            f"The leaves (inputs, parameters and constants) are given: {_few(leaves)}.",
            "Each following step computes one value from its inputs, in topological "
            "order (every value after the values it uses).",
        ],
    )
    steps = [first]
    for node in graph.nodes:
        if node.is_leaf:
            continue
        vid = graph.ids[node]
        shown = set(graph.shown[node])
        arguments = [
            symbol(graph, p, node) if i in shown else HIDDEN for i, p in enumerate(node.parents)
        ]
        numbers = [
            _operand(format_number(p.data, spec)) if i in shown else HIDDEN
            for i, p in enumerate(node.parents)
        ]
        symbolic = _shorten(_rule(node).formula(arguments))
        numeric = _shorten(_rule(node).formula(numbers))
        result = format_number(node.data, spec)
        step = Step(
            "forward",
            f"Forward: {_actor(graph, node)} = {symbolic}",
            [" = ".join(_distinct([f"{graph.name(node)} = {symbolic}", numeric, result]))],
            texts={f"{vid}-data": f"data {result}"},
            states={vid: "known"},
            flash_states={vid: "current", f"{vid}-op": "current"},
            focus=_focus(graph, node),
        )
        for position in graph.shown[node]:
            step.flash_states[edge_id(graph, node, position)] = "flow"
        steps.append(step)
    return steps


# --- backward ---------------------------------------------------------------------------


def backward_steps(graph: VisibleGraph, gradient: float = 1.0) -> list[Step]:
    """The seed, one step per node as the engine's walk finishes it, and the end.

    ``gradient`` seeds the output, as ``backward(gradient)`` does: 1 for the output's
    own derivative, or the gradient arriving from a larger graph this one is part of.
    """
    root, spec = graph.root, graph.options.number_format
    order = topological_order(root)
    start = {n: _start_gradient(n) for n in order if n.is_leaf and _start_gradient(n)}
    start[root] = start.get(root, 0.0) + gradient
    name, seed_text = graph.name(root), format_number(gradient, spec)
    if gradient == 1.0:
        why = (
            f"∂{name}/∂{name} = 1: nudging {name} by a little changes {name} by exactly that much."
        )
    else:
        why = (
            f"{name}.grad = {seed_text} is given: the gradient arriving at {name} from "
            f"the rest of the computation, which is not drawn here."
        )
    seed = Step(
        "backward",
        f"Backward pass: start at the output, {name}.grad = {seed_text}",
        [
            why,
            f"Now each value, from the output back, passes its gradient to its "
            f"inputs by the chain rule: {CHAIN_RULE}.",
        ],
        texts={f"{graph.ids[root]}-grad": f"grad {format_number(start[root], spec)}"},
        flash_texts={
            f"{graph.ids[root]}-grad": "grad "
            + _sum_text(
                _start_gradient(root) or None,  # a leaf output's earlier gradient
                [_operand(seed_text)],
                start[root],
                spec,
            )
        },
        flash_states={graph.ids[root]: "current"},
        focus=[graph.ids[root]],
    )
    steps = [seed]
    shown_so_far = dict(start)  # each value's gradient as the drawing shows it
    unseen: dict[str, str] = {}  # boxes a collapsed, undrawn part has added to
    gradients = _GradientsSoFar()

    def describe(node: Value) -> None:
        if node in graph.ids:
            step = _push_step(graph, node, gradients, shown_so_far)
            step.texts = {**unseen, **step.texts}
            unseen.clear()
            steps.append(step)
            return
        # Inside a collapsed part of the drawing: no step of its own, but a drawn value
        # it adds to shows the new total from the next step on.
        for parent in node.parents:
            shown_so_far[parent] = gradients[parent]
            if parent in graph.ids:
                unseen[f"{graph.ids[parent]}-grad"] = (
                    f"grad {format_number(gradients[parent], spec)}"
                )

    final = gradients_by_backward_walk(
        order, list(start.items()), caller="draw_backward", after_node=describe
    )
    steps.append(_done_step(graph, final, seed_text if gradient != 1.0 else ""))
    return steps


def _rule(node: Value) -> Primitive:
    """The table's entry for an interior node (the walk refuses a node without one)."""
    primitive = node.primitive
    if primitive is None:
        raise TypeError(f"{node!r} has no rule in the table of primitives")
    return primitive


class _GradientsSoFar:
    """Each value's gradient as the walk has summed it so far, read during the walk
    (the walk adds into the values' ``.grad``, which it has borrowed for the time)."""

    def __getitem__(self, node: Value) -> float:
        return node.grad


def _push_step(
    graph: VisibleGraph,
    node: Value,
    gradients: _GradientsSoFar,
    shown_so_far: dict[Value, float],
) -> Step:
    """``node`` has just pushed its gradient: say how, edge by edge."""
    spec = graph.options.number_format
    upstream = gradients[node]
    vid = graph.ids[node]
    inputs = "input" if len(set(node.parents)) == 1 else "inputs"
    step = Step(
        "backward",
        f"{_actor(graph, node)} passes its gradient "
        f"{format_number(upstream, spec)} back through {node._op} to "
        f"its {inputs}",
        flash_states={vid: "current", f"{vid}-op": "current"},
        focus=_focus(graph, node),
    )
    terms: dict[Value, list[str]] = {}
    for parent, slope in zip(node.parents, node.local_derivatives, strict=True):
        product = contribution(_rule(node), slope, upstream)
        terms.setdefault(parent, []).append(_operand(format_number(product, spec)))
    for position in graph.argument_order(node):  # w1*x1 + w2*x2 + b: as the formula reads
        product = contribution(_rule(node), node.local_derivatives[position], upstream)
        _describe_edge(graph, step, node, position, upstream, product)
    for parent, added in terms.items():
        before = shown_so_far.get(parent)
        total = gradients[parent]
        shown_so_far[parent] = total
        if parent not in graph.ids:
            continue
        pid = graph.ids[parent]
        sum_text = _sum_text(before, added, total, spec)
        step.texts[f"{pid}-grad"] = f"grad {format_number(total, spec)}"
        step.flash_texts[f"{pid}-grad"] = f"grad {sum_text}"
        step.flash_states[pid] = "receiving"
        who = symbol(graph, parent, node)
        if before is not None:
            step.lines.append(
                f"{who} is reached again, so the contributions add up: {who}.grad = {sum_text}"
            )
        elif len(added) > 1:
            step.lines.append(
                f"{who} is used {len(added)} times here, so the contributions "
                f"add up: {who}.grad = {sum_text}"
            )
    if graph.hidden_count(node):
        step.lines.append(f"(and the same for the {graph.hidden_text(node)}, not drawn)")
    return step


def _describe_edge(
    graph: VisibleGraph,
    step: Step,
    node: Value,
    position: int,
    upstream: float,
    contribution: float,
) -> None:
    spec = graph.options.number_format
    parent = node.parents[position]
    slope = node.local_derivatives[position]
    product = (
        f"{_operand(format_number(slope, spec))} × "
        f"{_operand(format_number(upstream, spec))} = {format_number(contribution, spec)}"
    )
    eid = edge_id(graph, node, position)
    # Three short lines on the edge, so the drawing stays narrow: the rule, the rule
    # with numbers, and the product with the upstream gradient, with an arrow the way
    # the gradient flows (against the edge's arrowhead). Short names: the edge shows
    # which values it joins.
    rule, *worked = rule_text(graph, node, position)
    derivative = f"∂{symbol(graph, node)}/∂{symbol(graph, parent)} = {rule}"
    arrow = BACKWARDS[graph.options.rankdir]
    lines = (
        [derivative, "= " + " = ".join(worked), f"{arrow} {product}"]
        if worked
        else [derivative, f"{arrow} {product}", ""]
    )  # no blank line before the product
    step.texts.update({f"{eid}-{kind}": text for kind, text in zip(EDGE_LINES, lines, strict=True)})
    # The caption has no edge to point at: it names values of other neurons in full.
    rule, *worked = rule_text(graph, node, position, context=node)
    derivative = f"∂{symbol(graph, node)}/∂{symbol(graph, parent, node)} = {rule}"
    nothing = contribution == 0  # drawn dashed: nothing flows back (nan and inf do)
    step.states[eid] = "dead" if nothing else "done"
    step.flash_states[eid] = "dead-now" if nothing else "active"
    line = (
        f"{' = '.join([derivative, *worked])},  so {symbol(graph, parent, node)}.grad += {product}"
    )
    if nothing:
        line += f"  ({_why_nothing(graph, node, rule, slope, upstream)})"
    step.lines.append(line)


def _why_nothing(graph: VisibleGraph, node: Value, rule: str, slope: float, upstream: float) -> str:
    """Why an edge passes nothing back: its slope is 0 (and why), or nothing arrived."""
    if slope != 0:
        return f"{graph.name(node)}.grad is 0: there is nothing to pass on"
    if _rule(node).zero_slope_note:
        return f"slope 0 because {_rule(node).zero_slope_note}"
    if not re.fullmatch(r"-?[\d.]+(e[+-]?\d+)?", rule):  # the rule names a value: say it
        return f"slope 0 because {rule} = 0: this input has no effect on {graph.name(node)} here"
    return f"slope 0: this input has no effect on {graph.name(node)} here"


def rule_text(
    graph: VisibleGraph, node: Value, position: int, context: Value | None = None
) -> list[str]:
    """The local derivative as [rule, rule with numbers, slope], equal parts dropped:
    ``["1 - o^2", "1 - 0.7071^2", "0.5"]``, or ``["b", "-3"]`` for d(a*b)/da."""
    spec = graph.options.number_format
    template = _rule(node).slope_template(position, len(node.parents))

    def name(key: str) -> str:  # only what the template uses: a 100-input sum is not
        value = node if key == "out" else node.parents[int(key)]  # 100 x 100 work
        return symbol(graph, value, context) if value in graph.names else f"x{key}"

    def number(key: str) -> str:
        value = node if key == "out" else node.parents[int(key)]
        return format_number(value.data, spec)

    slope = format_number(node.local_derivatives[position], spec)
    return _distinct([_fill(template, name), _fill(template, number), slope])


def symbol(graph: VisibleGraph, node: Value, context: Value | None = None) -> str:
    """A value's name as it sits in a formula: ``(a+b)`` in parentheses, ``w.1`` as is.

    Seen from ``context`` (the value acting in a step), a value of another neuron is
    named in full: "layers.0.neurons.1.o", not an ambiguous "o".
    """
    name = graph.name(node)
    if context is not None and graph.group_of(node) != graph.group_of(context):
        name = graph.full_names[node]
    return name if re.fullmatch(r"[\w.']+", name) else f"({name})"


def _fill(template: str, word: Callable[[str], str]) -> str:
    # A placeholder that is the whole formula takes its word as it is; inside a formula
    # a negative number gets parentheses: 1 - (-0.5)^2, not 1 - -0.5^2; so does any
    # number right after a minus sign: -(0)/1^2, not -0/1^2 (which reads as a -0).
    whole = re.fullmatch(r"\{(\w+)\}", template)
    if whole:
        return word(whole.group(1))

    def fill(match: re.Match) -> str:
        text = _operand(word(match.group(1)))
        after_minus = template[match.start() - 1 : match.start()] == "-"
        return f"({text})" if after_minus and text[:1].isdigit() else text

    return re.sub(r"\{(\w+)\}", fill, template)


_SCIENTIFIC = re.compile(r"\d(\.\d*)?e[+-]?\d+$")


def _operand(text: str) -> str:
    """A number ready to sit inside a formula: -3 becomes (-3), 1e-05 becomes (1e-05)."""
    text = text.strip()  # a padded format ("  -0.5") reads the same in a formula
    return f"({text})" if text.startswith("-") or _SCIENTIFIC.search(text) else text


def _sum_text(before: float | None, added: list[str], total: float, spec: str) -> str:
    terms = ([format_number(before, spec)] if before is not None else []) + added
    result = format_number(total, spec)
    if len(terms) == 1:
        return result
    return f"{' + '.join(terms)} = {result}"


def _done_step(graph: VisibleGraph, gradients: dict[Value, float], seed: str) -> Step:
    spec = graph.options.number_format
    leaves = reading_order(graph)
    # Several to a line, so the caption stays short: a = 1,  b = -2,  ...
    shown = [
        f"{graph.full_names[n]}.grad = {format_number(gradients.get(n, 0.0), spec)}"
        for n in leaves[:24]
    ]
    if len(leaves) > 24:
        shown.append(f"... and {len(leaves) - 24} more leaves")
    lines = [",   ".join(shown[i : i + 4]) for i in range(0, len(shown), 4)]
    states = {graph.ids[n]: "final" for n in graph.nodes}
    texts = {
        f"{graph.ids[n]}-grad": f"grad {format_number(gradients.get(n, 0.0), spec)}"
        for n in graph.nodes
        if n in gradients
    }
    call = f"{symbol(graph, graph.root)}.backward({seed})"
    return Step(
        "done",
        f"Done: every gradient is final, the same numbers {call} leaves in .grad",
        lines,
        texts=texts,
        states=states,
    )


def reading_order(graph: VisibleGraph) -> list[Value]:
    """The leaves as a person lists them: the inputs in the order they are used, then
    the parameters by name (w.0, w.1, ..., w.10)."""
    leaves = [n for n in graph.declaration_order() if n.is_leaf]
    inputs = [n for n in leaves if n not in graph.params]
    params = sorted(
        (n for n in leaves if n in graph.params), key=lambda n: natural_key(graph.full_names[n])
    )
    return inputs + params


def _actor(graph: VisibleGraph, node: Value) -> str:
    """The acting value's name, with its neuron when it has one: "o (layers.0.neurons.1)"."""
    group = graph.group_of(node)
    return f"{graph.name(node)} ({group})" if group else graph.name(node)


HIDDEN = "…"  # an argument summarised in a "... N more" node


def _shorten(formula: str) -> str:
    """``a + … + … + … + z`` reads ``a + … + z``; ``…*…`` (a hidden w*x) reads ``…``."""
    formula = formula.replace(f"{HIDDEN}*{HIDDEN}", HIDDEN)
    return re.sub(rf"({re.escape(HIDDEN)}(, | \+ ))+", f"{HIDDEN}\\2", formula)


def _focus(graph: VisibleGraph, node: Value) -> list[str]:
    """The value acting in a step, then the inputs it reads or sends gradient to, and
    the edges (with their labels) between them."""
    inputs = [graph.ids[node.parents[i]] for i in graph.shown[node]]
    edges = [edge_id(graph, node, i) for i in graph.shown[node]]
    return [graph.ids[node], *dict.fromkeys(inputs), *edges]


def _distinct(parts: list[str]) -> list[str]:
    """Drop a part equal to the one before it: ``1 = 1 = 1`` reads ``1``."""
    kept: list[str] = []
    for part in parts:
        if not kept or kept[-1] != part:
            kept.append(part)
    return kept


def _few(names: list[str], limit: int = 16) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
