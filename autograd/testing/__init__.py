"""Checks for users: gradients against finite differences.

``gradcheck`` compares the gradients backpropagation gives with central differences;
``gradgradcheck`` does the same one order up. The hypothesis strategies that draw
inputs from each primitive's domain and random expression graphs live in
``autograd.testing.strategies`` (they need the ``hypothesis`` package).

Example:
    >>> from autograd.testing import gradcheck
    >>> gradcheck(lambda x, y: (x * y).tanh() + x ** 2, [0.3, -1.2])
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value, grad, no_grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_gradient"]


class GradcheckError(AssertionError):
    """Raised when backpropagation and finite differences disagree."""


def numerical_gradient(
    f: Callable[..., Value], inputs: Sequence[float], eps: float = 1e-6
) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / 2 eps for each input.

    Example:
        >>> [round(g, 6) for g in numerical_gradient(lambda x: x * x, [3.0])]
        [6.0]
    """
    point = _numbers(inputs)
    slopes = []
    with no_grad():
        for i in range(len(point)):
            up = _evaluate(f, _shifted(point, i, +eps))
            down = _evaluate(f, _shifted(point, i, -eps))
            slopes.append((up - down) / (2 * eps))
    return slopes


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check backpropagated gradients of ``f`` at ``inputs`` against central differences.

    ``f`` takes one Value per input and returns a Value. A gradient passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``. On failure raises
    ``GradcheckError`` naming the input and both values (or returns False with
    ``raise_exception=False``).

    Example:
        >>> gradcheck(lambda x: x.exp() * x.sin(), [0.7])
        True
    """
    point = _numbers(inputs)
    values = [Value(x) for x in point]
    analytic = grad(_evaluate_graph(f, values), values, allow_unused=True)
    numeric = numerical_gradient(f, point, eps)
    problems = [
        f"  d/d input {i} (at {point[i]!r}): backprop {a!r}, finite differences {n!r}"
        for i, (a, n) in enumerate(zip(analytic, numeric, strict=True))
        if not _close(a, n, atol, rtol)
    ]
    return _verdict("gradcheck", problems, raise_exception)


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Any],
    eps: float = 1e-5,
    atol: float = 1e-4,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives of ``f``: the Hessian from ``grad(create_graph=True)``
    against central differences of the backpropagated gradients.

    Example:
        >>> gradgradcheck(lambda x, y: x * x * y + y.sin(), [0.5, 2.0])
        True
    """
    point = _numbers(inputs)
    values = [Value(x) for x in point]
    first = grad(_evaluate_graph(f, values), values, create_graph=True, allow_unused=True)
    problems = []
    for j, first_j in enumerate(first):
        if isinstance(first_j, Value):
            analytic_row = grad(first_j, values, allow_unused=True)
        else:  # a constant first derivative has zero second derivatives
            analytic_row = (0.0,) * len(values)
        numeric_row = _numerical_row(f, point, j, eps)
        problems += [
            f"  d2/d input {i} d input {j}: backprop {a!r}, finite differences {n!r}"
            for i, (a, n) in enumerate(zip(analytic_row, numeric_row, strict=True))
            if not _close(a, n, atol, rtol)
        ]
    return _verdict("gradgradcheck", problems, raise_exception)


def _numerical_row(f: Callable[..., Value], point: list[float], j: int, eps: float) -> list[float]:
    # d/dx_i of the backpropagated d f / d x_j, by central differences in x_i.
    def first_derivative(at: list[float]) -> float:
        values = [Value(x) for x in at]
        return _number(grad(_evaluate_graph(f, values), values, allow_unused=True)[j])

    return [
        (first_derivative(_shifted(point, i, eps)) - first_derivative(_shifted(point, i, -eps)))
        / (2 * eps)
        for i in range(len(point))
    ]


def _verdict(name: str, problems: list[str], raise_exception: bool) -> bool:
    if not problems:
        return True
    if raise_exception:
        raise GradcheckError(f"{name} failed:\n" + "\n".join(problems))
    return False


def _close(analytic: Any, numeric: float, atol: float, rtol: float) -> bool:
    return abs(_number(analytic) - numeric) <= atol + rtol * abs(numeric)


def _number(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _numbers(inputs: Sequence[Any]) -> list[float]:
    point = [_number(x) for x in inputs]
    if not point:
        raise ValueError("gradcheck needs at least one input")
    return point


def _shifted(point: list[float], i: int, step: float) -> list[float]:
    moved = list(point)
    moved[i] += step
    return moved


def _evaluate_graph(f: Callable[..., Value], values: list[Value]) -> Value:
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError(
            f"the function under check must return a Value, got {type(out).__name__} ({out!r})"
        )
    return out


def _evaluate(f: Callable[..., Value], point: list[float]) -> float:
    return _evaluate_graph(f, [Value(x) for x in point]).data
