"""Operation batching: the grouped program gives the eager numbers on any traced graph."""

import math

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, grad, weighted_sum
from autograd.testing.strategies import expressions
from nn import MLP

np = pytest.importorskip("numpy")


def eager(f, point):
    xs = [Value(x) for x in point]
    out = f(*xs)
    return out.data, grad(out, xs, allow_unused=True)


def grouped_only(program, shared, inputs):
    """The grouped program alone (batch() would hide its errors by replaying one by
    one); NumPy's overflows raise FloatingPointError, as inside batch()."""
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        return program.batched(shared).evaluate(inputs)


def two_copies(expr):
    """expr on the inputs plus expr on the inputs rotated: every op has a twin at the
    same depth, so the grouped program gathers, scatters and (with one input) adds
    twice into one slot."""

    def f(*xs):
        return expr(*xs) + expr(*(xs[1:] + xs[:1]))

    return f


@settings(deadline=None)
@given(expressions(max_inputs=3, max_steps=8), st.data())
def test_grouped_batch_equals_eager_per_example_on_random_graphs(expr, data):
    f = two_copies(expr)
    n = len(expr.inputs)
    shared = data.draw(st.sets(st.integers(0, n - 1), max_size=n - 1), label="shared")
    scales = data.draw(st.lists(st.floats(0.95, 1.05), min_size=1, max_size=5), label="scales")
    points = [
        [x if i in shared else x * s for i, x in enumerate(expr.inputs)] for s in scales
    ]
    try:
        results = [eager(f, p) for p in [list(expr.inputs), *points]][1:]
        program = autograd.compile(f, expr.inputs)
    except (ValueError, ArithmeticError, autograd.TraceError):
        reject()  # the rotated copy, or a nudged point, left some op's domain
    inputs = [
        expr.inputs[i] if i in shared else np.array([p[i] for p in points]) for i in range(n)
    ]
    try:  # the grouped program itself: batch() would hide its errors by replaying
        outputs, gradients = grouped_only(program, sorted(shared), inputs)
    except FloatingPointError:
        reject()  # NumPy met an overflow: batch() replays such a batch one by one
    assert outputs[0].tolist() == pytest.approx([r[0] for r in results], rel=1e-9, abs=1e-12)
    for i, gradient in enumerate(gradients):
        per_example = [r[1][i] for r in results]
        if i in shared:
            assert gradient == pytest.approx(math.fsum(per_example), rel=1e-9, abs=1e-9)
        else:
            assert gradient.tolist() == pytest.approx(per_example, rel=1e-9, abs=1e-9)


@settings(deadline=None)
@given(expressions(max_inputs=3, max_steps=8))
def test_grouped_and_per_op_batches_agree_when_everything_is_per_example(expr):
    f = two_copies(expr)
    try:
        program = autograd.compile(f, expr.inputs)
        columns = [np.array([x, x * 1.01, x * 0.99]) for x in expr.inputs]
        per_op = program.batch(*columns, grouped=False)
    except (ValueError, ArithmeticError, autograd.TraceError):
        reject()  # the rotated copy, or a nudged point, left some op's domain
    try:
        grouped = grouped_only(program, [], columns)
    except FloatingPointError:
        reject()  # NumPy met an overflow: batch() replays such a batch one by one
    assert grouped[0][0].tolist() == pytest.approx(per_op[0].tolist(), rel=1e-12, abs=1e-12)
    for a, b in zip(grouped[1], per_op[1], strict=True):
        assert a.tolist() == pytest.approx(b.tolist(), rel=1e-12, abs=1e-12)


def mlp_program(model, n_inputs):
    params = model.parameters()
    f = lambda *inputs: model(list(inputs[len(params) :]))  # noqa: E731
    return autograd.compile(f, [*params, *[0.1] * n_inputs], wrt=range(len(params))), params


def test_an_mlp_becomes_three_matrix_products():
    model = MLP(2, [16, 16, 1], seed=0)
    program, params = mlp_program(model, 2)
    plan = program.batched(shared=range(len(params)))
    kinds = [(g.kind, g.size) for g in plan.groups]
    assert kinds == [
        ("matmul", 16), ("elementwise", 16), ("matmul", 16), ("elementwise", 16), ("matmul", 1)
    ]
    text = program.explain(shared=range(len(params)))
    assert text.splitlines()[0] == (
        "65 scalar ops in 5 array operations; inputs: 337 shared, 2 per example"
    )
    assert "matmul      16 weighted sums: W (16x16) @ X (16xN) + b (16) -> (16xN)" in text
    assert "matmul      1 weighted sum: W (1x16) @ X (16xN) + b (1) -> (1xN)" in text
    assert "elementwise 16 ReLU ops of 1 argument -> (16xN)" in text


def test_a_grouped_mlp_gives_the_eager_outputs_and_summed_gradients():
    model = MLP(3, [5, 4, 2], activation="tanh", seed=3)
    program, params = mlp_program(model, 3)
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(7, 3))
    plan = program.batched(range(len(params)))
    outputs, gradients = plan.evaluate([*[p.data for p in params], *rows.T])
    expected = [model(list(row))[0] for row in rows]
    assert outputs[0].tolist() == pytest.approx([e.data for e in expected], rel=1e-12)
    model.zero_grad()
    for e in expected:
        e.backward()
    assert list(gradients) == pytest.approx([p.grad for p in params], rel=1e-9, abs=1e-12)


def test_grouping_is_chosen_when_it_pays():
    model = MLP(2, [8, 1], seed=0)
    program, params = mlp_program(model, 2)
    shared = range(len(params))
    assert len(program.batched(shared).groups) == 3  # 9 ops: grouped by default
    small = autograd.compile(lambda x, y: (x * y).exp(), [1.0, 2.0])
    assert len(small.batched().groups) == 2  # 2 ops in 2 groups: the per-op replay runs
    # Both give the same numbers either way.
    weights = [p.data for p in params]
    xs = np.array([0.5, -1.0, 2.0])
    auto = program.batch(*weights, xs, xs * 2)
    forced = program.batch(*weights, xs, xs * 2, grouped=False)
    assert auto[0].tolist() == pytest.approx(forced[0].tolist(), rel=1e-12)
    assert list(auto[1]) == pytest.approx(list(forced[1]), rel=1e-12)


def test_weighted_sums_over_different_inputs_are_not_a_matrix_product():
    # Weights per example (as cross-entropy's one-hot targets are): elementwise.
    program = autograd.compile(
        lambda t1, t2, z1, z2: weighted_sum([t1, t2], [z1, z2]), [1.0, 0.0, 0.5, 2.0]
    )
    plan = program.batched()
    assert [g.kind for g in plan.groups] == ["elementwise"]
    (out,), (dt1, dt2, dz1, dz2) = plan.evaluate(
        [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.5, 0.5]), np.array([2.0, 3.0])]
    )
    assert out.tolist() == [0.5, 3.0]
    assert dz1.tolist() == [1.0, 0.0] and dz2.tolist() == [0.0, 1.0]
    assert dt1.tolist() == [0.5, 0.5] and dt2.tolist() == [2.0, 3.0]


def test_a_slot_used_twice_in_one_group_gets_both_contributions():
    # x * x and x * y at one depth: x's gradient gathers from three edges of one group.
    program = autograd.compile(lambda x, y: (x * x) + (x * y), [1.5, 2.0])
    _, (dx, dy) = program.batched().evaluate([np.array([1.5, -1.0]), np.array([2.0, 3.0])])
    assert dx.tolist() == [2 * 1.5 + 2.0, 2 * -1.0 + 3.0] and dy.tolist() == [1.5, -1.0]
    assert "N1(" in program.batched().source  # np.add.at: a fancy += would keep one


def test_an_overflow_in_a_grouped_batch_names_the_example_as_the_per_op_replay_does():
    program = autograd.compile(lambda w, x: (w * x).exp(), [1.0, 1.0])
    xs = np.array([1.0, 2.0, 800.0])
    with pytest.raises(autograd.compiler.BatchFloatingPointError, match="batch: example 2: "):
        program.batch(1.0, xs, grouped=True)


def test_nan_and_infinity_pass_through_a_grouped_relu_like_the_eager_engine():
    model = MLP(1, [2, 1], seed=1)
    program, params = mlp_program(model, 1)
    with np.errstate(all="ignore"):
        outputs, gradients = program.batch(
            *[p.data for p in params], np.array([math.nan, 1.0]), grouped=True
        )
    assert math.isnan(outputs[0]) and not math.isnan(outputs[1])


def test_shared_and_wrt_positions_are_checked():
    program = autograd.compile(lambda x, y: x * y, [1.0, 2.0])
    with pytest.raises(ValueError, match="compile: shared names input 5, but there are 2 inputs"):
        program.batched(shared=[5])
    with pytest.raises(TypeError, match="compile: shared holds 'a'; input positions"):
        program.batched(shared=["a"])


def test_the_generated_source_holds_no_numbers_from_the_data():
    program = autograd.compile(lambda x: (x * 123.456).tanh() + 9.875, [0.25])
    source = program.batched().source
    assert "123.456" not in source and "9.875" not in source and "0.25" not in source


def test_the_readme_shows_what_explain_prints():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    model = MLP(2, [16, 16, 1], seed=0)
    program, params = mlp_program(model, 2)
    shown = program.explain(shared=range(len(params)))
    assert f"```text\n{shown}\n```" in readme


def test_an_infinite_slope_of_a_shared_op_meets_each_example_as_in_eager():
    # sqrt's slope at 0 is inf: per example inf * 0 = nan and inf * 1 = inf, summed nan.
    # Summing the examples first (0 + 1) and multiplying after would give inf.
    program = autograd.compile(lambda a, x: a.sqrt() * x, [1.0, 1.0])
    xs = np.array([0.0, 1.0])
    with np.errstate(all="ignore"):  # the grouped program alone: no replay one by one
        _, (da, _) = program.batched(shared=[0]).evaluate([0.0, xs])
    assert math.isnan(da)
    # Per-example contributions that overflow: inf and -inf, summed nan (eager), where
    # the batch's sum first would cancel to 0.
    program = autograd.compile(lambda w, x: (w * 1e10) * x, [1.0, 1.0])
    for grouped in (True, False):
        _, (dw, _) = program.batch(1e-20, np.array([1e300, -1e300]), grouped=grouped)
        assert math.isnan(dw), grouped


def test_the_grouped_mlp_program_keeps_its_arrays_two_dimensional():
    model = MLP(3, [5, 4, 2], seed=3)
    program, params = mlp_program(model, 3)
    plan = program.batched(range(len(params)))
    rows = np.random.default_rng(1).normal(size=(3, 6))
    outputs, shared_gradients, row_gradients = plan.run(
        np.array([p.data for p in params]), rows
    )
    assert [o.shape for o in outputs] == [(6,), (6,)]
    assert shared_gradients.shape == (len(params),) and row_gradients.shape == (3, 6)


def test_batch_refuses_what_is_not_a_batch_of_numbers_by_name():
    program = autograd.compile(lambda w, x: w * x, [1.0, 1.0])
    one = np.array([1.0])
    cases = [
        ((None, one), TypeError, r"^batch: input 0 must be a number or a 1-D array of numbers, "
                                 r"got NoneType of object$"),
        ((1.0, np.array([1 + 2j])), TypeError, r"^batch: input 1 must be a number or a 1-D "
                                               r"array of numbers, got ndarray of complex128$"),
        ((1.0, np.array([True])), TypeError, r"got ndarray of bool$"),
        ((1.0, np.ones((2, 2))), ValueError, r"^batch: input 1 must be a number or a 1-D array, "
                                             r"got shape \(2, 2\)$"),
        ((1.0, np.array([])), ValueError, r"^batch: the arrays hold no examples \(length 0\)$"),
    ]
    for arguments, kind, message in cases:
        with pytest.raises(kind, match=message):
            program.batch(*arguments)
    with pytest.raises(TypeError, match=r"^batch: grouped must be True, False or None, got 'y'$"):
        program.batch(1.0, one, grouped="y")
    assert program.batch(1.0, [1, 2])[0].tolist() == [1.0, 2.0]  # a list of ints is fine
    plan = program.batched(shared=[0])
    with pytest.raises(TypeError, match=r"^input 0 is shared by the batch: it must be a "
                                        r"number, got ndarray$"):
        plan.evaluate([one, one])


def test_shared_positions_are_checked_also_once_a_plan_is_kept():
    program = autograd.compile(lambda x, y: x * y, [1.0, 2.0])
    program.batched(shared=[1])
    for given in ([True], [1.0]):
        with pytest.raises(TypeError, match="compile: shared holds"):
            program.batched(shared=given)


def test_a_derivative_that_fails_in_a_batch_is_named_as_the_eager_engine_names_it():
    import math as m

    from autograd import define_primitive, undefine_primitive

    define_primitive("hyp_batching", lambda x, y: m.sqrt(x * x + y * y),
                     lambda out, x, y: (x / out, y / out), arity=2)
    try:
        program = autograd.compile(lambda w, x: w.hyp_batching(x), [0.5, 1.0])
        with pytest.raises(ZeroDivisionError, match=r"in its derivative"):
            Value(0.0).hyp_batching(Value(0.0)).backward()
        for grouped in (True, False):
            with pytest.raises(autograd.compiler.BatchFloatingPointError,
                               match=r"^batch: example 1: hyp_batching\(0.0, 0.0\): division "
                                     r"by zero in its derivative$"):
                program.batch(0.0, np.array([1.0, 0.0]), grouped=grouped)
    finally:
        undefine_primitive("hyp_batching")


def test_the_readmes_example_of_a_sum_whose_order_matters():
    # "1e16 - 1e16 + 1 is 1 in one order and 0 in another"
    assert (1e16 + -1e16) + 1.0 == 1.0 and (1e16 + 1.0) + -1e16 == 0.0


def test_the_demo_loss_is_716_lines_of_68_ops_per_op_and_8_array_operations_grouped():
    # The README: "For the demo MLP's loss that is 716 lines: 68 ops forward ..."
    import nn.compiled
    from nn.data import make_moons

    X, y = make_moons(100, signed=True)
    model = MLP(2, [16, 16, 1], seed=1337)
    compiled = nn.compiled.CompiledLoss(model, nn.losses.hinge, X, y)
    assert len(compiled.program.steps) == 68
    assert len(compiled.program.source.splitlines()) == 716
    assert len(compiled.plan.groups) == 8
