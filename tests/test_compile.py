"""autograd.compile: replay equals eager, batches equal sums, refusals, fit(compile=True)."""

import math

import pytest

from autograd.compiler import BatchFloatingPointError
from hypothesis import given, reject
from hypothesis import strategies as st

import autograd
from autograd import TraceError, Value, grad
from autograd.testing.strategies import expressions
from nn import MLP, SGD, Adam, fit
from nn import data

np = pytest.importorskip("numpy")


def eager(f, point):
    xs = [Value(x) for x in point]
    out = f(*xs)
    return out.data, grad(out, xs, allow_unused=True)


@given(expressions())
def test_compiled_replay_equals_eager_on_random_graphs(expr):
    program = autograd.compile(expr, expr.inputs)
    out, gradients = program(*expr.inputs)
    expected_out, expected_gradients = eager(expr, expr.inputs)
    assert out == expected_out
    assert gradients == pytest.approx(expected_gradients, rel=1e-12, abs=1e-12)


@given(expressions(), st.floats(0.9, 1.1))
def test_compiled_replay_at_a_new_point_equals_eager(expr, scale):
    program = autograd.compile(expr, expr.inputs)
    point = [x * scale for x in expr.inputs]
    try:
        expected_out, expected_gradients = eager(expr, point)
    except (ValueError, ArithmeticError):
        reject()  # the nudged point left some op's domain: not a test of the replay
    out, gradients = program(*point)
    assert out == pytest.approx(expected_out, rel=1e-12, abs=1e-12)
    assert gradients == pytest.approx(expected_gradients, rel=1e-9, abs=1e-9)


@given(expressions(max_inputs=2), st.lists(st.floats(0.95, 1.05), min_size=1, max_size=6))
def test_batch_replay_equals_per_example_eager_results(expr, scales):
    program = autograd.compile(expr, expr.inputs)
    points = [[x * s for x in expr.inputs] for s in scales]
    try:
        results = [eager(expr, p) for p in points]
    except (ValueError, ArithmeticError):
        reject()  # a nudged point left the domain: not a test of the batch replay
    columns = [np.array(column) for column in zip(*points)]
    outputs, gradients = program.batch(*columns)
    assert outputs.tolist() == pytest.approx([r[0] for r in results], rel=1e-12, abs=1e-12)
    for i, column_gradient in enumerate(gradients):
        expected = [r[1][i] for r in results]
        assert np.asarray(column_gradient).tolist() == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_shared_inputs_get_the_sum_or_mean_over_the_batch():
    program = autograd.compile(lambda w, x: (w * x).tanh(), [0.5, 1.0])
    xs = np.array([0.1, -0.4, 2.0])
    outputs, (dw, dx) = program.batch(0.5, xs)
    per_example = [eager(lambda w, x: (w * x).tanh(), [0.5, x]) for x in xs]
    assert dw == pytest.approx(sum(r[1][0] for r in per_example))
    assert dx.tolist() == pytest.approx([r[1][1] for r in per_example])
    _, (mean_dw, _) = program.batch(0.5, xs, reduction="mean")
    assert mean_dw == pytest.approx(dw / 3)


def test_a_shared_input_with_a_constant_gradient_sums_over_the_batch():
    program = autograd.compile(lambda w, x: w + x * x, [0.5, 1.0])
    _, (dw, dx) = program.batch(0.5, np.array([1.0, 2.0, 3.0]))
    assert dw == 3.0 and dx.tolist() == [2.0, 4.0, 6.0]
    _, (mean_dw, _) = program.batch(0.5, np.array([1.0, 2.0, 3.0]), reduction="mean")
    assert mean_dw == 1.0


def test_large_batches_run_in_chunks_with_the_same_results():
    program = autograd.compile(lambda w, x: (w * x).sin() + w, [0.5, 1.0])
    xs = np.linspace(-2.0, 2.0, 1001)
    whole_outputs, (whole_dw, whole_dx) = program.batch(0.5, xs, chunk_size=5000)
    outputs, (dw, dx) = program.batch(0.5, xs, chunk_size=64)
    assert outputs.tolist() == whole_outputs.tolist() and dx.tolist() == whole_dx.tolist()
    assert dw == pytest.approx(whole_dw, rel=1e-12)
    assert dw == pytest.approx(sum(x * math.cos(0.5 * x) + 1 for x in xs), rel=1e-12)


def test_compiled_mlp_equals_eager():
    model = MLP(2, [8, 8, 1], activation="tanh", seed=0)
    params = model.parameters()
    f = lambda *inputs: model(list(inputs[len(params):]))  # noqa: E731
    program = autograd.compile(f, [*params, 0.3, -0.2], wrt=range(len(params)))
    out, gradients = program(*[p.data for p in params], 0.7, 0.1)
    expected = model([0.7, 0.1])
    assert out == expected.data
    assert gradients == pytest.approx(grad(expected, params), rel=1e-12, abs=1e-15)
    assert program.source.startswith("def program(") and "exec" not in program.source


def test_numbers_never_become_source_text():
    program = autograd.compile(lambda x: (x * 1234.5678 + 987.25) ** 3.75 - x.exp(), [0.5])
    for number in ("1234.5678", "987.25", "3.75", "2.75"):
        assert number not in program.source
    out, (slope,) = program(0.5)
    x = Value(0.5)
    y = (x * 1234.5678 + 987.25) ** 3.75 - x.exp()
    y.backward()
    assert (out, slope) == (y.data, x.grad)


def test_rules_that_need_numbers_are_called_not_written():
    program = autograd.compile(lambda x: x.relu() + x.sqrt() + x ** 0.5, [0.7])
    assert "D0(" in program.source  # sqrt's slope checks for 0, so it is called
    assert program.calls == ("sqrt: derivative", "**0.5: forward", "**0.5: derivative")
    out, (slope,) = program(0.7)
    assert slope == pytest.approx(1.0 + 2 * 0.5 / math.sqrt(0.7))
    assert autograd.compile(lambda x, y: (x * y).tanh() - x / y, [0.5, 2.0]).calls == ()


def test_a_rule_that_breaks_on_symbols_by_accident_is_an_error_not_a_slow_call():
    # Only a rule's explicit NeedsNumbers (raised by a symbol asked for its number)
    # means "call me at run time"; any other error is a bug, and compile shows it.
    def slope(out, x):
        if type(x).__name__ == "Expr":
            raise LookupError("a bug that only the compiler's symbols meet")
        return (2.0 * x,)

    autograd.define_primitive("squared_by_hand", lambda x: x * x, slope)
    try:
        assert Value(3.0).squared_by_hand().data == 9.0
        with pytest.raises(LookupError, match="only the compiler's symbols meet"):
            autograd.compile(lambda x: x.squared_by_hand(), [1.5])
    finally:
        autograd.undefine_primitive("squared_by_hand")


def test_python_control_flow_on_values_is_refused():
    with pytest.raises(TraceError, match="compares a Value"):
        autograd.compile(lambda x: x * 2 if x > 0 else -x, [1.0])


def test_reading_data_inside_f_is_refused():
    message = r"^compile: f reads \.data of an input while it is traced"
    with pytest.raises(TraceError, match=message):
        autograd.compile(lambda x: x * Value(x.data ** 2), [1.5])
    with pytest.raises(TraceError, match=message):
        autograd.compile(lambda x: x.exp() if x.data > 1 else x * 2, [1.0 - 1e-12])
    # both traces take the same branch here, so only the .data read itself can tell
    with pytest.raises(TraceError, match=message):
        autograd.compile(lambda x: x * 2 if x.data > 0 else -x, [1.0])
    with pytest.raises(TraceError, match=message):
        autograd.compile(lambda x: x * round(x.data), [1.4])
    with pytest.raises(TraceError, match=r"^compile: f sets \.data of an input"):
        autograd.compile(lambda x: setattr(x, "data", 2.0) or x * 2, [1.0])


def test_the_inputs_are_plain_values_again_after_tracing():
    w = Value(0.5)
    program = autograd.compile(lambda x, w: x * w, [1.0, w])
    assert type(w) is Value and w.data == 0.5
    with pytest.raises(TraceError, match=r"^compile: f reads \.data of an input"):
        autograd.compile(lambda w: w * w.data, [w])
    assert type(w) is Value and w.data == 0.5
    assert program(2.0, 3.0) == (6.0, (3.0, 2.0))


def test_a_value_reached_through_a_closure_is_refused_not_frozen():
    scale = Value(3.0, label="scale")
    with pytest.raises(TraceError, match=r"^compile: f uses Value\(data=3.0, grad=0.0, "
                                         r"label='scale'\), a Value that is not one of its "
                                         r"inputs \(reached through a closure"):
        autograd.compile(lambda x: x * scale, [1.0])
    # passed as an input it is read at each call
    program = autograd.compile(lambda x, scale: x * scale, [1.0, scale], wrt=[0])
    assert program(2.0, 5.0) == (10.0, (5.0,))


def test_other_refusals():
    with pytest.raises(TraceError, match="must return a Value"):
        autograd.compile(lambda x: 3.0, [1.0])
    with pytest.raises(TraceError, match="recorded no operations"):
        autograd.compile(lambda x: x, [1.0])
    with pytest.raises(TraceError, match="not a leaf"):
        autograd.compile(lambda x: x * 2, [Value(1.0) * 2])
    with pytest.raises(TypeError, match="input 0"):
        autograd.compile(lambda x: x * 2, ["1"])
    program = autograd.compile(lambda x: x.log(), [1.0])
    with pytest.raises(ValueError, match=r"log\(-1.0\)"):
        program(-1.0)
    with pytest.raises(TypeError, match="takes 1 inputs"):
        program(1.0, 2.0)
    # the batch names the example and the op, as the eager engine would for it alone
    with pytest.raises(BatchFloatingPointError,
                       match=r"^batch: example 1: log\(-1.0\): outside its domain \(x > 0\)"):
        program.batch(np.array([1.0, -1.0]))


def test_tracing_leaves_inputs_and_grads_untouched():
    w = Value(0.25)
    with pytest.raises(TraceError, match="not one of its inputs"):
        autograd.compile(lambda x: x * w, [2.0, ])
    assert w.data == 0.25 and w.grad == 0.0
    program = autograd.compile(lambda x, v: x * v, [2.0, w])
    assert w.data == 0.25 and w.grad == 0.0
    assert program(3.0, 0.5)[0] == 1.5


# --- fit(compile=True) ----------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [None, 1, 16], ids=["full-batch", "stochastic", "mini"])
@pytest.mark.parametrize("loss, make, outputs", [
    ("hinge", lambda: data.make_moons(60, seed=0, signed=True), 1),
    ("binary_cross_entropy", lambda: data.make_xor(40, seed=1), 1),
    ("cross_entropy", lambda: data.make_spiral(45, classes=3, seed=0), 3),
    ("mse", lambda: data.make_regression_curve(40, seed=0), 1),
])
def test_fit_compiled_gives_the_eager_losses(batch_size, loss, make, outputs):
    X, y = make()
    histories = []
    for compiled in (False, True):
        model = MLP(len(X[0]), [8, outputs], activation="tanh", seed=3)
        opt = SGD(model.parameters(), lr=0.05, momentum=0.5)
        histories.append(fit(model, X, y, loss=loss, optimizer=opt, epochs=4,
                             batch_size=batch_size, l2_penalty=1e-3, progress=False,
                             compile=compiled, validation=(X[:10], y[:10])))
    eager_run, compiled_run = histories
    for a, b in zip(eager_run.loss, compiled_run.loss):
        assert b == pytest.approx(a, rel=1e-9)
    assert compiled_run.accuracy == eager_run.accuracy
    assert compiled_run.val_loss == pytest.approx(eager_run.val_loss, rel=1e-9)


def test_fit_compiled_without_numpy_uses_the_pure_python_replay(monkeypatch):
    X, y = data.make_moons(30, seed=2, signed=True)
    runs = []
    for numpy_available in (True, False):
        if not numpy_available:
            monkeypatch.setattr("nn.compiled._numpy", lambda: None)
        model = MLP(2, [6, 1], seed=1)
        runs.append(fit(model, X, y, epochs=3, batch_size=8, compile=True, progress=False,
                        optimizer=Adam(model.parameters(), lr=0.05)).loss)
    assert runs[1] == pytest.approx(runs[0], rel=1e-9)


def test_fit_compiled_converges_on_moons():
    X, y = data.make_moons(100, seed=0, signed=True)
    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(model, X, y, epochs=60, compile=True, progress=False, l2_penalty=1e-4,
                  optimizer=SGD(model.parameters(), lr=0.3, momentum=0.9))
    assert history.accuracy[-1] >= 0.97


def test_fit_compiled_refuses_a_custom_loss_function():
    X, y = data.make_moons(10, seed=2, signed=True)
    model = MLP(2, [2, 1], seed=1)
    with pytest.raises(ValueError, match="needs a loss from nn.losses"):
        fit(model, X, y, loss=lambda p, t: p[0], compile=True, progress=False)
    assert math.isfinite(model.parameters()[0].data)


def test_wrt_is_checked_and_never_written_into_the_program_as_given():
    f = lambda x, y: x * y  # noqa: E731
    with pytest.raises(ValueError, match=r"^compile: wrt names input 2, but there are 2 inputs$"):
        autograd.compile(f, [1.0, 2.0], wrt=[2])
    with pytest.raises(ValueError, match=r"^compile: wrt names input 0 twice$"):
        autograd.compile(f, [1.0, 2.0], wrt=[0, 0])
    with pytest.raises(TypeError, match=r"^compile: wrt holds '0'; input positions are whole"):
        autograd.compile(f, [1.0, 2.0], wrt=["0"])
    with pytest.raises(TypeError, match=r"^compile: wrt holds True"):
        autograd.compile(f, [1.0, 2.0], wrt=[True])
    with pytest.raises(TypeError, match=r"^compile: wrt must be a list of input positions"):
        autograd.compile(f, [1.0, 2.0], wrt=1)

    class Sneaky(int):
        def __format__(self, spec):
            return "0,), __import__('os').getcwd() #"

        def __int__(self):
            return 7
    program = autograd.compile(f, [1.0, 2.0], wrt=[Sneaky(1)])
    assert "import" not in program.source and program.wrt == (1,)
    assert program(3.0, 4.0) == (12.0, (3.0,))
    assert autograd.compile(f, [1.0, 2.0], wrt=[])(3.0, 4.0) == (12.0, ())


def test_reading_item_inside_f_is_refused_like_data():
    with pytest.raises(TraceError, match=r"^compile: f reads \.item\(\) of an input"):
        autograd.compile(lambda x: (x * 1.0).relu() if x.item() > 0 else -x, [3.0])


def test_many_distinct_number_operands_compile():
    # each number binds an op; more numbers than the binding cache holds must still
    # give two traces that agree, not a refusal blaming control flow
    numbers = [0.001 * k + 0.5 for k in range(1100)]
    program = autograd.compile(lambda w: autograd.sum_values([w * c for c in numbers]), [0.5])
    out, (slope,) = program(2.0)
    assert out == pytest.approx(2.0 * sum(numbers)) and slope == pytest.approx(sum(numbers))


def test_a_power_whose_slope_overflows_is_infinite_in_the_replay_too():
    program = autograd.compile(lambda x, y: x ** y, [0.5, 2.0])
    x, y = Value(1e-200), Value(-1.0)
    (x ** y).backward()
    out, slopes = program(1e-200, -1.0)
    assert (out, slopes) == (1e200, (x.grad, y.grad)) and slopes[0] == -math.inf


def test_a_value_subclass_as_input_is_refused_clearly():
    class Parameter(Value):
        pass

    with pytest.raises(TraceError, match=r"^compile: input 0 is a Parameter, a subclass of "):
        autograd.compile(lambda x: x * 3, [Parameter(2.0)])


def test_returning_an_input_is_refused_naming_what_happened():
    with pytest.raises(TraceError, match=r"^compile: f recorded no operations: it returns its "):
        autograd.compile(lambda x: x, [1.0])


def test_a_rule_written_with_unary_plus_compiles():
    autograd.define_primitive("doubled_plainly", lambda x: 2 * x, lambda out, x: (+x * 0 + 2.0,))
    try:
        program = autograd.compile(lambda x: x.doubled_plainly(), [1.0])
        assert program(3.0) == (6.0, (2.0,))
    finally:
        autograd.undefine_primitive("doubled_plainly")
