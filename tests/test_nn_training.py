"""Losses, optimisers, schedules, fit and the data sets."""

import math
import warnings

import pytest

from autograd import Value, grad
from nn import MLP, SGD, Adam, LinearLR, StepLR, evaluate, fit, l2
from nn import data
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse
from nn.callbacks import DivergenceWarning


# --- losses ---------------------------------------------------------------------------


def values(*xs):
    return [Value(x) for x in xs]


def test_mse_and_hinge_closed_forms():
    p = values(1.0, 2.0, -1.0)
    assert mse(p, [0.0, 2.0, 1.0]).data == pytest.approx((1 + 0 + 4) / 3)
    assert grad(mse(p, [0.0, 2.0, 1.0]), p) == pytest.approx((2 / 3, 0.0, -4 / 3))
    s = values(2.0, 0.5, -0.5)
    assert hinge(s, [1, 1, 1]).data == pytest.approx((0 + 0.5 + 1.5) / 3)


@pytest.mark.parametrize("z, y", [(0.3, 1), (-2.0, 0), (1000.0, 1), (1000.0, 0),
                                  (-1000.0, 1), (-1000.0, 0)])
def test_binary_cross_entropy_is_exact_and_stable(z, y):
    logit = Value(z)
    loss = binary_cross_entropy([logit], [y])
    # -[y log s + (1 - y) log(1 - s)] written with log1p/exp of -|z|, the stable form
    expected = max(z, 0) - y * z + math.log1p(math.exp(-abs(z)))
    assert loss.data == pytest.approx(expected, rel=1e-12)
    assert math.isfinite(loss.data)
    (dz,) = grad(loss, logit)
    sigmoid = 1 / (1 + math.exp(-z)) if z > -700 else 0.0
    assert dz == pytest.approx(sigmoid - y, abs=1e-12)


def test_cross_entropy_matches_softmax_and_is_stable():
    logits = values(1.0, 2.0, 0.5)
    loss = cross_entropy([logits], [1])
    norm = sum(math.exp(v.data) for v in logits)
    assert loss.data == pytest.approx(-math.log(math.exp(2.0) / norm))
    softmax = [math.exp(v.data) / norm for v in logits]
    assert grad(loss, logits) == pytest.approx((softmax[0], softmax[1] - 1, softmax[2]))
    huge = values(1000.0, -1000.0, 999.0)
    loss = cross_entropy([huge], [0])
    assert loss.data == pytest.approx(math.log1p(math.exp(-1.0)))


def test_losses_refuse_bad_labels_and_sizes():
    with pytest.raises(ValueError, match="targets must be -1 or 1"):
        hinge(values(1.0), [0])
    with pytest.raises(ValueError, match="targets must be 0 or 1"):
        binary_cross_entropy(values(1.0), [-1])
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        mse(values(1.0, 2.0), [1.0])
    with pytest.raises(ValueError, match="label 3"):
        cross_entropy([values(1.0, 2.0)], [3])
    with pytest.raises(ValueError, match=r"^cross_entropy: label 2 does not index a row of 2 "):
        cross_entropy([values(1.0, 2.0)], [2])          # one past the last class
    with pytest.raises(ValueError, match=r"^cross_entropy: label 1 does not index a row of 1 "):
        cross_entropy(values(0.5), [1])                 # one logit: a row of one
    with pytest.raises(ValueError, match=r"^mse: no predictions$"):
        mse([], [])
    with pytest.raises(ValueError, match=r"^mse: targets must be a number, got 'a'$"):
        mse(values(1.0), ["a"])


def test_losses_take_plain_numbers_and_any_real_target():
    # A prediction may be a plain number (a constant model), a target any real number
    # (a Fraction, a NumPy float): each loss reads it with float().
    from fractions import Fraction
    assert binary_cross_entropy([0.0], [1]).data == pytest.approx(math.log(2))
    assert mse(values(1.0), [Fraction(1, 2)]).data == 0.25
    np = pytest.importorskip("numpy")
    assert mse(values(1.0), [np.float32(0.5)]).data == 0.25


def test_l2_helper():
    ps = values(1.0, -2.0, 3.0)
    penalty = l2(ps, 0.1)
    assert penalty.data == pytest.approx(1.4)
    assert grad(penalty, ps) == pytest.approx((0.2, -0.4, 0.6))


# --- optimisers -----------------------------------------------------------------------


def with_grads(*pairs):
    params = []
    for data_, grad_ in pairs:
        p = Value(data_)
        p.grad = grad_
        params.append(p)
    return params


def test_sgd_plain_and_weight_decay():
    (p,) = with_grads((1.0, 0.5))
    SGD([p], lr=0.1).step()
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5)
    (p,) = with_grads((1.0, 0.5))
    SGD([p], lr=0.1, weight_decay=0.01).step()
    assert p.data == pytest.approx(1.0 - 0.1 * (0.5 + 0.01 * 1.0))


def test_sgd_momentum_and_nesterov_by_hand():
    (p,) = with_grads((1.0, 0.5))
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()  # buf = g = 0.5
    assert p.data == pytest.approx(0.95)
    p.grad = 0.2
    opt.step()  # buf = 0.9 * 0.5 + 0.2 = 0.65
    assert p.data == pytest.approx(0.95 - 0.065)
    (q,) = with_grads((1.0, 0.5))
    nesterov = SGD([q], lr=0.1, momentum=0.9, nesterov=True)
    nesterov.step()  # buf = 0.5, step with g + 0.9 * buf = 0.95
    assert q.data == pytest.approx(1.0 - 0.095)
    q.grad = 0.2
    nesterov.step()  # buf = 0.65, step with 0.2 + 0.9 * 0.65 = 0.785
    assert q.data == pytest.approx(1.0 - 0.095 - 0.0785)


def test_sgd_dampening_scales_the_new_gradient_after_the_first_step():
    # PyTorch's rule: buf = g at the first step, then buf = momentum * buf + (1 - d) * g
    (p,) = with_grads((1.0, 0.5))
    opt = SGD([p], lr=0.1, momentum=0.9, dampening=0.25, weight_decay=0.1)
    opt.step()                      # g = 0.5 + 0.1 * 1.0 = 0.6; buf = 0.6
    assert p.data == pytest.approx(1.0 - 0.1 * 0.6, rel=1e-15)
    p.grad = 0.2                    # g = 0.2 + 0.1 * 0.94 = 0.294
    opt.step()                      # buf = 0.9 * 0.6 + 0.75 * 0.294
    assert p.data == pytest.approx(0.94 - 0.1 * (0.9 * 0.6 + 0.75 * 0.294), rel=1e-15)
    assert opt.state[p]["momentum_buffer"] == pytest.approx(0.9 * 0.6 + 0.75 * 0.294)


def test_adam_weight_decay_adds_to_the_gradient_before_the_moments():
    # PyTorch's Adam (not AdamW): g = grad + weight_decay * p, then the usual moments
    (p,) = with_grads((2.0, 0.5))
    opt = Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.5)
    opt.step()                      # g1 = 0.5 + 0.5 * 2 = 1.5
    p1 = 2.0 - 0.01 * 1.5 / (1.5 + 1e-8)
    assert p.data == pytest.approx(p1, rel=1e-15)
    p.grad = -1.2                   # g2 = -1.2 + 0.5 * p1: the decay reads the new weight
    g1, g2 = 1.5, -1.2 + 0.5 * p1
    m = 0.9 * (0.1 * g1) + 0.1 * g2
    v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2
    opt.step()
    step = 0.01 * (m / (1 - 0.9**2)) / (math.sqrt(v / (1 - 0.999**2)) + 1e-8)
    assert p.data == pytest.approx(p1 - step, rel=1e-13)


def test_adam_bias_correction_by_hand():
    (p,) = with_grads((1.0, 0.5))
    opt = Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    # first step: m^ = g, v^ = g^2, so the step is lr * g / (|g| + eps) = lr
    assert p.data == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8))
    p.grad = -0.3
    opt.step()
    m = 0.9 * (0.1 * 0.5) + 0.1 * -0.3
    v = 0.999 * (0.001 * 0.25) + 0.001 * 0.09
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert p.data == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8)
                                   - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8))


def test_optimisers_zero_grad_and_refuse_bad_arguments():
    params = with_grads((1.0, 0.5), (2.0, -1.0))
    SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]
    for make, error, message in (
        (lambda: SGD([], lr=0.1), ValueError, r"^SGD: got an empty parameter list$"),
        (lambda: SGD(params, lr=-1), ValueError, r"^SGD: lr must be a positive number, got -1$"),
        (lambda: SGD(params, lr=0.1, momentum=-0.5), ValueError,
         r"^SGD: momentum must be a number >= 0, got -0.5$"),
        (lambda: SGD(params, lr=0.1, nesterov=True), ValueError,
         r"^SGD: nesterov needs a positive momentum and zero dampening$"),
        (lambda: Adam(params, betas=(1.0, 0.9)), ValueError,
         r"^Adam: betas\[0\] must be a number in \[0, 1\), got 1.0$"),
        (lambda: SGD([1.0], lr=0.1), TypeError, r"^SGD: params\[0\] is a float, not a Value$"),
    ):
        with pytest.raises(error, match=message):
            make()


def test_schedules():
    opt = SGD(with_grads((0.0, 0.0)), lr=1.0)
    linear = LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)
    seen = []
    for _ in range(101):
        seen.append(opt.lr)
        linear.step()
    assert seen[:3] == pytest.approx([1.0, 0.991, 0.982])  # micrograd's 1 - 0.9 k / 100
    assert seen[100] == pytest.approx(0.1) and opt.lr == pytest.approx(0.1)
    opt2 = SGD(with_grads((0.0, 0.0)), lr=0.8)
    stepper = StepLR(opt2, step_size=2, gamma=0.5)
    rates = []
    for _ in range(5):
        rates.append(opt2.lr)
        stepper.step()
    assert rates == pytest.approx([0.8, 0.8, 0.4, 0.4, 0.2])


# --- fit ------------------------------------------------------------------------------


@pytest.mark.slow  # end to end: make test runs it, make test-fast does not
@pytest.mark.parametrize("batch_size, epochs, lr, momentum",
                         [(None, 80, 0.5, 0.9), (1, 15, 0.02, 0.0), (10, 25, 0.1, 0.9)],
                         ids=["full-batch", "stochastic", "mini-batch"])
def test_fit_converges_on_moons(batch_size, epochs, lr, momentum):
    X, y = data.make_moons(100, noise=0.1, seed=0, signed=True)
    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(model, X, y, loss="hinge", batch_size=batch_size, epochs=epochs,
                  optimizer=SGD(model.parameters(), lr=lr, momentum=momentum), progress=False)
    assert history.loss[-1] < history.loss[0] / 3
    assert evaluate(model, X, y, "hinge")[1] >= 0.95
    assert history.steps == epochs * (1 if batch_size is None else math.ceil(100 / batch_size))


@pytest.mark.parametrize("batch_size, epochs", [(None, 150), (1, 20), (8, 40)],
                         ids=["full-batch", "stochastic", "mini-batch"])
def test_fit_converges_on_xor(batch_size, epochs):
    X, y = data.make_xor(60, noise=0.1, seed=2)
    model = MLP(2, [8, 1], activation="tanh", seed=1)
    fit(model, X, y, loss="binary_cross_entropy", batch_size=batch_size, epochs=epochs,
        optimizer=Adam(model.parameters(), lr=0.05), progress=False)
    assert evaluate(model, X, y, "binary_cross_entropy")[1] == 1.0


@pytest.mark.slow  # end to end: make test runs it, make test-fast does not
@pytest.mark.parametrize("batch_size, epochs", [(None, 300), (1, 40), (10, 80)],
                         ids=["full-batch", "stochastic", "mini-batch"])
def test_fit_converges_on_a_regression_curve(batch_size, epochs):
    X, y = data.make_regression_curve(60, noise=0.02, seed=0)
    model = MLP(1, [16, 16, 1], activation="tanh", init="xavier", seed=0)
    baseline = evaluate(model, X, y, "mse")[0]
    history = fit(model, X, y, loss="mse", batch_size=batch_size, epochs=epochs,
                  optimizer=Adam(model.parameters(), lr=0.02), progress=False)
    final, accuracy = evaluate(model, X, y, "mse")
    assert accuracy is None and history.accuracy == []
    assert final < 0.05 and final < baseline / 10


def test_fit_with_validation_and_cross_entropy():
    X, y = data.make_blobs(90, centers=3, noise=0.5, seed=0)
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.3, seed=0)
    model = MLP(2, [8, 3], seed=0)
    history = fit(model, X_tr, y_tr, loss="cross_entropy", epochs=30, validation=(X_te, y_te),
                  optimizer=Adam(model.parameters(), lr=0.05), progress=False)
    assert len(history.val_loss) == len(history.val_accuracy) == 30
    assert history.val_accuracy[-1] >= 0.9
    assert history.seconds == sorted(history.seconds)


def test_fit_is_reproducible_from_the_seed():
    X, y = data.make_moons(40, seed=1, signed=True)

    def run(seed):
        model = MLP(2, [8, 1], seed=0)
        return fit(model, X, y, batch_size=4, epochs=3, seed=seed, progress=False,
                   optimizer=SGD(model.parameters(), lr=0.1)).loss

    assert run(5) == run(5) != run(6)


def test_fit_stops_early_once_the_loss_has_converged(monkeypatch):
    monkeypatch.setattr("nn.train._warned", set())
    X, y = data.make_moons(40, seed=1, signed=True)
    model = MLP(2, [8, 1], seed=0)
    with pytest.warns(FutureWarning, match=r"fit\(tolerance=...\) is replaced by callbacks="
                                           r"\[EarlyStopping\(monitor='loss'"):
        history = fit(model, X, y, epochs=500, tolerance=1e-3, patience=3, progress=False,
                      optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9))
    assert history.stopped_early and history.epochs < 500


def test_fit_records_the_learning_rate_and_applies_l2():
    X, y = data.make_moons(20, seed=1, signed=True)
    model = MLP(2, [4, 1], seed=0)
    opt = SGD(model.parameters(), lr=1.0)
    history = fit(model, X, y, epochs=3, optimizer=opt, scheduler=StepLR(opt, 1, 0.5),
                  l2_penalty=0.5, progress=False)
    assert history.lr == [1.0, 0.5, 0.25]
    data_only = evaluate(model, X, y, "hinge")[0]
    assert history.loss[-1] > data_only  # the penalty is part of the training loss


@pytest.mark.parametrize("compile", [False, True])
def test_one_epoch_with_l2_is_the_closed_form_step(compile):
    # Full batch, plain SGD: p <- p - lr * (d data_loss/dp + 2 * l2 * p), and the epoch's
    # loss is the data loss plus l2 * sum(p^2), both at the weights before the step.
    X, y = data.make_moons(12, seed=2, signed=True)
    model, reference = MLP(2, [3, 1], seed=4), MLP(2, [3, 1], seed=4)
    before = [p.data for p in reference.parameters()]
    scores = [reference(row) for row in X]
    data_loss = hinge(scores, y)
    data_gradients = grad(data_loss, reference.parameters())
    l2_penalty, lr = 0.05, 0.3
    history = fit(model, X, y, loss="hinge", epochs=1, l2_penalty=l2_penalty,
                  optimizer=SGD(model.parameters(), lr=lr), progress=False, compile=compile)
    penalty = l2_penalty * sum(b * b for b in before)
    assert history.penalty[0] == pytest.approx(penalty, rel=1e-12)
    assert history.loss[0] == pytest.approx(data_loss.data + penalty, rel=1e-12)
    expected = [b - lr * (g + 2 * l2_penalty * b) for b, g in zip(before, data_gradients)]
    assert [p.data for p in model.parameters()] == pytest.approx(expected, rel=1e-12,
                                                                  abs=1e-15)


def test_fit_shows_a_progress_bar(capsys):
    X, y = data.make_moons(10, seed=1, signed=True)
    model = MLP(2, [4, 1], seed=0)
    fit(model, X, y, epochs=2, progress=True, optimizer=SGD(model.parameters(), lr=0.1))
    assert "epoch" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, message", [
    ({"loss": "nope"}, "unknown loss"), ({"epochs": 0}, "epochs"),
    ({"batch_size": 0}, "batch_size"), ({"y": [1]}, "targets"),
])
def test_fit_refuses_bad_arguments(kwargs, message):
    X, y = data.make_moons(10, seed=1, signed=True)
    args = {"X": X, "y": y, "progress": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        fit(MLP(2, [2, 1], seed=0), **args)


def test_fit_reports_a_diverging_loss():
    X, y = data.make_regression_curve(20, seed=0)
    model = MLP(1, [8, 1], seed=0)
    with pytest.raises(FloatingPointError, match=r"training diverged at epoch \d+, step \d+: "
                       r".*the learning rate \(50\) is probably too high"), \
            pytest.warns(DivergenceWarning, match="the loss exploded"):
        fit(model, X, y, loss="mse", epochs=50, progress=False,
            optimizer=SGD(model.parameters(), lr=50.0))


# --- data -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(data.DATASETS))
def test_data_sets_are_deterministic_and_well_formed(name):
    make = data.DATASETS[name]
    X1, y1 = make(30, seed=4)
    X2, y2 = make(30, seed=4)
    X3, _ = make(30, seed=5)
    assert (X1, y1) == (X2, y2) and X1 != X3
    assert len(X1) == len(y1) == 30
    assert all(isinstance(v, float) for row in X1 for v in row)


def test_labels_and_signed_labels():
    _, y = data.make_moons(10, seed=0)
    _, ys = data.make_moons(10, seed=0, signed=True)
    assert set(y) == {0, 1} and ys == [2 * v - 1 for v in y]
    assert set(data.make_spiral(30, classes=3)[1]) == {0, 1, 2}
    with pytest.raises(ValueError, match="n_samples must be"):
        data.make_moons(0)
    with pytest.raises(ValueError, match="noise"):
        data.make_circles(10, noise=-1)


def test_train_test_split():
    X, y = list(range(20)), [i * 10 for i in range(20)]
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.25, seed=1)
    assert len(X_te) == 5 and len(X_tr) == 15
    assert sorted(X_tr + X_te) == X
    assert all(yy == xx * 10 for xx, yy in zip(X_tr + X_te, y_tr + y_te))
    with pytest.raises(ValueError, match=r"^train_test_split: 20 points but 3 labels$"):
        data.train_test_split(X, y[:3])


def _bad_inputs():
    from nn.data import make_moons
    X, y = make_moons(20, seed=0, signed=True)
    X = [list(p) for p in X]
    nan_x = [list(p) for p in X]; nan_x[3][1] = float("nan")
    inf_x = [list(p) for p in X]; inf_x[4][0] = float("-inf")
    nan_y = list(y); nan_y[2] = float("nan")
    three = list(y); three[2] = 3
    return [
        ("nan in X", dict(X=nan_x), r"^fit: X\[3\]\[1\] is nan; the data must be finite numbers$"),
        ("inf in X", dict(X=inf_x), r"^fit: X\[4\]\[0\] is -inf; the data must be finite"),
        ("ragged X", dict(X=[[1.0, 2.0], [1.0]], y=[1, 1]), r"^fit: X\[1\] has 1 values but X\[0\] has 2$"),
        ("text in X", dict(X=[[1.0, "a"]], y=[1]), r"^fit: X\[0\]\[1\] is 'a'"),
        ("nan target", dict(y=nan_y, loss="mse"), r"^fit: y\[2\] is nan; targets must be finite$"),
        ("label 3 for hinge", dict(y=three), r"^fit: y\[2\]: hinge: targets must be -1 or 1, got 3$"),
        ("bad validation label", dict(validation=(X, [7] * len(y))),
         r"^fit: validation y\[0\]: hinge: targets must be -1 or 1, got 7$"),
        ("hinge on three outputs", dict(nouts=[4, 3]),
         r"^fit: the hinge loss takes one output per example, but the model gives 3"),
        ("cross_entropy on one output", dict(y=[0] * len(y), loss="cross_entropy"),
         r"^fit: the cross_entropy loss takes a row of logits per example \(several outputs\), "
         r"but the model gives 1"),
        ("label outside the logits", dict(y=[5] * len(y), loss="cross_entropy", nouts=[4, 3]),
         r"^fit: y\[0\]: cross_entropy: label 5 does not index a row of 3 logits$"),
        ("negative l2", dict(l2_penalty=-1.0), r"^fit: l2_penalty must be a finite number >= 0, got -1.0$"),
        ("nan l2", dict(l2_penalty=float("nan")), r"^fit: l2_penalty must be a finite number >= 0, got nan$"),
    ], X, y


@pytest.mark.parametrize("case", range(len(_bad_inputs()[0])), ids=[c[0] for c in _bad_inputs()[0]])
def test_fit_checks_its_data_before_training_and_changes_nothing(case):
    cases, X, y = _bad_inputs()
    _, changes, message = cases[case]
    options = {"X": X, "y": y, "loss": "hinge", "nouts": [4, 1], **changes}
    model = MLP(2, options.pop("nouts"), seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        fit(model, options.pop("X"), options.pop("y"), epochs=3, progress=False, **options)
    assert model.state_dict() == before


@pytest.mark.parametrize("options, message", [
    ({"patience": 0, "tolerance": 1e-3}, r"^fit: patience must be a whole number >= 1, got 0$"),
    ({"patience": -1, "tolerance": 1e-3}, r"^fit: patience must be a whole number >= 1, got -1$"),
    ({"patience": 3}, r"^fit: patience needs tolerance"),
])
def test_the_old_patience_keyword_is_checked(options, message):
    X, y = data.make_moons(20, seed=0, signed=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # it warns once per keyword
        with pytest.raises(ValueError, match=message):
            fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=False, **options)


def test_fit_takes_rows_from_a_generator_and_names_an_empty_row():
    X, y = data.make_moons(10, seed=0, signed=True)
    history = fit(MLP(2, [3, 1], seed=0), (row for row in X), y, epochs=1, progress=False)
    assert history.epochs == 1
    with pytest.raises(ValueError, match=r"^fit: X\[0\] is empty; each example needs its "
                                         r"input values$"):
        fit(MLP(2, [3, 1], seed=0), [[], []], [1, -1], epochs=1, progress=False)


# --- fit's bookkeeping, pinned down ----------------------------------------------------


@pytest.mark.parametrize("compile", [False, True])
def test_without_l2_the_penalty_is_zero_and_the_loss_is_the_data_loss(compile):
    X, y = data.make_moons(12, seed=2, signed=True)
    model = MLP(2, [3, 1], seed=4)
    start = evaluate(model, X, y, "hinge")[0]
    history = fit(model, X, y, loss="hinge", epochs=2, optimizer=SGD(model.parameters(), lr=0.1),
                  progress=False, compile=compile)
    assert history.penalty == [0.0, 0.0]
    assert history.loss[0] == pytest.approx(start, rel=1e-12)
    assert history.data_loss == history.loss


def test_callbacks_see_the_step_count_grow_by_one_per_batch():
    from nn import LambdaCallback
    X, y = data.make_moons(12, seed=2, signed=True)
    seen = []
    def note(run, step, loss):
        seen.append((step, run.step))

    fit(MLP(2, [3, 1], seed=4), X, y, epochs=2, batch_size=5, progress=False,
        callbacks=[LambdaCallback(on_batch_end=note)])
    assert seen == [(k, k) for k in range(1, 7)]         # 3 batches of 5, 5, 2 per epoch


def test_a_history_read_back_holds_its_own_lists():
    from nn import History
    record = {"loss": [1.0, 0.5], "lr": [0.1, 0.1]}
    history = History.from_dict(record)
    record["loss"].append(0.25)                          # the caller's list, changed later
    assert history.loss == [1.0, 0.5]


def test_evaluate_uses_the_hinge_loss_by_default_and_names_itself_when_refusing():
    model = MLP(2, [1], seed=0)
    assert evaluate(model, [[0.0, 0.0]], [1]) == (1.0, 0.0)
    with pytest.raises(ValueError, match=r"^evaluate: X\[1\]\[0\] is nan; the data must be "):
        evaluate(model, [[0.0, 0.0], [math.nan, 0.0]], [1, -1])
    with pytest.raises(ValueError, match=r"^evaluate: y\[0\]: hinge: targets must be -1 or 1"):
        evaluate(model, [[0.0, 0.0]], [0])


def test_compiled_training_accumulates_gradients_like_eager_for_parameters_not_stepped():
    # An optimiser over the first layer only: the other parameters' .grad keep adding up
    # over the steps, on both paths, as backward() adds into leaves.
    X, y = data.make_moons(12, seed=2, signed=True)
    grads = []
    for compile in (False, True):
        model = MLP(2, [3, 1], seed=4)
        first = model.layers[0].parameters()
        fit(model, X, y, epochs=2, batch_size=6, optimizer=SGD(first, lr=0.1),
            progress=False, compile=compile)
        grads.append([p.grad for p in model.layers[1].parameters()])
    assert grads[1] == pytest.approx(grads[0], rel=1e-9)
    assert any(abs(g) > 0 for g in grads[0])


def test_an_overflow_inside_a_step_is_reported_as_divergence_at_that_step():
    from nn import TrainingDiverged
    X, y = data.make_regression_curve(10, seed=0)
    model = MLP(1, [4, 1], activation="tanh", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the explosion warnings on the way there
        with pytest.raises(TrainingDiverged, match=r"^training diverged at epoch 6, step 6: "
                                                   r"a number overflowed \("):
            fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=1e30),
                epochs=20, progress=False, compile=True)


@pytest.mark.parametrize("compile", [False, True])
def test_an_epochs_numbers_are_means_over_all_its_batches(compile):
    # a learning rate so small the weights do not move: the epoch's loss, penalty and
    # accuracy are then those of the whole data set at the starting weights
    X, y = data.make_moons(12, seed=2, signed=True)
    model = MLP(2, [3, 1], seed=4)
    loss, accuracy = evaluate(model, X, y, "hinge")
    penalty = 0.01 * sum(p.data ** 2 for p in model.parameters())
    history = fit(model, X, y, loss="hinge", epochs=1, batch_size=5, l2_penalty=0.01,
                  optimizer=SGD(model.parameters(), lr=1e-300), progress=False, compile=compile)
    assert history.loss[0] == pytest.approx(loss + penalty, rel=1e-12)
    assert history.penalty[0] == pytest.approx(penalty, rel=1e-12)
    assert history.accuracy[0] == accuracy


def test_the_compiled_validation_measures_what_evaluate_measures():
    # the validator's numbers against evaluate() on the same final weights (eager and
    # compiled training can differ in the last bits of a weight, and where every hidden
    # unit is off the output is the bias: its sign then decides an accuracy)
    X, y = data.make_moons(20, seed=2, signed=True)
    X_val, y_val = data.make_moons(15, seed=3, signed=True)
    for compile in (False, True):
        model = MLP(2, [3, 1], seed=4)
        history = fit(model, X, y, epochs=2, validation=(X_val, y_val), progress=False,
                      compile=compile)
        loss, accuracy = evaluate(model, X_val, y_val, "hinge")
        assert history.val_loss[-1] == pytest.approx(loss, rel=1e-12)
        assert history.val_accuracy[-1] == accuracy and len(history.val_accuracy) == 2
    Xr, yr = data.make_regression_curve(10, seed=0)
    regression = fit(MLP(1, [3, 1], activation="tanh", seed=0), Xr, yr, loss="mse", epochs=1,
                     validation=(Xr, yr), progress=False, compile=True)
    assert regression.val_accuracy == [] and len(regression.val_loss) == 1


def test_the_epoch_logs_callbacks_get_and_the_time_recorded():
    from nn import LambdaCallback
    X, y = data.make_moons(12, seed=2, signed=True)
    logs_seen = []
    model = MLP(2, [3, 1], seed=4)
    opt = SGD(model.parameters(), lr=0.3)
    history = fit(model, X, y, epochs=3, l2_penalty=0.01, optimizer=opt, progress=False,
                  callbacks=[LambdaCallback(on_epoch_end=lambda run, epoch, logs:
                                            logs_seen.append(dict(logs)))])
    for logs in logs_seen:
        assert logs["data_loss"] == pytest.approx(logs["loss"] - logs["penalty"], rel=1e-12)
        assert logs["lr"] == 0.3 and 0.0 <= logs["accuracy"] <= 1.0
    assert 0.0 < history.seconds[0] <= history.seconds[-1] < 60.0   # since the start


def test_a_plain_function_as_the_loss_trains_with_no_accuracy():
    X, y = data.make_regression_curve(10, seed=0)

    def squared_error(predictions, targets):
        return sum((p - t) ** 2 for p, t in zip(predictions, targets)) * (1 / len(targets))

    history = fit(MLP(1, [3, 1], activation="tanh", seed=0), X, y, loss=squared_error,
                  epochs=2, progress=False)
    assert history.accuracy == [] and len(history.loss) == 2


def test_record_takes_false_true_a_number_or_a_recorder_and_nothing_else():
    X, y = data.make_moons(10, seed=1, signed=True)

    def run(record):
        return fit(MLP(2, [3, 1], seed=0), X, y, epochs=2, progress=False, record=record)

    assert run(False).record is None and run(None).record is None
    assert run(True).record.epochs == [0, 1, 2]          # before training, then every epoch
    assert run(2).record.epochs == [0, 2]
    with pytest.raises(TypeError, match=r"^fit: record must be a number of epochs or a "
                                        r"TrainingRecorder, got str$"):
        run("every")


def test_no_progress_bar_unless_asked(capsys):
    X, y = data.make_moons(10, seed=1, signed=True)
    fit(MLP(2, [3, 1], seed=0), X, y, epochs=2, progress=False)
    assert capsys.readouterr().err == ""


def test_the_divergence_guard_acts_before_the_users_callbacks():
    from nn import LambdaCallback, TrainingDiverged
    X, y = data.make_regression_curve(10, seed=0)
    model = MLP(1, [4, 1], activation="tanh", seed=0)
    steps = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(TrainingDiverged, match=r"step 6: the loss became inf"):
            fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=1e30), epochs=20,
                progress=False, callbacks=[
                    LambdaCallback(on_batch_end=lambda run, step, loss: steps.append(step))])
    assert steps == [1, 2, 3, 4, 5]                      # never shown the infinite loss


def test_the_old_keywords_warn_at_the_callers_line(monkeypatch):
    monkeypatch.setattr("nn.train._warned", set())
    X, y = data.make_moons(8, seed=1, signed=True)
    with pytest.warns(FutureWarning) as w:
        fit(MLP(2, [4, 1], seed=0), X, y, epochs=2, progress=False, tolerance=1e-9, patience=5)
    assert sorted(str(warning.message).split(" is ")[0] for warning in w) == [
        "fit(patience=...)", "fit(tolerance=...)"]
    assert {warning.filename for warning in w} == {__file__}
    with pytest.raises(ValueError, match=r"^fit: patience needs tolerance \(the improvement "
                                         r"that counts\); or use callbacks=\[EarlyStopping\("
                                         r"patience=\.\.\.\)\]$"):
        fit(MLP(2, [4, 1], seed=0), X, y, epochs=2, progress=False, patience=5)


@pytest.mark.parametrize("options, error, message", [
    ({"epochs": 2.5}, ValueError, r"^fit: epochs must be a positive whole number, got 2\.5$"),
    ({"batch_size": 0}, ValueError, r"^fit: batch_size must be a positive whole number, got 0$"),
    ({"initial_epoch": 1.5}, ValueError,
     r"^fit: initial_epoch must be a whole number from 0 to 100, got 1\.5$"),
    ({"y": (t for t in [1, -1])}, TypeError,
     r"^fit: the targets must be a sequence \(a list or an array\), got generator$"),
    ({"y": [0] * 12, "loss": "cross_entropy"}, ValueError,
     r"^fit: the cross_entropy loss takes a row of logits per example \(several outputs\), "
     r"but the model gives 1 \(TypeError: 'Value' object is not iterable\)$"),
])
def test_fit_refuses_with_the_exact_reason(options, error, message):
    X, y = data.make_moons(12, seed=0, signed=True)
    arguments = {"X": X, "y": y, "progress": False, **options}
    with pytest.raises(error, match=message):
        fit(MLP(2, [3, 1], seed=0), **arguments)


def test_the_old_tolerance_alone_stops_after_five_epochs_without_that_improvement():
    X, y = data.make_moons(12, seed=0, signed=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        history = fit(MLP(2, [3, 1], seed=0), X, y, epochs=50, tolerance=1e9, progress=False)
    assert history.epochs == 6 and history.stopped_early      # 1, then 5 without a 1e9 gain


def test_fit_takes_one_example_and_refuses_none():
    history = fit(MLP(2, [3, 1], seed=0), [[0.5, -0.5]], [1], epochs=2, progress=False)
    assert len(history.loss) == 2
    with pytest.raises(ValueError, match=r"^fit: X is empty$"):
        fit(MLP(2, [3, 1], seed=0), [], [], progress=False)


def test_fits_defaults_100_epochs_of_sgd_at_0_05_shuffled_with_seed_0():
    X, y = data.make_moons(6, seed=0, signed=True)
    history = fit(MLP(2, [2, 1], seed=0), X, y, batch_size=2, progress=False)
    assert history.epochs == 100 and history.lr == [0.05] * 100
    seeded = fit(MLP(2, [2, 1], seed=0), X, y, batch_size=2, seed=0, progress=False,
                 optimizer=None)
    assert seeded.loss == history.loss
