"""fit's callbacks: early stopping on validation loss, divergence, recording, your own."""

import math
import warnings

import pytest

from nn import (MLP, SGD, Adam, Callback, DivergenceGuard, DivergenceWarning, EarlyStopping,
                LambdaCallback, LinearLR, TrainingDiverged, TrainingRecorder, TrainingRun,
                evaluate, fit,
                load_checkpoint, save_checkpoint)
from nn import data
from nn.record import grid_predictor


def overfitting_run(callbacks=(), epochs=150):
    """The overfitting tutorial: a 2-32-32-1 MLP on 30 noisy moons."""
    X, y = data.make_moons(30, noise=0.35, seed=3)
    X_val, y_val = data.make_moons(150, noise=0.35, seed=4)
    model = MLP(2, [32, 32, 1], seed=0)
    history = fit(model, X, y, loss="binary_cross_entropy", epochs=epochs,
                  optimizer=Adam(model.parameters(), lr=0.02), validation=(X_val, y_val),
                  callbacks=callbacks, progress=False, compile=True)
    return model, history, (X_val, y_val)


@pytest.fixture(scope="module")
def plain_run():
    return overfitting_run()


def test_early_stopping_watches_validation_loss_and_restores_the_best_weights(plain_run):
    _, plain, _ = plain_run
    best = min(range(plain.epochs), key=plain.val_loss.__getitem__) + 1
    assert plain.val_loss[-1] > plain.val_loss[best - 1] * 1.5  # it does overfit
    model, stopped, (X_val, y_val) = overfitting_run(
        [EarlyStopping(patience=30, restore_best_weights=True)])
    assert stopped.best_epoch == best
    assert stopped.epochs == best + 30 and stopped.stopped_early
    assert stopped.val_loss == plain.val_loss[:stopped.epochs]
    restored_loss, _ = evaluate(model, X_val, y_val, "binary_cross_entropy")
    assert restored_loss == pytest.approx(plain.val_loss[best - 1], rel=1e-9)
    assert "val_loss has not improved for 30 epochs" in stopped.stop_reason


def test_a_short_patience_stops_at_the_first_plateau(plain_run):
    _, plain, _ = plain_run
    _, stopped, _ = overfitting_run([EarlyStopping(patience=10)])
    seen = stopped.val_loss
    assert stopped.best_epoch == min(range(len(seen)), key=seen.__getitem__) + 1
    assert stopped.epochs == stopped.best_epoch + 10
    assert min(plain.val_loss) < min(seen)  # a lower minimum came later


def test_without_restoring_the_model_keeps_its_last_weights(plain_run):
    _, plain, _ = plain_run
    model, stopped, (X_val, y_val) = overfitting_run([EarlyStopping(patience=10)])
    assert evaluate(model, X_val, y_val, "binary_cross_entropy")[0] == pytest.approx(
        stopped.val_loss[-1], rel=1e-9)
    assert stopped.best_epoch < stopped.epochs


def test_early_stopping_watches_training_loss_without_validation_data():
    X, y = data.make_moons(40, seed=1, signed=True)
    model = MLP(2, [8, 1], seed=0)
    stopper = EarlyStopping(min_delta=1e-3, patience=3)
    history = fit(model, X, y, epochs=500, callbacks=[stopper], progress=False,
                  optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9))
    assert history.stopped_early and history.epochs < 500
    assert "loss has not improved for 3 epochs" in history.stop_reason
    best = history.best_epoch
    # Keras's rule: nothing after the best epoch beat it by more than min_delta.
    assert all(loss >= history.loss[best - 1] - 1e-3 for loss in history.loss[best:])
    assert history.epochs == best + 3


def test_early_stopping_can_maximise_accuracy_and_refuses_an_unknown_monitor():
    X, y = data.make_moons(30, seed=1, signed=True)
    model = MLP(2, [8, 1], seed=0)
    history = fit(model, X, y, epochs=60, progress=False,
                  callbacks=[EarlyStopping(monitor="accuracy", patience=4)],
                  optimizer=SGD(model.parameters(), lr=0.1))
    assert history.accuracy[history.best_epoch - 1] == max(history.accuracy)
    with pytest.raises(KeyError, match=r"monitor 'val_loss' is not among the epoch's numbers"):
        fit(model, X, y, epochs=2, progress=False,
            callbacks=[EarlyStopping(monitor="val_loss")])


@pytest.mark.parametrize("kwargs, message", [
    ({"patience": -1}, "EarlyStopping: patience must be a whole number >= 0, got -1"),
    ({"min_delta": -1}, "EarlyStopping: min_delta must be a finite number >= 0"),
    ({"mode": "up"}, "mode must be 'auto', 'min' or 'max', got 'up'"),
])
def test_early_stopping_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        EarlyStopping(**kwargs)


def diverging_fit(compile):
    X, y = data.make_regression_curve(20, seed=0)
    model = MLP(1, [8, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        with pytest.raises(TrainingDiverged) as caught:
            fit(model, X, y, loss="mse", epochs=50, progress=False, compile=compile,
                optimizer=SGD(model.parameters(), lr=50.0))
    return caught.value


def test_divergence_stops_eager_and_compiled_training_alike():
    eager, compiled = diverging_fit(False), diverging_fit(True)
    assert isinstance(eager, FloatingPointError)  # what fit raised before: still caught
    assert (eager.epoch, eager.step) == (compiled.epoch, compiled.step)
    for error in (eager, compiled):
        assert str(error).startswith(f"training diverged at epoch {error.epoch}, "
                                     f"step {error.step}: ")
        assert "the learning rate (50) is probably too high: try a smaller one" in str(error)


def test_a_parameter_that_stops_being_finite_is_named():
    X, y = data.make_moons(10, seed=1, signed=True)
    model = MLP(2, [4, 1], seed=0)

    class Poison(Callback):  # as if step 3 had pushed one parameter to infinity
        def on_batch_end(self, run, step, loss):
            if step == 3:
                model.layers[0].neurons[1].b.data = math.inf

    with pytest.raises(TrainingDiverged, match=r"at epoch 3, step 3: parameter "
                       r"layers\.0\.neurons\.1\.b became inf"):
        fit(model, X, y, epochs=5, progress=False, callbacks=[Poison(), DivergenceGuard()],
            optimizer=SGD(model.parameters(), lr=0.1))


def test_huge_but_finite_parameters_are_not_taken_for_divergence():
    X, y = data.make_moons(10, seed=1, signed=True)
    model = MLP(2, [4, 1], seed=0)
    guard = DivergenceGuard()
    run = TrainingRun(model=model, optimizer=SGD(model.parameters(), lr=0.1), loss=None,
                      X=X, y=y, validation=None, history=None, epochs=1, epoch=1, step=1)
    for p in model.parameters()[:2]:
        p.data = 1e308  # their sum overflows, yet each is a number
    guard.on_batch_end(run, 1, 0.5)  # no error
    model.parameters()[3].data = math.nan
    with pytest.raises(TrainingDiverged, match=r"parameter layers\.0\.neurons\.1\.w\.0 became "
                                               r"nan"):
        guard.on_batch_end(run, 1, 0.5)


def test_an_exploding_but_finite_loss_warns_once_or_raises_when_asked():
    X, y = data.make_blobs(60, noise=0.1, seed=0)

    def run(guard):
        model = MLP(2, [16, 16, 3], seed=0)
        return fit(model, X, y, loss="cross_entropy", epochs=12, progress=False,
                   callbacks=[guard] if guard else [],
                   optimizer=SGD(model.parameters(), lr=30.0))

    with pytest.warns(DivergenceWarning) as caught:
        history = run(None)
    exploded = [w for w in caught if issubclass(w.category, DivergenceWarning)]
    assert len(exploded) == 1
    assert exploded[0].filename == __file__  # points at the call of fit, not inside it
    assert "the loss exploded" in str(exploded[0].message)
    assert max(history.loss) > 1000 * history.loss[0]
    with pytest.raises(TrainingDiverged, match=r"training diverged: the loss exploded: "
                       r".* at epoch 2, [\d.e+]+ times the first epoch's"):
        run(DivergenceGuard(on_explosion="raise"))


def test_hooks_run_in_order_and_a_callback_can_stop_training():
    X, y = data.make_moons(8, seed=1, signed=True)
    model = MLP(2, [4, 1], seed=0)
    calls = []

    class Spy(Callback):
        def on_train_begin(self, run):
            calls.append("begin")

        def on_epoch_begin(self, run, epoch):
            calls.append(f"epoch {epoch}")

        def on_batch_end(self, run, step, loss):
            calls.append(f"step {step}")

        def on_epoch_end(self, run, epoch, logs):
            calls.append(f"end {epoch} {sorted(logs)}")
            run.stop_training = epoch == 2

        def on_train_end(self, run):
            calls.append("done")

    history = fit(model, X, y, epochs=10, batch_size=4, progress=False, callbacks=[Spy()],
                  l2_penalty=0.01, optimizer=SGD(model.parameters(), lr=0.1))
    names = "['accuracy', 'data_loss', 'loss', 'lr', 'penalty']"
    assert calls == ["begin", "epoch 1", "step 1", "step 2", f"end 1 {names}",
                     "epoch 2", "step 3", "step 4", f"end 2 {names}", "done"]
    assert history.epochs == 2
    assert history.data_loss[0] == pytest.approx(history.loss[0] - history.penalty[0])
    assert history.penalty[0] > 0


def test_on_train_end_runs_when_training_fails():
    X, y = data.make_moons(8, seed=1, signed=True)
    ended = []

    class Boom(Callback):
        def on_epoch_end(self, run, epoch, logs):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=False,
            callbacks=[Boom(), LambdaCallback(on_train_end=lambda run: ended.append(run.epoch))])
    assert ended == [1]


def test_one_callback_need_not_be_in_a_list():
    X, y = data.make_moons(30, seed=1, signed=True)
    history = fit(MLP(2, [8, 1], seed=0), X, y, epochs=50, progress=False,
                  callbacks=EarlyStopping(monitor="accuracy", patience=0))
    assert history.stopped_early and history.epochs == history.best_epoch + 1


def test_callbacks_must_be_callbacks():
    X, y = data.make_moons(8, seed=1, signed=True)
    with pytest.raises(TypeError, match=r"callbacks\[0\] is a function, not a Callback"):
        fit(MLP(2, [4, 1], seed=0), X, y, progress=False, callbacks=[lambda run: None])
    with pytest.raises(TypeError, match=r"LambdaCallback: unknown hooks \['on_step'\]"):
        LambdaCallback(on_step=print)


def test_the_old_keywords_warn_once_naming_their_callback(monkeypatch):
    monkeypatch.setattr("nn.train._warned", set())
    X, y = data.make_moons(8, seed=1, signed=True)
    seen = []
    with pytest.warns(FutureWarning) as caught:
        for _ in range(2):
            fit(MLP(2, [4, 1], seed=0), X, y, epochs=2, progress=False,
                on_epoch_end=lambda epoch, history: seen.append((epoch, history.epochs)))
    messages = [str(w.message) for w in caught if issubclass(w.category, FutureWarning)]
    assert messages == ["fit(on_epoch_end=...) is replaced by callbacks=[a Callback with an "
                        "on_epoch_end hook (or LambdaCallback)]"]
    assert seen == [(0, 1), (1, 2)] * 2  # as before: 0-based epoch, the history so far
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        fit(MLP(2, [4, 1], seed=0), X, y, epoch=2)


def test_the_recorder_keeps_the_grid_before_during_and_after_training():
    X, y = data.make_moons(30, seed=0, signed=True)
    X_val, y_val = data.make_moons(20, seed=1, signed=True)
    model = MLP(2, [8, 1], seed=0)
    history = fit(model, X, y, epochs=7, record=TrainingRecorder(every=3, grid=20),
                  validation=(X_val, y_val), progress=False,
                  optimizer=SGD(model.parameters(), lr=0.2))
    record = history.record
    assert record.task == "classification" and record.classes == [-1, 1]
    assert record.epochs == [0, 3, 6, 7]
    assert len(record.predicted) == len(record.confidence) == 4
    assert len(record.predicted[-1]) == 20 * 20
    assert record.history is history and record.X_val == X_val
    # The last frame is the trained model's own prediction, point by point.
    points = [[gx, gy] for gy in record.grid_y for gx in record.grid_x]
    scores = [model(p).data for p in points]
    assert record.predicted[-1] == [int(s > 0) for s in scores]
    assert record.confidence[-1] == pytest.approx([math.tanh(abs(s)) for s in scores])
    assert record.predicted[0] != record.predicted[-1]  # training moved the boundary


def test_the_recorder_shows_the_restored_weights_last():
    X, y = data.make_moons(30, noise=0.35, seed=3)
    X_val, y_val = data.make_moons(150, noise=0.35, seed=4)
    model = MLP(2, [32, 32, 1], seed=0)
    recorder = TrainingRecorder(every=5, grid=10)
    history = fit(model, X, y, loss="binary_cross_entropy", epochs=150,
                  optimizer=Adam(model.parameters(), lr=0.02), validation=(X_val, y_val),
                  callbacks=[recorder, EarlyStopping(patience=10, restore_best_weights=True)],
                  progress=False, compile=True)
    record = recorder.record
    assert record.epochs[-1] == history.epochs  # the last epoch trained, as it was
    assert record.restored_epoch == history.best_epoch
    assert history.best_epoch in record.epochs and history.best_epoch % 5  # added for it
    assert record.epochs == sorted(record.epochs)
    points = [[gx, gy] for gy in record.grid_y for gx in record.grid_x]
    at = record.epochs.index(history.best_epoch)
    assert record.predicted[at] == [int(model(p).data > 0) for p in points]  # as it ends
    assert record.confidence[at] == pytest.approx(
        [math.tanh(abs(model(p).data) / 2) for p in points])  # logits: tanh(|s| / 2)
    assert record.confidence[-1] != record.confidence[at]
    assert "val_loss has not improved for 10 epochs" in record.stop_reason
    assert record.classes == [0, 1]


def test_regression_records_a_curve_and_other_inputs_only_metrics():
    X, y = data.make_regression_curve(30, seed=0)
    model = MLP(1, [8, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss="mse", epochs=3, record=1, progress=False,
                  optimizer=Adam(model.parameters(), lr=0.05))
    record = history.record
    assert record.task == "regression" and record.epochs == [0, 1, 2, 3]
    assert record.curve[-1] == pytest.approx([model([x]).data for x in record.grid_x])
    X3 = [[a, b, a * b] for a, b in data.make_moons(20, seed=0)[0]]
    y3 = data.make_moons(20, seed=0, signed=True)[1]
    history = fit(MLP(3, [4, 1], seed=0), X3, y3, epochs=2, record=1, progress=False)
    assert history.record.task == "metrics" and history.record.predicted == []


def test_the_grid_predictor_matches_the_model_with_several_outputs():
    model = MLP(2, [5, 3], seed=1)
    points = [[0.1 * i, -0.2 * i] for i in range(7)]
    predict = grid_predictor(model, points)
    def flat(rows):
        return [v for row in rows for v in row]

    expected = [[v.data for v in model(p)] for p in points]
    assert flat(predict(points)) == pytest.approx(flat(expected))
    for p in model.parameters():  # new weights are read at each call
        p.data *= 0.5
    expected = [[v.data for v in model(p)] for p in points]
    assert flat(predict(points)) == pytest.approx(flat(expected))


def test_fit_resumes_from_initial_epoch_with_the_same_shuffles():
    X, y = data.make_moons(24, seed=1, signed=True)

    def train(epochs, initial_epoch=0, weights=None):
        model = MLP(2, [6, 1], seed=0)
        if weights is not None:
            model.load_state_dict(weights)
        optimizer = SGD(model.parameters(), lr=0.1)
        history = fit(model, X, y, epochs=epochs, batch_size=5, initial_epoch=initial_epoch,
                      progress=False, optimizer=optimizer, seed=3)
        return model, history

    full_model, full = train(6)
    half_model, half = train(3)
    resumed_model, resumed = train(6, initial_epoch=3, weights=half_model.state_dict())
    assert half.loss + resumed.loss == full.loss
    assert resumed_model.state_dict() == full_model.state_dict()
    _, nothing_left = train(6, initial_epoch=6, weights=full_model.state_dict())
    assert nothing_left.epochs == 0  # as Keras: a finished run trains no further
    with pytest.raises(ValueError, match="initial_epoch must be a whole number from 0 to 6"):
        train(6, initial_epoch=7)


@pytest.mark.parametrize("compile", [False, True])
def test_a_checkpoint_resumes_fit_to_exactly_the_same_losses(tmp_path, compile):
    X, y = data.make_spiral(45, seed=2)
    X_val, y_val = data.make_spiral(30, seed=3)

    def setup():
        model = MLP(2, [8, 3], seed=0)
        optimizer = Adam(model.parameters(), lr=0.05)
        return model, optimizer, LinearLR(optimizer, 1.0, 0.1, total_iters=8)

    def train(model, optimizer, scheduler, epochs, initial_epoch=0):
        return fit(model, X, y, loss="cross_entropy", optimizer=optimizer,
                   scheduler=scheduler, epochs=epochs, initial_epoch=initial_epoch,
                   batch_size=10, l2_penalty=1e-3, validation=(X_val, y_val), seed=7,
                   progress=False, compile=compile)

    full_model, *rest = setup()
    full = train(full_model, *rest, epochs=8)
    first = setup()
    half = train(*first, epochs=3)
    save_checkpoint(tmp_path / "run.json", first[0], first[1], scheduler=first[2], epoch=3,
                    history=half)
    model, optimizer, scheduler = setup()  # a fresh process would start like this
    checkpoint = load_checkpoint(tmp_path / "run.json", model, optimizer, scheduler)
    assert checkpoint.epoch == 3 and checkpoint.history == half
    resumed = train(model, optimizer, scheduler, epochs=8, initial_epoch=checkpoint.epoch)
    assert half.loss + resumed.loss == full.loss
    assert half.val_loss + resumed.val_loss == full.val_loss
    assert half.lr + resumed.lr == full.lr
    assert model.state_dict() == full_model.state_dict()


def test_progress_bar_is_a_callback_and_closes(capsys):
    X, y = data.make_moons(10, seed=1, signed=True)
    model = MLP(2, [4, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    fit(model, X, y, epochs=3, optimizer=opt, scheduler=LinearLR(opt, 1.0, 0.1, 3))
    err = capsys.readouterr().err
    assert "training: 100%" in err and "3/3" in err and "loss=" in err
