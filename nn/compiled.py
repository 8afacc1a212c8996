"""Training through a compiled program: ``fit(..., compile=True)``.

The graph of one example's loss has the same shape at every step, so it is traced once
with ``autograd.compile`` (the model's parameters, the example's inputs and its encoded
target are the program's inputs) and replayed for every batch: with NumPy, the whole
batch at once, arrays in the slots; without it, example by example in pure Python.
The numbers are the eager path's: the same formulas from the same primitive table.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value

from .losses import Loss, l2_value_and_gradient
from .modules import Module
from .optim import Optimizer


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:  # NumPy is optional: replay example by example instead
        return None
    return numpy


class CompiledLoss:
    """One example's loss and predictions as a compiled program, for whole batches.

    Built once per training set: the targets are encoded and, with NumPy, the inputs
    laid out as columns up front, so each step only picks its batch's rows.

    Example:
        >>> from nn import MLP
        >>> from nn.losses import hinge
        >>> model = MLP(2, [4, 1], seed=0)
        >>> compiled = CompiledLoss(model, hinge, [[0.5, 1.0], [1.0, 0.0]], [1, -1])
        >>> loss, correct, gradients = compiled.evaluate([0, 1])
        >>> 0 <= correct <= 2, len(gradients) == len(model.parameters())
        (True, True)
    """

    def __init__(
        self,
        model: Module,
        loss: Callable[..., Any],
        X: Sequence[Sequence[float]],
        y: Sequence[Any],
        what: str = "X",
    ) -> None:  # any loss is accepted here, and one that is not a Loss refused below
        if not isinstance(loss, Loss):
            raise ValueError(
                f"fit(compile=True) needs a loss from nn.losses (a Loss), got {loss!r}"
            )
        self.loss, self.what = loss, what  # what: the data's name, for errors
        # A parameter a model uses twice (tied weights) is one input of the program.
        self.params = list(dict.fromkeys(model.parameters()))
        self.X = [list(map(float, row)) for row in X]
        example_output = model(self.X[0])
        self.n_outputs = 1 if isinstance(example_output, Value) else len(example_output)
        self.targets = [loss.encode_checked(label, self.n_outputs) for label in y]
        count, n_inputs = len(self.params), len(self.X[0])

        def one_example(*inputs: Value) -> tuple[Value, ...]:
            prediction = model(list(inputs[count : count + n_inputs]))
            outputs = [prediction] if isinstance(prediction, Value) else prediction
            return (loss.per_example(prediction, inputs[count + n_inputs :]), *outputs)

        try:
            self.program = autograd.compile(
                one_example, [*self.params, *self.X[0], *self.targets[0]], wrt=range(count)
            )
        except autograd.TraceError as error:
            if "not one of its inputs" not in str(error):
                raise
            raise autograd.TraceError(
                "fit(compile=True): the model uses a Value that is not among its "
                "parameters() (kept outside its attributes, or in one whose name starts "
                "with _), so the compiled program would freeze its number; make it a "
                f"parameter, or train without compile ({error})"
            ) from error
        self.y = y
        self.numpy = _numpy()
        if self.numpy is not None:  # one row per program input, one column per example
            self._rows = self.numpy.asarray(
                [x + list(t) for x, t in zip(self.X, self.targets, strict=True)], dtype=float
            ).T.copy()
            self._labels = self.numpy.asarray(y)
            # Grouped into array operations (a model's layers become matrix products),
            # unless the graph does not group, when the per-op replay is faster.
            self.grouped = self.program.grouping_pays(range(count))
            if self.grouped:
                self.plan = self.program.batched(shared=range(count))

    def evaluate(self, batch: Sequence[int]) -> tuple[float, int, list[float]]:
        """Mean loss, the number of right predictions (0 for regression) and mean
        gradients (one per parameter) on the examples at positions ``batch`` of the
        training set, with the parameters' current numbers."""
        if self.numpy is not None:
            weights = self.numpy.array([p.data for p in self.params], dtype=float)
            loss, correct, gradient = self.evaluate_arrays(weights, self.numpy.asarray(batch))
            return loss, correct, gradient.tolist()
        losses, predictions, gradients = self._replay_each([p.data for p in self.params], batch)
        scale = 1.0 / len(batch)  # the mean, computed as the eager loss computes it
        correct = self.loss.count_correct(predictions, [self.y[i] for i in batch])
        return math.fsum(losses) * scale, correct, [g * scale for g in gradients]

    def evaluate_arrays(self, weights: Any, batch: Any) -> tuple[float, int, Any]:
        """``evaluate`` with NumPy arrays: the parameters' numbers ``weights`` (in the
        order of ``params``), the positions ``batch``; the mean gradient as an array.
        The batch runs through the grouped program (``autograd.batching``),
        ``CHUNK`` examples at a time so that its arrays stay in the processor's caches."""
        np = self.numpy
        losses: list[float] = []
        correct = 0
        total = np.zeros(len(self.params))
        for start in range(0, len(batch), self.CHUNK):
            rows = batch[start : start + self.CHUNK]
            outputs, gradient = self._run_chunk(weights, rows)
            losses += outputs[0].tolist()
            scores = outputs[1] if len(outputs) == 2 else np.stack(outputs[1:], axis=1)
            correct += self.loss.count_correct(scores, self._labels[rows])
            total += gradient
        scale = 1.0 / len(batch)  # the mean, computed as the eager loss computes it
        return math.fsum(losses) * scale, correct, total * scale

    CHUNK = 2048

    def _run_chunk(self, weights: Any, rows: Any) -> tuple[tuple[Any, ...], Any]:
        np = self.numpy
        columns = self._rows[:, rows]
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            try:
                if self.grouped:
                    outputs, gradient, _ = self.plan.run(weights, columns)
                    return outputs, gradient
            except (ValueError, ArithmeticError):
                pass
        # The per-op replay: for a graph that does not group, or where NumPy met an
        # overflow or an invalid operation, which it then decides example by example, as
        # the eager engine does (and names an example that fails).
        try:
            outputs, gradients = self.program.batch(*weights.tolist(), *columns, grouped=False)
        except autograd.BatchFloatingPointError as error:
            position = int(rows[error.example])  # the example's row in the data
            raise autograd.BatchFloatingPointError(
                f"{self.what}[{position}]: {error.reason}", position, error.reason
            ) from error
        return outputs, np.array(gradients)

    def _replay_each(self, weights: list[float], batch: Sequence[int]) -> tuple:
        losses, predictions = [], []
        totals = [0.0] * len(weights)
        for i in batch:
            outputs, gradients = self.program(*weights, *self.X[i], *self.targets[i])
            losses.append(outputs[0])
            predictions.append(outputs[1] if len(outputs) == 2 else list(outputs[1:]))
            totals = list(map(operator.add, totals, gradients))
        return losses, predictions, totals


class ArrayTraining:
    """Compiled training with the numbers in arrays: the parameters, their gradient and
    the optimiser's state stay in NumPy arrays from step to step, so a step is the
    grouped program plus a few array operations (the optimiser's own formula, run on
    arrays by ``step_arrays``), with no Python loop over the parameters.

    The model's Values and the optimiser's state are brought up to date by
    ``write_back()``, which ``fit`` calls whenever code outside it can look: before a
    callback that reads the model, at the end and on an error. ``read_back()`` takes
    the numbers back after such code (it may have changed them). ``available`` says
    whether the optimiser can run on arrays (SGD and Adam, over the model's parameters,
    with every parameter's state of one kind); otherwise ``fit`` steps the Values.
    """

    def __init__(self, compiled: CompiledLoss, optimizer: Optimizer, l2_penalty: float) -> None:
        self.compiled, self.optimizer, self.l2_penalty = compiled, optimizer, l2_penalty
        self.np = compiled.numpy
        # The arrays follow the optimiser's order; the program wants the model's.
        position = {p: i for i, p in enumerate(compiled.params)}
        order = [position.get(p, -1) for p in optimizer.params]
        self.available = (
            self.np is not None
            and _steps_on_arrays(optimizer)
            and sorted(order) == list(range(len(compiled.params)))
        )
        if not self.available:
            return
        self._model_order = None if order == sorted(order) else self.np.argsort(order)
        self._to_optimizer = None if self._model_order is None else self.np.array(order)
        self.zeros = self.np.zeros(len(order))
        self.gradient = self.zeros
        self.active = True  # False once the optimiser's state no longer fits in arrays
        self.current = True  # the Values hold the arrays' numbers
        self.read_back()

    def read_back(self) -> None:
        """Take the numbers from the Values and the optimiser's state (at the start,
        and after code that may have changed them). A state that no longer fits in
        arrays (some parameters' entries removed, say) ends the array steps: ``active``
        turns False, and the Values, which hold every number, take over."""
        state = self.optimizer.state_arrays()
        if state is None:
            self.active = False
            return
        self.state = state
        self.weights = self.np.array([p.data for p in self.optimizer.params], dtype=float)
        self.current = True

    def model_weights(self) -> Any:
        """The parameters' numbers in the model's order (the program's)."""
        return self.weights if self._model_order is None else self.weights[self._model_order]

    def step(self, batch: Any) -> tuple[float, float, int]:
        """One optimiser step on ``batch`` (positions in the training set): the batch's
        loss (penalty included), the penalty and the number of right predictions."""
        np = self.np
        self.gradient, self.current = self.zeros, False  # as zero_grad(): if this step fails
        loss, correct, gradient = self.compiled.evaluate_arrays(self.model_weights(), batch)
        if self._to_optimizer is not None:
            gradient = gradient[self._to_optimizer]
        penalty = 0.0
        with np.errstate(all="ignore"):  # as float arithmetic: overflows give inf, quietly
            if self.l2_penalty:
                penalty, penalty_gradient = l2_value_and_gradient(self.weights, self.l2_penalty)
                loss += penalty
                gradient = gradient + penalty_gradient
            self.optimizer.step_arrays(self.weights, gradient, self.state)
        self.gradient = gradient
        return loss, penalty, correct

    def finite(self) -> bool:
        """Whether every parameter is a finite number."""
        return bool(self.np.isfinite(self.weights).all())

    def write_back(self) -> None:
        """Put the numbers into the Values (``.data`` and ``.grad``, as after an eager
        step) and the optimiser's state."""
        if self.current:
            return
        params = self.optimizer.params
        autograd.set_data(params, self.weights.tolist())
        for p, g in zip(params, self.gradient.tolist(), strict=True):
            p.grad = g
        self.optimizer.load_state_arrays(self.state)
        self.current = True


def _steps_on_arrays(optimizer: Optimizer) -> bool:
    """Whether ``step_arrays`` is the array form of the ``step`` this optimiser runs
    (a subclass that overrides ``step`` alone changes the formula)."""
    kind = type(optimizer)

    def owner(name: str) -> type:
        return next(c for c in kind.__mro__ if name in vars(c))

    # _gradients reads the gradients step() uses (a subclass may clip them there).
    return (
        owner("step_arrays") is owner("step") is not Optimizer
        and owner("_gradients") is Optimizer
        and optimizer.state_arrays() is not None
    )
