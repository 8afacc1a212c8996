"""An op of your own, declared once with define_primitive, works everywhere the
built-in ones do: backward, higher order, compile and its batch replay, the player,
gradcheck and the hypothesis strategies, with no other change."""

import math

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import PRIMITIVES, Value, define_primitive, grad, undefine_primitive
from autograd.primitives import Interval
from autograd.testing import gradcheck, gradgradcheck
from autograd.testing.strategies import arguments, every_primitive, expressions
from autograd.viz import draw_backward


@pytest.fixture
def gauss():
    # forward written with math (works on arrays element by element), the derivative
    # with the table's helpers (works on numbers, Values and arrays)
    op = define_primitive("gauss", lambda x: math.exp(-x * x),
                          lambda out, x: (-2.0 * x * out,),
                          domain=(Interval(-3.0, 3.0),), slope_text=("-2 * {x} * {out}",))
    yield op
    undefine_primitive("gauss")


def test_the_op_backpropagates_to_any_order(gauss):
    x = Value(0.7, label="x")
    y = x.gauss()
    y.backward()
    assert y.data == pytest.approx(math.exp(-0.49))
    assert x.grad == pytest.approx(-2 * 0.7 * math.exp(-0.49))
    x2 = Value(0.7)
    (first,) = grad(x2.gauss(), x2, create_graph=True)
    (second,) = grad(first, x2)
    assert second == pytest.approx((4 * 0.49 - 2) * math.exp(-0.49))
    assert gradcheck(lambda v: v.gauss() * v, [0.3])
    assert gradgradcheck(lambda v: v.gauss(), [0.3])


def test_compile_and_the_batch_replay_run_it(gauss):
    program = autograd.compile(lambda v: v.gauss() * 2.0, [0.5])
    out, (slope,) = program(1.0)
    assert out == pytest.approx(2 * math.exp(-1.0))
    xs = numpy.array([-1.0, 0.0, 0.5, 2.0])
    outs, (slopes,) = program.batch(xs)
    assert outs == pytest.approx([2 * math.exp(-x * x) for x in xs])
    assert slopes == pytest.approx([-4 * x * math.exp(-x * x) for x in xs])


def test_the_player_writes_its_rule(gauss):
    x = Value(0.5, label="x")
    y = x.gauss()
    y.label = "y"
    lines = [line for step in draw_backward(y).steps for line in step.lines]
    assert any(line.startswith("∂y/∂x = -2 * x * y = ") for line in lines), lines


def test_the_strategies_pick_it_up_with_no_other_change(gauss):
    assert gauss in every_primitive() and PRIMITIVES["gauss"] is gauss

    @settings(max_examples=30, deadline=None)
    @given(st.data())
    def check(data):
        (x,) = data.draw(arguments(gauss))
        assert -3.0 <= x <= 3.0
        assert gradcheck(lambda v: v.gauss(), [x])
    check()

    @settings(max_examples=30, deadline=None)
    @given(expressions(ops=[gauss, PRIMITIVES["mul"]]))
    def graphs(expression):
        assert gradcheck(expression, expression.inputs)
    graphs()


def test_bad_declarations_are_refused_clearly():
    with pytest.raises(ValueError, match=r"^define_primitive: 'tanh' is taken"):
        define_primitive("tanh", math.tanh, lambda out, x: (1 - out * out,))
    with pytest.raises(ValueError, match=r"^define_primitive\('mexp'\): the derivative does "
                                         r"not work on Values .*not math's"):
        define_primitive("mexp", math.exp, lambda out, x: (math.exp(x),))
    with pytest.raises(ValueError, match=r"^define_primitive\('two'\): the derivative must "
                                         r"return a tuple of 1 slope\(s\), got 2.0"):
        define_primitive("two", lambda x: 2 * x, lambda out, x: 2.0)
    with pytest.raises(ValueError, match=r"^define_primitive: the name must be a Python "
                                         r"identifier"):
        define_primitive("my op", abs, lambda out, x: (1.0,))
    assert "mexp" not in PRIMITIVES and not hasattr(Value, "mexp")   # nothing half-made
    with pytest.raises(KeyError, match=r"'relu' was not defined with define_primitive"):
        undefine_primitive("relu")


def test_a_batch_names_the_example_where_a_math_written_forward_fails():
    define_primitive("mlog", lambda x: math.log(x), lambda out, x: (1 / x,),
                     domain=(Interval(0.1, 5.0),), requires="x > 0")
    try:
        program = autograd.compile(lambda v: v.mlog(), [1.0])
        with pytest.raises(ValueError, match=r"^batch: example 1: mlog\(-1.0\): outside its "
                                              r"domain \(x > 0\)"):
            program.batch(numpy.array([1.0, -1.0]))
    finally:
        undefine_primitive("mlog")
