"""Closed-form checks of nn/losses.py: the numbers of the L2 penalty's value and gradient,
how ``count_correct`` reads a list or a NumPy batch, and how a score is read."""

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn.losses import (
    Loss,
    argmax,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2,
    l2_value_and_gradient,
    mse,
)

# --- l2_value_and_gradient: alpha * sum(p^2) and 2 alpha p, as plain numbers -------------


def test_l2_value_and_gradient_closed_form():
    value, gradient = l2_value_and_gradient([Value(3.0), Value(-0.5)], 0.25)
    assert value == 0.25 * (9.0 + 0.25)  # 2.3125
    assert gradient == [1.5, -0.25]  # 2 * alpha * p


def test_l2_value_and_gradient_of_zero_parameters_is_zero_not_an_error():
    assert l2_value_and_gradient([Value(0.0), Value(0.0)], 0.5) == (0.0, [0.0, 0.0])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=6),
    st.floats(1e-6, 10.0),
)
def test_l2_value_and_gradient_equal_the_graphs_numbers(numbers, alpha):
    """The same numbers, bit for bit, as l2(...) and its backward pass."""
    params = [Value(x) for x in numbers]
    penalty = l2(params, alpha)
    penalty.backward()
    value, gradient = l2_value_and_gradient(params, alpha)
    assert value == penalty.data
    assert gradient == [p.grad for p in params]


# --- count_correct ------------------------------------------------------------------------


def test_a_regression_loss_counts_no_right_predictions():
    assert mse.count_correct([Value(1.0), Value(2.0)], [1.0, 2.0]) == 0
    assert mse.count_correct(numpy.array([1.0, 2.0]), [1.0, 2.0]) == 0


def test_count_correct_of_a_list_counts_each_example():
    assert hinge.count_correct([Value(2.0), Value(-0.5), 3.0], [1, 1, -1]) == 1
    assert binary_cross_entropy.count_correct([0.5, -2.0, -1.0], [1, 0, 1]) == 2
    assert cross_entropy.count_correct([[0.0, 2.0], [5.0, 1.0]], [1, 1]) == 1


def test_count_correct_of_a_list_refuses_a_different_number_of_predictions():
    with pytest.raises(ValueError, match="longer"):
        hinge.count_correct([Value(1.0)], [1, 1])
    with pytest.raises(ValueError, match="shorter"):
        hinge.count_correct([Value(1.0), Value(-1.0)], [1])


def test_count_correct_of_a_numpy_batch_asks_is_correct_once_with_the_whole_batch():
    seen = []

    def is_correct(scores, targets):
        seen.append((numpy.shape(scores), numpy.shape(targets)))
        return scores.argmax(axis=1) == targets  # works on the whole batch only

    loss = Loss("mine", per_example=lambda p, t: p, encode=lambda y, n: (y,),
                is_correct=is_correct)
    scores = numpy.array([[0.0, 1.0], [3.0, 1.0], [0.5, 2.5]])
    count = loss.count_correct(scores, [1, 1, 1])
    assert count == 2 and type(count) is int
    assert seen == [((3, 2), (3,))]


def test_count_correct_of_numpy_batches_matches_the_lists():
    logits = numpy.array([[0.0, 2.0, 1.0], [5.0, 1.0, 5.0], [1.0, 1.0, 0.0]])
    labels = [1, 0, 1]
    assert cross_entropy.count_correct(logits, labels) == 2
    assert cross_entropy.count_correct(logits.tolist(), labels) == 2
    scores = numpy.array([0.5, -0.5, 0.0, 2.0])
    assert hinge.count_correct(scores, [1, -1, 1, -1]) == 2
    assert binary_cross_entropy.count_correct(scores, [1, 0, 1, 0]) == 2


# --- reading a score ----------------------------------------------------------------------


class _Scalar:
    """A number from elsewhere that converts with float() and has no ordering of its own."""

    def __init__(self, x):
        self.x = x

    def __float__(self):
        return float(self.x)


def test_a_score_is_read_through_float():
    assert argmax([_Scalar(1.0), _Scalar(3.0), _Scalar(2.0)]) == 1
    assert hinge.is_correct(_Scalar(0.5), 1)
    assert binary_cross_entropy.is_correct(_Scalar(-0.5), 0)


def test_argmax_of_a_matrix_gives_each_rows_first_largest_entry():
    rows = numpy.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    assert argmax(rows).tolist() == [1, 0]
    assert argmax([Value(1.0), Value(3.0), Value(3.0)]) == 1
