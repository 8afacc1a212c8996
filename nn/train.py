"""The training loop: full-batch, stochastic and mini-batch gradient descent.

Example:
    >>> from nn import MLP, SGD, fit
    >>> from nn.data import make_moons
    >>> X, y = make_moons(40, seed=1, signed=True)
    >>> model = MLP(2, [8, 1], seed=0)
    >>> history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1),
    ...               epochs=5, progress=False)
    >>> len(history.loss), history.loss[-1] < history.loss[0]
    (5, True)
"""

from __future__ import annotations

import math
import numbers
import random
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import Value, no_grad

from .callbacks import (
    Callback,
    DivergenceGuard,
    EarlyStopping,
    LambdaCallback,
    ProgressBar,
    TrainingRun,
    diverged,
)
from .checks import check_count, check_number
from .compiled import ArrayTraining, CompiledLoss
from .losses import LOSSES, Loss, l2, l2_value_and_gradient
from .modules import Module
from .optim import SGD, LRScheduler, Optimizer
from .record import TrainingRecorder


@dataclass
class History:
    """Per-epoch records of a ``fit`` run (lists, one entry per epoch).

    ``loss`` is what was minimised: the data loss plus the L2 penalty (``penalty``,
    recorded apart; ``data_loss`` is their difference, the number to compare with
    ``val_loss``, which never includes the penalty). ``best_epoch`` (1-based) is the
    epoch an ``EarlyStopping`` callback found best, or None.

    Example:
        >>> h = History(loss=[1.5, 1.0], penalty=[0.5, 0.25])
        >>> h.data_loss, h.epochs
        ([1.0, 0.75], 2)
        >>> History.from_dict(h.as_dict()) == h
        True
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # wall time since the start
    steps: int = 0  # optimiser steps taken
    stopped_early: bool = False
    best_epoch: int | None = None
    stop_reason: str | None = None
    # The training view's frames, with fit(record=...); not part of as_dict().
    record: Any = field(default=None, repr=False, compare=False)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    @property
    def data_loss(self) -> list[float]:
        """The loss without the penalty, epoch by epoch (comparable with val_loss)."""
        if not self.penalty:
            return list(self.loss)
        return [total - penalty for total, penalty in zip(self.loss, self.penalty, strict=True)]

    def as_dict(self) -> dict[str, Any]:
        """The records as plain lists and numbers (e.g. for JSON)."""
        return {name: getattr(self, name) for name in _HISTORY_FIELDS}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> History:
        """The History that ``as_dict()`` wrote; unknown keys are an error."""
        unknown = set(record) - set(_HISTORY_FIELDS)
        if unknown:
            raise ValueError(f"History.from_dict: unknown keys {sorted(unknown)}")
        keywords: dict[str, Any] = {
            name: list(value) if isinstance(value, list) else value
            for name, value in record.items()
        }
        return cls(**keywords)


_HISTORY_FIELDS = (
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
    "penalty",
    "lr",
    "seconds",
    "steps",
    "stopped_early",
    "best_epoch",
    "stop_reason",
)


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: str | Loss | Callable[[list, list], Value] = "hinge",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    validation: tuple[Sequence, Sequence] | None = None,
    *,
    shuffle: bool = True,
    seed: int = 0,
    l2_penalty: float = 0.0,
    scheduler: LRScheduler | None = None,
    callbacks: Sequence[Callback] = (),
    progress: bool = True,
    record: int | TrainingRecorder | None = None,
    initial_epoch: int = 0,
    compile: bool = False,
    **deprecated: Any,
) -> History:
    """Train ``model`` on ``(X, y)`` and return the History of the run.

    * ``batch_size=None``: full-batch gradient descent (one step per epoch);
      ``1``: stochastic gradient descent; ``k``: mini-batches of k examples.
    * ``loss``: a name from ``nn.losses.LOSSES`` ("mse", "hinge",
      "binary_cross_entropy", "cross_entropy"), a ``Loss``, or any function
      ``(predictions, targets) -> Value``. Classification losses also give accuracy.
    * ``optimizer``: defaults to ``SGD(model.parameters(), lr=0.05)``.
    * ``validation=(X_val, y_val)``: evaluated after every epoch, without a graph.
    * ``l2_penalty``: adds ``l2_penalty * sum(p ** 2)`` to every batch's loss
      (``history.penalty`` records it apart from the data loss).
    * ``scheduler``: its ``step()`` runs after every epoch.
    * ``callbacks``: ``nn.callbacks`` objects (``EarlyStopping``, your own ``Callback``);
      a ``DivergenceGuard`` is added when there is none, and a ``ProgressBar`` when
      ``progress`` is true. Recorders run last, so they see weights EarlyStopping
      restored.
    * ``record=k``: keep the training view's frames every k epochs in
      ``history.record`` (see ``nn.record``); or pass a ``TrainingRecorder``.
    * ``initial_epoch``: the epochs already trained (e.g. from a checkpoint); training
      runs epochs ``initial_epoch + 1 .. epochs`` with the shuffles an uninterrupted
      run would use, so a resumed run repeats its numbers exactly.
    * ``seed``: fixes the shuffling, so a run is reproducible.
    * ``compile=True``: trace one example's loss once and replay it for every batch
      (``autograd.compile``; with NumPy, grouped into array operations, with the
      parameters and the optimiser's state kept in arrays between steps and written
      back to the model whenever a callback, or the caller, can look). The same losses
      as the eager path up to rounding, many times faster; needs a loss from
      ``nn.losses``. Full-batch descent (one batch of every example) is not shuffled.

    A loss or parameter that stops being a finite number raises ``TrainingDiverged``
    (naming the epoch and step), on the eager and compiled paths alike.
    The keywords ``tolerance``, ``patience`` and ``on_epoch_end`` still work; each
    warns once and names the callback that replaces it.
    """
    loss_fn = _resolve_loss(loss)
    X = _check_data(X, y, "X", loss_fn, model)
    _check_positive_int(epochs, "epochs")
    check_number(l2_penalty, "fit: l2_penalty", minimum=0.0)
    _check_count(initial_epoch, "initial_epoch", below=epochs + 1)  # epochs: nothing left
    if batch_size is not None:
        _check_positive_int(batch_size, "batch_size")
    if validation is not None:
        validation = (
            _check_data(validation[0], validation[1], "validation X", loss_fn, model),
            validation[1],
        )
    optimizer = optimizer or SGD(model.parameters(), lr=0.05)
    recorder = _recorder(record)
    history = History()
    run = TrainingRun(
        model=model,
        optimizer=optimizer,
        loss=loss_fn,
        X=X,
        y=y,
        validation=validation,
        history=history,
        epochs=epochs,
        scheduler=scheduler,
        epoch=initial_epoch,
        start_lr=optimizer.lr,
    )
    if isinstance(callbacks, Callback):  # one callback, not in a list: take it as one
        callbacks = [callbacks]
    hooks = _Hooks(_callbacks([*callbacks, *_from_deprecated(deprecated)], progress, recorder))
    step = _compiled_steps(run, l2_penalty) if compile else _EagerSteps(run, l2_penalty)
    validate = _validator(run, validation, compile)
    rng = random.Random(seed)
    # Full-batch descent sums over every example whatever their order: no shuffle.
    shuffle = shuffle and (batch_size or len(X)) < len(X)
    for _ in range(initial_epoch):  # the shuffles the epochs already trained used
        _epoch_order(len(X), shuffle, rng)
    started = time.perf_counter()
    try:
        hooks.call("on_train_begin", run)
        for epoch in range(initial_epoch + 1, epochs + 1):
            run.epoch = epoch
            hooks.call("on_epoch_begin", run, epoch)
            history.lr.append(optimizer.lr)
            order = step.positions(_epoch_order(len(X), shuffle, rng))
            totals = _train_one_epoch(run, order, batch_size or len(X), step, hooks)
            logs = _record(history, totals, validate, started)
            if scheduler is not None:  # a schedule may read the optimiser's state
                run.write_back()
                scheduler.step()
                run.read_back()
            hooks.call("on_epoch_end", run, epoch, logs)
            if run.stop_training:
                break
    finally:
        run.write_back()  # also on an error: the model holds the numbers reached
        hooks.call("on_train_end", run)
    if recorder is not None:
        history.record = recorder.record
    return history


def _epoch_order(count: int, shuffle: bool, rng: random.Random) -> list[int]:
    order = list(range(count))
    if shuffle:
        rng.shuffle(order)
    return order


@dataclass
class _EpochTotals:
    loss: float = 0.0  # summed over examples, penalty included
    penalty: float = 0.0  # summed over examples
    correct: int = 0
    examples: int = 0
    classifies: bool = False


def _train_one_epoch(
    run: TrainingRun, order: Any, batch_size: int, step: _Steps, hooks: _Hooks
) -> _EpochTotals:
    totals = _EpochTotals(classifies=_is_classifier(run.loss))
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        try:
            batch_loss, penalty, correct = step(batch)
        except (OverflowError, FloatingPointError) as error:
            run.step += 1
            run.write_back()
            raise diverged(run, f"a number overflowed ({error})") from error
        run.step += 1
        run.history.steps += 1
        totals.loss += batch_loss * len(batch)
        totals.penalty += penalty * len(batch)
        totals.examples += len(batch)
        totals.correct += correct
        hooks.call("on_batch_end", run, run.step, batch_loss)
    return totals


class _Hooks:
    """The run's callbacks, by hook: each hook calls only the callbacks that override
    it, and brings the model's Values up to date first for those that read them (see
    ``Callback.reads_model``)."""

    def __init__(self, callbacks: list[Callback]) -> None:
        self.callbacks = callbacks
        self._by_hook = {name: [c for c in callbacks if _overrides(c, name)] for name in _HOOKS}

    def call(self, name: str, run: TrainingRun, *arguments: Any) -> None:
        for callback in self._by_hook[name]:
            if callback.reads_model:
                run.write_back()
                getattr(callback, name)(run, *arguments)
                run.read_back()  # it may have changed the numbers
            else:
                getattr(callback, name)(run, *arguments)


def _overrides(callback: Callback, hook: str) -> bool:
    # A subclass's method, or a function set on the instance (LambdaCallback).
    method = getattr(callback, hook)
    return getattr(method, "__func__", None) is not getattr(Callback, hook)


_HOOKS = ("on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end", "on_train_end")


class _Steps:
    """How ``fit`` takes one optimiser step on a batch: ``step(batch)`` returns the
    batch's loss (penalty included), the penalty and the number of right predictions."""

    def __init__(self, run: TrainingRun, l2_penalty: float) -> None:
        self.run, self.l2_penalty = run, l2_penalty

    def positions(self, order: list[int]) -> Any:
        """The epoch's order of examples, as ``step`` takes its batches."""
        return order

    def __call__(self, batch: Any) -> tuple[float, float, int]:
        raise NotImplementedError


class _EagerSteps(_Steps):
    """Build the batch's graph, backpropagate, step the optimiser on the Values."""

    def __call__(self, batch: list[int]) -> tuple[float, float, int]:
        run = self.run
        run.optimizer.zero_grad()
        predictions = [run.model(run.X[i]) for i in batch]
        labels = [run.y[i] for i in batch]
        batch_loss = run.loss(predictions, labels)
        penalty = 0.0
        if self.l2_penalty:
            penalty_value = l2(run.model.parameters(), self.l2_penalty)
            batch_loss = batch_loss + penalty_value
            penalty = penalty_value.data
        batch_loss.backward()
        run.optimizer.step()
        return batch_loss.data, penalty, _count_correct(run.loss, predictions, labels)


class _CompiledSteps(_Steps):
    """Replay one example's compiled loss over the batch into the parameters' .grad,
    then step the optimiser on the Values (for optimisers that cannot step on arrays,
    and without NumPy)."""

    def __init__(self, run: TrainingRun, l2_penalty: float, compiled: CompiledLoss) -> None:
        super().__init__(run, l2_penalty)
        self.compiled = compiled

    def __call__(self, batch: list[int]) -> tuple[float, float, int]:
        run, params = self.run, self.compiled.params
        run.optimizer.zero_grad()
        batch_loss, correct, gradients = self.compiled.evaluate(batch)
        for p, g in zip(params, gradients, strict=True):
            p.grad += g
        penalty = 0.0
        if self.l2_penalty:
            penalty, penalty_gradients = l2_value_and_gradient(params, self.l2_penalty)
            batch_loss += penalty
            for p, g in zip(params, penalty_gradients, strict=True):
                p.grad += g
        run.optimizer.step()
        return batch_loss, penalty, correct


class _ArraySteps(_Steps):
    """Compiled training with the numbers in arrays (``nn.compiled.ArrayTraining``)."""

    def __init__(self, run: TrainingRun, l2_penalty: float, arrays: ArrayTraining) -> None:
        super().__init__(run, l2_penalty)
        self.arrays = arrays
        self.values: _CompiledSteps | None = None
        run.arrays = arrays

    def positions(self, order: list[int]) -> Any:
        return self.arrays.np.array(order) if self.arrays.active else order

    def __call__(self, batch: Any) -> tuple[float, float, int]:
        if self.arrays.active:
            return self.arrays.step(batch)
        # A callback left the optimiser's state in a form arrays cannot hold: from now
        # on the Values (which hold every number) are stepped, as without arrays.
        if self.values is None:
            self.values = _CompiledSteps(self.run, self.l2_penalty, self.arrays.compiled)
            self.run.arrays = None
        return self.values(list(batch))


def _compiled_steps(run: TrainingRun, l2_penalty: float) -> _Steps:
    # CompiledLoss itself raises a ValueError for a loss that is not a Loss.
    compiled = CompiledLoss(run.model, run.loss, run.X, run.y)
    arrays = ArrayTraining(compiled, run.optimizer, l2_penalty)
    if arrays.available:
        return _ArraySteps(run, l2_penalty, arrays)
    return _CompiledSteps(run, l2_penalty, compiled)


def evaluate(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: str | Loss | Callable = "hinge",
) -> tuple[float, float | None]:
    """Loss and accuracy (None for regression) of ``model`` on ``(X, y)``, no graph kept.

    Example:
        >>> from nn import MLP
        >>> loss, accuracy = evaluate(MLP(2, [1], seed=0), [[0.0, 0.0]], [1])
        >>> loss, accuracy          # score 0: hinge loss 1, not a right answer
        (1.0, 0.0)
    """
    loss_fn = _resolve_loss(loss)
    X = _check_data(X, y, "X", loss_fn, model, caller="evaluate")
    with no_grad():
        predictions = [model(x) for x in X]
        value = loss_fn(predictions, list(y)).data
    accuracy = _count_correct(loss_fn, predictions, y) / len(X) if _is_classifier(loss_fn) else None
    return value, accuracy


def _validator(
    run: TrainingRun, validation: tuple | None, compile: bool
) -> Callable[[], tuple[float, float | None]] | None:
    """A function measuring (loss, accuracy) on the validation data: with ``compile``,
    one replay of the compiled loss over all of it, else a graph-free eager pass."""
    if validation is None:
        return None
    X_val, y_val = validation
    model, loss_fn = run.model, run.loss
    if not compile:
        return lambda: evaluate(model, X_val, y_val, loss_fn)
    # CompiledLoss itself raises a ValueError for a loss that is not a Loss.
    compiled = CompiledLoss(model, loss_fn, X_val, y_val, what="validation X")
    everything = list(range(len(X_val)))

    def measure() -> tuple[float, float | None]:
        if run.arrays is not None:  # the numbers as they are in the training arrays
            loss, correct, _ = compiled.evaluate_arrays(
                run.arrays.model_weights(), compiled.numpy.arange(len(X_val))
            )
        else:
            loss, correct, _ = compiled.evaluate(everything)
        return loss, correct / len(X_val) if _is_classifier(loss_fn) else None

    return measure


def _record(
    history: History,
    totals: _EpochTotals,
    validate: Callable[[], tuple[float, float | None]] | None,
    started: float,
) -> dict[str, float]:
    """Append the epoch's numbers to the history; return them as the callbacks' logs."""
    logs = {"loss": totals.loss / totals.examples, "penalty": totals.penalty / totals.examples}
    logs["data_loss"] = logs["loss"] - logs["penalty"]
    if totals.classifies:
        logs["accuracy"] = totals.correct / totals.examples
    if validate is not None:
        val_loss, val_accuracy = validate()
        logs["val_loss"] = val_loss
        if val_accuracy is not None:
            logs["val_accuracy"] = val_accuracy
    for name in ("loss", "penalty", "accuracy", "val_loss", "val_accuracy"):
        if name in logs:
            getattr(history, name).append(logs[name])
    history.seconds.append(time.perf_counter() - started)
    logs["lr"] = history.lr[-1]
    return logs


def _callbacks(
    given: Sequence[Callback], progress: bool, recorder: TrainingRecorder | None
) -> list[Callback]:
    """The callbacks in the order they run: a divergence guard first, recorders last."""
    for i, callback in enumerate(given):
        if not isinstance(callback, Callback):
            raise TypeError(
                f"fit: callbacks[{i}] is a {type(callback).__name__}, not a "
                "Callback (see nn.callbacks)"
            )
    ordered = list(given) + ([recorder] if recorder is not None else [])
    if not any(isinstance(c, DivergenceGuard) for c in ordered):
        ordered.insert(0, DivergenceGuard())
    if progress and not any(isinstance(c, ProgressBar) for c in ordered):
        ordered.append(ProgressBar())
    return sorted(ordered, key=lambda c: isinstance(c, TrainingRecorder))


def _recorder(record: Any) -> TrainingRecorder | None:
    if record is None or record is False:
        return None
    if isinstance(record, TrainingRecorder):
        return record
    if record is True:
        return TrainingRecorder()
    if isinstance(record, int):
        return TrainingRecorder(every=record)
    raise TypeError(
        f"fit: record must be a number of epochs or a TrainingRecorder, got {type(record).__name__}"
    )


_REPLACED_BY = {
    "tolerance": "EarlyStopping(monitor='loss', min_delta=tolerance)",
    "patience": "EarlyStopping(patience=...)",
    "on_epoch_end": "a Callback with an on_epoch_end hook (or LambdaCallback)",
}
_warned: set[str] = set()


def _from_deprecated(options: dict[str, Any]) -> list[Callback]:
    """The callbacks that replace fit's old keywords, with a warning for each (once)."""
    unknown = set(options) - set(_REPLACED_BY)
    if unknown:
        raise TypeError(f"fit() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    for name in options:
        if name not in _warned:
            _warned.add(name)
            warnings.warn(
                f"fit({name}=...) is replaced by callbacks=[{_REPLACED_BY[name]}]",
                FutureWarning,
                stacklevel=3,
            )
    callbacks: list[Callback] = []
    if "patience" in options:  # the old meaning: epochs without improvement, at least 1
        check_count(options["patience"], "fit: patience", minimum=1)
        if options.get("tolerance") is None:
            raise ValueError(
                "fit: patience needs tolerance (the improvement that counts); "
                "or use callbacks=[EarlyStopping(patience=...)]"
            )
    if options.get("tolerance") is not None:
        callbacks.append(
            EarlyStopping(
                monitor="loss", min_delta=options["tolerance"], patience=options.get("patience", 5)
            )
        )
    function = options.get("on_epoch_end")
    if function is not None:  # the old hook took (0-based epoch, history)
        callbacks.append(
            LambdaCallback(on_epoch_end=lambda run, epoch, logs: function(epoch - 1, run.history))
        )
    return callbacks


def _resolve_loss(loss: Any) -> Callable:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"fit: loss must be a name or a function, got {type(loss).__name__}")
    return loss


def _is_classifier(loss_fn: Callable) -> bool:
    return isinstance(loss_fn, Loss) and loss_fn.is_correct is not None


def _count_correct(loss_fn: Callable, predictions: Any, targets: Sequence) -> int:
    if not isinstance(loss_fn, Loss):  # a plain function: not a classifier
        return 0
    return loss_fn.count_correct(predictions, targets)


def _check_data(
    X: Sequence, y: Sequence, what: str, loss_fn: Callable, model: Module, caller: str = "fit"
) -> list[list[float]]:
    """Check the data before anything trains: finite numbers, rows of one width, targets
    the loss accepts, and a model whose output the loss can read. Returns X as lists."""
    X = X if hasattr(X, "__len__") else list(X)  # a generator of rows, for instance
    if not hasattr(y, "__len__"):
        raise TypeError(
            f"{caller}: the targets must be a sequence (a list or an array), got {type(y).__name__}"
        )
    if len(X) != len(y):
        raise ValueError(f"{caller}: {what} has {len(X)} examples but there are {len(y)} targets")
    if len(X) == 0:
        raise ValueError(f"{caller}: {what} is empty")
    rows = [list(row) for row in X]
    if not rows[0]:
        raise ValueError(f"{caller}: {what}[0] is empty; each example needs its input values")
    for i, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise ValueError(
                f"{caller}: {what}[{i}] has {len(row)} values but {what}[0] has {len(rows[0])}"
            )
        for j, x in enumerate(row):
            if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
                raise ValueError(
                    f"{caller}: {what}[{i}][{j}] is {x!r}; the data must be finite numbers"
                )
    if isinstance(loss_fn, Loss):
        targets = "y" if what == "X" else what.replace("X", "y")
        with no_grad():
            output = model(rows[0])
        outputs = 1 if isinstance(output, (Value, int, float)) else len(output)
        for i, target in enumerate(y):
            try:
                encoded = loss_fn.encode_checked(target, outputs)
            except (ValueError, TypeError) as error:
                raise ValueError(f"{caller}: {targets}[{i}]: {error}") from None
            if not all(map(math.isfinite, encoded)):
                raise ValueError(f"{caller}: {targets}[{i}] is {target!r}; targets must be finite")
        _check_loss_fits(loss_fn, output, loss_fn.encode(y[0], outputs), outputs, caller)
    return rows


def _check_loss_fits(loss_fn: Loss, output: Any, target: tuple, outputs: int, caller: str) -> None:
    """Refuse a loss that cannot read the model's output (one score, or a row)."""
    try:
        with no_grad():
            loss_fn.per_example(output, target)
    except (TypeError, ValueError) as error:
        needs = (
            "a row of logits per example (several outputs)"
            if loss_fn.name == "cross_entropy"
            else "one output per example"
        )
        raise ValueError(
            f"{caller}: the {loss_fn.name} loss takes {needs}, but the model "
            f"gives {outputs} ({type(error).__name__}: {error})"
        ) from None


def _check_count(n: Any, what: str, below: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < below:
        raise ValueError(f"fit: {what} must be a whole number from 0 to {below - 1}, got {n!r}")


def _check_positive_int(n: Any, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"fit: {what} must be a positive whole number, got {n!r}")
