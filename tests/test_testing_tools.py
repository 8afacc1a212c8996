"""autograd.testing itself: the checks must catch wrong derivatives, and the
strategies must draw what they promise."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import PRIMITIVES, Primitive, Value, apply
from autograd.primitives import Interval, sin
from autograd.testing import GradcheckError, gradcheck, gradgradcheck, numerical_gradient
from autograd.testing.strategies import arguments, deep_chains, expressions, floats_in

# sin with a wrong derivative rule (sin instead of cos): the checks must notice.
WRONG_SIN = Primitive("wrong_sin", "wsin", 1, math.sin, lambda out, x: (sin(x),),
                      (Interval(),))
# x^3 whose first derivative is right but is built from a constant, so the second
# derivative it gives is 0 instead of 6x.
FLAT_CUBE = Primitive("flat_cube", "cube", 1, lambda x: x**3,
                      lambda out, x: (3 * (x.data if isinstance(x, Value) else x) ** 2,),
                      (Interval(),))


def test_gradcheck_reports_the_input_and_both_values():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a * b + apply(WRONG_SIN, b), [0.5, 1.0])
    message = str(info.value)
    assert "input 1" in message and "input 0" not in message
    assert f"{0.5 + math.sin(1.0)!r}" in message  # the wrong analytic value
    assert "finite differences" in message
    assert gradcheck(lambda a: apply(WRONG_SIN, a), [1.0], raise_exception=False) is False


def test_gradgradcheck_catches_a_wrong_second_derivative():
    assert gradcheck(lambda x: apply(FLAT_CUBE, x), [1.5])  # first order is fine
    with pytest.raises(GradcheckError, match="d2/d input 0 d input 0"):
        gradgradcheck(lambda x: apply(FLAT_CUBE, x), [1.5])


def test_numerical_gradient_and_bad_functions():
    assert numerical_gradient(lambda x, y: x * y, [2.0, 3.0]) == pytest.approx([3.0, 2.0])
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: 1.0, [1.0])
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0), [])


@pytest.mark.parametrize("op", sorted(PRIMITIVES.values(), key=lambda o: o.name),
                         ids=sorted(PRIMITIVES))
@given(data=st.data())
def test_arguments_are_drawn_from_the_domain(op, data):
    if op.constant is None and op.constant_samples:  # an op with a number operand
        op = op.bind(op.constant_samples[0])
    args = data.draw(arguments(op))
    if op.arity is not None:
        assert len(args) == op.arity
    for i, x in enumerate(args):
        interval = op.domain[min(i, len(op.domain) - 1)]
        assert interval.low <= x <= interval.high
        assert all(abs(x - kink) > 1e-3 for kink in interval.avoid)
    apply(op, *[Value(x) for x in args])  # valid: no domain error


@given(expressions(max_steps=15))
def test_expressions_build_graphs_with_shared_nodes_possible(expr):
    out = expr(*[Value(x) for x in expr.inputs])
    assert isinstance(out, Value) and not out.is_leaf
    assert len(expr.steps) >= 1
    assert math.isfinite(out.data)


def test_expressions_do_reuse_subexpressions():
    @given(expressions(max_steps=12))
    def count(expr):
        used = [i for _, where in expr.steps for i in where]
        if len(used) != len(set(used)):
            found.append(expr)
    found = []
    count()
    assert found, "no drawn expression used a slot twice"


@given(deep_chains(min_depth=50, max_depth=60))
def test_deep_chains_are_deep(expr):
    assert 50 <= len(expr.steps) <= 60
    assert all(where == (k,) for k, (_, where) in enumerate(expr.steps))


@given(floats_in(Interval(-1.0, 1.0, avoid=(0.0,))))
def test_floats_in_keeps_away_from_kinks(x):
    assert -1.0 <= x <= 1.0 and abs(x) > 1e-3
