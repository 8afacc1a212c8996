"""Exact behaviours of autograd/engine.py: error messages, defaults of new nodes,
the order of graph walks and the types of the gradients grad() returns."""

import math
import re

import pytest

from autograd.engine import StaleGraphError, Value, apply, grad, no_grad, topological_order, weighted_sum
from autograd.primitives import TANH


# --- Value(...) checks its arguments, with messages that say what to write ----------


def test_a_single_value_as_children_is_refused_with_a_hint():
    with pytest.raises(
        TypeError,
        match=r"^Value: _children must be a tuple of Values, got a single Value; write \(x,\)$",
    ):
        Value(1.0, Value(2.0))


def test_children_that_are_not_iterable_are_named_by_type_and_repr():
    with pytest.raises(
        TypeError, match=r"^Value: _children must be a tuple of Values, got int \(5\)$"
    ):
        Value(1.0, 5)


def test_data_that_is_not_a_number_is_named_by_type_and_repr():
    with pytest.raises(
        TypeError, match=r"^Value\(\) takes an int or a float, got str \('a'\)$"
    ):
        Value("a")


# --- the defaults of nodes -----------------------------------------------------------


def test_a_plain_leaf_has_an_empty_op_and_is_a_leaf():
    v = Value(1.0)
    assert v._op == ""
    assert v.is_leaf
    assert v.parents == ()


def test_a_node_made_by_hand_without_op_keeps_its_parents():
    a, b = Value(2.0), Value(3.0)
    out = Value(5.0, (a, b))
    assert out.parents == (a, b)
    assert not out.is_leaf


def test_backward_through_a_hand_made_node_without_closure_passes_nothing():
    a, b = Value(2.0), Value(3.0)
    out = Value(5.0, (a, b))
    out.backward()
    assert out.grad == 1.0
    assert a.grad == 0.0
    assert b.grad == 0.0


def test_computed_nodes_are_unnamed_and_start_with_zero_gradient():
    x, w1, w2 = Value(3.0), Value(0.5), Value(-2.0)
    product = x * 2
    assert product.label == ""
    assert product.grad == 0.0
    z = weighted_sum([w1, w2], [x, 4.0])
    assert z.label == ""
    assert z.grad == 0.0
    with no_grad():
        unrecorded = x * x
    assert unrecorded.label == ""
    assert unrecorded.grad == 0.0
    r = repr(z)
    assert r == "Value(data=-6.5, grad=0.0)"


def test_gradient_through_a_many_parent_node_counts_only_the_path_once():
    x, w1, w2 = Value(3.0), Value(0.5), Value(-2.0)
    z = weighted_sum([w1, w2], [x, 4.0])
    out = z * 2
    out.backward()
    assert w1.grad == 6.0
    assert w2.grad == 8.0
    assert x.grad == 1.0
    assert z.grad == 2.0


def test_multiplying_by_an_int_keeps_the_int_in_the_op_name():
    x = Value(3.0)
    assert (x * 2)._op == "*2"
    assert (x * 2.5)._op == "*2.5"


# --- graph walks ---------------------------------------------------------------------


def test_topological_order_visits_many_parents_in_argument_order():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    node = Value(3.0, (a, b), "f")
    assert topological_order(node) == [a, b, node]
    c = Value(4.0, label="c")
    ws = weighted_sum([a, b], [c, 5.0])
    order = topological_order(ws)
    assert order[-1] is ws
    assert [n for n in order if n.label] == [a, b, c]


def test_topological_order_refuses_a_non_value_naming_it():
    with pytest.raises(TypeError, match=r"^expected a Value, got int \(3\)$"):
        topological_order(Value(1.0), 3)


def test_a_computed_node_whose_data_was_set_is_named_in_the_stale_error():
    x = Value(3.0)
    y = x * 2
    y.data = 5.0
    expected = re.escape(f"{y!r} had its .data set after it was computed")
    with pytest.raises(StaleGraphError, match="^" + expected):
        topological_order(y)


# --- apply and grad ------------------------------------------------------------------


def test_apply_with_the_wrong_number_of_arguments_says_how_many():
    with pytest.raises(TypeError, match=r"^tanh takes 1 argument\(s\), got 2$"):
        apply(TANH, Value(1.0), Value(2.0))


def test_grad_with_too_many_grad_outputs_says_how_many():
    x = Value(3.0)
    with pytest.raises(ValueError, match=r"^grad: 2 grad_outputs for 1 outputs$"):
        grad(x * 2, x, grad_outputs=[1.0, 2.0])


def test_grad_with_a_value_seed_returns_plain_floats_without_create_graph():
    x = Value(3.0)
    (g,) = grad(x * x, x, grad_outputs=Value(2.0))
    assert type(g) is float
    assert g == 12.0


def test_a_zero_seed_added_to_a_value_seed_keeps_the_value_and_its_sign():
    y = Value(3.0)
    seed = Value(-0.0)
    (g,) = grad([y, y], [y], grad_outputs=[seed, 0.0], create_graph=True)
    assert g is seed
    assert math.copysign(1.0, g.data) == -1.0


def test_an_int_operand_is_held_as_a_float_on_either_side():
    from autograd import Value

    x = Value(1.5)
    for product in (x * 3, 3 * x, x * 3.0):
        assert product.local_derivatives == (3.0,)
        assert type(product.local_derivatives[0]) is float
        assert type(product.primitive.constant) is float
