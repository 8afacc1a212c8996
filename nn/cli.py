"""The command-line demo: train an MLP on a toy data set, then save and draw it.

    python -m nn                       # two moons, MLP 2-16-16-1, micrograd's recipe
    python -m nn --dataset spiral --hidden 32,32 --optimizer adam --lr 0.02
    python -m nn --help

It writes to the output folder: the model (model.json), the per-epoch history
(history.json), the loss curve (loss.png), the decision boundary
(decision_boundary.png) and, when Graphviz can render, a step-by-step player of
backpropagation through one trained neuron (backward_neuron.html) and the graph of one
example's forward pass through the whole model (forward_graph.svg, long sums collapsed
unless --full-graph).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

from autograd import Value, grad, weighted_sum

from . import data
from .modules import ACTIVATIONS, MLP, Neuron
from .optim import SGD, Adam, LinearLR, StepLR
from .train import evaluate, fit

CLASSIFICATION_SETS = ("moons", "circles", "xor", "spiral", "blobs")
BINARY_SETS = ("moons", "circles", "xor")
PLAYER_FILE = "backward_neuron.html"
GRAPH_FILE = "forward_graph.svg"
FULL_GRAPH_MAX_NODES = 20_000  # --full-graph: far above any demo model, still a guard


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nn",
        description="Train a small MLP with backpropagation on a toy 2-D data set, then "
                    "save the model and draw its loss curve, decision boundary and graph.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    group = parser.add_argument_group("data")
    group.add_argument("--dataset", choices=CLASSIFICATION_SETS, default="moons",
                       help="toy data set to learn")
    group.add_argument("--samples", type=_positive_int, default=100,
                       help="training points")
    group.add_argument("--validation-samples", type=_non_negative_int, default=200,
                       help="fresh points (another seed) to measure generalisation on")
    group.add_argument("--noise", type=_non_negative_float, default=0.1,
                       help="noise of the data set")
    group = parser.add_argument_group("model")
    group.add_argument("--hidden", type=_sizes, default=[16, 16],
                       help="hidden layer sizes, comma-separated (e.g. 16,16)")
    group.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "linear"],
                       default="relu", help="hidden-layer activation")
    group.add_argument("--init", choices=["uniform", "xavier", "he"], default="uniform",
                       help="weight initialisation")
    group = parser.add_argument_group("training")
    group.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    group.add_argument("--lr", type=_positive_float, default=None,
                       help="learning rate (default: 1.0 for sgd, 0.05 for adam)")
    group.add_argument("--momentum", type=_non_negative_float, default=0.0,
                       help="SGD momentum")
    group.add_argument("--schedule", choices=["linear", "step", "none"], default="linear",
                       help="learning-rate schedule: linear decay to 0.1x (micrograd's), "
                            "x0.5 every quarter of the epochs, or constant")
    group.add_argument("--batch-size", type=_positive_int, default=None,
                       help="examples per step: omit for full batch, 1 for stochastic")
    group.add_argument("--epochs", type=_positive_int, default=100)
    group.add_argument("--l2", type=_non_negative_float, default=1e-4,
                       help="L2 penalty on the parameters")
    group.add_argument("--seed", type=int, default=0,
                       help="seed for the data, the weights and the shuffling")
    group = parser.add_argument_group("output")
    group.add_argument("--output", type=Path, default=Path("nn-demo-output"),
                       help="folder to write the model and the pictures to")
    group.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    group.add_argument("--no-player", action="store_true",
                       help=f"do not write {PLAYER_FILE}, the step-by-step player of the "
                            "forward and backward pass through one trained neuron")
    group.add_argument("--full-graph", action="store_true",
                       help=f"draw every edge in {GRAPH_FILE} (by default each long sum "
                            "shows its first terms and a '... N more' box; the full "
                            "graph of the default model is 7 times as tall)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"python -m nn: cannot create the output folder {args.output}: {error}",
              file=sys.stderr)
        return 2
    X, y, X_val, y_val, loss, outputs = _load_data(args)
    model = MLP(2, [*args.hidden, outputs], activation=args.activation, init=args.init,
                seed=args.seed)
    optimizer, scheduler = _optimizer(args, model)
    print(f"{model} on {args.dataset} ({len(X)} points), loss {loss}, "
          f"{args.optimizer} lr {optimizer.lr:g}, "
          f"{'full batch' if args.batch_size is None else f'batch size {args.batch_size}'}")
    started = time.perf_counter()
    history = fit(model, X, y, loss=loss, optimizer=optimizer, scheduler=scheduler,
                  epochs=args.epochs, batch_size=args.batch_size, l2_penalty=args.l2,
                  validation=(X_val, y_val) if X_val else None, seed=args.seed,
                  progress=not args.no_progress)
    seconds = time.perf_counter() - started
    _, train_accuracy = evaluate(model, X, y, loss)
    summary = f"trained {history.epochs} epochs in {seconds:.1f} s: " \
              f"training accuracy {train_accuracy:.1%}"
    if X_val:
        summary += f", validation accuracy {history.val_accuracy[-1]:.1%} " \
                   f"({len(X_val)} fresh points)"
    print(summary)
    written = _write_outputs(args, model, history, X, y)
    print("wrote " + ", ".join(str(p) for p in written))
    _print_what_to_open(written)
    return 0


def _load_data(args: argparse.Namespace) -> tuple:
    make = data.DATASETS[args.dataset]
    binary = args.dataset in BINARY_SETS
    kwargs = {"signed": True} if binary else {}
    X, y = make(args.samples, noise=args.noise, seed=args.seed, **kwargs)
    X_val, y_val = ([], [])
    if args.validation_samples:
        X_val, y_val = make(args.validation_samples, noise=args.noise, seed=args.seed + 1,
                            **kwargs)
    if binary:
        return X, y, X_val, y_val, "hinge", 1
    return X, y, X_val, y_val, "cross_entropy", max(y) + 1


def _optimizer(args: argparse.Namespace, model: MLP) -> tuple:
    if args.optimizer == "adam":
        optimizer = Adam(model.parameters(), lr=args.lr or 0.05)
    else:
        optimizer = SGD(model.parameters(), lr=args.lr or 1.0, momentum=args.momentum)
    if args.schedule == "linear":
        return optimizer, LinearLR(optimizer, 1.0, 0.1, total_iters=args.epochs)
    if args.schedule == "step":
        return optimizer, StepLR(optimizer, step_size=max(1, args.epochs // 4), gamma=0.5)
    return optimizer, None


def _write_outputs(args: argparse.Namespace, model: MLP, history, X, y) -> list[Path]:
    """Write the model, history and pictures; return the paths actually written."""
    from .plots import plot_decision_boundary, plot_history

    folder = args.output
    written = [folder / "model.json", folder / "history.json", folder / "loss.png",
               folder / "decision_boundary.png"]
    model.save(written[0])
    written[1].write_text(json.dumps(history.as_dict(), indent=1))
    plot_history(history, written[2])
    plot_decision_boundary(model, X, y, written[3], title=f"{model}")
    # Both drawings use training example 0, so their numbers can be compared.
    drawings = [None if args.no_player else
                _draw_neuron_player(folder / PLAYER_FILE, model, X[0]),
                _draw_forward_graph(folder / GRAPH_FILE, model, X[0], args.full_graph)]
    return written + [path for path in drawings if path is not None]


# What each file shows, for the "open next" list; the player first: it teaches the most.
WHAT_TO_OPEN = {
    PLAYER_FILE: "backpropagation step by step through one trained neuron "
                 "(open it in a browser; → steps, Space plays)",
    GRAPH_FILE: "training example 0's forward pass through the whole model, grouped by "
                "neuron, with each value's gradient d score / d value",
    "decision_boundary.png": "what the trained model predicts over the plane",
    "loss.png": "loss and accuracy per epoch",
}


def _print_what_to_open(written: list[Path]) -> None:
    """Say which pictures to look at, in the order that explains the most first."""
    by_name = {path.name: path for path in written}
    lines = [(str(by_name[name]), what) for name, what in WHAT_TO_OPEN.items()
             if name in by_name]
    width = max(len(path) for path, _ in lines)
    print("open next:")
    for path, what in lines:
        print(f"  {path:<{width}}  {what}")


def _draw_neuron_player(path: Path, model: MLP, example: list[float]) -> Path | None:
    """A player of one first-layer neuron on ``example``, as an offline HTML page.

    The graph is built afresh from copies of the neuron's numbers, with short names
    (x0, w.0, b, n, o), so the model's parameters and their ``.grad`` stay untouched and
    the page has a handful of values a student can follow.
    """
    try:
        from autograd.viz import draw_backward
    except ImportError as error:
        return _skipped("the backpropagation player", error)
    index, neuron = _active_neuron(model, example)
    output, params = _neuron_graph(neuron, example)
    try:
        # Seeded with what the rest of the network sends back to this neuron, so the
        # gradients are d score / d value, the same numbers as in forward_graph.svg.
        player = draw_backward(output, _score_gradient(model, example, index),
                               params=params)
    except RuntimeError as error:  # no Graphviz renderer: say so, keep the rest
        return _skipped("the backpropagation player", error)
    # The forward graph's cluster name, so the two pictures can be matched up.
    title = (f"One neuron (layers.0.neurons.{index}) on training example 0; "
             "grad = ∂score/∂value along this neuron (x0 and x1 also feed the others)")
    return player.save_html(path, title=title)


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


def _active_neuron(model: MLP, example: list[float]) -> tuple[int, Neuron]:
    """The first first-layer neuron whose pre-activation on ``example`` is positive.

    An active ReLU passes its gradient on, so the player shows every edge carrying one;
    when none is active, the first neuron (the player then says the ReLU is off).
    """
    neurons = model.layers[0].neurons
    for index, neuron in enumerate(neurons):
        pre_activation = neuron.b.data + sum(w.data * x for w, x in zip(neuron.w, example))
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


def _draw_forward_graph(path: Path, model: MLP, example: list[float],
                        full: bool) -> Path | None:
    """The graph of one example's forward pass, as SVG, if drawing is available.

    Collapsed by default (each long sum shows a few inputs and "... N more inputs"):
    for a 2-16-16-1 model, 4 of 16 neurons per layer instead of all of them, a drawing
    8 times shorter. ``full`` draws every edge.
    """
    try:
        from autograd.viz import GraphTooLargeError, draw_dot, render_svg
    except ImportError as error:
        return _skipped("the graph drawing", error)
    output = model([Value(x, label=f"x{i}") for i, x in enumerate(example)])
    if isinstance(output, list):  # several classes: draw the first class's score
        root, root.label = output[0], "score0"
    else:
        root, root.label = output, "score"
    size = {"collapse_after": None, "max_nodes": FULL_GRAPH_MAX_NODES} if full else {}
    # backward() fills the .grad the drawing shows, from zero: the last training step's
    # gradients are set aside first and put back afterwards, so drawing changes nothing.
    saved = [p.grad for p in model.parameters()]
    model.zero_grad()
    root.backward()
    try:
        render_svg(draw_dot(root, params=model.parameters(), group_by="neuron",
                            number_format=".4g", **size), path)
    except (RuntimeError, GraphTooLargeError) as error:  # no renderer, or too large
        return _skipped("the graph drawing", error)
    finally:
        for p, grad in zip(model.parameters(), saved):
            p.grad = grad
    return path


def _skipped(what: str, error: Exception) -> None:
    """Drawing is optional: say why it was skipped and let the demo carry on."""
    print(f"note: skipped {what}: {error}", file=sys.stderr)
    return None


def _number_type(kind: type, what: str, accept, requirement: str):
    """An argparse ``type`` that parses ``kind`` and checks it, with a clear message."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not accept(value) or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
        return value

    return parse


_positive_int = _number_type(int, "a whole number", lambda v: v >= 1, "at least 1")
_non_negative_int = _number_type(int, "a whole number", lambda v: v >= 0, "0 or more")
_positive_float = _number_type(float, "a number", lambda v: v > 0, "a positive number")
_non_negative_float = _number_type(float, "a number", lambda v: v >= 0, "a number >= 0")


def _sizes(text: str) -> list[int]:
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("give at least one layer size, e.g. 16,16")
    return [_positive_int(p.strip()) for p in parts]


if __name__ == "__main__":
    sys.exit(main())
