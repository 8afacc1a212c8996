"""The demo's drawings of backpropagation: a player of one trained neuron, and the graph
of one example's forward pass through the whole model.

Both use the same training example, so their numbers can be compared; both leave the
model's numbers and gradients as they found them.
"""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path
from typing import Any

from autograd import Value, grad, weighted_sum

from .modules import ACTIVATIONS, MLP, Neuron

PLAYER_FILE = "backward_neuron.html"
GRAPH_FILE = "forward_graph.svg"
FULL_GRAPH_MAX_NODES = 20_000  # --full-graph: far above any demo model, still a guard
# How running Graphviz can fail: none found (RuntimeError), a program that does not run
# (OSError), one that fails or hangs (SubprocessError), one that answers nonsense
# (ValueError, e.g. when its layout is not JSON).
RENDERER_ERRORS = (RuntimeError, OSError, ValueError, subprocess.SubprocessError)


def draw_neuron_player(path: Path, model: MLP, example: list[float]) -> Path | None:
    """A player of one first-layer neuron on ``example``, as an offline HTML page.

    The graph is built afresh from copies of the neuron's numbers, with short names
    (x0, w.0, b, n, o), so the model's parameters and their ``.grad`` stay untouched and
    the page has a handful of values a student can follow.
    """
    try:
        from autograd.viz import draw_backward
    except ImportError as error:
        _skipped("the backpropagation player", error)
        return None
    index, neuron = active_neuron(model, example)
    output, params = _neuron_graph(neuron, example)
    try:
        # Seeded with what the rest of the network sends back to this neuron, so the
        # gradients are d score / d value, the same numbers as in forward_graph.svg.
        player = draw_backward(output, _score_gradient(model, example, index), params=params)
        # The forward graph's cluster name, so the two pictures can be matched up.
        title = (
            f"One neuron (layers.0.neurons.{index}) on training example 0; "
            f"grad = ∂score/∂value along this neuron ({_inputs_text(len(example))} "
            "also feed the other neurons)"
        )
        return player.save_html(path, title=title)
    except RENDERER_ERRORS as error:  # no renderer, or a broken one: say so, keep the rest
        _skipped("the backpropagation player", error)
        return None


def _inputs_text(count: int) -> str:
    names = [f"x{i}" for i in range(count)]
    return names[0] if count == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _score_gradient(model: MLP, example: list[float], index: int) -> float:
    """d score / d (output of first-layer neuron ``index``) on ``example``.

    ``autograd.grad`` returns it without touching any ``.grad`` of the model.
    """
    outputs = hidden = _as_list(model.layers[0](example))
    for layer in model.layers[1:]:
        outputs = _as_list(layer(outputs))
    # The score is the first output, as drawn in forward_graph.svg.
    (gradient,) = grad(outputs[0], hidden[index], allow_unused=True)
    return float(gradient)


def active_neuron(model: MLP, example: list[float]) -> tuple[int, Neuron]:
    """The first first-layer neuron whose pre-activation on ``example`` is positive.

    An active ReLU passes its gradient on, so the player shows every edge carrying one;
    when none is active, the first neuron (the player then says the ReLU is off).
    """
    neurons = model.layers[0].neurons
    for index, neuron in enumerate(neurons):
        pre_activation = neuron.b.data + sum(
            w.data * x for w, x in zip(neuron.w, example, strict=True)
        )
        if pre_activation > 0:
            return index, neuron
    return 0, neurons[0]


def _neuron_graph(neuron: Neuron, example: list[float]) -> tuple[Value, dict[str, Value]]:
    """``o = activation(n)``, ``n = w.0*x0 + w.1*x1 + b``, from copies of the numbers."""
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(example)]
    weights = [Value(w.data, label=f"w.{i}") for i, w in enumerate(neuron.w)]  # as nn names
    bias = Value(neuron.b.data, label="b")
    n = weighted_sum(weights, inputs, bias)
    n.label = "n"
    o = ACTIVATIONS[neuron.activation](n)
    o.label = "o"
    params = {w.label: w for w in weights} | {"b": bias}
    return o, params


def _as_list(values: Value | list[Value]) -> list[Value]:
    return values if isinstance(values, list) else [values]


def draw_forward_graph(path: Path, model: MLP, example: list[float], full: bool) -> Path | None:
    """The graph of one example's forward pass, as SVG, if drawing is available.

    Collapsed by default (each long sum shows a few inputs and "... N more inputs"):
    for a 2-16-16-1 model, 4 of 16 neurons per layer instead of all of them, a drawing
    8 times shorter. ``full`` draws every edge.
    """
    try:
        from autograd.viz import GraphTooLargeError, draw_dot, render_svg
    except ImportError as error:
        _skipped("the graph drawing", error)
        return None
    output = model([Value(x, label=f"x{i}") for i, x in enumerate(example)])
    if isinstance(output, list):  # several classes: draw the first class's score
        root, root.label = output[0], "score0"
    else:
        root, root.label = output, "score"
    size: dict[str, Any] = (
        {"collapse_after": None, "max_nodes": FULL_GRAPH_MAX_NODES} if full else {}
    )
    # backward() fills the .grad the drawing shows, from zero: the last training step's
    # gradients are set aside first and put back afterwards, so drawing changes nothing.
    saved = [p.grad for p in model.parameters()]
    model.zero_grad()
    root.backward()
    try:
        render_svg(
            draw_dot(
                root, params=model.parameters(), group_by="neuron", number_format=".4g", **size
            ),
            path,
        )
    except (*RENDERER_ERRORS, GraphTooLargeError) as error:  # no renderer, or too large
        _skipped("the graph drawing", error)
        return None
    finally:
        for p, grad in zip(model.parameters(), saved, strict=True):
            p.grad = grad
    return path


def _skipped(what: str, error: Exception) -> None:
    """Drawing is optional: say why it was skipped (in one line) and carry on. A full
    disk is not the renderer's fault, and would fail the other files too: it is raised."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        raise error
    reason = " ".join(str(error).split())
    if len(reason) > 300:
        reason = reason[:297] + "..."
    print(f"note: skipped {what}: {reason or type(error).__name__}", file=sys.stderr)
    return None
