"""Closed-form checks of nn/optim.py: the array form of each optimiser's step gives the
Values' numbers exactly, and the state moves between arrays and per-parameter dicts."""

import numpy
import pytest

from autograd import Value
from nn.optim import SGD, Adam

GRADIENTS = [[0.5, -1.0, 2.0], [0.25, 0.75, -3.0], [-1.5, 0.0, 1.0]]
START = [1.0, -2.0, 0.5]


def _values_run(make):
    params = [Value(x) for x in START]
    opt = make(params)
    for grads in GRADIENTS:
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        opt.step()
    return [p.data for p in params], opt


def _arrays_run(make):
    params = [Value(x) for x in START]
    opt = make(params)
    weights = numpy.array(START)
    state = opt.state_arrays()
    assert state == {}
    for grads in GRADIENTS:
        opt.step_arrays(weights, numpy.array(grads), state)
    return weights.tolist(), state, opt


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, weight_decay=0.5),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.25, weight_decay=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.5, nesterov=True),
        lambda ps: Adam(ps, lr=0.01),
        lambda ps: Adam(ps, lr=0.1, betas=(0.5, 0.75), eps=1e-3, weight_decay=0.2),
    ],
)
def test_step_arrays_gives_the_numbers_of_step(make):
    weights, opt = _values_run(make)
    array_weights, state, array_opt = _arrays_run(make)
    assert array_weights == weights
    assert all(numpy.asarray(v).dtype == numpy.float64 for k, v in state.items() if k != "step")
    assert opt.state_arrays().keys() == state.keys()
    for key, column in opt.state_arrays().items():
        assert numpy.asarray(state[key]).tolist() == numpy.asarray(column).tolist()
    # and back into the per-parameter dicts: the state a step of the Values left
    array_opt.load_state_arrays(state)
    assert array_opt.state_dict()["state"] == opt.state_dict()["state"]


# --- state_arrays / load_state_arrays -----------------------------------------------------


def _stepped(opt, grads):
    for p, g in zip(opt.params, grads, strict=True):
        p.grad = g
    opt.step()
    return opt


def test_state_arrays_before_any_step_is_empty_and_after_one_step_one_column_per_entry():
    opt = Adam([Value(1.0), Value(2.0)], lr=0.1)
    assert opt.state_arrays() == {}
    _stepped(opt, [0.5, -0.5])
    arrays = opt.state_arrays()
    assert list(arrays) == ["step", "exp_avg", "exp_avg_sq"]
    assert arrays["step"] == 1 and type(arrays["step"]) is int
    assert arrays["exp_avg"].dtype == numpy.float64
    assert arrays["exp_avg"].tolist() == [(1.0 - 0.9) * 0.5, (1.0 - 0.9) * -0.5]
    assert arrays["exp_avg_sq"].tolist() == [(1.0 - 0.999) * 0.5 * 0.5] * 2


def test_a_state_arrays_cannot_hold_is_none():
    a, b = Value(1.0), Value(2.0)
    opt = _stepped(SGD([a, b], lr=0.1, momentum=0.9), [1.0, 1.0])
    del opt.state[b]  # one parameter without state
    assert opt.state_arrays() is None
    opt.state[b] = {"other": 1.0}  # entries of different kinds
    assert opt.state_arrays() is None
    adam = _stepped(Adam([a, b], lr=0.1), [1.0, 1.0])
    adam.state[b]["step"] = 2  # step counts that differ
    assert adam.state_arrays() is None
    adam.state[b]["step"] = 1
    assert adam.state_arrays()["step"] == 1


def test_an_integral_state_entry_comes_out_as_a_float_array():
    opt = _stepped(SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9), [1.0, 2.0])
    for p in opt.params:
        p_buffer = opt.state[p]["momentum_buffer"]
        opt.state[p]["momentum_buffer"] = int(p_buffer) + 2  # ints someone put there
    column = opt.state_arrays()["momentum_buffer"]
    assert column.dtype == numpy.float64 and column.tolist() == [3.0, 4.0]


def test_load_state_arrays_of_nothing_changes_nothing():
    opt = SGD([Value(1.0)], lr=0.1, momentum=0.9)
    opt.load_state_arrays({})
    assert opt.state == {}


def test_load_state_arrays_gives_every_parameter_the_shared_step_and_its_own_entries():
    a, b = Value(1.0), Value(2.0)
    opt = Adam([a, b], lr=0.1)
    opt.load_state_arrays(
        {"step": 3, "exp_avg": numpy.array([0.5, -0.5]), "exp_avg_sq": numpy.array([1.0, 2.0])}
    )
    assert opt.state == {
        a: {"step": 3, "exp_avg": 0.5, "exp_avg_sq": 1.0},
        b: {"step": 3, "exp_avg": -0.5, "exp_avg_sq": 2.0},
    }
    assert type(opt.state[a]["exp_avg"]) is float and opt.steps == 3


def test_load_state_arrays_writes_into_the_dicts_already_there():
    opt = _stepped(SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9), [1.0, 2.0])
    held = opt.state[opt.params[1]]
    opt.load_state_arrays({"momentum_buffer": numpy.array([7.0, 8.0])})
    assert held == {"momentum_buffer": 8.0} and opt.state[opt.params[1]] is held


def test_sgd_without_momentum_keeps_no_state_on_arrays_either():
    opt = SGD([Value(1.0)], lr=0.5)
    state = {}
    weights = numpy.array([1.0])
    opt.step_arrays(weights, numpy.array([2.0]), state)
    assert state == {} and weights.tolist() == [0.0]


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)])
def test_state_arrays_of_a_single_parameter(make):
    opt = _stepped(make([Value(1.0)]), [2.0])
    arrays = opt.state_arrays()
    assert {k: numpy.asarray(v).tolist() for k, v in arrays.items()} == {
        k: (v if k == "step" else [v]) for k, v in opt.state[opt.params[0]].items()
    }
