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
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from autograd import Value, no_grad

from .compiled import CompiledLoss
from .losses import LOSSES, Loss, l2, l2_value_and_gradient
from .modules import Module
from .optim import SGD, LRScheduler, Optimizer


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

    @property
    def epochs(self) -> int:
        return len(self.loss)

    @property
    def data_loss(self) -> list[float]:
        """The loss without the penalty, epoch by epoch (comparable with val_loss)."""
        if not self.penalty:
            return list(self.loss)
        return [total - penalty for total, penalty in zip(self.loss, self.penalty)]

    def as_dict(self) -> dict[str, Any]:
        """The records as plain lists and numbers (e.g. for JSON)."""
        return {name: getattr(self, name) for name in _HISTORY_FIELDS}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> "History":
        """The History that ``as_dict()`` wrote; unknown keys are an error."""
        unknown = set(record) - set(_HISTORY_FIELDS)
        if unknown:
            raise ValueError(f"History.from_dict: unknown keys {sorted(unknown)}")
        return cls(**{name: list(value) if isinstance(value, list) else value
                      for name, value in record.items()})


_HISTORY_FIELDS = ("loss", "accuracy", "val_loss", "val_accuracy", "penalty", "lr", "seconds",
                   "steps", "stopped_early", "best_epoch", "stop_reason")


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: str | Loss | Callable[[list, list], Value] = "hinge",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    validation: tuple[Sequence, Sequence] | None = None,
    shuffle: bool = True,
    seed: int = 0,
    progress: bool = True,
    l2_penalty: float = 0.0,
    scheduler: LRScheduler | None = None,
    tolerance: float | None = None,
    patience: int = 5,
    on_epoch_end: Callable[[int, History], None] | None = None,
    compile: bool = False,  # noqa: A002 (the option's natural name)
) -> History:
    """Train ``model`` on ``(X, y)`` and return the History of the run.

    * ``batch_size=None``: full-batch gradient descent (one step per epoch);
      ``1``: stochastic gradient descent; ``k``: mini-batches of k examples.
    * ``loss``: a name from ``nn.losses.LOSSES`` ("mse", "hinge",
      "binary_cross_entropy", "cross_entropy"), a ``Loss``, or any function
      ``(predictions, targets) -> Value``. Classification losses also give accuracy.
    * ``optimizer``: defaults to ``SGD(model.parameters(), lr=0.05)``.
    * ``validation=(X_val, y_val)``: evaluated after every epoch, without a graph.
    * ``l2_penalty``: adds ``l2_penalty * sum(p ** 2)`` to every batch's loss.
    * ``scheduler``: its ``step()`` runs after every epoch.
    * ``tolerance``: stop early once the epoch loss has not improved by more than
      this for ``patience`` epochs in a row.
    * ``seed``: fixes the shuffling, so a run is reproducible.
    * ``compile=True``: trace one example's loss once and replay it for every batch
      (``autograd.compile``; whole batches at once with NumPy). The same losses as
      the eager path, many times faster; needs a loss from ``nn.losses``.
    """
    loss_fn = _resolve_loss(loss)
    X = _check_data(X, y, "X")
    _check_positive_int(epochs, "epochs")
    if batch_size is not None:
        _check_positive_int(batch_size, "batch_size")
    if validation is not None:
        validation = (_check_data(validation[0], validation[1], "validation X"), validation[1])
    optimizer = optimizer or SGD(model.parameters(), lr=0.05)
    history, rng, started = History(), random.Random(seed), time.perf_counter()
    step = _compiled_step(model, loss_fn, X, y) if compile else _eager_step
    best, stale = math.inf, 0
    bar = _progress_bar(epochs, progress)
    for epoch in bar:
        order = list(range(len(X)))
        if shuffle:
            rng.shuffle(order)
        history.lr.append(optimizer.lr)
        epoch_loss, epoch_accuracy = _train_one_epoch(
            model, X, y, order, batch_size or len(X), loss_fn, optimizer, l2_penalty, history,
            step)
        _record(history, epoch_loss, epoch_accuracy, model, validation, loss_fn, started)
        if scheduler is not None:
            scheduler.step()
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(_summary(history))
        if on_epoch_end is not None:
            on_epoch_end(epoch, history)
        if not math.isfinite(epoch_loss):
            raise FloatingPointError(f"fit: the loss became {epoch_loss} at epoch {epoch}; "
                                     "try a smaller learning rate")
        if tolerance is not None:
            improved = epoch_loss < best - tolerance
            best, stale = (epoch_loss, 0) if improved else (min(best, epoch_loss), stale + 1)
            if stale >= patience:
                history.stopped_early = True
                break
    if hasattr(bar, "close"):
        bar.close()
    return history


def _train_one_epoch(model: Module, X: list, y: Sequence, order: list[int], batch_size: int,
                     loss_fn: Callable, optimizer: Optimizer, l2_penalty: float,
                     history: History, step: Callable) -> tuple[float, float | None]:
    total_loss, correct = 0.0, 0
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        optimizer.zero_grad()
        batch_loss, predictions = step(model, X, y, batch, loss_fn, l2_penalty)
        optimizer.step()
        history.steps += 1
        total_loss += batch_loss * len(batch)
        correct += _count_correct(loss_fn, predictions, [y[i] for i in batch])
    accuracy = correct / len(order) if _is_classifier(loss_fn) else None
    return total_loss / len(order), accuracy


def _eager_step(model: Module, X: list, y: Sequence, batch: list[int], loss_fn: Callable,
                l2_penalty: float) -> tuple[float, list]:
    """Build the batch's graph, backpropagate: parameters' .grad hold the gradient."""
    predictions = [model(X[i]) for i in batch]
    batch_loss = loss_fn(predictions, [y[i] for i in batch])
    if l2_penalty:
        batch_loss = batch_loss + l2(model.parameters(), l2_penalty)
    batch_loss.backward()
    return batch_loss.data, predictions


def _compiled_step(model: Module, loss_fn: Callable, X: list, y: Sequence) -> Callable:
    """A step function replaying one example's compiled loss over each batch."""
    compiled = CompiledLoss(model, loss_fn, X, y)
    params = compiled.params

    def step(model: Module, X: list, y: Sequence, batch: list[int], loss_fn: Callable,
             l2_penalty: float) -> tuple[float, list]:
        batch_loss, predictions, gradients = compiled.evaluate(batch)
        for p, g in zip(params, gradients):
            p.grad += g
        if l2_penalty:
            penalty, penalty_gradients = l2_value_and_gradient(params, l2_penalty)
            batch_loss += penalty
            for p, g in zip(params, penalty_gradients):
                p.grad += g
        return batch_loss, predictions

    return step


def evaluate(model: Module, X: Sequence[Sequence[float]], y: Sequence[Any],
             loss: str | Loss | Callable = "hinge") -> tuple[float, float | None]:
    """Loss and accuracy (None for regression) of ``model`` on ``(X, y)``, no graph kept.

    Example:
        >>> from nn import MLP
        >>> loss, accuracy = evaluate(MLP(2, [1], seed=0), [[0.0, 0.0]], [1])
        >>> loss, accuracy          # score 0: hinge loss 1, not a right answer
        (1.0, 0.0)
    """
    loss_fn = _resolve_loss(loss)
    X = _check_data(X, y, "X")
    with no_grad():
        predictions = [model(x) for x in X]
        value = loss_fn(predictions, list(y)).data
    accuracy = _count_correct(loss_fn, predictions, y) / len(X) if _is_classifier(loss_fn) \
        else None
    return value, accuracy


def _record(history: History, epoch_loss: float, epoch_accuracy: float | None, model: Module,
            validation: tuple | None, loss_fn: Callable, started: float) -> None:
    history.loss.append(epoch_loss)
    if epoch_accuracy is not None:
        history.accuracy.append(epoch_accuracy)
    if validation is not None:
        val_loss, val_accuracy = evaluate(model, validation[0], validation[1], loss_fn)
        history.val_loss.append(val_loss)
        if val_accuracy is not None:
            history.val_accuracy.append(val_accuracy)
    history.seconds.append(time.perf_counter() - started)


def _summary(history: History) -> dict[str, str]:
    shown = {"loss": f"{history.loss[-1]:.4f}"}
    if history.accuracy:
        shown["acc"] = f"{history.accuracy[-1]:.3f}"
    if history.val_accuracy:
        shown["val_acc"] = f"{history.val_accuracy[-1]:.3f}"
    elif history.val_loss:
        shown["val_loss"] = f"{history.val_loss[-1]:.4f}"
    return shown


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


def _count_correct(loss_fn: Callable, predictions: Sequence, targets: Sequence) -> int:
    if not _is_classifier(loss_fn):
        return 0
    return sum(loss_fn.is_correct(p, t) for p, t in zip(predictions, targets))


def _check_data(X: Sequence, y: Sequence, what: str) -> list[list[float]]:
    if len(X) != len(y):
        raise ValueError(f"fit: {what} has {len(X)} examples but there are {len(y)} targets")
    if len(X) == 0:
        raise ValueError(f"fit: {what} is empty")
    return [list(row) for row in X]


def _check_positive_int(n: Any, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"fit: {what} must be a positive whole number, got {n!r}")


def _progress_bar(epochs: int, progress: bool) -> Any:
    if not progress:
        return range(epochs)
    from tqdm.auto import trange  # optional dependency: only needed for the bar

    return trange(epochs, desc="training", unit="epoch", leave=True)
