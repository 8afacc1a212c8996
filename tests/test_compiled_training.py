"""fit(compile=True) with the numbers in arrays: the eager path's losses, weights, grads
and optimiser state, and Values that are current whenever user code can look."""

import math

import pytest

import autograd
import nn.compiled
from nn import MLP, SGD, Adam, Callback, EarlyStopping, LambdaCallback, TrainingDiverged, fit
from nn import data

np = pytest.importorskip("numpy")


def both_ways(make_optimizer, batch_size=None, epochs=5, loss="hinge", dataset=None,
              sizes=(16, 16, 1), callbacks=(), **options):
    """Train the same model eagerly and compiled; return both (model, optimizer, history)."""
    X, y = dataset or data.make_moons(40, seed=0, signed=True)
    runs = []
    for compiled in (False, True):
        model = MLP(len(X[0]), list(sizes), seed=1337)
        optimizer = make_optimizer(model.parameters())
        history = fit(model, X, y, loss=loss, optimizer=optimizer, epochs=epochs,
                      batch_size=batch_size, progress=False, compile=compiled,
                      callbacks=[c() for c in callbacks], **options)
        runs.append((model, optimizer, history))
    return runs


OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3),
    "nesterov": lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda ps: Adam(ps, lr=0.01, weight_decay=1e-3),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("batch_size", [None, 1, 16], ids=["full-batch", "stochastic", "mini"])
def test_the_demo_workload_gives_the_eager_losses_weights_grads_and_state(name, batch_size):
    (eager_model, eager_opt, eager), (model, opt, compiled) = both_ways(
        OPTIMIZERS[name], batch_size=batch_size, l2_penalty=1e-4
    )
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-9)
    assert compiled.penalty == pytest.approx(eager.penalty, rel=1e-9)
    assert compiled.accuracy == eager.accuracy
    weights = [p.data for p in model.parameters()]
    assert weights == pytest.approx([p.data for p in eager_model.parameters()], rel=1e-9,
                                    abs=1e-12)
    grads = [p.grad for p in model.parameters()]
    assert grads == pytest.approx([p.grad for p in eager_model.parameters()], rel=1e-7,
                                  abs=1e-12)
    assert all(type(g) is float for g in grads) and all(type(w) is float for w in weights)
    state, eager_state = opt.state_dict(), eager_opt.state_dict()
    assert state["param_groups"] == eager_state["param_groups"]
    assert state["state"].keys() == eager_state["state"].keys()
    for i, entry in eager_state["state"].items():
        assert state["state"][i] == pytest.approx(entry, rel=1e-7, abs=1e-12)
        assert {k: type(v) for k, v in state["state"][i].items()} == \
            {k: type(v) for k, v in entry.items()}


def test_the_array_path_is_the_one_that_runs(monkeypatch):
    steps = []
    original = nn.compiled.ArrayTraining.step
    monkeypatch.setattr(nn.compiled.ArrayTraining, "step",
                        lambda self, batch: steps.append(len(batch)) or original(self, batch))
    both_ways(OPTIMIZERS["adam"], batch_size=16, epochs=2)
    assert steps == [16, 16, 8] * 2


def test_callbacks_see_the_current_weights_grads_and_state_after_every_step():
    seen = {}

    class Watch(Callback):
        def on_train_begin(self, run):
            self.key = "compiled" if seen else "eager"
            seen[self.key] = []

        def on_batch_end(self, run, step, loss):
            params = run.model.parameters()
            state = run.optimizer.state_dict()["state"]
            seen[self.key].append(([p.data for p in params], [p.grad for p in params], state))

    both_ways(OPTIMIZERS["momentum"], batch_size=16, epochs=2, callbacks=[Watch])
    assert len(seen["compiled"]) == len(seen["eager"]) == 6
    for (w, g, s), (ew, eg, es) in zip(seen["compiled"], seen["eager"]):
        assert w == pytest.approx(ew, rel=1e-9, abs=1e-12)
        assert g == pytest.approx(eg, rel=1e-7, abs=1e-12)
        assert [e["momentum_buffer"] for e in s.values()] == pytest.approx(
            [e["momentum_buffer"] for e in es.values()], rel=1e-7, abs=1e-12)


def test_a_callback_that_changes_the_weights_is_taken_into_account():
    # Halve every weight after each epoch: the next epoch must train from there.
    def halve(run, epoch, logs):
        for p in run.model.parameters():
            p.data = p.data * 0.5

    runs = both_ways(OPTIMIZERS["adam"], epochs=4,
                     callbacks=[lambda: LambdaCallback(on_epoch_end=halve)])
    (eager_model, _, eager), (model, _, compiled) = runs
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-9)
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in eager_model.parameters()], rel=1e-9, abs=1e-12)


def test_early_stopping_restores_the_best_weights_from_the_arrays():
    X, y = data.make_moons(40, seed=0, signed=True)
    validation = data.make_moons(20, seed=5, signed=True)
    results = []
    for compiled in (False, True):
        model = MLP(2, [8, 1], seed=0)
        stop = EarlyStopping(patience=2, restore_best_weights=True)
        history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=2.0), epochs=40,
                      validation=validation, callbacks=[stop], progress=False,
                      compile=compiled)
        results.append((history, model.state_dict()))
    (eager, eager_state), (compiled_history, state) = results
    assert compiled_history.stopped_early and eager.stopped_early
    assert compiled_history.best_epoch == eager.best_epoch
    assert compiled_history.val_loss == pytest.approx(eager.val_loss, rel=1e-9)
    assert list(state.values()) == pytest.approx(list(eager_state.values()), rel=1e-9)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # overflows are quiet, as for floats
def test_divergence_leaves_the_model_holding_the_numbers_reached():
    X, y = data.make_moons(30, seed=0, signed=True)
    caught = []
    for compiled in (False, True):
        model = MLP(2, [8, 1], seed=0)
        with pytest.raises(TrainingDiverged) as error:
            fit(model, X, y, optimizer=SGD(model.parameters(), lr=1e200), epochs=50,
                progress=False, compile=compiled)
        caught.append((str(error.value), [p.data for p in model.parameters()]))
    (eager_message, eager_weights), (message, weights) = caught
    assert message == eager_message
    assert message.startswith("training diverged at epoch ")
    assert not all(math.isfinite(w) for w in weights)
    assert [str(w) for w in weights] == [str(w) for w in eager_weights]


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_parameter_that_overflows_is_named_as_on_the_eager_path():
    X, y = data.make_regression_curve(20, seed=0)
    y = [v * 1e3 for v in y]
    messages = []
    for compiled in (False, True):
        model = MLP(1, [4, 1], seed=0)
        with pytest.raises(TrainingDiverged) as error:
            fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=1e306),
                epochs=5, progress=False, compile=compiled)
        messages.append(str(error.value))
    assert messages[1] == messages[0]
    assert messages[0].startswith(
        "training diverged at epoch 1, step 1: parameter layers.0.neurons.1.w.0 became -inf")


def test_an_optimizer_listing_the_parameters_in_another_order_steps_on_arrays():
    def reversed_adam(params):
        return Adam(list(reversed(params)), lr=0.01)

    (eager_model, eager_opt, eager), (model, opt, compiled) = both_ways(
        reversed_adam, batch_size=16)
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-9)
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in eager_model.parameters()], rel=1e-9, abs=1e-12)
    assert opt.state_dict()["state"][0] == pytest.approx(eager_opt.state_dict()["state"][0])


def test_an_optimizer_whose_step_is_changed_steps_the_values(monkeypatch):
    class ClippedSGD(SGD):
        def step(self):
            for p in self.params:
                p.grad = max(-0.01, min(0.01, p.grad))
            super().step()

    used = []
    monkeypatch.setattr(nn.compiled.ArrayTraining, "step",
                        lambda self, batch: used.append(batch))
    (_, _, eager), (_, _, compiled) = both_ways(lambda ps: ClippedSGD(ps, lr=0.5))
    assert used == []  # its own step() ran, on the Values
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-9)


def test_an_optimizer_over_part_of_the_model_steps_the_values():
    X, y = data.make_moons(30, seed=0, signed=True)
    runs = []
    for compiled in (False, True):
        model = MLP(2, [8, 1], seed=0)
        last_layer = model.layers[-1].parameters()
        history = fit(model, X, y, optimizer=SGD(last_layer, lr=0.1), epochs=3,
                      progress=False, compile=compiled)
        runs.append((history.loss, [p.grad for p in model.parameters()]))
    assert runs[1][0] == pytest.approx(runs[0][0], rel=1e-9)
    assert runs[1][1] == pytest.approx(runs[0][1], rel=1e-9, abs=1e-12)


def test_a_resumed_compiled_run_repeats_the_uninterrupted_one():
    X, y = data.make_moons(40, seed=0, signed=True)

    def train(epochs, initial_epoch=0, checkpoint=None):
        model = MLP(2, [8, 1], seed=0)
        optimizer = Adam(model.parameters(), lr=0.02)
        if checkpoint is not None:
            model.load_state_dict(checkpoint[0])
            optimizer.load_state_dict(checkpoint[1])
        history = fit(model, X, y, optimizer=optimizer, epochs=epochs, batch_size=8,
                      initial_epoch=initial_epoch, progress=False, compile=True)
        return history, (model.state_dict(), optimizer.state_dict())

    whole, end = train(6)
    half, middle = train(3)
    rest, resumed_end = train(6, initial_epoch=3, checkpoint=middle)
    assert half.loss + rest.loss == whole.loss
    assert resumed_end == end


def test_full_batch_descent_does_not_shuffle():
    # One batch of every example: the order changes only rounding, so it is not drawn.
    X, y = data.make_moons(20, seed=0, signed=True)
    losses = []
    for seed in (0, 1):
        model = MLP(2, [4, 1], seed=0)
        losses.append(fit(model, X, y, epochs=3, seed=seed, progress=False).loss)
    assert losses[0] == losses[1]


@pytest.mark.slow
@pytest.mark.parametrize("lr", [0.1, 1.0])  # micrograd's demo, and the CLI's default for moons
def test_the_demo_run_drifts_from_eager_only_in_the_last_bits(lr):
    # The README: "to about 4e-15 on the demo's 200 epochs".
    X, y = data.make_moons(100, signed=True)
    losses = []
    for compiled in (False, True):
        model = MLP(2, [16, 16, 1], seed=1337)
        history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=lr), epochs=200,
                      l2_penalty=1e-4, progress=False, compile=compiled)
        losses.append(history.loss)
    drift = max(abs(a - b) / abs(a) for a, b in zip(*losses))
    assert drift < 1e-14


def test_a_model_whose_graph_does_not_group_trains_with_the_per_op_replay():
    from autograd import Value
    from nn import Module

    class Chain(Module):  # each op waits for the one before: nothing to group
        def __init__(self):
            self.w = [Value(0.3 + 0.1 * k) for k in range(6)]

        def __call__(self, x):
            h = x[0]
            for w in self.w:
                h = (w * h + x[1]).tanh()
            return h

    X, y = data.make_moons(30, seed=0, signed=True)
    runs = []
    for compiled in (False, True):
        model = Chain()
        runs.append(fit(model, X, y, optimizer=Adam(model.parameters(), lr=0.05), epochs=3,
                        batch_size=8, progress=False, compile=compiled).loss)
        assert compiled is False or not nn.compiled.CompiledLoss(
            model, nn.losses.hinge, X, y).grouped
    assert runs[1] == pytest.approx(runs[0], rel=1e-9)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::nn.DivergenceWarning")
def test_a_run_at_the_edge_of_divergence_stays_within_rounding_of_eager():
    # The README: "under 1e-13 relative over 400 epochs ... at SGD's lr 2 with momentum 0.9".
    X, y = data.make_moons(40, signed=True, seed=0)
    losses = []
    for compiled in (False, True):
        model = MLP(2, [8, 8, 1], seed=0)
        history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=2.0, momentum=0.9),
                      epochs=400, batch_size=8, progress=False, compile=compiled)
        losses.append(history.loss)
    assert max(losses[0]) > 2 * min(losses[0])  # the loss jumps about: not a quiet run
    assert max(abs(a - b) / abs(a) for a, b in zip(*losses)) < 1e-13


def test_the_demo_model_trains_through_the_grouped_program_without_replays(monkeypatch):
    # The per-op replay is the fallback for NumPy's overflows; a well-behaved run of an
    # MLP never needs it (a shape error in the grouped program would hide behind it).
    def refuse(*args, **kwargs):
        raise AssertionError("the per-op replay ran")

    monkeypatch.setattr(autograd.CompiledFunction, "batch", refuse)
    (_, _, eager), (_, _, compiled) = both_ways(OPTIMIZERS["adam"], batch_size=16)
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-9)


def test_a_schedule_that_reads_the_optimizer_sees_its_current_state():
    from nn import LRScheduler

    class WarmUpBySteps(LRScheduler):
        def factor(self, epoch):
            return min(1.0, self.optimizer.steps / 20)

    X, y = data.make_moons(30, seed=0, signed=True)
    rates = []
    for compiled in (False, True):
        model = MLP(2, [6, 1], seed=0)
        optimizer = Adam(model.parameters(), lr=0.05)
        history = fit(model, X, y, optimizer=optimizer, scheduler=WarmUpBySteps(optimizer),
                      epochs=5, batch_size=10, progress=False, compile=compiled)
        rates.append(history.lr)
    assert rates[1] == rates[0] == pytest.approx([0.05, 0.0075, 0.015, 0.0225, 0.03])


def test_state_dicts_a_callback_holds_stay_the_optimizers_own():
    # As in PyTorch, optimizer.state[p] is one dict for the whole run: a callback that
    # keeps it sees the current numbers, and what it writes there is what steps use.
    X, y = data.make_moons(20, seed=3, signed=True)

    class ResetMomentum(Callback):
        def on_train_begin(self, run):
            self.state = run.optimizer.state

        def on_epoch_end(self, run, epoch, logs):
            first = run.optimizer.state[run.model.parameters()[0]]
            if epoch == 1:
                self.first = first  # held from one epoch to the next
            assert first is self.first and first is self.state[run.model.parameters()[0]]
            if epoch == 2:
                for entry in self.state.values():
                    entry["momentum_buffer"] = 0.0

    runs = []
    for compiled in (False, True):
        model = MLP(2, [4, 1], seed=0)
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
        held = optimizer.state
        history = fit(model, X, y, optimizer=optimizer, epochs=4, batch_size=5,
                      progress=False, compile=compiled, callbacks=[ResetMomentum()])
        assert optimizer.state is held
        runs.append(history.loss)
    assert runs[1] == pytest.approx(runs[0], rel=1e-9)


def test_an_overflow_names_the_row_of_the_data_not_its_place_in_the_batch():
    X, y = data.make_regression_curve(20, seed=0)
    X = [list(row) for row in X]
    X[13] = [1e200]
    model = MLP(1, [1], seed=1)
    with pytest.raises(TrainingDiverged, match=r"a number overflowed \(X\[13\]: pow_const"):
        fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=0.01), epochs=1,
            batch_size=4, progress=False, compile=True)


def test_removing_a_parameters_state_mid_run_steps_the_values_from_then_on():
    X, y = data.make_moons(20, seed=0, signed=True)

    def reset_first(run, epoch, logs):
        if epoch == 2:
            del run.optimizer.state[run.model.parameters()[0]]

    runs = []
    for compiled in (False, True):
        model = MLP(2, [4, 1], seed=0)
        history = fit(model, X, y, optimizer=Adam(model.parameters(), lr=0.05), epochs=4,
                      progress=False, compile=compiled,
                      callbacks=[LambdaCallback(on_epoch_end=reset_first)])
        runs.append((history.loss, [p.data for p in model.parameters()]))
    assert runs[1][0] == pytest.approx(runs[0][0], rel=1e-9)
    assert runs[1][1] == pytest.approx(runs[0][1], rel=1e-9)


def test_tied_weights_train_compiled_and_a_value_outside_the_parameters_is_named():
    from autograd import TraceError, Value
    from nn import Module

    class Tied(Module):
        def __init__(self):
            self.w, self.b = Value(0.5), Value(0.1)
            self.w_again = self.w  # the same parameter, twice in parameters()

        def __call__(self, x):
            return self.w * x[0] + self.w_again * 0.5 + self.b

    X, y = data.make_regression_curve(10, seed=0)
    runs = []
    for compiled in (False, True):
        model = Tied()
        unique = list(dict.fromkeys(model.parameters()))
        runs.append(fit(model, X, y, loss="mse", optimizer=SGD(unique, lr=0.1), epochs=3,
                        progress=False, compile=compiled).loss)
    assert runs[1] == pytest.approx(runs[0], rel=1e-9)

    scale = Value(3.0)

    class Hidden(Module):
        def __init__(self):
            self.w = Value(0.5)

        def __call__(self, x):
            return self.w * x[0] * scale  # a Value the module does not hold

    with pytest.raises(TraceError, match=r"^fit\(compile=True\): the model uses a Value that "
                                         r"is not among its parameters\(\)"):
        fit(Hidden(), X, y, loss="mse", epochs=1, progress=False, compile=True)


def test_a_failed_step_leaves_the_gradients_at_zero_as_zero_grad_did():
    X, y = data.make_regression_curve(20, seed=0)
    X = [list(row) for row in X]
    X[5] = [1e200]
    grads = []
    for compiled in (False, True):
        model = MLP(1, [1], seed=1)
        with pytest.raises(TrainingDiverged):
            fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=0.01),
                epochs=3, batch_size=4, shuffle=False, progress=False, compile=compiled)
        grads.append([p.grad for p in model.parameters()])
    assert grads[1] == grads[0] == [0.0, 0.0]


def test_an_optimizer_that_changes_the_gradients_it_reads_steps_the_values():
    class ClippedGradients(SGD):
        def _gradients(self):
            return [max(-0.01, min(0.01, g)) for g in super()._gradients()]

    (_, _, eager), (_, _, compiled) = both_ways(lambda ps: ClippedGradients(ps, lr=0.5))
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-9)


def test_a_nan_logit_is_the_predicted_class_on_the_list_and_the_array_path():
    from nn.losses import cross_entropy

    for label in (0, 1, 2):
        rows = [[1.0, math.nan, 2.0]]
        assert cross_entropy.count_correct(rows, [label]) == \
            cross_entropy.count_correct(np.array(rows), [label]) == int(label == 1)
