"""Closed-form checks of nn/train.py: what fit records and hands its callbacks, on the
eager and compiled paths, with numbers worked out by hand for a one-weight model."""

import pytest

from autograd import Value, sum_values
from nn import SGD, evaluate, fit
from nn.callbacks import Callback, LambdaCallback
from nn.modules import Module


class Scale(Module):
    """prediction = w * x[0]: one weight, so every number of a run is a closed form."""

    def __init__(self, w):
        self.w = Value(w)

    def __call__(self, x):
        return self.w * x[0]

    def parameters(self):
        return [self.w]

class ValuesSGD(SGD):
    """SGD whose step() is its own: compiled training steps the Values, not arrays."""

    def step(self):
        super().step()


@pytest.mark.parametrize("compile", [False, True])
@pytest.mark.parametrize("optimizer", [SGD, ValuesSGD])
def test_one_full_batch_step_of_mse_in_closed_form(compile, optimizer):
    # loss = mean((w x - y)^2) over x = 1, 2 with y = 2, 4 at w = 1: (1 + 4) / 2 = 2.5;
    # dL/dw = mean(2 (w x - y) x) = (-2 - 8) / 2 = -5; w -= 0.1 * -5 gives 1.5.
    model = Scale(1.0)
    history = fit(model, [[1.0], [2.0]], [2.0, 4.0], loss="mse",
                  optimizer=optimizer(model.parameters(), lr=0.1), epochs=1, progress=False,
                  compile=compile)
    assert history.loss == [2.5]
    assert history.penalty == [0.0]
    assert history.accuracy == []
    assert model.w.data == 1.5
    assert model.w.grad == -5.0
    assert history.steps == 1


@pytest.mark.parametrize("compile", [False, True])
@pytest.mark.parametrize("optimizer", [SGD, ValuesSGD])
def test_the_l2_penalty_in_closed_form(compile, optimizer):
    # data loss 2.5 and dL/dw = -5 as above; penalty 0.5 * w^2 = 0.5, its gradient
    # 2 * 0.5 * w = 1: loss 3.0, grad -4, w = 1 - 0.1 * -4 = 1.4.
    model = Scale(1.0)
    history = fit(model, [[1.0], [2.0]], [2.0, 4.0], loss="mse",
                  optimizer=optimizer(model.parameters(), lr=0.1), epochs=1, progress=False,
                  l2_penalty=0.5, compile=compile)
    assert history.loss == [3.0]
    assert history.penalty == [0.5]
    assert history.data_loss == [2.5]
    assert model.w.grad == -4.0
    assert model.w.data == 1.4


class Affine(Module):
    """prediction = w * x[0] + b."""

    def __init__(self, w, b):
        self.w, self.b = Value(w), Value(b)

    def __call__(self, x):
        return self.w * x[0] + self.b


def test_a_compiled_run_that_leaves_the_arrays_keeps_the_l2_penalty():
    """A state arrays cannot hold (one parameter's entry grows a key) makes compiled
    training step the Values from then on: with the same penalty as before."""

    def mark(run, epoch, logs):
        if epoch == 1:
            run.optimizer.state[run.model.b]["note"] = 1.0

    runs = []
    for compile in (False, True):
        model = Affine(1.0, 0.0)
        history = fit(model, [[1.0], [2.0], [3.0]], [2.0, 4.0, 5.0], loss="mse",
                      optimizer=SGD(model.parameters(), lr=0.05, momentum=0.5), epochs=3,
                      progress=False, l2_penalty=0.25, compile=compile,
                      callbacks=[LambdaCallback(on_epoch_end=mark)])
        runs.append((history, model))
    (eager, eager_model), (compiled, model) = runs
    assert compiled.penalty == pytest.approx(eager.penalty, rel=1e-12)
    assert compiled.penalty[2] > 0.0
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-12)
    assert [model.w.data, model.b.data] == pytest.approx(
        [eager_model.w.data, eager_model.b.data], rel=1e-12)
    assert eager.penalty[0] == 0.25  # 0.25 * (1^2 + 0^2)


@pytest.mark.parametrize("compile", [False, True])
def test_history_counts_every_optimiser_step_of_the_run(compile):
    model = Scale(1.0)
    history = fit(model, [[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0], loss="mse", epochs=2,
                  batch_size=2, progress=False, compile=compile)
    assert history.steps == 4  # two batches (2 + 1 examples) per epoch


def test_evaluate_gives_no_accuracy_for_a_regression_loss_or_a_plain_function():
    model = Scale(2.0)
    assert evaluate(model, [[1.0], [2.0]], [1.0, 1.0], loss="mse") == (5.0, None)  # (1 + 9) / 2

    def half_sum(predictions, targets):  # any function (predictions, targets) -> Value
        return sum_values(predictions) * 0.5

    assert evaluate(model, [[1.0], [2.0]], [1.0, 1.0], loss=half_sum) == (3.0, None)


@pytest.mark.parametrize("compile", [False, True])
@pytest.mark.parametrize("optimizer", [SGD, ValuesSGD])
def test_the_validation_loss_after_the_step_in_closed_form(compile, optimizer):
    # after the step w = 1.5: predictions 1.5 and 4.5 against 1 and 3: (0.25 + 2.25) / 2
    model = Scale(1.0)
    history = fit(model, [[1.0], [2.0]], [2.0, 4.0], loss="mse",
                  optimizer=optimizer(model.parameters(), lr=0.1), epochs=1, progress=False,
                  compile=compile, validation=([[1.0], [3.0]], [1.0, 3.0]))
    assert history.val_loss == [1.25]
    assert history.val_accuracy == []


@pytest.mark.parametrize("optimizer", [SGD, ValuesSGD])
def test_a_validation_example_that_overflows_is_named_by_its_row(optimizer):
    model = Scale(1.0)
    with pytest.raises(FloatingPointError, match=r"^validation X\[1\]: pow_const"):
        fit(model, [[1.0], [2.0]], [2.0, 4.0], loss="mse",
            optimizer=optimizer(model.parameters(), lr=0.1), epochs=1, progress=False,
            compile=True, validation=([[1.0], [1e200], [3.0]], [1.0, 1.0, 1.0]))


def test_compiled_training_writes_the_model_back_only_for_the_hooks_that_read_it():
    """A callback that reads the model but has no on_batch_end is not run after each
    step, so the weights are not written back there: a callback that does not read the
    model sees, after each step, the numbers the model had when training started."""

    class ReadsAtEpochEnd(Callback):
        def on_epoch_end(self, run, epoch, logs):
            seen_at_epoch_end.append(run.model.w.data)

    class WatchesBatches(Callback):
        reads_model = False

        def on_batch_end(self, run, step, loss):
            seen_after_steps.append(run.model.w.data)

    seen_at_epoch_end, seen_after_steps = [], []
    model = Scale(1.0)
    fit(model, [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], loss="mse",
        optimizer=SGD(model.parameters(), lr=0.01), epochs=1, batch_size=1, shuffle=False,
        progress=False, compile=True, callbacks=[ReadsAtEpochEnd(), WatchesBatches()])
    assert seen_after_steps == [1.0, 1.0, 1.0]
    # w' = w - lr * 2 (w x - y) x, example by example: 1.02, 1.0992, then 1.2...
    w = 1.0
    for x, y in ((1.0, 2.0), (2.0, 4.0), (3.0, 6.0)):
        w = w - 0.01 * (2 * (w * x - y) * x)
    assert seen_at_epoch_end == [pytest.approx(w, rel=1e-15)]
    assert model.w.data == seen_at_epoch_end[0]


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_the_old_patience_keyword_without_tolerance_names_the_replacement():
    model = Scale(1.0)
    with pytest.raises(ValueError, match=r"^fit: patience needs tolerance \(the improvement "
                                         r"that counts\); or use callbacks=\[EarlyStopping\("
                                         r"patience=\.\.\.\)\]$"):
        fit(model, [[1.0]], [1.0], loss="mse", epochs=2, progress=False, patience=5)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_the_old_tolerance_keyword_watches_the_training_loss_even_with_validation_data():
    # w goes from 0 towards 2: the training loss (w - 2)^2 falls every epoch while the
    # validation loss (w - 0)^2 grows, which would stop a run watching val_loss at once.
    model = Scale(0.0)
    history = fit(model, [[1.0]], [2.0], loss="mse", optimizer=SGD(model.parameters(), lr=0.1),
                  epochs=8, progress=False, validation=([[1.0]], [0.0]), tolerance=1e-6,
                  patience=2)
    assert history.epochs == 8 and not history.stopped_early
    assert history.val_loss == sorted(history.val_loss)  # it did get worse throughout


@pytest.mark.parametrize("name, options, replacement", [
    ("tolerance", {"tolerance": 1e-9}, "EarlyStopping(monitor='loss', min_delta=tolerance)"),
    ("patience", {"tolerance": 1e-9, "patience": 5}, "EarlyStopping(patience=...)"),
    ("on_epoch_end", {"on_epoch_end": None},
     "a Callback with an on_epoch_end hook (or LambdaCallback)"),
])
def test_each_old_keyword_warns_once_naming_its_replacement(monkeypatch, name, options,
                                                            replacement):
    monkeypatch.setattr("nn.train._warned", set())
    model = Scale(1.0)
    with pytest.warns(FutureWarning) as caught:
        for _ in range(2):
            fit(model, [[1.0]], [1.0], loss="mse", epochs=1, progress=False, **options)
    messages = [str(w.message) for w in caught if str(w.message).startswith(f"fit({name}=")]
    assert messages == [f"fit({name}=...) is replaced by callbacks=[{replacement}]"]


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_the_old_patience_keyword_sets_the_epochs_without_improvement():
    # no epoch improves the loss by 1e9: the first sets the best, two more end the run
    model = Scale(0.0)
    history = fit(model, [[1.0]], [2.0], loss="mse", optimizer=SGD(model.parameters(), lr=0.1),
                  epochs=20, progress=False, tolerance=1e9, patience=2)
    assert history.epochs == 3 and history.stopped_early


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_the_old_on_epoch_end_keyword_gets_the_0_based_epoch_and_the_history():
    calls = []
    model = Scale(1.0)
    history = fit(model, [[1.0]], [2.0], loss="mse", epochs=3, progress=False,
                  on_epoch_end=lambda epoch, h: calls.append((epoch, h, len(h.loss))))
    assert calls == [(0, history, 1), (1, history, 2), (2, history, 3)]


def test_callbacks_see_the_objects_of_the_run():
    from nn.losses import mse
    from nn.optim import StepLR

    model = Scale(1.0)
    optimizer = SGD(model.parameters(), lr=0.5)
    schedule = StepLR(optimizer, step_size=1, gamma=0.5)
    X, y, validation = ((1.0,), (2.0,)), (2.0, 4.0), ([[3.0]], [6.0])
    seen = {}

    class Looks(Callback):
        def on_train_begin(self, run):
            seen.update(model=run.model, optimizer=run.optimizer, loss=run.loss, X=run.X,
                        y=run.y, validation=run.validation, epochs=run.epochs,
                        scheduler=run.scheduler, epoch=run.epoch, start_lr=run.start_lr,
                        history=run.history)

    history = fit(model, X, y, loss="mse", optimizer=optimizer, epochs=4, progress=False,
                  scheduler=schedule, validation=validation, initial_epoch=1,
                  callbacks=[Looks()])
    assert seen == dict(model=model, optimizer=optimizer, loss=mse, X=[[1.0], [2.0]], y=y,
                        validation=([[3.0]], [6.0]), epochs=4, scheduler=schedule, epoch=1,
                        start_lr=0.5, history=history)
    assert history.lr == [0.5, 0.25, 0.125]


def test_a_loss_fit_cannot_use_is_refused_with_the_choices():
    model = Scale(1.0)
    with pytest.raises(ValueError, match=r"^fit: unknown loss 'mae'; choose one of mse, hinge, "
                                         r"binary_cross_entropy, cross_entropy$"):
        fit(model, [[1.0]], [1.0], loss="mae", progress=False)
    with pytest.raises(TypeError, match=r"^fit: loss must be a name or a function, got float$"):
        fit(model, [[1.0]], [1.0], loss=0.5, progress=False)
