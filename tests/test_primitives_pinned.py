"""Closed-form checks of the primitive table (autograd/primitives.py): the exact
numbers, texts and errors of each rule, where the property tests only compare rules
with each other or with finite differences."""

import math

import numpy
import pytest

from autograd import Value
from autograd import primitives as P
from autograd.primitives import (
    ADD_CONST,
    DIV,
    LOGSUMEXP,
    MUL,
    MUL_CONST,
    NEG,
    POW,
    POW_CONST,
    RELU,
    RSUB_CONST,
    SUM,
    TANH,
    WEIGHTED_SUM,
    Primitive,
)

# --- the rule texts the backward-pass player shows ---------------------------------------


def test_slope_template_of_a_binary_op_names_the_other_argument():
    assert MUL.slope_template(0, 2) == "{1}"  # d(x*y)/dx = y
    assert MUL.slope_template(1, 2) == "{0}"  # d(x*y)/dy = x
    assert DIV.slope_template(1, 2) == "-{0}/{1}^2"


@pytest.mark.parametrize(
    "count, expected",
    [
        (3, ["1", "{2}", "{1}"]),  # (b, w, x)
        (5, ["1", "{3}", "{4}", "{1}", "{2}"]),  # (b, w1, w2, x1, x2)
        (7, ["1", "{4}", "{5}", "{6}", "{1}", "{2}", "{3}"]),
    ],
)
def test_slope_template_of_a_weighted_sum_pairs_each_weight_with_its_input(count, expected):
    assert [WEIGHTED_SUM.slope_template(i, count) for i in range(count)] == expected


def test_slope_template_of_a_variadic_op_uses_the_argument_itself():
    assert [SUM.slope_template(i, 4) for i in range(4)] == ["1"] * 4
    assert LOGSUMEXP.slope_template(2, 3) == "exp({2} - {out})"


@pytest.mark.parametrize(
    "k, expected",
    [(3.0, "3 * {0}^2"), (2.0, "2 * {0}"), (0.5, "0.5 * {0}^-0.5"), (-1.0, "-1 * {0}^-2")],
)
def test_slope_template_of_a_power_fills_in_k_and_k_minus_1(k, expected):
    assert POW_CONST.bind(k).slope_template(0, 1) == expected


def test_slope_template_of_a_bound_number_operand():
    assert MUL_CONST.bind(2.5).slope_template(0, 1) == "2.5"
    assert P.RDIV_CONST.bind(3).slope_template(0, 1) == "-3/{0}^2"
    assert TANH.slope_template(0, 1) == "1 - {out}^2"


# --- the forward formula the player shows --------------------------------------------------


def test_formula_of_a_weighted_sum_lists_the_products_then_the_bias():
    assert WEIGHTED_SUM.formula(["b", "w", "x"]) == "w*x + b"
    assert WEIGHTED_SUM.formula(["b", "w1", "w2", "x1", "x2"]) == "w1*x1 + w2*x2 + b"


def test_formula_of_a_weighted_sum_refuses_unpaired_weights_and_inputs():
    with pytest.raises(ValueError, match="zip"):
        WEIGHTED_SUM.formula(["b", "w1", "w2", "x1"])


def test_formula_of_the_infix_operators():
    assert MUL.formula(["a", "b"]) == "a * b"
    assert DIV.formula(["(-1)", "b"]) == "(-1) / b"


def test_formula_of_ops_with_a_formula_text():
    assert POW.formula(["a", "b"]) == "a^b"
    assert POW_CONST.bind(2).formula(["x"]) == "x^2"
    assert RSUB_CONST.bind(3).formula(["x"]) == "3 - x"
    assert ADD_CONST.bind(2).formula(["3"]) == "3 + 2"  # no parentheses: not a negation
    assert SUM.formula(["a", "b", "c"]) == "a + b + c"


def test_the_negation_of_a_number_is_parenthesised():
    assert NEG.formula(["a"]) == "-a"
    assert NEG.formula(["0"]) == "-(0)"  # not -0, which reads as a negative zero
    assert NEG.formula(["0.5"]) == "-(0.5)"


def test_an_unbound_number_operand_and_a_missing_second_argument_read_as_empty():
    assert ADD_CONST.formula(["x"]) == "x + "
    op = Primitive("f", "f", 1, abs, lambda out, x: (1.0,), (P.Interval(),),
                   formula_text="[{x}|{y}|{k}]")
    assert op.formula(["a"]) == "[a||]"


def test_formula_of_a_function_drops_one_pair_of_parentheses_around_an_argument():
    assert TANH.formula(["n"]) == "tanh(n)"
    assert TANH.formula(["(-1)"]) == "tanh(-1)"
    assert TANH.formula(["tanh(n)"]) == "tanh(tanh(n))"  # ends with ")" only
    assert TANH.formula(["(a"]) == "tanh((a)"  # starts with "(" only
    assert LOGSUMEXP.formula(["a", "(b)"]) == "logsumexp(a, b)"


# --- the chain rule's product for one edge ---------------------------------------------


def test_contribution_is_slope_times_upstream():
    assert P.contribution(MUL, 2.0, 3.0) == 6.0
    assert math.isnan(P.contribution(MUL, 0.0, math.inf))  # 0 * inf, as IEEE says


def test_contribution_of_relu_masks_the_upstream_gradient():
    assert P.contribution(RELU, 1.0, 5.0) == 5.0
    assert P.contribution(RELU, 1.0, math.inf) == math.inf
    assert P.contribution(RELU, 0.0, math.nan) == 0.0
    out = P.contribution(RELU, numpy.array([1.0, 0.0]), numpy.array([math.inf, math.nan]))
    assert out.tolist() == [math.inf, 0.0]


# --- the dispatching helpers --------------------------------------------------------------


def test_an_elementwise_helper_dispatches_numbers_values_and_arrays():
    helper = P._elementwise("exp", math.exp)
    assert helper.__name__ == "exp"
    assert type(helper(0)) is float and helper(0) == 1.0  # an int: math's, not NumPy's
    assert type(helper(1.0)) is float and helper(1.0) == math.exp(1.0)
    node = helper(Value(0.0))
    assert isinstance(node, Value) and node.data == 1.0 and node.primitive is P.EXP
    assert helper(numpy.array([0.0, 1.0])).tolist() == [1.0, math.exp(1.0)]


def test_slope_template_of_a_bias_weights_inputs_op_names_the_argument_and_its_partner():
    # b + sum(w_i * x_i^2): d/dw_i = x_i^2, d/dx_i = 2 * w_i * x_i
    squares = Primitive(
        "weighted_squares", "wx²+b", None, abs, lambda out, *xs: (), (P.Interval(),),
        slope_text=("1", "{partner}^2", "2 * {partner} * {x}"), layout="bias_weights_inputs",
    )
    assert [squares.slope_template(i, 5) for i in range(5)] == [
        "1", "{3}^2", "{4}^2", "2 * {1} * {3}", "2 * {2} * {4}"
    ]
