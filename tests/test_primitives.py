"""Every primitive in the table, checked against finite differences and closed forms."""

import math

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import PRIMITIVES, Value, apply, draw_dot, grad, logsumexp, sum_values, weighted_sum
from autograd.primitives import ADD, MUL, SUB
from autograd.testing import gradcheck, gradgradcheck
from autograd.testing.strategies import arguments, every_primitive

OPS = sorted(PRIMITIVES.values(), key=lambda op: op.name)
ALL_OPS = every_primitive()  # ops with a number operand bound to each sample number
IDS = [op.label() if op.constant is not None else op.name for op in ALL_OPS]


def make(op):
    return lambda *xs: apply(op, *xs)


@pytest.mark.parametrize("op", ALL_OPS, ids=IDS)
@given(data=st.data())
def test_first_derivative_matches_finite_differences(op, data):
    args = data.draw(arguments(op))
    assert gradcheck(make(op), args)


@pytest.mark.parametrize("op", ALL_OPS, ids=IDS)
@given(data=st.data())
def test_second_derivative_matches_finite_differences(op, data):
    args = data.draw(arguments(op))
    assert gradgradcheck(make(op), args)


@pytest.mark.parametrize("op", ALL_OPS, ids=IDS)
@given(data=st.data())
def test_float_rule_and_graph_rule_agree(op, data):
    """The same derivative rule run on floats and on Values gives the same numbers."""
    args = data.draw(arguments(op))
    node = apply(op, *[Value(x) for x in args])
    as_graphs = op.derivative(node, *node.parents)
    for recorded, symbolic in zip(node.local_derivatives, as_graphs):
        symbolic = symbolic.data if isinstance(symbolic, Value) else symbolic
        assert recorded == pytest.approx(symbolic, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("op", ALL_OPS, ids=IDS)
@given(data=st.data())
def test_forward_matches_the_table(op, data):
    args = data.draw(arguments(op))
    assert apply(op, *[Value(x) for x in args]).data == op.forward(*args)


@pytest.mark.parametrize(
    "symbol, table_op", [("+", ADD), ("*", MUL), ("-", SUB)], ids=["add", "mul", "sub"]
)
@given(x=st.floats(-1e6, 1e6), y=st.floats(-1e6, 1e6))
def test_hand_written_ops_match_table(symbol, table_op, x, y):
    """__add__, __mul__ and __sub__ skip the table for speed; they must agree with it."""
    a, b = Value(x), Value(y)
    fast = {"+": a + b, "*": a * b, "-": a - b}[symbol]
    generic = apply(table_op, a, b)
    assert fast.data == generic.data
    assert fast.local_derivatives == generic.local_derivatives
    assert fast.primitive is table_op and fast.parents == (a, b)


@given(x=st.floats(-1e6, 1e6))
def test_hand_written_relu_matches_table(x):
    a = Value(x)
    fast, generic = a.relu(), apply(PRIMITIVES["relu"], a)
    assert (fast.data, fast.local_derivatives) == (generic.data, generic.local_derivatives)
    assert fast.primitive is generic.primitive


@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=1,
                max_size=8), st.floats(-1e3, 1e3))
def test_hand_written_weighted_sum_matches_table(pairs, b):
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    bias = Value(b)
    fast = weighted_sum(ws, xs, bias)
    generic = apply(PRIMITIVES["weighted_sum"], bias, *ws, *xs)
    assert fast.data == pytest.approx(generic.data, rel=1e-12, abs=1e-9)
    assert fast.local_derivatives == generic.local_derivatives
    assert fast.parents == generic.parents


# --- closed forms -------------------------------------------------------------------


def derivative(f, x):
    v = Value(x)
    (d,) = grad(f(v), v)
    return d


def test_exp_log_sqrt_closed_forms():
    assert derivative(Value.exp, 1.5) == pytest.approx(math.exp(1.5))
    assert derivative(Value.log, 4.0) == pytest.approx(0.25)
    assert derivative(Value.sqrt, 4.0) == pytest.approx(0.25)
    assert derivative(Value.sin, 0.3) == pytest.approx(math.cos(0.3))
    assert derivative(Value.cos, 0.3) == pytest.approx(-math.sin(0.3))


@pytest.mark.parametrize("x", [1000.0, -1000.0, 1e308, -1e308])
def test_tanh_sigmoid_softplus_are_stable_at_extremes(x):
    sign = math.copysign(1.0, x)
    assert Value(x).tanh().data == sign
    assert derivative(Value.tanh, x) == 0.0
    assert Value(x).sigmoid().data == (1.0 if x > 0 else 0.0)
    assert derivative(Value.sigmoid, x) == 0.0
    assert Value(x).softplus().data == (x if x > 0 else 0.0)
    assert derivative(Value.softplus, x) == (1.0 if x > 0 else 0.0)


def test_sigmoid_matches_its_definition():
    for x in (-5.0, -0.5, 0.0, 0.5, 5.0):
        s = 1 / (1 + math.exp(-x))
        assert Value(x).sigmoid().data == pytest.approx(s, rel=1e-15)
        assert derivative(Value.sigmoid, x) == pytest.approx(s * (1 - s), rel=1e-12)


def test_relu_and_abs_at_zero_take_slope_zero():
    assert derivative(Value.relu, 0.0) == 0.0
    assert derivative(Value.abs, 0.0) == 0.0
    assert derivative(Value.relu, 2.0) == 1.0 and derivative(Value.relu, -2.0) == 0.0
    assert derivative(Value.abs, -2.0) == -1.0


def test_sqrt_slope_at_zero_is_infinite():
    assert Value(0.0).sqrt().data == 0.0
    assert derivative(Value.sqrt, 0.0) == math.inf


def test_power_with_value_exponent_feeds_both_sides():
    a, b = Value(2.0), Value(3.0)
    da, db = grad(a**b, [a, b])
    assert da == pytest.approx(3 * 2.0**2)
    assert db == pytest.approx(8 * math.log(2.0))
    (dc,) = grad(2 ** b, b)  # a number base: __rpow__
    assert dc == pytest.approx(8 * math.log(2.0))


def test_negative_base_with_whole_exponent():
    assert (Value(-3.0) ** 2).data == 9.0
    assert derivative(lambda v: v**3, -2.0) == pytest.approx(12.0)


def test_nary_sum_weighted_sum_logsumexp():
    xs = [Value(v) for v in (0.5, -1.0, 2.0)]
    ws = [Value(v) for v in (3.0, 4.0, -1.0)]
    b = Value(0.25)
    s = weighted_sum(ws, xs, b)
    assert s.data == pytest.approx(0.25 + 1.5 - 4.0 - 2.0)
    assert len(s.parents) == 7  # one node, not a chain
    grads = grad(s, [b, *ws, *xs])
    assert grads == pytest.approx((1.0, 0.5, -1.0, 2.0, 3.0, 4.0, -1.0))
    total = sum_values(xs)
    assert total.data == pytest.approx(1.5) and grad(total, xs) == (1.0, 1.0, 1.0)
    lse = logsumexp(xs)
    expected = math.log(sum(math.exp(v.data) for v in xs))
    assert lse.data == pytest.approx(expected)
    softmax = [math.exp(v.data - expected) for v in xs]
    assert grad(lse, xs) == pytest.approx(tuple(softmax))


def test_logsumexp_is_stable_for_huge_inputs():
    xs = [Value(1000.0), Value(1000.0), Value(-1000.0)]
    out = logsumexp(xs)
    assert out.data == pytest.approx(1000.0 + math.log(2.0))
    assert grad(out, xs) == pytest.approx((0.5, 0.5, 0.0))


def test_every_op_has_a_domain_and_label():
    for op in OPS:
        assert op.domain and op.symbol and op.requires
        if op.arity is not None:
            assert len(op.domain) == op.arity


@pytest.mark.parametrize("make, op, slope", [
    (lambda v: v * 2.5, "mul_const", 2.5), (lambda v: 2.5 * v, "mul_const", 2.5),
    (lambda v: v + 2.5, "add_const", 1.0), (lambda v: 2.5 + v, "add_const", 1.0),
    (lambda v: v - 2.5, "sub_const", 1.0), (lambda v: 2.5 - v, "rsub_const", -1.0),
    (lambda v: v / 2.5, "div_const", 0.4), (lambda v: 2.5 / v, "rdiv_const", -2.5 / 4.0),
    (lambda v: v * 3, "mul_const", 3.0), (lambda v: v * numpy.float64(2.5), "mul_const", 2.5),
])
def test_a_number_operand_makes_one_node_that_matches_the_table(make, op, slope):
    x = Value(2.0, label="x")
    y = make(x)
    assert y.parents == (x,) and y.primitive.name == op          # no leaf for the number
    assert y.local_derivatives == (pytest.approx(slope),)
    table = apply(y.primitive, Value(2.0))                       # the table's own rule
    assert (y.data, y.local_derivatives) == (table.data, table.local_derivatives)
    y.backward()
    assert x.grad == pytest.approx(slope)
    assert y.primitive.label() in draw_dot(y).source             # the drawing shows it


def test_number_operands_are_checked_as_before():
    with pytest.raises(TypeError, match=r"^unsupported operand type for \* \(mul\): str"):
        Value(1.0) * "a"
    with pytest.raises(TypeError, match=r"^unsupported operand type for \+ \(add\): bool"):
        True + Value(1.0)
    with pytest.raises(ZeroDivisionError, match=r"^div\(1.0, 0.0\): division by zero"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match=r"^div\(3.0, 0.0\): division by zero"):
        3 / Value(0.0)


def test_every_primitive_declared_is_in_the_registry_with_a_known_layout():
    from autograd import primitives
    declared = [v for v in vars(primitives).values()
                if isinstance(v, primitives.Primitive) and v.constant is None]
    assert {id(op) for op in declared} <= {id(op) for op in PRIMITIVES.values()}
    for op in PRIMITIVES.values():
        assert op.layout in ("fixed", "variadic", "bias_weights_inputs"), op
        assert (op.arity is None) == (op.layout != "fixed"), op
