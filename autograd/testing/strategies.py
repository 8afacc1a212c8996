"""Hypothesis strategies over the primitive table, for property-testing autodiff code.

* ``arguments(op)`` draws a valid argument tuple for one primitive, from its domain.
* ``expressions()`` draws random expression graphs over the whole table, with shared
  subexpressions (a node used by several later ones).
* ``deep_chains()`` draws long chains of unary ops.

Every drawn graph is an :class:`Expression`: call it on Values to build the graph.

Example:
    >>> from hypothesis import given
    >>> from autograd.testing import gradcheck
    >>> from autograd.testing.strategies import expressions
    >>> @given(expressions())
    ... def test_backprop_matches_finite_differences(expr):
    ...     assert gradcheck(expr, expr.inputs)
    >>> test_backprop_matches_finite_differences()

Requires the ``hypothesis`` package (``pip install hypothesis``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ..engine import Value, apply
from ..primitives import POW_CONST, PRIMITIVES, Interval, Primitive

__all__ = [
    "Expression",
    "arguments",
    "deep_chains",
    "every_primitive",
    "expressions",
    "floats_in",
    "primitives",
]

# Keep this far from the points where an op is not smooth: finite differences with
# steps of 1e-6 to 1e-5 are meaningless closer than that.
KINK_MARGIN = 1e-3
# Values beyond this make finite differences lose too many digits to compare.
MAGNITUDE_LIMIT = 1e3
# The exponents ``x ** k`` is drawn with (each op with a number operand lists its own).
CONSTANT_EXPONENTS = POW_CONST.constant_samples
# How many arguments n-ary ops (sum, weighted sum, logsumexp) get at most.
MAX_NARY_WIDTH = 4


def floats_in(interval: Interval) -> st.SearchStrategy[float]:
    """Floats inside ``interval``, at least KINK_MARGIN away from its avoided points."""
    return st.floats(interval.low, interval.high, allow_nan=False).filter(
        lambda x: _away_from_kinks(x, interval)
    )


def every_primitive(include_nary: bool = True) -> list[Primitive]:
    """Every op of the table, ready to apply: an op with a number operand (``x ** k``,
    ``x * k``) once bound to each of its sample numbers."""
    ops = [op for op in PRIMITIVES.values() if include_nary or op.arity is not None]
    return [op for op in ops if not op.constant_samples] + [
        op.bind(k) for op in ops for k in op.constant_samples
    ]


def primitives(include_nary: bool = True) -> st.SearchStrategy[Primitive]:
    """A primitive from the table; an op with a number operand (``x ** k``, ``x * k``)
    comes bound to one of its sample numbers."""
    ops = every_primitive(include_nary)
    plain = st.sampled_from([op for op in ops if op.constant is None])
    bound = st.sampled_from([op for op in ops if op.constant is not None])
    return st.one_of(plain, bound)


@st.composite
def arguments(draw: Any, op: Primitive) -> tuple[float, ...]:
    """A tuple of arguments for ``op`` drawn from its domain."""
    count = _arity_of(draw, op)
    return tuple(draw(floats_in(_interval(op, i))) for i in range(count))


@dataclass(frozen=True)
class Expression:
    """A straight-line program over the primitive table.

    ``steps[k] = (op, argument slots)`` appends one result to the slots, which start
    as the inputs; the last slot is the output. Call it on Values to build its graph.
    """

    inputs: tuple[float, ...]
    steps: tuple[tuple[Primitive, tuple[int, ...]], ...]

    def __call__(self, *args: Value) -> Value:
        if len(args) != len(self.inputs):
            raise TypeError(f"this expression takes {len(self.inputs)} inputs, got {len(args)}")
        slots: list[Any] = list(args)
        for op, where in self.steps:
            slots.append(apply(op, *(slots[i] for i in where)))
        return slots[-1]

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(len(self.inputs))]
        lines = [f"inputs {dict(zip(names, self.inputs, strict=True))}"]
        for k, (op, where) in enumerate(self.steps):
            names.append(f"v{k}")
            lines.append(f"v{k} = {op.label()}({', '.join(names[i] for i in where)})")
        return "Expression(" + "; ".join(lines) + ")"


@st.composite
def expressions(
    draw: Any,
    max_inputs: int = 3,
    max_steps: int = 12,
    ops: Sequence[Primitive] | None = None,
) -> Expression:
    """A random expression graph over the table (or over ``ops``).

    Each step applies an op to earlier slots chosen at random, so slots get reused
    (shared subexpressions). A step whose arguments fall outside the op's domain, near
    one of its kinks, or whose result is huge, is skipped, so every drawn expression
    is smooth at its inputs and safe to check with finite differences.
    """
    inputs = draw(st.lists(floats_in(Interval(-3.0, 3.0)), min_size=1, max_size=max_inputs))
    op_strategy = st.sampled_from(list(ops)) if ops is not None else primitives()
    values = list(inputs)
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(op_strategy)
        count = _arity_of(draw, op)
        # Favour recent slots, so graphs get deep as well as wide.
        where = tuple(
            draw(st.integers(max(0, len(values) - 4), len(values) - 1)) for _ in range(count)
        )
        result = _evaluate_if_safe(op, [values[i] for i in where])
        if result is not None:
            steps.append((op, where))
            values.append(result)
    if not steps:  # make sure the output depends on an op, not only on an input
        steps.append((PRIMITIVES["mul"], (0, len(inputs) - 1)))
    return Expression(tuple(inputs), tuple(steps))


@st.composite
def deep_chains(draw: Any, min_depth: int = 100, max_depth: int = 2000) -> Expression:
    """A long chain of smooth unary ops on one input: x -> tanh -> sin -> ... ."""
    gentle = [PRIMITIVES[name] for name in ("tanh", "sin", "sigmoid", "neg")]
    depth = draw(st.integers(min_depth, max_depth))
    pattern = draw(st.lists(st.sampled_from(gentle), min_size=1, max_size=4))
    steps = tuple((pattern[k % len(pattern)], (k,)) for k in range(depth))
    return Expression((draw(floats_in(Interval(-2.0, 2.0))),), steps)


def _arity_of(draw: Any, op: Primitive) -> int:
    if op.arity is not None:
        return op.arity
    if op.layout == "bias_weights_inputs":  # a bias, then n weights and n inputs
        return 1 + 2 * draw(st.integers(1, MAX_NARY_WIDTH // 2 + 1))
    return draw(st.integers(1, MAX_NARY_WIDTH))


def _interval(op: Primitive, index: int) -> Interval:
    return op.domain[min(index, len(op.domain) - 1)]


def _away_from_kinks(x: float, interval: Interval) -> bool:
    return all(abs(x - kink) > KINK_MARGIN for kink in interval.avoid)


def _evaluate_if_safe(op: Primitive, args: list[float]) -> float | None:
    for i, x in enumerate(args):
        interval = _interval(op, i)
        if not (interval.low <= x <= interval.high and _away_from_kinks(x, interval)):
            return None
    try:
        result = op.forward(*args)
    except (ValueError, ArithmeticError):
        return None
    if not math.isfinite(result) or abs(result) > MAGNITUDE_LIMIT:
        return None
    return result
