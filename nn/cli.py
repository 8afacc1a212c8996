"""The command-line demo: train an MLP on a toy data set, then save and draw it.

    python -m nn                       # two moons, MLP 2-16-16-1, micrograd's recipe
    python -m nn --dataset spiral --optimizer adam
    python -m nn --help

It writes to the output folder: the model (model.json), the per-epoch history
(history.json), the loss curves (loss.png), the decision boundary
(decision_boundary.png; for the regression curve, the fitted curve in fit.png), the
training view (training.html, with a slider over the epochs, and training.gif for
slides) and, when Graphviz can render, a step-by-step player of backpropagation
through one trained neuron (backward_neuron.html) and the graph of one example's
forward pass through the whole model (forward_graph.svg).

Every file is written in full to a temporary folder first and then moved over its
target, file by file: an interrupted or failed run leaves the previous run's files
whole, and files this run does not write are never touched. Exit codes: 0 done,
1 training diverged, 2 bad input, 130 interrupted (Ctrl-C; what was trained so far is
written after the first press, nothing after a second).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import data
from .callbacks import Callback, DivergenceGuard, TrainingDiverged, TrainingRun
from .demo_drawings import GRAPH_FILE, PLAYER_FILE, draw_forward_graph, draw_neuron_player
from .modules import ACTIVATIONS, MLP
from .optim import SGD, Adam, LinearLR, Optimizer, StepLR
from .train import evaluate, fit

EXIT_DIVERGED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 1, 2, 130
OPTIMIZERS = ("sgd", "adam")
# The data sets span about -3 to 3: noise far beyond that drowns them (and overflows).
MAX_NOISE = 10.0
# A scalar engine trains about 20,000 examples a second: more would take hours.
MAX_SAMPLES = 100_000


@dataclass(frozen=True)
class DataSet:
    """A built-in data set and the settings the demo trains it with by default."""

    make: Callable[..., tuple[list, list]]
    loss: str
    outputs: int  # 1: a score (or the regression value); k: k logits
    noise: float
    lr: dict[str, float]  # per optimiser
    epochs: dict[str, int]  # per optimiser
    activation: str = "relu"
    signed: bool = False  # labels -1 / +1, as the hinge loss wants
    note: str = ""

    @property
    def classes(self) -> int:
        """How many labels the data has (0 for regression)."""
        if self.loss == "mse":
            return 0
        return 2 if self.outputs == 1 else self.outputs


# Chosen so that each trains to at least 95% training accuracy (the regression curve: R^2
# above 0.95) on seeds 0 to 4 at least, with room below the learning rate that fails.
DATA_SETS = {
    "moons": DataSet(
        data.make_moons,
        "hinge",
        1,
        noise=0.1,
        lr={"sgd": 1.0, "adam": 0.05},
        epochs={"sgd": 100, "adam": 100},
        signed=True,
        note="micrograd's demo recipe",
    ),
    "circles": DataSet(
        data.make_circles,
        "hinge",
        1,
        noise=0.05,
        lr={"sgd": 1.0, "adam": 0.05},
        epochs={"sgd": 100, "adam": 100},
        signed=True,
    ),
    "xor": DataSet(
        data.make_xor,
        "hinge",
        1,
        noise=0.1,
        lr={"sgd": 1.0, "adam": 0.05},
        epochs={"sgd": 100, "adam": 100},
        signed=True,
    ),
    "spiral": DataSet(
        data.make_spiral,
        "cross_entropy",
        3,
        noise=0.2,
        lr={"sgd": 1.0, "adam": 0.05},
        epochs={"sgd": 200, "adam": 100},
    ),
    "blobs": DataSet(
        data.make_blobs,
        "cross_entropy",
        3,
        noise=0.5,
        lr={"sgd": 0.3, "adam": 0.05},
        epochs={"sgd": 100, "adam": 100},
    ),
    "regression": DataSet(
        data.make_regression_curve,
        "mse",
        1,
        noise=0.05,
        lr={"sgd": 0.05, "adam": 0.02},
        epochs={"sgd": 200, "adam": 200},
        activation="tanh",
    ),
}
DEFAULT_DATA_SET = "moons"

# What each file shows, for the "open next" list, in the order that explains the most.
WHAT_TO_OPEN = {
    PLAYER_FILE: "backpropagation step by step through one trained neuron "
    "(open it in a browser; → steps, Space plays)",
    "training.html": "training epoch by epoch: the boundary, the points and the curves "
    "(open it in a browser; a slider over the epochs)",
    GRAPH_FILE: "training example 0's forward pass through the whole model, grouped by "
    "neuron, with each value's gradient d score / d value",
    "decision_boundary.png": "what the trained model predicts over the plane",
    "fit.png": "the fitted curve over the points",
    "loss.png": "loss and accuracy per epoch",
    "training.gif": "the training view as an animation, for slides",
}


# Every file the demo can write: the pictures above, and the model and its history.
OUTPUT_FILES = (*WHAT_TO_OPEN, "model.json", "history.json")


class BadInput(Exception):
    """An input the demo cannot run with: reported in one line, exit code 2."""


class PartialWriteError(OSError):
    """Moving the outputs in failed, and so did putting every earlier file back."""


def program_name() -> str:
    """How the demo was started: ``python -m nn``, or the console script's name."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "python -m nn" if name in ("", "-c", "-m", "__main__.py") else name


class _Parser(argparse.ArgumentParser):
    """argparse, with errors in one line (the problem and where to look) and exit code 2."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see --help)\n")


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog or program_name(),
        description="Train a small MLP with backpropagation on a toy data set, then save\n"
        "the model and draw its training, its decision boundary and its graph.",
        epilog=_defaults_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_argument_group("data")
    group.add_argument(
        "--dataset",
        choices=list(DATA_SETS),
        default=DEFAULT_DATA_SET,
        help=f"toy data set to learn (default: {DEFAULT_DATA_SET})",
    )
    group.add_argument(
        "--samples",
        type=_samples,
        default=100,
        help=f"training points, up to {MAX_SAMPLES:,} (default: 100)",
    )
    group.add_argument(
        "--validation-samples",
        type=_validation_samples,
        default=200,
        help="fresh points (another seed) to measure generalisation on; 0 for none (default: 200)",
    )
    group.add_argument(
        "--noise",
        type=_noise,
        default=None,
        help=f"noise of the data set, from 0 to {MAX_NOISE:g} (default: per data set, see below)",
    )
    group = parser.add_argument_group("model")
    group.add_argument(
        "--hidden",
        type=_sizes,
        default=(16, 16),
        metavar="SIZES",
        help="hidden layer sizes, comma-separated (default: 16,16)",
    )
    group.add_argument(
        "--activation",
        choices=[a for a in ACTIVATIONS if a != "linear"],
        default=None,
        help="hidden-layer activation (default: relu; tanh for regression)",
    )
    group.add_argument(
        "--init",
        choices=["uniform", "xavier", "he"],
        default="uniform",
        help="weight initialisation (default: uniform, as micrograd)",
    )
    group = parser.add_argument_group("training")
    group.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default="sgd",
        help="how the gradient moves the weights: plain gradient descent "
        "(with --momentum) or Adam (default: sgd)",
    )
    group.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="learning rate (default: per optimiser and data set, see below)",
    )
    group.add_argument(
        "--momentum",
        type=_momentum,
        default=0.0,
        help="SGD momentum, from 0 to below 1 (default: 0)",
    )
    group.add_argument(
        "--schedule",
        choices=["linear", "step", "none"],
        default="linear",
        help="learning-rate schedule: linear decay to 0.1x (micrograd's), "
        "x0.5 every quarter of the epochs, or constant (default: linear)",
    )
    group.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="examples per step: 1 for stochastic, k for mini-batches; the "
        "learning rates of the table below are for full batches, so "
        "lower --lr for small ones (default: all, i.e. full-batch "
        "gradient descent)",
    )
    group.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="passes over the training data (default: per data set, see below)",
    )
    group.add_argument(
        "--l2",
        type=_non_negative_float,
        default=1e-4,
        help="L2 penalty on the parameters (default: 1e-4)",
    )
    group.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for the data, the weights and the shuffling (default: 0)",
    )
    group.add_argument(
        "--compile",
        action="store_true",
        help="trace one example's loss once and replay it for every batch: "
        "the same numbers, many times faster",
    )
    group = parser.add_argument_group("output")
    group.add_argument(
        "--output",
        type=Path,
        default=Path("nn-demo-output"),
        help="folder to write the model and the pictures to (default: nn-demo-output)",
    )
    group.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show a progress bar (default: shown)",
    )
    group.add_argument(
        "--player",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=f"write {PLAYER_FILE}, the step-by-step player of the forward "
        "and backward pass through one trained neuron (default: written)",
    )
    group.add_argument(
        "--graph",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=f"write {GRAPH_FILE}, one example's forward pass through the "
        "whole model (default: written)",
    )
    group.add_argument(
        "--full-graph",
        action="store_true",
        help=f"draw every edge in {GRAPH_FILE} (by default each long sum "
        "shows its first terms and a '... N more' box; the full "
        "graph of the default model is 7 times as tall)",
    )
    group.add_argument(
        "--view",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write training.html and training.gif, the training view (default: written)",
    )
    return parser


def _defaults_table() -> str:
    """The per-data-set defaults, as the epilog of --help (from DATA_SETS: one place)."""
    lines = [
        "defaults per data set (sgd / adam):",
        f"  {'data set':<11} {'loss':<14} {'lr':>12} {'epochs':>11} {'noise':>6}",
    ]
    for name, spec in DATA_SETS.items():
        rates = f"{spec.lr['sgd']:g} / {spec.lr['adam']:g}"
        epochs = f"{spec.epochs['sgd']} / {spec.epochs['adam']}"
        line = f"  {name:<11} {spec.loss:<14} {rates:>12} {epochs:>11} {spec.noise:>6g}"
        lines.append(line + (f"  {spec.note}" if spec.note else ""))
    return "\n".join(lines)


@dataclass
class Settings:
    """The command line with every default filled in for the chosen data set."""

    args: argparse.Namespace
    spec: DataSet
    lr: float
    epochs: int
    noise: float
    activation: str


def settings_from(args: argparse.Namespace) -> Settings:
    spec = DATA_SETS[args.dataset]
    return Settings(
        args=args,
        spec=spec,
        lr=args.lr or spec.lr[args.optimizer],
        epochs=args.epochs or spec.epochs[args.optimizer],
        noise=spec.noise if args.noise is None else args.noise,
        activation=args.activation or spec.activation,
    )


def main(argv: Sequence[str] | None = None) -> int:
    prog = program_name()
    args = build_parser(prog).parse_args(argv)
    settings = settings_from(args)
    # SIGTERM (and SIGHUP: the terminal closed) end the run as Ctrl-C does, so the
    # temporary files are cleaned up.
    hangup = getattr(signal, "SIGHUP", signal.SIGTERM)  # Windows has no SIGHUP
    with _on_signal(signal.SIGTERM, _terminate), _on_signal(hangup, _terminate):
        try:
            return run(prog, settings)
        except KeyboardInterrupt:
            print(
                f"{prog}: interrupted; nothing was written, the files in {args.output} "
                "are as they were",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED


def run(prog: str, settings: Settings) -> int:
    """Check the input, train, write: the demo's exit code."""
    created: list[Path] = []
    try:
        return _checked_run(prog, settings, created)
    finally:
        _remove_created(created)  # a run that wrote nothing leaves no folder behind


def _checked_run(prog: str, settings: Settings, created: list[Path]) -> int:
    """``run``'s steps; the folders it creates are added to ``created``."""
    args = settings.args
    try:
        if args.momentum and args.optimizer != "sgd":
            raise BadInput(
                f"--momentum is for --optimizer sgd; {args.optimizer} keeps its "
                "own running averages"
            )
        X, y, X_val, y_val = load_data(settings)
        model = MLP(
            len(X[0]),
            [*args.hidden, settings.spec.outputs],
            activation=settings.activation,
            init=args.init,
            seed=args.seed,
        )
        created += prepare_output_folder(args.output)
        check_renderer(args)
    except BadInput as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    optimizer, scheduler = make_optimizer(settings, model)
    print(
        f"{model} on {args.dataset} ({len(X)} points), loss {settings.spec.loss}, "
        f"{args.optimizer} lr {settings.lr:g}, {settings.epochs} epochs, "
        f"{'full batch' if args.batch_size is None else f'batch size {args.batch_size}'}"
        f"{', compiled' if args.compile else ''}"
    )
    try:
        code = train_and_write(settings, model, optimizer, scheduler, (X, y, X_val, y_val))
        created.clear()  # the files are in: keep the folders
        return code
    except TrainingDiverged as error:
        print(
            f"{prog}: {error} (e.g. --lr {settings.lr / 10:g}); nothing was written",
            file=sys.stderr,
        )
        return EXIT_DIVERGED
    except PartialWriteError as error:
        print(f"{prog}: cannot write the outputs: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"{prog}: cannot write the outputs, none was replaced: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def train_and_write(settings: Settings, model: MLP, optimizer, scheduler, data_sets: tuple) -> int:
    """Train, print what came of it, write the files; the exit code."""
    args = settings.args
    X, y, X_val, y_val = data_sets
    started = time.perf_counter()
    interrupt = StopOnInterrupt()
    with interrupt.installed():  # while training: the first Ctrl-C ends the epoch
        history = fit(
            model,
            X,
            y,
            loss=settings.spec.loss,
            optimizer=optimizer,
            scheduler=scheduler,
            epochs=settings.epochs,
            batch_size=args.batch_size,
            l2_penalty=args.l2,
            validation=(X_val, y_val) if X_val else None,
            seed=args.seed,
            progress=args.progress,
            compile=args.compile,
            record=1 if args.view else None,
            callbacks=[DivergenceGuard(on_explosion="raise"), interrupt],
        )
    print(_summary(settings, model, history, X, y, X_val, time.perf_counter() - started))
    if interrupt.requested:
        print(
            f"interrupted after epoch {history.epochs} of {settings.epochs}: writing the "
            "model as trained so far"
        )
    written = write_outputs(settings, model, history, X, y, X_val, y_val)
    print("wrote " + ", ".join(str(p) for p in written))
    _print_what_to_open(written)
    _print_older_files(args.output, written)
    return EXIT_INTERRUPTED if interrupt.requested else 0


def load_data(settings: Settings) -> tuple[list, list, list, list]:
    """Training and validation data (another seed), checked before any training."""
    args, spec = settings.args, settings.spec
    if args.samples < max(spec.classes, 2):
        raise BadInput(
            f"--samples {args.samples} is too few for {args.dataset}: it needs "
            f"at least {max(spec.classes, 2)} (one point per class)"
            if spec.classes
            else f"--samples {args.samples} is too few: the curve needs at least 2"
        )
    kwargs = {"signed": True} if spec.signed else {}
    X, y = spec.make(args.samples, noise=settings.noise, seed=args.seed, **kwargs)
    X_val: list = []
    y_val: list = []
    if args.validation_samples:
        X_val, y_val = spec.make(
            args.validation_samples, noise=settings.noise, seed=args.seed + 1, **kwargs
        )
    return X, y, X_val, y_val


def prepare_output_folder(folder: Path) -> list[Path]:
    """Create the folder and check it can be written to, before training starts; return
    the folders created (removed again if the run ends without writing)."""
    try:
        if folder.exists() and not folder.is_dir():
            raise BadInput(f"the output folder {folder} is a file, not a folder")
        created = [parent for parent in (folder, *folder.parents) if not parent.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".backproplab-probe-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        what = "write to" if _is_dir(folder) else "create"
        raise BadInput(
            f"cannot {what} the output folder {folder}: {error.strerror or error}"
        ) from None
    for name in OUTPUT_FILES:
        if (folder / name).is_dir():
            raise BadInput(f"{folder / name} is a folder: the demo writes a file there")
    return created


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a name too long to look up
        return False


def _remove_created(created: list[Path]) -> None:
    """Remove the folders this run created, innermost first, if they are still empty."""
    for folder in created:
        with contextlib.suppress(OSError):
            folder.rmdir()


def check_renderer(args: argparse.Namespace) -> None:
    """A Graphviz renderer that is there but broken is bad input; a missing one only
    means the drawings are skipped (said later)."""
    if not (args.player or args.graph):
        return
    try:
        from autograd.viz import render
    except ImportError:
        return
    try:
        program = render.find_renderer()
    except RuntimeError:
        return
    problem = _renderer_problem(program)
    if problem:
        raise BadInput(
            f"the Graphviz renderer {program} does not work ({problem}); fix it "
            "or unset AUTOGRAD_DOT, or pass --no-player --no-graph"
        )


def _renderer_problem(program: str, seconds: float = 30.0) -> str | None:
    """Why ``program`` cannot draw a two-node graph as SVG, or None when it can."""
    try:
        result = subprocess.run(
            [program, "-Tsvg"], input=b"digraph { a -> b }", capture_output=True, timeout=seconds
        )
    except subprocess.TimeoutExpired:
        return f"no answer within {seconds:g} s"
    except OSError as error:
        return error.strerror or str(error)
    answer = result.stdout.decode("utf-8", "replace")
    if result.returncode != 0:
        detail = " ".join(result.stderr.decode("utf-8", "replace").split())[:200]
        return f"exit code {result.returncode}{': ' + detail if detail else ''}"
    if "<svg" not in answer or "</svg>" not in answer or 'class="node"' not in answer:
        return "its output is not an SVG drawing of the graph"
    return None


def make_optimizer(settings: Settings, model: MLP) -> tuple:
    args = settings.args
    optimizer: Optimizer
    if args.optimizer == "adam":
        optimizer = Adam(model.parameters(), lr=settings.lr)
    else:
        optimizer = SGD(model.parameters(), lr=settings.lr, momentum=args.momentum)
    if args.schedule == "linear":
        return optimizer, LinearLR(optimizer, 1.0, 0.1, total_iters=settings.epochs)
    if args.schedule == "step":
        return optimizer, StepLR(optimizer, step_size=max(1, settings.epochs // 4), gamma=0.5)
    return optimizer, None


class StopOnInterrupt(Callback):
    """Ctrl-C once: finish the current epoch, then stop (the CLI writes what it has).
    Ctrl-C twice: stop at once (KeyboardInterrupt), writing nothing."""

    def __init__(self) -> None:
        self.requested = False

    def installed(self) -> contextlib.AbstractContextManager[None]:
        return _on_signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print(
            "\nCtrl-C: stopping after this epoch (press it again to stop at once and "
            "write nothing)",
            file=sys.stderr,
            flush=True,
        )

    def on_epoch_end(self, run: TrainingRun, epoch: int, logs: dict[str, float]) -> None:
        if self.requested:
            run.stop_training = True
            run.history.stop_reason = "interrupted (Ctrl-C)"


def _summary(settings: Settings, model: MLP, history, X, y, X_val, seconds: float) -> str:
    loss = settings.spec.loss
    train_loss, train_accuracy = evaluate(model, X, y, loss)
    text = f"trained {history.epochs} epochs in {seconds:.1f} s: "
    if train_accuracy is None:  # regression
        text += f"training {loss} {train_loss:.4g}"
        if X_val:
            text += f", validation {loss} {history.val_loss[-1]:.4g} ({len(X_val)} fresh points)"
        return text
    text += f"training accuracy {train_accuracy:.1%}"
    if X_val:
        text += f", validation accuracy {history.val_accuracy[-1]:.1%} ({len(X_val)} fresh points)"
    return text


def write_outputs(settings: Settings, model: MLP, history, X, y, X_val, y_val) -> list[Path]:
    """Write every output to a temporary folder beside the targets, then move them over
    their targets, all or none; return the paths written."""
    folder = settings.args.output
    staging = Path(tempfile.mkdtemp(prefix=".backproplab-", dir=folder))
    try:
        names = _write_files(staging, settings, model, history, X, y, X_val, y_val)
        with _on_signal(signal.SIGINT, signal.SIG_IGN):  # quick: never cut the set in half
            _move_all(staging, folder, names)
    except PartialWriteError:
        raise  # the staging folder holds the only copies of some earlier files: keep it
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in names]


def _move_all(staging: Path, folder: Path, names: list[str]) -> None:
    """Move ``staging/name`` over ``folder/name`` for every name; if one move fails,
    put back what was there, so the folder holds one run's files, never a mix.

    A file that is replaced keeps its permissions; a symbolic link is written through.
    """
    done: list[tuple[Path, Path | None]] = []  # (target, where its old file waits)
    try:
        for name in names:
            done.append(_move_one(staging, folder, name))
    except OSError:
        if not _put_back(done):  # keep the old copies: they are the only ones left
            raise PartialWriteError(
                f"some files were replaced and could not be put back; "
                f"the earlier ones are in {staging}"
            ) from None
        raise


def _move_one(staging: Path, folder: Path, name: str) -> tuple[Path, Path | None]:
    """Move one new file over its target, the old one set aside; undone if it fails."""
    target = Path(os.path.realpath(folder / name))
    new, old = staging / name, None
    moved_aside: Path | None = None  # the old file, if it was moved (not copied) aside
    if target.exists():
        os.chmod(new, stat.S_IMODE(target.stat().st_mode))
        old = staging / f".old-{name}"
        if target.parent == folder.resolve():
            os.replace(target, old)
            moved_aside = old
        else:  # a link out of the folder: keep a copy to put back
            shutil.copy2(target, old)
    try:
        shutil.move(new, target)  # a rename in the folder; a copy across a link
    except OSError:
        if moved_aside is not None:
            os.replace(moved_aside, target)
        raise
    return target, old


def _put_back(done: list[tuple[Path, Path | None]]) -> bool:
    """Undo the moves in ``done``, as far as possible; True when all were undone."""
    undone = True
    for target, old in reversed(done):
        try:
            if old is None:
                target.unlink(missing_ok=True)
            else:
                shutil.move(old, target)
        except OSError:
            undone = False
    return undone


def _write_files(
    staging: Path, settings: Settings, model: MLP, history, X, y, X_val, y_val
) -> list[str]:
    from .plots import (
        plot_decision_boundary,
        plot_history,
        plot_regression,
        save_training_gif,
        save_training_html,
    )

    args, spec = settings.args, settings.spec
    validation = (X_val, y_val) if X_val else None
    title = f"{_model_text(model)} on {args.dataset}, {args.optimizer} lr {settings.lr:g}"
    model.save(staging / "model.json")
    (staging / "history.json").write_text(json.dumps(history.as_dict(), indent=1))
    names = ["model.json", "history.json", "loss.png"]
    plot_history(history, staging / "loss.png", title=f"Training: {title}")
    if spec.classes:
        plot_decision_boundary(
            model,
            X,
            y,
            staging / "decision_boundary.png",
            validation=validation,
            loss=spec.loss,
            title=f"After {history.epochs} epochs: {title}",
        )
        names.append("decision_boundary.png")
    else:
        plot_regression(
            model,
            X,
            y,
            staging / "fit.png",
            validation=validation,
            title=f"After {history.epochs} epochs: {title}",
        )
        names.append("fit.png")
    if args.view and history.record is not None:
        save_training_html(history.record, staging / "training.html", title=title)
        save_training_gif(history.record, staging / "training.gif")
        names += ["training.html", "training.gif"]
    # Both drawings use training example 0, so their numbers can be compared.
    if args.player and draw_neuron_player(staging / PLAYER_FILE, model, X[0]):
        names.append(PLAYER_FILE)
    if args.graph and draw_forward_graph(staging / GRAPH_FILE, model, X[0], args.full_graph):
        names.append(GRAPH_FILE)
    return names


def _model_text(model: MLP) -> str:
    """``MLP 2-16-16-1``: the layer sizes, short enough for a title."""
    config = model.config()
    return "MLP " + "-".join(str(n) for n in [config["nin"], *config["nouts"]])


@contextlib.contextmanager
def _on_signal(signum: int, handler: Any) -> Iterator[None]:
    """Run ``handler`` on signal ``signum`` during the block (``signal.SIG_IGN``: ignore
    it); signals reach only the main thread, so elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signum, handler)
    try:
        yield
    finally:
        signal.signal(signum, previous)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: temporary files go, nothing is written


def _print_older_files(folder: Path, written: list[Path]) -> None:
    """Name the demo's files in the folder that this run did not write (left untouched),
    so nobody takes an older run's picture for this one's."""
    fresh = {path.name for path in written}
    older = [name for name in OUTPUT_FILES if name not in fresh and (folder / name).exists()]
    if older:
        print(
            f"note: {', '.join(older)} in {folder} {'is' if len(older) == 1 else 'are'} "
            "from an earlier run (this run did not write them)"
        )


def _print_what_to_open(written: list[Path]) -> None:
    """Say which files to look at, in the order that explains the most first."""
    by_name = {path.name: path for path in written}
    lines = [(str(by_name[name]), what) for name, what in WHAT_TO_OPEN.items() if name in by_name]
    width = max(len(path) for path, _ in lines)
    print("open next:")
    for path, what in lines:
        print(f"  {path:<{width}}  {what}")


def _number_type(
    kind: type, what: str, accept: Callable[[Any], bool], requirement: str
) -> Callable[[str], Any]:
    """An argparse ``type`` that parses ``kind`` and checks it, with a clear message."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not accept(value) or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
        return value

    return parse


_positive_int = _number_type(int, "a whole number", lambda v: v >= 1, "at least 1")
_positive_float = _number_type(float, "a number", lambda v: v > 0, "a positive number")
_non_negative_float = _number_type(float, "a number", lambda v: v >= 0, "a number >= 0")
_momentum = _number_type(float, "a number", lambda v: 0 <= v < 1, "a number from 0 to below 1")
_samples = _number_type(
    int, "a whole number", lambda v: 1 <= v <= MAX_SAMPLES, f"from 1 to {MAX_SAMPLES:,}"
)
_validation_samples = _number_type(
    int, "a whole number", lambda v: 0 <= v <= MAX_SAMPLES, f"from 0 to {MAX_SAMPLES:,}"
)
_noise = _number_type(
    float, "a number", lambda v: 0 <= v <= MAX_NOISE, f"a number from 0 to {MAX_NOISE:g}"
)


def _sizes(text: str) -> tuple[int, ...]:
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("give at least one layer size, e.g. 16,16")
    return tuple(_positive_int(p.strip()) for p in parts)


if __name__ == "__main__":
    sys.exit(main())
