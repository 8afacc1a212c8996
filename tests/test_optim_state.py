"""Optimiser and schedule state: keyed by parameter, state_dict() / load_state_dict(),
and checkpoints that resume training to exactly the same losses."""

import json
import math
import os
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, SGD, Adam, History, LinearLR, StepLR
from nn.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from nn.data import make_moons
from nn.losses import hinge

X, Y = make_moons(24, seed=3, signed=True)
BATCH = 8


def make_model(seed=0):
    return MLP(2, [5, 4, 1], activation="tanh", seed=seed)


def json_trip(state):
    """What a state looks like after being written to a JSON file and read back."""
    return json.loads(json.dumps(state))


def train_step(model, optimizer, rows=range(BATCH)):
    optimizer.zero_grad()
    loss = hinge([model(X[i]) for i in rows], [Y[i] for i in rows])
    loss.backward()
    optimizer.step()
    return loss.data


def train_epoch(model, optimizer, scheduler=None):
    """One epoch of mini-batches by hand (not fit): the checkpoint must not need fit."""
    losses = [train_step(model, optimizer, range(start, start + BATCH))
              for start in range(0, len(X), BATCH)]
    if scheduler is not None:
        scheduler.step()
    return sum(losses) / len(losses)


def data_of(model):
    return [p.data for p in model.parameters()]


OPTIMISERS = {
    "sgd": (SGD, {"lr": 0.1}),
    "sgd-weight-decay": (SGD, {"lr": 0.1, "weight_decay": 0.01}),
    "momentum": (SGD, {"lr": 0.1, "momentum": 0.9}),
    "momentum-dampening": (SGD, {"lr": 0.1, "momentum": 0.8, "dampening": 0.3,
                                 "weight_decay": 0.01}),
    "nesterov": (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "adam": (Adam, {"lr": 0.05}),
    "adam-settings": (Adam, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6,
                             "weight_decay": 0.01}),
}


# --- state keyed by parameter -----------------------------------------------------------


def test_sgd_momentum_state_is_keyed_by_parameter():
    model = make_model()
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert opt.state == {}  # filled in by the first step, as in PyTorch
    train_step(model, opt)
    assert list(opt.state) == model.parameters()  # the Value objects themselves
    for p in model.parameters():
        assert opt.state[p] == {"momentum_buffer": p.grad}  # first step: buf = gradient


def test_sgd_without_momentum_keeps_no_state():
    model = make_model()
    opt = SGD(model.parameters(), lr=0.1)
    train_step(model, opt)
    assert opt.state == {} and opt.state_dict()["state"] == {}


def test_adam_state_is_keyed_by_parameter_and_steps_is_read_only():
    model = make_model()
    opt = Adam(model.parameters(), lr=0.01, betas=(0.9, 0.999))
    assert opt.steps == 0
    train_step(model, opt)
    for p in model.parameters():
        assert opt.state[p] == {"step": 1, "exp_avg": (1 - 0.9) * p.grad,
                                "exp_avg_sq": (1 - 0.999) * p.grad * p.grad}
    train_step(model, opt)
    assert opt.steps == 2 and {s["step"] for s in opt.state.values()} == {2}
    with pytest.raises(AttributeError, match="'steps'.* has no setter"):
        opt.steps = 0


def test_state_dict_has_pytorchs_layout_and_is_a_copy():
    model = make_model()
    opt = Adam(model.parameters(), lr=0.05, betas=(0.8, 0.99))
    train_step(model, opt)
    state = opt.state_dict()
    n = len(model.parameters())
    assert set(state) == {"state", "param_groups"}
    assert list(state["state"]) == list(range(n))  # int keys, in parameter order
    assert state["param_groups"] == [{"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-8,
                                      "weight_decay": 0.0, "params": list(range(n))}]
    state["state"][0]["exp_avg"] = 123.0
    assert opt.state[model.parameters()[0]]["exp_avg"] != 123.0
    assert json_trip(state)["param_groups"] == state["param_groups"]  # JSON-ready


def test_a_parameter_listed_twice_is_refused():
    w = Value(1.0)
    with pytest.raises(ValueError, match=r"SGD: params\[2\] is params\[0\] again"):
        SGD([w, Value(2.0), w], lr=0.1)


@pytest.mark.parametrize("make, error, match", [
    (lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=1), TypeError,
     r"SGD: nesterov must be True or False, got 1"),
    (lambda ps: SGD(ps, lr=True), TypeError, r"SGD: lr must be a positive number"),
    (lambda ps: SGD(ps, lr=0.0), ValueError, r"SGD: lr must be a positive number, got 0.0"),
    (lambda ps: Adam(ps, betas=(0.9,)), TypeError, r"Adam: betas must be a pair"),
    (lambda ps: Adam(ps, betas=(0.9, 1.0)), ValueError, r"Adam: betas\[1\] must be"),
    (lambda ps: StepLR(SGD(ps, lr=0.1), step_size=2.0), TypeError,
     r"StepLR: step_size must be a whole number >= 1, got 2.0"),
    (lambda ps: StepLR(SGD(ps, lr=0.1), step_size=2, gamma="x"), TypeError,
     r"StepLR: gamma must be a number >= 0, got 'x'"),
    (lambda ps: LinearLR(SGD(ps, lr=0.1), total_iters=0), ValueError,
     r"LinearLR: total_iters must be a whole number >= 1, got 0"),
    (lambda ps: LinearLR(SGD(ps, lr=0.1), end_factor=math.nan), ValueError,
     r"LinearLR: end_factor must be a number >= 0, got nan"),
])
def test_constructors_check_the_settings_by_the_same_rules(make, error, match):
    with pytest.raises(error, match=match):
        make([Value(1.0)])


# --- round trips: state_dict -> JSON -> load_state_dict ---------------------------------


@pytest.mark.parametrize("name", OPTIMISERS)
def test_round_trip_through_json_continues_bit_identically(name):
    cls, settings = OPTIMISERS[name]
    model = make_model(seed=0)
    opt = cls(model.parameters(), **settings)
    for _ in range(3):
        train_step(model, opt)
    saved_model, saved_opt = json_trip(model.state_dict()), json_trip(opt.state_dict())

    copy = make_model(seed=1)  # other weights, overwritten by the load
    copy.load_state_dict(saved_model)
    resumed = cls(copy.parameters(), **{**settings, "lr": 0.5})  # lr comes from the state
    resumed.load_state_dict(saved_opt)
    assert resumed.lr == settings["lr"]
    assert resumed.state_dict() == opt.state_dict()

    for _ in range(5):
        assert train_step(copy, resumed) == train_step(model, opt)
    assert data_of(copy) == data_of(model)


def test_load_state_dict_restores_the_hyperparameters():
    source = SGD([Value(1.0)], lr=0.3, momentum=0.5, dampening=0.1, weight_decay=0.2)
    target = SGD([Value(1.0)], lr=0.1, momentum=0.9, nesterov=True)
    target.load_state_dict(json_trip(source.state_dict()))
    assert (target.lr, target.momentum, target.dampening, target.weight_decay,
            target.nesterov) == (0.3, 0.5, 0.1, 0.2, False)
    adam = Adam([Value(1.0)])
    adam.load_state_dict(json_trip(Adam([Value(1.0)], lr=0.2, betas=(0.5, 0.6),
                                        eps=0.1).state_dict()))
    assert (adam.lr, adam.betas, adam.eps) == (0.2, (0.5, 0.6), 0.1)  # betas a tuple again


def test_a_learning_rate_a_schedule_brought_to_zero_can_be_loaded():
    opt = SGD([Value(1.0)], lr=0.1)
    LinearLR(opt, start_factor=0.0)
    assert opt.lr == 0.0
    again = SGD([Value(1.0)], lr=0.1)
    again.load_state_dict(json_trip(opt.state_dict()))
    assert again.lr == 0.0


def gradient_lists(n):
    return st.lists(st.lists(st.floats(-10, 10), min_size=n, max_size=n), max_size=4)


@given(momentum=st.one_of(st.just(0.0), st.floats(0.0, 0.99)),
       dampening=st.one_of(st.just(0.0), st.floats(0.0, 0.9)),
       weight_decay=st.floats(0.0, 0.1), nesterov=st.booleans(),
       before=gradient_lists(3), after=gradient_lists(3))
def test_sgd_round_trip_property(momentum, dampening, weight_decay, nesterov, before, after):
    assume(not nesterov or (momentum > 0 and dampening == 0))
    settings = {"lr": 0.1, "momentum": momentum, "dampening": dampening,
                "weight_decay": weight_decay, "nesterov": nesterov}
    check_round_trip(SGD, settings, before, after)


@given(b1=st.floats(0.0, 0.99), b2=st.floats(0.0, 0.9999), eps=st.floats(1e-10, 1.0),
       weight_decay=st.floats(0.0, 0.1), before=gradient_lists(3), after=gradient_lists(3))
def test_adam_round_trip_property(b1, b2, eps, weight_decay, before, after):
    settings = {"lr": 0.01, "betas": (b1, b2), "eps": eps, "weight_decay": weight_decay}
    check_round_trip(Adam, settings, before, after)


def check_round_trip(cls, settings, before, after):
    """Steps with the given gradients; saved and resumed, the next steps are identical."""
    params = [Value(x) for x in (0.5, -1.0, 2.0)]
    opt = cls(params, **settings)
    for grads in before:
        step_with(opt, grads)
    copies = [Value(p.data) for p in params]
    resumed = cls(copies, lr=1.0)
    resumed.load_state_dict(json_trip(opt.state_dict()))
    for grads in after:
        step_with(opt, grads)
        step_with(resumed, grads)
        assert [p.data for p in copies] == [p.data for p in params]


def step_with(opt, grads):
    for p, g in zip(opt.params, grads, strict=True):
        p.grad = g
    opt.step()


SCHEDULES = {
    "step": (lambda opt: StepLR(opt, step_size=2, gamma=0.5),
             lambda opt: StepLR(opt, step_size=7, gamma=0.9)),
    "linear": (lambda opt: LinearLR(opt, start_factor=0.9, end_factor=0.1, total_iters=6),
               lambda opt: LinearLR(opt)),
}


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_round_trip_gives_the_same_rates(name):
    make, make_other = SCHEDULES[name]
    opt = SGD([Value(1.0)], lr=0.8)
    schedule = make(opt)
    for _ in range(3):
        schedule.step()
    again_opt = SGD([Value(1.0)], lr=0.1)
    again = make_other(again_opt)  # other settings: all of them come from the state
    again_opt.load_state_dict(json_trip(opt.state_dict()))
    again.load_state_dict(json_trip(schedule.state_dict()))
    assert again.state_dict() == schedule.state_dict()
    for _ in range(8):
        schedule.step()
        again.step()
        assert again_opt.lr == opt.lr


def test_schedule_state_dict_contents():
    opt = SGD([Value(1.0)], lr=1.0)
    schedule = LinearLR(opt, start_factor=0.5, end_factor=0.25, total_iters=4)
    schedule.step()
    assert schedule.state_dict() == {"epoch": 1, "base_lr": 1.0, "start_factor": 0.5,
                                     "end_factor": 0.25, "total_iters": 4}


# --- rejections: named, and nothing changes ---------------------------------------------


def adam_setup():
    """A saved Adam state (through JSON), and a different Adam to load it into."""
    model = make_model(seed=0)
    opt = Adam(model.parameters(), lr=0.05)
    train_step(model, opt)
    train_step(model, opt)
    other = make_model(seed=1)
    target = Adam(other.parameters(), lr=0.01, betas=(0.5, 0.6))
    train_step(other, target)
    return json_trip(opt.state_dict()), target


def sgd_setup(**settings):
    model = make_model(seed=0)
    opt = SGD(model.parameters(), **{"lr": 0.1, "momentum": 0.9, **settings})
    train_step(model, opt)
    other = make_model(seed=1)
    target = SGD(other.parameters(), lr=0.01, momentum=0.5)
    train_step(other, target)
    return json_trip(opt.state_dict()), target


def set_group(name, value):
    def change(state):
        state["param_groups"][0][name] = value
    return change


def set_entry(index, name, value):
    def change(state):
        state["state"][index][name] = value
    return change


SGD_STATE = SGD([Value(1.0)], lr=0.1, momentum=0.9).state_dict()

ADAM_REJECTIONS = {
    "no state": (lambda s: s.pop("state"), ValueError, r"missing 'state'; unexpected none"),
    "extra key": (lambda s: s.update(extra=1), ValueError, r"unexpected 'extra'"),
    "two groups": (lambda s: s["param_groups"].append({}), ValueError,
                   r"param_groups must be a list of one group"),
    "group not a dict": (lambda s: s.update(param_groups=[1]), TypeError,
                         r"param_groups\[0\] must be a dict"),
    "an SGD's state": (
        lambda s: s.update(param_groups=[{**SGD_STATE["param_groups"][0],
                                          "params": s["param_groups"][0]["params"]}]),
        ValueError, r"Adam.load_state_dict: param_groups\[0\] does not fit \(missing 'betas', "
                    r"'eps'; unexpected 'dampening', 'momentum', 'nesterov'\)"),
    "lr not a number": (set_group("lr", "x"), TypeError,
                        r"Adam.load_state_dict: param_groups\[0\]\['lr'\] must be a number "
                        r">= 0, got 'x'"),
    "lr a bool": (set_group("lr", True), TypeError, r"\['lr'\] must be a number >= 0, got True"),
    "lr negative": (set_group("lr", -0.1), ValueError, r"\['lr'\] must be a number >= 0"),
    "eps nan": (set_group("eps", math.nan), ValueError,
                r"\['eps'\] must be a positive number, got nan"),
    "betas too short": (set_group("betas", [0.9]), TypeError, r"\['betas'\] must be a pair"),
    "beta of 1": (set_group("betas", [1.0, 0.9]), ValueError,
                  r"\['betas'\]\[0\] must be a number in \[0, 1\), got 1.0"),
    "fewer parameters": (lambda s: s["param_groups"][0]["params"].pop(), ValueError,
                         r"the state is for 43 parameters, this optimiser has 44"),
    "params not a list": (set_group("params", "0-43"), TypeError,
                          r"\['params'\] must be a list of indices"),
    "params out of order": (lambda s: s["param_groups"][0]["params"].reverse(), ValueError,
                            r"\['params'\] must be 0, 1, ..., 43 in order"),
    "params with a bool": (lambda s: s["param_groups"][0]["params"].__setitem__(1, True),
                           ValueError, r"\['params'\] must be 0, 1, ..., 43 in order"),
    "state not a dict": (lambda s: s.update(state=[]), TypeError,
                         r"state must be a dict of index -> dict, got list"),
    "index out of range": (lambda s: s["state"].update({"44": s["state"].pop("43")}),
                           ValueError, r"state has the key '44', which is not a parameter "
                                       r"index from 0 to 43"),
    "index with a zero in front": (lambda s: s["state"].update({"07": s["state"].pop("7")}),
                                   ValueError, r"state has the key '07'"),
    "index not a number": (lambda s: s["state"].update({"x": s["state"].pop("7")}),
                           ValueError, r"state has the key 'x'"),
    "index twice": (lambda s: s["state"].update({3: s["state"]["3"]}), ValueError,
                    r"state has parameter 3 twice \(as 3\)"),
    "entry missing": (lambda s: s["state"].pop("43"), ValueError,
                      r"state has no entry for parameters 43"),
    "entry not a dict": (lambda s: s["state"].update({"2": 1.0}), TypeError,
                         r"state\[2\] must be a dict"),
    "entry key missing": (lambda s: s["state"]["1"].pop("exp_avg_sq"), ValueError,
                          r"state\[1\] does not fit \(missing 'exp_avg_sq'; unexpected none\)"),
    "entry key extra": (set_entry("1", "momentum_buffer", 0.0), ValueError,
                        r"state\[1\] does not fit \(missing none; unexpected 'momentum_buffer'"),
    "moment not a number": (set_entry("2", "exp_avg", "x"), TypeError,
                            r"Adam.load_state_dict: state\[2\]\['exp_avg'\] must be a finite "
                            r"number, got 'x'"),
    "moment a bool": (set_entry("2", "exp_avg", False), TypeError,
                      r"state\[2\]\['exp_avg'\] must be a finite number, got False"),
    "moment infinite": (set_entry("2", "exp_avg", math.inf), ValueError,
                        r"state\[2\]\['exp_avg'\] must be a finite number, got inf"),
    "second moment negative": (set_entry("0", "exp_avg_sq", -1e-9), ValueError,
                               r"state\[0\]\['exp_avg_sq'\] must be a number >= 0"),
    "step a float": (set_entry("5", "step", 2.0), TypeError,
                     r"state\[5\]\['step'\] must be a whole number >= 0, got 2.0"),
    "step a bool": (set_entry("5", "step", True), TypeError,
                    r"state\[5\]\['step'\] must be a whole number >= 0, got True"),
    "step negative": (set_entry("5", "step", -1), ValueError,
                      r"state\[5\]\['step'\] must be a whole number >= 0, got -1"),
}


@pytest.mark.parametrize("case", ADAM_REJECTIONS)
def test_adam_load_state_dict_refuses_and_changes_nothing(case):
    change, error, match = ADAM_REJECTIONS[case]
    state, target = adam_setup()
    assert len(target.params) == 44  # the messages above count on it
    change(state)
    before, state_objects = json_trip(target.state_dict()), dict(target.state)
    with pytest.raises(error, match=match):
        target.load_state_dict(state)
    assert json_trip(target.state_dict()) == before
    assert (target.lr, target.betas) == (0.01, (0.5, 0.6))
    assert all(target.state[p] is entry for p, entry in state_objects.items())


def test_a_state_dict_that_is_not_a_dict_is_refused():
    state, target = adam_setup()
    with pytest.raises(TypeError, match=r"Adam.load_state_dict: the state dict must be a "
                                        r"dict, got \[\{"):
        target.load_state_dict([state])


SGD_REJECTIONS = {
    "an Adam's state": (lambda s: s["param_groups"][0].update(betas=[0.9, 0.99], eps=1e-8),
                        ValueError, r"SGD.load_state_dict: param_groups\[0\] does not fit "
                                    r"\(missing none; unexpected 'betas', 'eps'\)"),
    "nesterov with dampening": (lambda s: s["param_groups"][0].update(nesterov=True,
                                                                      dampening=0.1),
                                ValueError, r"SGD.load_state_dict: nesterov needs a positive "
                                            r"momentum and zero dampening"),
    "nesterov not a bool": (set_group("nesterov", 0), TypeError,
                            r"\['nesterov'\] must be True or False, got 0"),
    "buffer not a number": (set_entry("4", "momentum_buffer", None), TypeError,
                            r"SGD.load_state_dict: state\[4\]\['momentum_buffer'\] must be a "
                            r"finite number, got None"),
    "buffer nan": (set_entry("4", "momentum_buffer", math.nan), ValueError,
                   r"state\[4\]\['momentum_buffer'\] must be a finite number, got nan"),
    "buffers without momentum": (set_group("momentum", 0.0), ValueError,
                                 r"SGD.load_state_dict: state\[0\] is unexpected: SGD keeps "
                                 r"no state with these settings"),
}


@pytest.mark.parametrize("case", SGD_REJECTIONS)
def test_sgd_load_state_dict_refuses_and_changes_nothing(case):
    change, error, match = SGD_REJECTIONS[case]
    state, target = sgd_setup()
    change(state)
    before = json_trip(target.state_dict())
    with pytest.raises(error, match=match):
        target.load_state_dict(state)
    assert json_trip(target.state_dict()) == before
    assert (target.lr, target.momentum) == (0.01, 0.5)


SCHEDULE_REJECTIONS = {
    "not a dict": (StepLR, lambda s: s.clear(), ValueError,
                   r"StepLR.load_state_dict: the state dict does not fit \(missing 'base_lr'"),
    "a LinearLR's state": (StepLR, lambda s: s.update(start_factor=1.0, end_factor=0.1,
                                                      total_iters=3),
                           ValueError, r"unexpected 'end_factor', 'start_factor', "
                                       r"'total_iters'"),
    "epoch negative": (StepLR, lambda s: s.update(epoch=-1), ValueError,
                       r"StepLR.load_state_dict: state\['epoch'\] must be a whole number "
                       r">= 0, got -1"),
    "epoch a float": (StepLR, lambda s: s.update(epoch=1.0), TypeError,
                      r"state\['epoch'\] must be a whole number >= 0, got 1.0"),
    "base_lr nan": (StepLR, lambda s: s.update(base_lr=math.nan), ValueError,
                    r"state\['base_lr'\] must be a number >= 0, got nan"),
    "step_size zero": (StepLR, lambda s: s.update(step_size=0), ValueError,
                       r"state\['step_size'\] must be a whole number >= 1, got 0"),
    "gamma not a number": (StepLR, lambda s: s.update(gamma="0.5"), TypeError,
                           r"state\['gamma'\] must be a number >= 0, got '0.5'"),
    "total_iters a bool": (LinearLR, lambda s: s.update(total_iters=True), TypeError,
                           r"LinearLR.load_state_dict: state\['total_iters'\] must be a whole "
                           r"number >= 1, got True"),
    "factor missing": (LinearLR, lambda s: s.pop("end_factor"), ValueError,
                       r"does not fit \(missing 'end_factor'; unexpected none\)"),
}


@pytest.mark.parametrize("case", SCHEDULE_REJECTIONS)
def test_schedule_load_state_dict_refuses_and_changes_nothing(case):
    cls, change, error, match = SCHEDULE_REJECTIONS[case]
    make = SCHEDULES["step" if cls is StepLR else "linear"][0]
    source = make(SGD([Value(1.0)], lr=0.8))
    source.step()
    state = json_trip(source.state_dict())
    change(state)
    target_opt = SGD([Value(1.0)], lr=0.3)
    target = make(target_opt)
    before, lr = target.state_dict(), target_opt.lr
    with pytest.raises(error, match=match):
        target.load_state_dict(state)
    assert target.state_dict() == before and target_opt.lr == lr
    with pytest.raises(TypeError, match=r"the state dict must be a dict, got None"):
        target.load_state_dict(None)


# --- checkpoints ------------------------------------------------------------------------


RUNS = {
    "momentum+step": (lambda ps: SGD(ps, lr=0.2, momentum=0.9),
                      lambda opt: StepLR(opt, step_size=2, gamma=0.5)),
    "nesterov": (lambda ps: SGD(ps, lr=0.1, momentum=0.8, nesterov=True), None),
    "adam+linear": (lambda ps: Adam(ps, lr=0.05, weight_decay=1e-3),
                    lambda opt: LinearLR(opt, start_factor=1.0, end_factor=0.2, total_iters=5)),
}


def start_run(name, seed=0):
    make_opt, make_schedule = RUNS[name]
    model = make_model(seed)
    opt = make_opt(model.parameters())
    return model, opt, make_schedule and make_schedule(opt)


@pytest.mark.parametrize("name", RUNS)
def test_checkpoint_resumes_to_exactly_the_same_losses(name, tmp_path):
    model, opt, schedule = start_run(name)
    uninterrupted = [train_epoch(model, opt, schedule) for _ in range(8)]

    model, opt, schedule = start_run(name)
    first = [train_epoch(model, opt, schedule) for _ in range(4)]
    path = save_checkpoint(tmp_path / "run.json", model, opt, epoch=4, scheduler=schedule,
                           history=History(loss=first, steps=12))
    assert path == tmp_path / "run.json"
    assert os.listdir(tmp_path) == ["run.json"]  # the temporary file is gone

    again, again_opt, again_schedule = start_run(name, seed=7)  # other weights
    checkpoint = load_checkpoint(path, again, again_opt, again_schedule)
    assert checkpoint == Checkpoint(epoch=4, history=History(loss=first, steps=12))
    rest = [train_epoch(again, again_opt, again_schedule) for _ in range(4)]
    assert first + rest == uninterrupted
    continued = [train_epoch(model, opt, schedule) for _ in range(4)]
    assert continued == rest and data_of(again) == data_of(model)


def test_checkpoint_file_contents(tmp_path):
    model, opt, schedule = start_run("adam+linear")
    train_epoch(model, opt, schedule)
    path = save_checkpoint(tmp_path / "c.json", model, opt, epoch=1, scheduler=schedule)
    document = json.loads(path.read_text())
    assert document["format"] == "backproplab.checkpoint/1"
    assert document["epoch"] == 1 and document["history"] is None
    assert document["model"] == {"type": "MLP", "config": model.config(),
                                 "state": model.state_dict()}
    assert document["optimizer"] == {"type": "Adam", "state": json_trip(opt.state_dict())}
    assert document["scheduler"] == {"type": "LinearLR", "state": schedule.state_dict()}
    assert load_checkpoint(path, *start_run("adam+linear", seed=1)).history is None


def saved_run(tmp_path):
    model, opt, schedule = start_run("adam+linear")
    train_epoch(model, opt, schedule)
    return save_checkpoint(tmp_path / "c.json", model, opt, epoch=1, scheduler=schedule,
                           history=History(loss=[0.5]))


def edit(change):
    def rewrite(path):
        document = json.loads(path.read_text())
        change(document)
        path.write_text(json.dumps(document))
    return rewrite


def replace_text(text):
    return lambda path: path.write_text(text)


def save_model_file(path):
    make_model().save(path)


BAD_FILES = {
    "not JSON": (replace_text("{"), ValueError, r"not a JSON checkpoint file"),
    "not UTF-8": (lambda path: path.write_bytes(b"\xff"), ValueError,
                  r"not a JSON checkpoint file"),
    "a list": (replace_text("[]"), ValueError, r"not a checkpoint file of format"),
    "a model file": (save_model_file, ValueError, r"not a checkpoint file of format "
                                                  r"'backproplab.checkpoint/1'"),
    "format tag": (edit(lambda d: d.update(format="backproplab.checkpoint/2")), ValueError,
                   r"not a checkpoint file"),
    "section missing": (edit(lambda d: d.pop("history")), ValueError,
                        r"sections do not fit \(missing \['history'\], unexpected \[\]\)"),
    "epoch a string": (edit(lambda d: d.update(epoch="1")), TypeError,
                       r"epoch must be a whole number >= 0, got '1'"),
    "model section": (edit(lambda d: d["model"].pop("config")), ValueError,
                      r"the model section must be a dict with the keys"),
    "model state short": (edit(lambda d: d["model"]["state"].pop("layers.0.neurons.0.b")),
                          ValueError, r"MLP: the state does not fit this model \(missing "
                                      r"'layers.0.neurons.0.b'; unexpected none\)"),
    "model state not a number": (edit(lambda d: d["model"]["state"].update(
        {"layers.0.neurons.0.b": "x"})), TypeError,
        r"MLP: state\['layers.0.neurons.0.b'\] must be a number"),
    "optimiser state": (edit(lambda d: d["optimizer"]["state"]["state"]["3"].update(
        exp_avg="x")), TypeError, r"Adam.load_state_dict: state\[3\]\['exp_avg'\] must be a "
                                  r"finite number, got 'x'"),
    "optimiser type": (edit(lambda d: d["optimizer"].update(type="SGD")), ValueError,
                       r"the file's optimiser is 'SGD', but the optimiser given is 'Adam'"),
    "scheduler state": (edit(lambda d: d["scheduler"]["state"].update(epoch=-1)), ValueError,
                        r"LinearLR.load_state_dict: state\['epoch'\] must be a whole number"),
    "scheduler type": (edit(lambda d: d["scheduler"].update(type="StepLR")), ValueError,
                       r"the file's scheduler is 'StepLR', but the scheduler given is "
                       r"'LinearLR'"),
    "scheduler missing": (edit(lambda d: d.update(scheduler=None)), ValueError,
                          r"the file has no scheduler, but a 'LinearLR' was given"),
    "history unknown": (edit(lambda d: d["history"].update(mood="good")), ValueError,
                        r"History.from_dict: unknown keys \['mood'\]"),
    "history a list": (edit(lambda d: d.update(history=[])), TypeError,
                       r"history must be a dict, got list"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_checkpoint_that_does_not_fit_changes_nothing(case, tmp_path):
    spoil, error, match = BAD_FILES[case]
    path = saved_run(tmp_path)
    spoil(path)
    model, opt, schedule = start_run("adam+linear", seed=5)
    train_epoch(model, opt, schedule)
    before = (model.state_dict(), json_trip(opt.state_dict()), schedule.state_dict())
    with pytest.raises(error, match=r"^" + str(path).replace("\\", "\\\\") + ": .*" + match):
        load_checkpoint(path, model, opt, schedule)
    assert (model.state_dict(), json_trip(opt.state_dict()), schedule.state_dict()) == before


def test_a_scheduler_in_the_file_but_none_given_changes_nothing(tmp_path):
    path = saved_run(tmp_path)
    model, opt, _ = start_run("adam+linear", seed=5)
    before = (model.state_dict(), opt.state_dict())
    with pytest.raises(ValueError, match=r"c.json: the file has a 'LinearLR' scheduler, but "
                                         r"none was given"):
        load_checkpoint(path, model, opt)
    assert (model.state_dict(), opt.state_dict()) == before


def test_a_scheduler_of_another_optimiser_is_refused(tmp_path):
    model, opt, schedule = start_run("momentum+step")
    stray = StepLR(SGD([Value(1.0)], lr=0.1), step_size=1)
    with pytest.raises(ValueError, match=r"save_checkpoint: the scheduler drives another"):
        save_checkpoint(tmp_path / "c.json", model, opt, epoch=0, scheduler=stray)
    path = save_checkpoint(tmp_path / "c.json", model, opt, epoch=0, scheduler=schedule)
    with pytest.raises(ValueError, match=r"c.json: the scheduler drives another optimiser"):
        load_checkpoint(path, model, opt, stray)


@pytest.mark.parametrize("epoch, error", [(-1, ValueError), (True, TypeError),
                                          (1.0, TypeError)])
def test_save_checkpoint_checks_the_epoch(epoch, error, tmp_path):
    model, opt, _ = start_run("nesterov")
    with pytest.raises(error, match=r"save_checkpoint: epoch must be a whole number >= 0"):
        save_checkpoint(tmp_path / "c.json", model, opt, epoch=epoch)
    assert os.listdir(tmp_path) == []


# --- writing atomically -----------------------------------------------------------------


class BrokenHistory(History):
    def as_dict(self):
        raise RuntimeError("the history cannot be written")


def test_a_failing_history_leaves_the_old_checkpoint(tmp_path):
    path = saved_run(tmp_path)
    old = path.read_bytes()
    model, opt, schedule = start_run("adam+linear")
    with pytest.raises(RuntimeError, match="the history cannot be written"):
        save_checkpoint(path, model, opt, epoch=2, scheduler=schedule, history=BrokenHistory())
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["c.json"]


def test_a_write_failing_half_way_leaves_the_old_checkpoint(tmp_path, monkeypatch):
    path = saved_run(tmp_path)
    old = path.read_bytes()
    model, opt, schedule = start_run("adam+linear")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)  # the new text is written, not yet in place
    with pytest.raises(OSError, match=r"cannot write .*c.json: No space left on device"):
        save_checkpoint(path, model, opt, epoch=2, scheduler=schedule)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["c.json"]


def test_a_number_json_cannot_store_is_refused_before_writing(tmp_path):
    path = saved_run(tmp_path)
    old = path.read_bytes()
    model, opt, _ = start_run("nesterov")
    model.parameters()[0].data = math.nan
    with pytest.raises(ValueError, match=r"save_checkpoint: cannot write .*c.json: the run "
                                         r"holds a number JSON cannot store"):
        save_checkpoint(path, model, opt, epoch=2)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["c.json"]


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path):
    from nn import MLP, SGD
    from nn.checkpoint import load_checkpoint, save_checkpoint

    saved = MLP(2, [3, 1], activation="relu", seed=0)
    save_checkpoint(tmp_path / "c.json", saved, SGD(saved.parameters(), lr=0.1), epoch=1)
    other = MLP(2, [3, 1], activation="tanh", seed=1)
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"the model was saved as .*'activation': 'relu'.*"
                                         r"but the model given is .*'activation': 'tanh'"):
        load_checkpoint(tmp_path / "c.json", other, SGD(other.parameters(), lr=0.1))
    assert other.state_dict() == before


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)], ids=["SGD", "Adam"])
def test_optimisers_step_with_numbers_after_a_double_backward(make):
    # backward(create_graph=True) leaves Values in .grad; the step must use their numbers
    # and leave plain floats in .data, exactly as after a plain backward().
    def trained(create_graph):
        w = Value(1.5)
        optimiser = make([w])
        for _ in range(3):
            optimiser.zero_grad()
            (w * w * w).backward(create_graph=create_graph)
            optimiser.step()
        return w
    graph, plain = trained(True), trained(False)
    assert type(graph.data) is float and graph.data == plain.data


# --- what the optimisers say when refusing, and their defaults ------------------------


def test_the_defaults_are_pytorchs():
    (p,) = [Value(1.0)]
    assert Adam([p]).lr == 1e-3 and Adam([p]).betas == (0.9, 0.999)
    opt = SGD([p], lr=1.0)
    assert StepLR(opt, 5).gamma == 0.1
    linear = LinearLR(opt)
    assert (linear.start_factor, linear.end_factor, linear.total_iters) == (1.0, 0.1, 100)


def test_an_integer_gradient_steps_like_a_float():
    p = Value(1.0)
    p.grad = 2                                   # set by hand, as an int
    SGD([p], lr=0.25).step()
    assert p.data == 0.5


def test_a_parameter_listed_twice_is_named():
    p = Value(1.0)
    with pytest.raises(ValueError,
                       match=r"^SGD: params\[1\] is params\[0\] again; list each parameter once$"):
        SGD([p, p], lr=0.1)


def test_long_values_are_cut_short_in_messages():
    p = Value(1.0)
    with pytest.raises(TypeError, match=r"^Adam: betas must be a pair of numbers in \[0, 1\), "
                                        r"got 0\.9$"):
        Adam([p], betas=0.9)
    long_betas = list(range(30))                  # its repr is 108 characters
    shown = repr(long_betas)[:57] + "..."
    with pytest.raises(TypeError, match=re.escape(f"got {shown}") + "$"):
        Adam([p], betas=long_betas)


@pytest.mark.parametrize("length, cut", [(59, False), (60, False), (61, True)])
def test_a_value_is_shown_whole_up_to_60_characters(length, cut):
    text = "x" * (length - 2)                      # its repr adds two quotes
    shown = repr(text)[:57] + "..." if cut else repr(text)
    with pytest.raises(TypeError, match=re.escape(f"got {shown}") + "$"):
        Adam([Value(1.0)], betas=text)


def test_state_dict_errors_name_the_call_and_show_what_was_given():
    p, q = Value(1.0), Value(2.0)
    opt = SGD([p, q], lr=0.1, momentum=0.9)
    good = opt.state_dict()
    where = r"^SGD\.load_state_dict: "
    with pytest.raises(ValueError, match=where + r"param_groups must be a list of one group, "
                                               r"got \[\]$"):
        opt.load_state_dict({**good, "param_groups": []})
    group = good["param_groups"][0]
    with pytest.raises(TypeError, match=where + r"param_groups\[0\]\['params'\] must be a list "
                                               r"of indices, got 'ab'$"):
        opt.load_state_dict({**good, "param_groups": [{**group, "params": "ab"}]})
    with pytest.raises(ValueError, match=where + r"param_groups\[0\]\['params'\] must be 0, 1, "
                                               r"\.\.\., 1 in order, got \[1, 0\]$"):
        opt.load_state_dict({**good, "param_groups": [{**group, "params": [1, 0]}]})
    with pytest.raises(ValueError, match=where + r"state has the key 5, which is not a "
                                               r"parameter index from 0 to 1$"):
        opt.load_state_dict({**good, "state": {5: {"momentum_buffer": 0.0}}})
    with pytest.raises(ValueError, match=where + r"state\[0\] does not fit \(missing "
                                               r"'momentum_buffer'; unexpected 'a', 'b', "
                                               r"'c' and 2 more\)$"):
        opt.load_state_dict({**good, "state": {0: {"zeta": 1, 3: 2, "a": 0, "b": 0, "c": 0},
                                              1: {"momentum_buffer": 0.0}}})
    with pytest.raises(ValueError, match=where + r"the state dict does not fit \(missing none; "
                                               r"unexpected 'extra'\)$"):
        opt.load_state_dict({**good, "extra": 1})
    with pytest.raises(ValueError, match=r"unexpected 'a', 'b', 'c'\)$"):
        opt.load_state_dict({**good, "a": 1, "b": 2, "c": 3})
    with pytest.raises(ValueError, match=r"unexpected 'a', 'b', 'c' and 1 more\)$"):
        opt.load_state_dict({**good, "a": 1, "b": 2, "c": 3, "d": 4})
