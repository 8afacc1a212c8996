"""Loss functions. Each takes the model's predictions and the targets for a batch and
returns the mean loss as one Value.

Classification losses also know how to tell a right prediction from a wrong one
(``loss.is_correct(prediction, target)``), which ``fit`` uses for accuracy.

Example:
    >>> from autograd import Value
    >>> hinge([Value(2.0), Value(-0.5)], [1, 1]).data    # mean(relu(1 - y * s))
    0.75
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import Value, logsumexp, sum_values, weighted_sum


@dataclass(frozen=True)
class Loss:
    """A loss: its formula for one example, and how it reads the targets.

    ``per_example(prediction, target)`` is the loss of one example, where ``target`` is
    the tuple ``encode(label, outputs)`` gives (so the same formula serves the eager
    path and the compiled replay, where targets are inputs of the program). Calling the
    loss on a batch returns the mean. Classification losses also tell a right
    prediction from a wrong one (``is_correct``), which ``fit`` uses for accuracy.
    """

    name: str
    per_example: Callable[[Any, Sequence[Any]], Value]
    encode: Callable[[Any, int], tuple[float, ...]]
    check_target: Callable[[Any], bool] = lambda y: True
    target_text: str = "a number"
    is_correct: Callable[[Any, Any], bool] | None = None  # None: a regression loss

    def __call__(self, predictions: Sequence[Any], targets: Sequence[Any]) -> Value:
        if len(predictions) != len(targets):
            raise ValueError(
                f"{self.name}: {len(predictions)} predictions but {len(targets)} targets"
            )
        if not predictions:
            raise ValueError(f"{self.name}: no predictions")
        terms = []
        for prediction, target in zip(predictions, targets, strict=True):
            outputs = 1 if isinstance(prediction, (Value, int, float)) else len(prediction)
            terms.append(self.per_example(prediction, self.encode_checked(target, outputs)))
        return sum_values(terms) * (1.0 / len(terms))

    def count_correct(self, predictions: Any, targets: Sequence[Any]) -> int:
        """How many predictions are right (0 for a regression loss). ``predictions``
        is a list (of Values or numbers, or rows of them), or a NumPy array with one
        entry (or row) per example, as compiled training has them.

        Example:
            >>> hinge.count_correct([Value(2.0), Value(-0.5)], [1, 1])
            1
        """
        if self.is_correct is None:
            return 0
        if hasattr(predictions, "shape"):  # a whole batch at once
            import numpy

            return int(numpy.count_nonzero(self.is_correct(predictions, numpy.asarray(targets))))
        return sum(bool(self.is_correct(p, t)) for p, t in zip(predictions, targets, strict=True))

    def encode_checked(self, target: Any, outputs: int) -> tuple[float, ...]:
        """``encode(target)``, after checking the target is one this loss accepts."""
        if isinstance(target, bool) or not self.check_target(target):
            raise ValueError(f"{self.name}: targets must be {self.target_text}, got {target!r}")
        return self.encode(target, outputs)


def _one_hot(label: int, outputs: int) -> tuple[float, ...]:
    if not 0 <= label < outputs:
        raise ValueError(f"cross_entropy: label {label!r} does not index a row of {outputs} logits")
    return tuple(1.0 if k == label else 0.0 for k in range(outputs))


def _score(prediction: Any) -> Any:
    # A Value's number, a number, or a whole batch of scores as a NumPy array.
    if isinstance(prediction, Value):
        return prediction.data
    return prediction if hasattr(prediction, "shape") else float(prediction)


def argmax(row: Sequence[Any]) -> Any:
    """The index of the largest entry (the predicted class); for a 2-D array of rows,
    each row's (as an array). Either way the first of equal entries wins, and a NaN
    counts as the largest (the first NaN wins), as in NumPy's argmax.

    Example:
        >>> argmax([0.5, 2.0, 2.0]), argmax([1.0, float("nan"), 3.0])
        (1, 1)
    """
    if getattr(row, "ndim", None) == 2:
        return row.argmax(axis=1)  # type: ignore[attr-defined]
    scores = [_score(v) for v in row]
    not_a_number = [i for i, score in enumerate(scores) if score != score]
    return not_a_number[0] if not_a_number else scores.index(max(scores))


def _as_value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _is_real(y: Any) -> bool:
    return isinstance(y, (int, float)) or hasattr(y, "__float__")


mse = Loss(
    "mse",
    per_example=lambda p, t: (p - t[0]) ** 2,
    encode=lambda y, outputs: (float(y),),
    check_target=_is_real,
)
"""Mean squared error, mean((prediction - target) ** 2), for regression."""

hinge = Loss(
    "hinge",
    per_example=lambda s, t: (1 - t[0] * s).relu(),
    encode=lambda y, outputs: (float(y),),
    check_target=lambda y: y in (-1, 1),
    target_text="-1 or 1",
    is_correct=lambda s, y: (_score(s) > 0) == (y > 0),
)
"""Max-margin loss mean(relu(1 - y * score)) with labels -1 / +1 (micrograd's demo)."""

binary_cross_entropy = Loss(
    "binary_cross_entropy",
    # -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] = softplus(z) - y z, stable for
    # any z because softplus never exponentiates a large positive number.
    per_example=lambda z, t: _as_value(z).softplus() - t[0] * z,
    encode=lambda y, outputs: (float(y),),
    check_target=lambda y: y in (0, 1),
    target_text="0 or 1",
    is_correct=lambda z, y: (_score(z) > 0) == (y == 1),
)
"""Binary cross-entropy on logits (labels 0 / 1), stable at any logit."""

cross_entropy = Loss(
    "cross_entropy",
    # -log softmax(z)[y] = logsumexp(z) - z[y]; z[y] is picked by a one-hot target, so
    # the formula has the same shape for every label (and compiles).
    per_example=lambda row, t: logsumexp(row) - weighted_sum(list(t), list(row)),
    encode=_one_hot,
    check_target=lambda y: isinstance(y, int) or hasattr(y, "__index__"),
    target_text="class indices",
    is_correct=lambda row, y: argmax(row) == y,
)
"""Softmax cross-entropy on a row of logits per example (labels are class indices)."""

LOSSES = {loss.name: loss for loss in (mse, hinge, binary_cross_entropy, cross_entropy)}


def l2_value_and_gradient(parameters: Any, alpha: float) -> tuple[float, Any]:
    """``l2``'s value and its gradient ``2 alpha p``, as plain numbers (no graph), in
    the order of operations ``l2(...).backward()`` uses. ``parameters`` are Values, or
    a NumPy array of their numbers (compiled training): the gradient is then an array.

    Example:
        >>> l2_value_and_gradient([Value(1.0), Value(-2.0)], 0.5)
        (2.5, [1.0, -2.0])
    """
    if hasattr(parameters, "shape"):  # one array operation for all the numbers
        squares, gradient = (parameters * parameters).tolist(), 2 * (parameters * alpha)
    else:
        numbers = [p.data for p in parameters]
        squares, gradient = [w * w for w in numbers], [2 * (w * alpha) for w in numbers]
    return alpha * math.fsum(squares), gradient


def l2(parameters: Sequence[Value], alpha: float) -> Value:
    """The L2 penalty ``alpha * sum(p ** 2)`` (micrograd's demo uses alpha = 1e-4).

    Example:
        >>> l2([Value(1.0), Value(-2.0)], 0.5).data
        2.5
    """
    return alpha * sum_values([p * p for p in parameters])
