"""Closed-form checks of the engine (autograd/engine.py): the exact numbers, node
layouts and error messages of Value, backward, grad and the graph walks."""

import math
import re

import pytest

from autograd import StaleGraphError, TraceError, Value, logsumexp, set_data
from autograd.engine import apply, tracing
from autograd.primitives import Interval, Primitive

# --- comparisons -------------------------------------------------------------------------


def test_comparisons_are_strict_or_not_as_written():
    one = Value(1.0)
    assert not one > 1.0 and not one < 1.0
    assert one >= 1.0 and one <= 1.0
    assert one > Value(0.5) and one < 2


@pytest.mark.parametrize(
    "compare, symbol",
    [
        (lambda v: v < "a", "<"),
        (lambda v: v <= "a", "<="),
        (lambda v: v > "a", ">"),
        (lambda v: v >= "a", ">="),
    ],
)
def test_a_comparison_with_a_non_number_names_the_operator(compare, symbol):
    with pytest.raises(TypeError, match=f"^cannot compare Value {re.escape(symbol)} str \\('a'\\)$"):
        compare(Value(1.0))


def test_a_comparison_while_tracing_is_refused_with_the_reason():
    message = (
        "compile: f compares a Value (<=); Python control flow that depends on values "
        "cannot be recorded, so compile refuses f (use relu, abs or other primitives "
        "instead of if/else, or run f eagerly)"
    )
    with tracing(), pytest.raises(TraceError, match=f"^{re.escape(message)}$"):
        Value(1.0) <= 2.0


# --- zero_grad ------------------------------------------------------------------------------


def test_zero_grad_clears_a_graph_no_backward_walked():
    x, w = Value(2.0), Value(3.0)
    y = (x * w).tanh()
    for node, g in ((x, 5.0), (w, 6.0), (y, 7.0)):
        node.grad = g
    y.zero_grad()
    assert (x.grad, w.grad, y.grad) == (0.0, 0.0, 0.0)


# --- refusals with their messages -----------------------------------------------------------


def test_a_micrograd_op_that_is_no_string_is_refused():
    with pytest.raises(TypeError, match=r"^Value: _op must be a str, got int \(3\)$"):
        Value(2.0, (Value(1.0),), 3)


def test_setting_data_to_a_non_number_says_what_was_given():
    v = Value(1.0)
    with pytest.raises(TypeError, match=r"^Value.data must be set to an int or a float, got str \('a'\)$"):
        v.data = "a"
    with pytest.raises(TypeError, match=r"got Value \(Value\(data=2.0, grad=0.0\)\) \(take its .data\)$"):
        v.data = Value(2.0)


def test_set_data_refuses_mismatched_lengths_and_non_values_by_name():
    with pytest.raises(ValueError, match=r"^set_data: 2 Values but 1 numbers$"):
        set_data([Value(1.0), Value(2.0)], [3.0])
    with pytest.raises(TypeError, match=r"^set_data: values\[1\] is a float, not a Value$"):
        set_data([Value(1.0), 2.0], [3.0, 4.0])


def test_set_data_holds_every_number_as_a_float_and_refuses_non_numbers():
    a, b = Value(1.0), Value(2.0)
    set_data([a, b], [3, 4.5])
    assert type(a.data) is float and a.data == 3.0 and b.data == 4.5
    with pytest.raises(TypeError, match=r"got str \('x'\)"):
        set_data([a, b], [5.0, "x"])
    assert (a.data, b.data) == (3.0, 4.5)  # checked first: nothing changed


def test_a_micrograd_node_refused_where_a_table_rule_is_needed_says_what_to_do():
    x = Value(2.0)
    y = Value(4.0, (x,), "sq")
    with pytest.raises(TypeError, match=r"declare the op with autograd\.define_primitive instead$"):
        y.local_derivatives


def test_logsumexp_of_nothing_is_refused():
    with pytest.raises(ValueError, match=r"^logsumexp needs at least one value$"):
        logsumexp([])


def test_a_stale_graph_error_says_what_to_do():
    x = Value(1.0)
    y = x * 2
    x.data = 3.0
    with pytest.raises(StaleGraphError, match=r"run the forward pass again after changing a "
                       r"value \(PyTorch refuses this too\)$"):
        y.backward()


# --- domain errors name the op and at most six of its inputs --------------------------------

_SUM_OF_LOGS = Primitive(
    "sum_of_logs", "sumlog", None, lambda *xs: math.fsum(math.log(x) for x in xs),
    lambda out, *xs: tuple(1.0 / x for x in xs), (Interval(0.05, 10.0),),
    requires="every x > 0", layout="variadic",
)


def test_a_domain_error_shows_six_inputs_then_an_ellipsis():
    with pytest.raises(ValueError, match=re.escape(
        "sum_of_logs(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, ...): outside its domain (every x > 0)"
    )):
        apply(_SUM_OF_LOGS, *[Value(float(x)) for x in (1, 2, 3, 4, 5, 6, -7)])
    with pytest.raises(ValueError, match=re.escape(
        "sum_of_logs(1.0, 2.0, 3.0, 4.0, 5.0, -6.0): outside its domain (every x > 0)"
    )):
        apply(_SUM_OF_LOGS, *[Value(float(x)) for x in (1, 2, 3, 4, 5, -6)])


def test_a_derivative_that_fails_is_named_as_the_derivative():
    # arcsin's slope 1/sqrt(1 - x^2) is undefined outside [-1, 1]: a rule that only
    # checks its domain in the derivative
    arcsin_like = Primitive(
        "arcsin_like", "asin", 1, lambda x: x, lambda out, x: (1.0 / math.sqrt(1.0 - x * x),),
        (Interval(-0.9, 0.9),),
    )
    with pytest.raises(ValueError, match=r"^arcsin_like\(2\.0\): its derivative is undefined "
                       r"here: math domain error$"):
        apply(arcsin_like, Value(2.0))


# --- set_data: what counts as a change --------------------------------------------------------


def test_set_data_to_the_same_zero_leaves_the_graph_usable():
    x = Value(0.0)
    y = x * 3
    set_data([x], [0.0])
    y.backward()
    assert x.grad == 3.0


def test_set_data_to_the_other_zero_is_a_change():
    x = Value(0.0)
    y = x * 3
    set_data([x], [-0.0])
    assert math.copysign(1.0, x.data) == -1.0
    with pytest.raises(StaleGraphError):
        y.backward()


def test_set_data_on_a_computed_node_makes_its_own_edges_stale():
    x = Value(1.0)
    y = x * 2
    set_data([y], [5.0])
    assert y.data == 5.0
    with pytest.raises(StaleGraphError, match=r"had its \.data set after it was computed"):
        y.backward()


def test_set_data_goes_on_past_a_computed_node():
    x = Value(1.0)
    y = x * 2
    set_data([y, x], [5.0, 7.0])
    assert (y.data, x.data) == (5.0, 7.0)


def test_set_data_moves_the_clock_forward_past_every_node_made():
    clock = Value(0.0)
    for k in range(1, 4):  # earlier changes: the clock is past its start
        clock.data = float(k)
    x = Value(1.0)
    y = x * 2
    set_data([x], [2.0])
    with pytest.raises(StaleGraphError):
        y.backward()


# --- a number operand of another numeric type ----------------------------------------------


def test_adding_a_fraction_makes_one_add_const_node():
    from fractions import Fraction

    x = Value(1.0)
    y = x + Fraction(1, 2)
    assert y.data == 1.5 and y.parents == (x,) and y.local_derivatives == (1.0,)
    assert y.primitive.name == "add_const" and y.primitive.constant == 0.5
    y.backward()
    assert x.grad == 1.0


# --- gradients as graphs skip the products by 1 and 0 -----------------------------------------


def test_a_slope_of_one_passes_the_upstream_gradient_itself():
    from autograd import grad

    x, seed = Value(3.0), Value(2.0)
    (g,) = grad(x + 1, x, grad_outputs=[seed], create_graph=True)
    assert g is seed


def test_a_slope_of_zero_gives_a_constant_zero_not_a_product_node():
    from autograd import grad

    x, seed = Value(3.0), Value(2.0)
    (g,) = grad(x**0, x, grad_outputs=[seed], create_graph=True)
    assert g.is_leaf and g.data == 0.0
    (g,) = grad(x**0, x, grad_outputs=[Value(math.inf)], create_graph=True)
    assert math.isnan(g.data)  # 0 * inf is NaN, as on every other path


def test_symbolic_local_derivatives_refuse_a_micrograd_node():
    from autograd.engine import symbolic_local_derivatives

    y = Value(4.0, (Value(2.0),), "sq")
    with pytest.raises(TypeError, match=r"^grad\(create_graph=True\): Value\(data=4\.0, "
                       r"grad=0\.0\) \(op 'sq'\) was made micrograd's way"):
        symbolic_local_derivatives(y)


# --- grad's refusals and the backward walk's defaults -----------------------------------------


def test_grad_refuses_empty_outputs_and_non_values_by_name():
    from autograd import grad

    x = Value(1.0)
    with pytest.raises(ValueError, match=r"^grad: outputs is empty$"):
        grad([], x)
    with pytest.raises(TypeError, match=r"^grad: outputs\[0\] must be a Value, got float \(1\.0\)$"):
        grad([1.0], x)
    with pytest.raises(TypeError, match=r"^grad: inputs\[1\] must be a Value, got float \(3\.0\)$"):
        grad(x * 2, [x, 3.0])


def test_grad_of_an_unused_input_says_how_to_allow_it():
    from autograd import grad

    x, z = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"grad: inputs\[1\] \(Value\(data=2\.0, grad=0\.0\)\) is "
                       r"not used to compute the outputs; pass allow_unused=True to get 0\.0 for it$"):
        grad(x * 2, [x, z])


def test_the_backward_walk_gives_numbers_by_default_and_names_grad_when_refusing():
    from autograd.engine import gradients_by_backward_walk, topological_order

    x = Value(3.0)
    y = x * x
    gradients = gradients_by_backward_walk(topological_order(y), [(y, 1.0)])
    assert type(gradients[x]) is float and gradients[x] == 6.0
    made_by_hand = Value(9.0, (x,), "sq")
    with pytest.raises(TypeError, match=r"^grad: Value\(data=9\.0"):
        gradients_by_backward_walk(topological_order(made_by_hand), [(made_by_hand, 1.0)])


def test_weighted_sum_refuses_unpaired_weights_and_inputs():
    from autograd import weighted_sum

    with pytest.raises(ValueError, match=r"^weighted_sum: 2 weights but 1 inputs$"):
        weighted_sum([Value(1.0), Value(2.0)], [Value(3.0)])


@pytest.mark.parametrize(
    "weights, inputs, bias",
    [(["a"], [Value(1.0)], 0.0), ([Value(1.0)], ["a"], 0.0), ([Value(1.0)], [Value(1.0)], "a")],
    ids=["weight", "input", "bias"],
)
def test_weighted_sum_names_itself_when_refusing_a_non_number(weights, inputs, bias):
    from autograd import weighted_sum

    with pytest.raises(TypeError, match=r"^unsupported operand type for wx\+b \(weighted_sum\): "
                       r"str \('a'\); expected an int, a float or a Value$"):
        weighted_sum(weights, inputs, bias)


def test_backward_refuses_a_list_gradient_by_its_type():
    with pytest.raises(TypeError, match=r"^backward: the gradient must be one number or Value, "
                       r"got list \(\[1\.0\]\)$"):
        (Value(1.0) * 2).backward([1.0])


def test_backward_with_create_graph_keeps_a_value_gradient_as_a_value():
    x, seed = Value(3.0), Value(2.0)
    (x + 1).backward(seed, create_graph=True)
    assert x.grad is seed


def test_the_sum_of_nothing_is_a_zero_leaf():
    from autograd import sum_values

    total = sum_values([])
    assert total.is_leaf and total.data == 0.0


def test_a_seed_that_is_no_number_is_refused_by_its_type():
    with pytest.raises(TypeError, match=r"^backward: the gradient must be a number or a Value, "
                       r"got str \('a'\)$"):
        (Value(1.0) * 2).backward("a")
