"""Callbacks: code that ``fit`` runs at fixed points of training, as in Keras.

``fit`` itself only trains; everything around the training is a callback:

* ``EarlyStopping``: stop when a monitored number (``val_loss`` when there is
  validation data) stops improving, and optionally go back to the best weights.
* ``ProgressBar``: a tqdm bar with the latest loss and accuracy.
* ``DivergenceGuard``: stop with ``TrainingDiverged`` when the loss or a parameter
  stops being a finite number; warn once when the loss explodes but stays finite.
* ``TrainingRecorder`` (in ``nn.record``): the frames of the training view.

Write your own by subclassing ``Callback`` and overriding any of its hooks. Each hook
gets the ``TrainingRun``: the model, optimiser, history and where training is. Set
``run.stop_training = True`` to stop after the current epoch.

Example:
    >>> from nn import MLP, fit
    >>> from nn.data import make_moons
    >>> class PrintEvery(Callback):
    ...     def on_epoch_end(self, run, epoch, logs):
    ...         if epoch % 2 == 0:
    ...             print(f"epoch {epoch}: loss {logs['loss']:.3f}")
    >>> X, y = make_moons(30, seed=0, signed=True)
    >>> _ = fit(MLP(2, [8, 1], seed=0), X, y, epochs=4, callbacks=[PrintEvery()],
    ...         progress=False)
    epoch 2: loss 0.863
    epoch 4: loss 0.805
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .checks import check_count, check_number

if TYPE_CHECKING:
    from .modules import Module
    from .optim import LRScheduler, Optimizer
    from .train import History


class TrainingDiverged(FloatingPointError):
    """Training produced a loss or a parameter that is not a finite number.

    ``epoch`` (1-based) and ``step`` (optimiser steps so far, 1-based) say where.
    """

    def __init__(self, message: str, epoch: int, step: int) -> None:
        super().__init__(message)
        self.epoch, self.step = epoch, step


class DivergenceWarning(RuntimeWarning):
    """The loss grew far beyond where it started, though it is still a number."""


@dataclass
class TrainingRun:
    """What a callback sees: the objects being trained and where training is.

    ``epoch`` is the epoch under way or just finished (1-based; 0 before the first),
    ``step`` the optimiser steps taken so far, ``epochs`` the last epoch ``fit`` runs.
    """

    model: Module
    optimizer: Optimizer
    loss: Callable
    X: list[list[float]]
    y: Sequence[Any]
    validation: tuple[list, Sequence] | None
    history: History
    epochs: int
    scheduler: LRScheduler | None = None
    epoch: int = 0
    step: int = 0
    stop_training: bool = False
    weights_restored: bool = False  # set by EarlyStopping(restore_best_weights=True)
    start_lr: float | None = None  # the learning rate when training started
    extra: dict[str, Any] = field(default_factory=dict)  # room for your own callbacks
    # Compiled training keeps the numbers in arrays between steps (nn.compiled.
    # ArrayTraining); fit writes them into the model before any callback reads it.
    arrays: Any = field(default=None, repr=False)

    def parameters_are_finite(self) -> bool:
        """Whether every parameter of the model is a finite number (read from the
        arrays of compiled training, without writing them back).

        Example:
            >>> from nn import MLP
            >>> run = TrainingRun(MLP(1, [1]), None, None, [], [], None, None, 1)
            >>> run.parameters_are_finite()
            True
        """
        if self.arrays is not None:
            return bool(self.arrays.finite())
        # One quick sum: inf or nan if any parameter is (or if huge ones overflow it).
        return math.isfinite(sum(p.data for p in self.model.parameters()))

    def write_back(self) -> None:
        """Make the model's Values (and the optimiser's state) hold the current numbers:
        a no-op unless compiled training holds them in arrays."""
        if self.arrays is not None:
            self.arrays.write_back()

    def read_back(self) -> None:
        """After code that may have changed the Values or the optimiser's state: make
        compiled training's arrays take them."""
        if self.arrays is not None:
            self.arrays.read_back()


class Callback:
    """Base class: override the hooks you need; the others do nothing.

    Order within an epoch: ``on_epoch_begin``, then ``on_batch_end`` after each
    optimiser step, then ``on_epoch_end`` once the epoch's numbers are in the history
    (``logs`` holds them: loss, data_loss, penalty, lr and, when there are, accuracy,
    val_loss, val_accuracy). ``on_train_end`` runs however training ends, also when it
    stops with an error, so a callback can always clean up.
    """

    #: Whether the hooks read (or change) the model's Values or the optimiser's state.
    #: Compiled training keeps those numbers in arrays between steps and writes them
    #: back before a hook of a callback that reads them. A callback that uses only
    #: what its hooks are given (logs, loss, epoch) may set this to False.
    reads_model: bool = True

    def on_train_begin(self, run: TrainingRun) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, run: TrainingRun, epoch: int) -> None:
        """Before epoch ``epoch`` (1-based)."""

    def on_batch_end(self, run: TrainingRun, step: int, loss: float) -> None:
        """After optimiser step ``step`` (1-based, counted over the run), whose batch
        had loss ``loss`` (penalty included)."""

    def on_epoch_end(self, run: TrainingRun, epoch: int, logs: dict[str, float]) -> None:
        """After epoch ``epoch``; ``logs`` are its numbers."""

    def on_train_end(self, run: TrainingRun) -> None:
        """After the last epoch, or after training stopped."""


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs in a row (Keras's rule).

    ``monitor="auto"`` watches ``val_loss`` when ``fit`` has validation data and
    ``loss`` otherwise; any key of the epoch's logs works (``mode="auto"`` maximises
    names containing "accuracy" and minimises the rest). With
    ``restore_best_weights=True`` the model ends with the parameters of its best epoch.
    Either way ``history.best_epoch`` says which epoch that was.

    Example:
        >>> stopper = EarlyStopping(patience=10, restore_best_weights=True)
        >>> stopper.monitor, stopper.patience
        ('auto', 10)
    """

    def __init__(
        self,
        monitor: str = "auto",
        min_delta: float = 0.0,
        patience: int = 5,
        mode: str = "auto",
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        check_number(min_delta, "EarlyStopping: min_delta", minimum=0.0)
        check_count(patience, "EarlyStopping: patience", minimum=0)
        check_count(start_from_epoch, "EarlyStopping: start_from_epoch", minimum=0)
        self.monitor, self.min_delta, self.patience = monitor, float(min_delta), patience
        self.mode, self.restore_best_weights = mode, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.wait = 0
        self._best_weights: list[float] | None = None
        self._watched = monitor

    def on_train_begin(self, run: TrainingRun) -> None:
        self._watched = self.monitor
        if self.monitor == "auto":
            self._watched = "val_loss" if run.validation is not None else "loss"
        self.best, self.best_epoch, self.wait, self._best_weights = None, None, 0, None

    def on_epoch_end(self, run: TrainingRun, epoch: int, logs: dict[str, float]) -> None:
        if self._watched not in logs:
            raise KeyError(
                f"EarlyStopping: monitor {self._watched!r} is not among the "
                f"epoch's numbers ({', '.join(sorted(logs))})"
            )
        if epoch <= self.start_from_epoch:
            return
        current = logs[self._watched]
        if self.best is None or self._improves(current, self.best):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            run.history.best_epoch = epoch
            if self.restore_best_weights:
                self._best_weights = [p.data for p in run.model.parameters()]
            return
        self.wait += 1
        if self.wait >= self.patience:
            run.stop_training = True
            run.history.stopped_early = True
            run.history.stop_reason = (
                f"early stopping: {self._watched} has not improved for {self.patience} "
                f"epochs; best {self.best:.6g} at epoch {self.best_epoch}"
            )

    def on_train_end(self, run: TrainingRun) -> None:
        if self._best_weights is not None and self.best_epoch != run.epoch:
            for p, value in zip(run.model.parameters(), self._best_weights, strict=True):
                p.data = value
            run.weights_restored = True

    def _improves(self, current: float, best: float) -> bool:
        maximise = self.mode == "max" or (self.mode == "auto" and "accuracy" in self._watched)
        if maximise:
            return current > best + self.min_delta
        return current < best - self.min_delta


class ProgressBar(Callback):
    """A tqdm progress bar over the epochs, showing the latest loss and accuracy."""

    reads_model = False  # only the logs

    def __init__(self, description: str = "training") -> None:
        self.description = description
        self._bar: Any = None

    def on_train_begin(self, run: TrainingRun) -> None:
        from tqdm.auto import tqdm  # optional dependency: only needed for the bar

        self._bar = tqdm(
            total=run.epochs, initial=run.epoch, desc=self.description, unit="epoch", leave=True
        )

    def on_epoch_end(self, run: TrainingRun, epoch: int, logs: dict[str, float]) -> None:
        shown = {"loss": f"{logs['loss']:.4f}"}
        if "accuracy" in logs:
            shown["acc"] = f"{logs['accuracy']:.3f}"
        if "val_accuracy" in logs:
            shown["val_acc"] = f"{logs['val_accuracy']:.3f}"
        elif "val_loss" in logs:
            shown["val_loss"] = f"{logs['val_loss']:.4f}"
        self._bar.set_postfix(shown, refresh=False)
        self._bar.update(1)

    def on_train_end(self, run: TrainingRun) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class DivergenceGuard(Callback):
    """Stop with ``TrainingDiverged`` as soon as a batch's loss or a parameter is not a
    finite number; warn once (``DivergenceWarning``) when an epoch's loss exceeds
    ``explosion_factor`` times the first epoch's, or raise then too with
    ``on_explosion="raise"``. ``fit`` adds one when you have not.

    Example:
        >>> DivergenceGuard(explosion_factor=100.0, on_explosion="raise").on_explosion
        'raise'
    """

    def __init__(self, explosion_factor: float = 1000.0, on_explosion: str = "warn") -> None:
        check_number(explosion_factor, "DivergenceGuard: explosion_factor", minimum=1.0)
        if on_explosion not in ("warn", "raise"):
            raise ValueError(
                f"DivergenceGuard: on_explosion must be 'warn' or 'raise', got {on_explosion!r}"
            )
        self.explosion_factor, self.on_explosion = float(explosion_factor), on_explosion
        self.first_loss: float | None = None
        self.warned = False

    reads_model = False  # it checks the parameters with run.parameters_are_finite()

    def on_train_begin(self, run: TrainingRun) -> None:
        self.first_loss = None  # set by the first epoch of this run
        self.warned = False

    def on_batch_end(self, run: TrainingRun, step: int, loss: float) -> None:
        if not math.isfinite(loss):
            raise diverged(run, f"the loss became {loss}")
        if not run.parameters_are_finite():
            run.write_back()  # to name the parameter (a huge sum may be finite after all)
            bad = _first_non_finite(run.model)
            if bad is not None:
                raise diverged(run, f"parameter {bad[0]} became {bad[1]}")

    def on_epoch_end(self, run: TrainingRun, epoch: int, logs: dict[str, float]) -> None:
        loss = logs["loss"]
        if self.first_loss is None:
            self.first_loss = loss
            return
        if self.warned or self.first_loss <= 0 or loss <= self.explosion_factor * self.first_loss:
            return
        message = (
            f"the loss exploded: {loss:.4g} at epoch {epoch}, "
            f"{loss / self.first_loss:.3g} times the first epoch's "
            f"({self.first_loss:.4g}); {_likely_cause(run)}"
        )
        if self.on_explosion == "raise":
            raise TrainingDiverged(f"training diverged: {message}", epoch, run.step)
        self.warned = True
        warnings.warn(message, DivergenceWarning, stacklevel=4)  # at the call of fit


def diverged(run: TrainingRun, what: str) -> TrainingDiverged:
    """The one error for a run whose numbers stopped being finite, with where and why."""
    return TrainingDiverged(
        f"training diverged at epoch {run.epoch}, step {run.step}: {what}; {_likely_cause(run)}",
        run.epoch,
        run.step,
    )


def _likely_cause(run: TrainingRun) -> str:
    now, start = run.optimizer.lr, run.start_lr
    rate = f"{now:g}" if start is None or now == start else f"{start:g}, now {now:.3g}"
    return f"the learning rate ({rate}) is probably too high: try a smaller one"


def _first_non_finite(model: Module) -> tuple[str, float] | None:
    """The name and value of the first parameter that is not a finite number, or None."""
    named = (
        model.named_parameters()
        if hasattr(model, "named_parameters")
        else ((str(i), p) for i, p in enumerate(model.parameters()))
    )
    return next(((name, p.data) for name, p in named if not math.isfinite(p.data)), None)


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. ``LambdaCallback(on_epoch_end=f)`` with
    ``f(run, epoch, logs)``; each argument is optional and named after its hook."""

    def __init__(self, **hooks: Callable[..., None]) -> None:
        names = {"on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end", "on_train_end"}
        unknown = set(hooks) - names
        if unknown:
            raise TypeError(
                f"LambdaCallback: unknown hooks {sorted(unknown)}; the hooks are {sorted(names)}"
            )
        for name, function in hooks.items():
            if not callable(function):
                raise TypeError(
                    f"LambdaCallback: {name} must be callable, got {type(function).__name__}"
                )
            setattr(self, name, function)


__all__ = [
    "Callback",
    "DivergenceGuard",
    "DivergenceWarning",
    "EarlyStopping",
    "LambdaCallback",
    "ProgressBar",
    "TrainingDiverged",
    "TrainingRun",
    "diverged",
]
