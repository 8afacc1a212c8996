"""The command-line demo: train an MLP on a toy data set, then save and draw it.

    python -m nn                       # two moons, MLP 2-16-16-1, micrograd's recipe
    python -m nn --dataset spiral --hidden 32,32 --optimizer adam --lr 0.02
    python -m nn --help

It writes to the output folder: the model (model.json), the per-epoch history
(history.json), the loss curve (loss.png), the decision boundary
(decision_boundary.png) and, when Graphviz can render, the graph of one example's
forward pass (forward_graph.svg).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

from autograd import Value

from . import data
from .modules import ACTIVATIONS, MLP
from .optim import SGD, Adam, LinearLR, StepLR
from .train import evaluate, fit

CLASSIFICATION_SETS = ("moons", "circles", "xor", "spiral", "blobs")
BINARY_SETS = ("moons", "circles", "xor")


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
    written = _write_outputs(args.output, model, history, X, y)
    print("wrote " + ", ".join(str(p) for p in written))
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


def _write_outputs(folder: Path, model: MLP, history, X, y) -> list[Path]:
    from .plots import plot_decision_boundary, plot_history

    written = [folder / "model.json", folder / "history.json", folder / "loss.png",
               folder / "decision_boundary.png"]
    model.save(written[0])
    written[1].write_text(json.dumps(history.as_dict(), indent=1))
    plot_history(history, written[2])
    plot_decision_boundary(model, X, y, written[3], title=f"{model}")
    graph = _draw_forward_graph(folder, model, X[0])
    return written + ([graph] if graph else [])


def _draw_forward_graph(folder: Path, model: MLP, example: list[float]) -> Path | None:
    """The graph of one example's forward pass, as SVG, if drawing is available."""
    try:
        from autograd.viz import draw_dot, render_svg
    except ImportError:
        return None
    output = model([Value(x, label=f"x{i}") for i, x in enumerate(example)])
    root = output if not isinstance(output, list) else output[0]
    root.backward()
    path = folder / "forward_graph.svg"
    try:
        render_svg(draw_dot(root, params=model.parameters(), group_by="neuron",
                            collapse_after=None, max_nodes=5000), path)
    except RuntimeError as error:  # no renderer: say so, keep the rest of the demo
        print(f"note: skipped the graph drawing: {error}", file=sys.stderr)
        return None
    finally:
        model.zero_grad()
    return path


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
