"""Training through a compiled program: ``fit(..., compile=True)``.

The graph of one example's loss has the same shape at every step, so it is traced once
with ``autograd.compile`` (the model's parameters, the example's inputs and its encoded
target are the program's inputs) and replayed for every batch: with NumPy, the whole
batch at once, arrays in the slots; without it, example by example in pure Python.
The numbers are the eager path's: the same formulas from the same primitive table.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

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

    Example:
        >>> from nn import MLP
        >>> from nn.losses import hinge
        >>> model = MLP(2, [4, 1], seed=0)
        >>> compiled = CompiledLoss(model, hinge, [[0.5, 1.0]], [1])
        >>> loss, predictions, gradients = compiled.evaluate([[0.5, 1.0], [1.0, 0.0]], [1, -1])
        >>> len(predictions), len(gradients) == len(model.parameters())
        (2, True)
    """

    def __init__(self, model: Module, loss: Loss, X: Sequence[Sequence[float]],
                 y: Sequence[Any]) -> None:
        if not isinstance(loss, Loss):
            raise ValueError("fit(compile=True) needs a loss from nn.losses (a Loss), "
                             f"got {loss!r}")
        self.loss = loss
        self.params = model.parameters()
        self.n_inputs = len(X[0])
        example_output = model(list(X[0]))
        self.n_outputs = 1 if isinstance(example_output, Value) else len(example_output)
        target = loss.encode_checked(y[0], self.n_outputs)
        self.n_targets = len(target)
        count = len(self.params)

        def one_example(*inputs: Value) -> tuple[Value, ...]:
            x = list(inputs[count:count + self.n_inputs])
            prediction = model(x)
            outputs = [prediction] if isinstance(prediction, Value) else prediction
            return (loss.per_example(prediction, inputs[count + self.n_inputs:]), *outputs)

        self.program = autograd.compile(
            one_example, [*self.params, *X[0], *target], wrt=range(count))
        self.numpy = _numpy()

    def evaluate(self, X: Sequence[Sequence[float]], y: Sequence[Any]
                 ) -> tuple[float, list[Any], list[float]]:
        """Mean loss, predictions and mean gradients (one per parameter) on a batch."""
        targets = [self.loss.encode_checked(label, self.n_outputs) for label in y]
        weights = [p.data for p in self.params]
        if self.numpy is not None:
            losses, predictions, gradients = self._replay_batch(weights, X, targets)
        else:
            losses, predictions, gradients = self._replay_each(weights, X, targets)
        scale = 1.0 / len(X)  # the mean, computed as the eager loss computes it
        return math.fsum(losses) * scale, predictions, [g * scale for g in gradients]

    def _replay_batch(self, weights: list[float], X: Sequence, targets: list) -> tuple:
        np = self.numpy
        columns = list(np.asarray(X, dtype=float).T) + list(np.asarray(targets, dtype=float).T)
        outputs, gradients = self.program.batch(*weights, *columns)
        losses, scores = outputs[0], outputs[1:]
        predictions = [float(s) for s in scores[0]] if len(scores) == 1 else \
            [[float(s[i]) for s in scores] for i in range(len(X))]
        return losses.tolist(), predictions, list(gradients)

    def _replay_each(self, weights: list[float], X: Sequence, targets: list) -> tuple:
        losses, predictions = [], []
        totals = [0.0] * len(weights)
        for x, target in zip(X, targets):
            outputs, gradients = self.program(*weights, *x, *target)
            losses.append(outputs[0])
            predictions.append(outputs[1] if len(outputs) == 2 else list(outputs[1:]))
            totals = [t + g for t, g in zip(totals, gradients)]
        return losses, predictions, totals
