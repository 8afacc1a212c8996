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

from .losses import Loss
from .modules import Module


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
        >>> loss, predictions, gradients = compiled.evaluate([0, 1])
        >>> len(predictions), len(gradients) == len(model.parameters())
        (2, True)
    """

    def __init__(
        self,
        model: Module,
        loss: Callable[..., Any],
        X: Sequence[Sequence[float]],
        y: Sequence[Any],
    ) -> None:  # any loss is accepted here, and one that is not a Loss refused below
        if not isinstance(loss, Loss):
            raise ValueError(
                f"fit(compile=True) needs a loss from nn.losses (a Loss), got {loss!r}"
            )
        self.loss = loss
        self.params = model.parameters()
        self.X = [list(map(float, row)) for row in X]
        example_output = model(self.X[0])
        self.n_outputs = 1 if isinstance(example_output, Value) else len(example_output)
        self.targets = [loss.encode_checked(label, self.n_outputs) for label in y]
        count, n_inputs = len(self.params), len(self.X[0])

        def one_example(*inputs: Value) -> tuple[Value, ...]:
            prediction = model(list(inputs[count : count + n_inputs]))
            outputs = [prediction] if isinstance(prediction, Value) else prediction
            return (loss.per_example(prediction, inputs[count + n_inputs :]), *outputs)

        self.program = autograd.compile(
            one_example, [*self.params, *self.X[0], *self.targets[0]], wrt=range(count)
        )
        self.numpy = _numpy()
        if self.numpy is not None:  # one row per program input, one column per example
            self._rows = self.numpy.asarray(
                [x + list(t) for x, t in zip(self.X, self.targets, strict=True)], dtype=float
            ).T.copy()

    def evaluate(self, batch: Sequence[int]) -> tuple[float, list[Any], list[float]]:
        """Mean loss, predictions and mean gradients (one per parameter) on the
        examples at positions ``batch`` of the training set."""
        weights = [p.data for p in self.params]
        if self.numpy is not None:
            losses, predictions, gradients = self._replay_batch(weights, batch)
        else:
            losses, predictions, gradients = self._replay_each(weights, batch)
        scale = 1.0 / len(batch)  # the mean, computed as the eager loss computes it
        return math.fsum(losses) * scale, predictions, [g * scale for g in gradients]

    def _replay_batch(self, weights: list[float], batch: Sequence[int]) -> tuple:
        columns = self._rows[:, batch]
        outputs, gradients = self.program.batch(*weights, *columns)
        scores = [o.tolist() for o in outputs[1:]]
        predictions = (
            scores[0] if len(scores) == 1 else [list(row) for row in zip(*scores, strict=True)]
        )
        return outputs[0].tolist(), predictions, list(gradients)

    def _replay_each(self, weights: list[float], batch: Sequence[int]) -> tuple:
        losses, predictions = [], []
        totals = [0.0] * len(weights)
        for i in batch:
            outputs, gradients = self.program(*weights, *self.X[i], *self.targets[i])
            losses.append(outputs[0])
            predictions.append(outputs[1] if len(outputs) == 2 else list(outputs[1:]))
            totals = list(map(operator.add, totals, gradients))
        return losses, predictions, totals
