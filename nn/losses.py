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

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from autograd import Value, logsumexp, sum_values


@dataclass(frozen=True)
class Loss:
    """A loss function with a name and, for classifiers, a notion of a right answer."""

    name: str
    function: Callable[[Sequence[Any], Sequence[Any]], Value]
    is_correct: Callable[[Any, Any], bool] | None = None  # None: a regression loss

    def __call__(self, predictions: Sequence[Any], targets: Sequence[Any]) -> Value:
        if len(predictions) != len(targets):
            raise ValueError(f"{self.name}: {len(predictions)} predictions "
                             f"but {len(targets)} targets")
        if not predictions:
            raise ValueError(f"{self.name}: no predictions")
        return self.function(predictions, targets)


def _mean(terms: list[Value]) -> Value:
    return sum_values(terms) * (1.0 / len(terms))


def _mse(predictions: Sequence[Any], targets: Sequence[float]) -> Value:
    return _mean([(p - t) ** 2 for p, t in zip(predictions, targets)])


def _hinge(scores: Sequence[Any], labels: Sequence[int]) -> Value:
    _check_labels(labels, (-1, 1), "hinge")
    return _mean([(1 - y * s).relu() for s, y in zip(scores, labels)])


def _binary_cross_entropy(logits: Sequence[Any], labels: Sequence[int]) -> Value:
    # -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] = softplus(z) - y z, stable for
    # any z because softplus never exponentiates a large positive number.
    _check_labels(labels, (0, 1), "binary_cross_entropy")
    return _mean([_softplus(z) - y * z for z, y in zip(logits, labels)])


def _softplus(z: Any) -> Value:
    return z.softplus() if isinstance(z, Value) else Value(z).softplus()


def _cross_entropy(logits: Sequence[Sequence[Any]], labels: Sequence[int]) -> Value:
    # -log softmax(z)[y] = logsumexp(z) - z[y], with logsumexp shifted by max(z).
    terms = []
    for row, y in zip(logits, labels):
        if isinstance(row, Value) or not 0 <= y < len(row):
            raise ValueError(f"cross_entropy: label {y!r} does not index a row of "
                             f"{1 if isinstance(row, Value) else len(row)} logits")
        terms.append(logsumexp(row) - row[y])
    return _mean(terms)


def _check_labels(labels: Sequence[Any], allowed: tuple[int, int], name: str) -> None:
    for i, y in enumerate(labels):
        if y not in allowed:
            raise ValueError(f"{name}: labels must be {allowed[0]} or {allowed[1]}, "
                             f"got {y!r} at position {i}")


def _score(prediction: Any) -> float:
    return prediction.data if isinstance(prediction, Value) else float(prediction)


def argmax(row: Sequence[Any]) -> int:
    """The index of the largest entry (the predicted class)."""
    scores = [_score(v) for v in row]
    return scores.index(max(scores))


mse = Loss("mse", _mse)
"""Mean squared error, mean((prediction - target) ** 2), for regression."""

hinge = Loss("hinge", _hinge, lambda s, y: (_score(s) > 0) == (y > 0))
"""Max-margin loss mean(relu(1 - y * score)) with labels -1 / +1 (micrograd's demo)."""

binary_cross_entropy = Loss("binary_cross_entropy", _binary_cross_entropy,
                            lambda z, y: (_score(z) > 0) == (y == 1))
"""Binary cross-entropy on logits (labels 0 / 1), stable at any logit."""

cross_entropy = Loss("cross_entropy", _cross_entropy, lambda row, y: argmax(row) == y)
"""Softmax cross-entropy on a row of logits per example (labels are class indices)."""

LOSSES = {loss.name: loss for loss in (mse, hinge, binary_cross_entropy, cross_entropy)}


def l2(parameters: Sequence[Value], alpha: float) -> Value:
    """The L2 penalty ``alpha * sum(p ** 2)`` (micrograd's demo uses alpha = 1e-4).

    Example:
        >>> l2([Value(1.0), Value(-2.0)], 0.5).data
        2.5
    """
    return alpha * sum_values([p * p for p in parameters])
