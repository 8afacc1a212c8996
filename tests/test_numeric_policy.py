"""One numeric policy on every path: eager backward(), grad(), grad(create_graph=True),
the compiled replay and its batch replay give the same numbers, or all refuse.

The policy (README, "Numbers that are not numbers"): NaN propagates through every op;
relu passes no gradient where it is off, even an infinite one; every other op follows
IEEE arithmetic as PyTorch does (0 x inf = nan).
"""

import math

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import PRIMITIVES, Value, apply, compile, grad, logsumexp, sum_values
from autograd.testing.strategies import every_primitive, expressions

NAN, INF = math.nan, math.inf
HOSTILE = [NAN, INF, -INF, 0.0, -0.0, 1e308, -1e308, 1e-308, 2.0, -3.0]


def same(a, b, rel=1e-12):
    """Equal numbers, NaN equal to NaN, infinities of the same sign."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(abs(a), abs(b)) or abs(a - b) < 1e-300


def unary_and_binary_ops():
    return every_primitive(include_nary=False)


def one_argument_list(op):
    return [2.0] * (op.arity if op.arity is not None else 3)


@pytest.mark.parametrize("op", unary_and_binary_ops() + [PRIMITIVES[n] for n in
                                                         ("sum", "weighted_sum", "logsumexp")],
                         ids=lambda op: op.label())
def test_nan_in_any_argument_gives_nan_out_on_every_path(op):
    arguments = one_argument_list(op)
    for position in range(len(arguments)):
        given_ = list(arguments)
        given_[position] = NAN
        eager = apply(op, *[Value(a) for a in given_]).data
        program = compile(lambda *xs: apply(op, *xs), arguments)
        replayed, _ = program(*given_)
        batched, _ = program.batch(*[numpy.array([a]) for a in given_], grouped=False)
        grouped, _ = program.batch(*[numpy.array([a]) for a in given_], grouped=True)
        assert math.isnan(eager) and math.isnan(replayed) and math.isnan(batched[0]), \
            (op, position, eager, replayed, batched)
        assert math.isnan(grouped[0]), (op, position, grouped)


def test_relu_and_abs_pass_nan_through_like_pytorch():
    assert math.isnan(Value(NAN).relu().data)
    assert math.isnan(abs(Value(NAN)).data)
    x = Value(NAN)
    abs(x).backward()
    assert x.grad == 0.0               # abs's slope sign(nan) is 0, as torch.sign says
    x = Value(NAN)
    x.relu().backward()
    assert x.grad == 1.0               # torch: threshold_backward passes it (nan <= 0 is false)


def paths(expression, inputs):
    """The value and gradients of ``expression`` at ``inputs`` by each path, or the
    exception the path raised."""
    def eager_backward():
        xs = [Value(v) for v in inputs]
        y = expression(*xs)
        y.backward()
        return (y.data, *[x.grad for x in xs])

    def returned(create_graph):
        def run():
            xs = [Value(v) for v in inputs]
            y = expression(*xs)
            gradients = grad(y, xs, create_graph=create_graph, allow_unused=True)
            return (y.data, *[getattr(g, "data", g) for g in gradients])
        return run

    program = compile(expression, expression.inputs)

    def replay():
        out, gradients = program(*inputs)
        return (out, *gradients)

    def batch(grouped):
        def run():
            with numpy.errstate(all="ignore"):
                out, gradients = program.batch(
                    *[numpy.array([v]) for v in inputs], grouped=grouped
                )
            return (out[0], *[g[0] for g in gradients])
        return run

    results = {}
    for name, run in (("backward", eager_backward), ("grad", returned(False)),
                      ("grad(create_graph)", returned(True)), ("compiled", replay),
                      ("batch", batch(False)), ("grouped batch", batch(True))):
        try:
            results[name] = run()
        except (ValueError, ArithmeticError) as error:
            results[name] = error
    return results


@settings(max_examples=500, deadline=None)
@given(expressions(max_inputs=2, max_steps=6), st.data())
def test_every_path_gives_one_answer_at_extreme_and_non_finite_inputs(expression, data):
    inputs = [data.draw(st.sampled_from(HOSTILE)) for _ in expression.inputs]
    results = paths(every_step_used(expression), inputs)
    errors = {name for name, r in results.items() if isinstance(r, Exception)}
    if errors:  # one refuses: all must
        assert errors == set(results), (expression, inputs, results)
    else:
        assert_one_answer(expression, inputs, results)


def assert_one_answer(expression, inputs, results):
    reference = results["backward"]
    for name, numbers in results.items():
        # NumPy's exp, sin, ... may differ from math's in the last bit, and a graph
        # like sin(exp(21)) magnifies that a millionfold; the batch is compared to that
        # precision, every other path to 1e-12 (they run the same float code).
        rel = 1e-5 if "batch" in name else 1e-12
        # The grouped batch adds a slot's gradient contributions in another order than
        # the backward walk. Where they cancel (x * g - x * g at x = 1e308), what is
        # left is rounding at the scale of the inputs, and differs with the order; so
        # there finite numbers agree to that scale, NaN and infinities exactly.
        scale = 1e-12 * max([1.0, *(abs(v) for v in inputs if math.isfinite(v))])
        assert all(
            same(a, b, rel) or (name == "grouped batch" and _close_at_scale(a, b, scale))
            for a, b in zip(reference, numbers)
        ), (name, expression, inputs, results)


def _close_at_scale(a, b, scale):
    a, b = float(a), float(b)
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= scale


def test_relu_off_passes_no_gradient_even_an_infinite_one_on_every_path():
    # d sqrt(relu(x)) / dx at x < 0: sqrt's slope at 0 is inf, relu's is 0. PyTorch: 0.
    def f(x):
        return x.relu().sqrt()
    results = paths(_as_expression(f, 1.0), [-2.0])
    for name, (value, slope) in results.items():
        assert (value, slope) == (0.0, 0.0), name


def test_other_ops_follow_ieee_zero_times_infinity_is_nan():
    # d sqrt(x * 0) / dx: sqrt's slope at 0 is inf, the product's slope is 0: nan,
    # as PyTorch gives.
    results = paths(_as_expression(lambda x: (x * 0.0).sqrt(), 1.0), [2.0])
    for name, (value, slope) in results.items():
        assert value == 0.0 and math.isnan(slope), name


def every_step_used(expression):
    """The expression with every step's result added into the output: a compiled
    program keeps only the ops its output depends on, while eager code runs them all."""
    def f(*xs):
        slots = list(xs)
        for op, where in expression.steps:
            slots.append(apply(op, *(slots[i] for i in where)))
        return sum_values(slots[len(xs):])
    return _as_expression(f, *expression.inputs)


def _as_expression(f, *at):
    class Single:
        inputs = at

        def __call__(self, *xs):
            return f(*xs)

        def __repr__(self):
            return f"<{f.__qualname__} at {at}>"
    return Single()


def test_logsumexp_with_nan_is_nan_whatever_the_order():
    for order in ([INF, NAN], [NAN, INF], [1.0, NAN, -INF], [NAN]):
        assert math.isnan(logsumexp(order).data), order


def test_a_slope_that_overflows_is_infinite_on_every_path_and_a_value_that_does_raises():
    # 1e-308 ** -1 = 1e308 is a float; its slope -1 / x^2 is -inf (PyTorch: -inf too).
    results = paths(_as_expression(lambda x: x ** -1, 1.0), [1e-308])
    for name, (value, slope) in results.items():
        assert (value, slope) == (1e308, -INF), name
    # The second derivative 2 / x^3 overflows too, inside a derivative graph: +inf.
    x = Value(1e-308)
    (first,) = grad(x ** -1, x, create_graph=True)
    (second,) = grad(first, x)
    assert (first.data, second) == (-INF, INF)
    with pytest.raises(OverflowError, match=r"exp\(1000.0\): the result is too large"):
        Value(1000.0).exp()
    with pytest.raises(OverflowError, match=r"pow_const\(1e-200, k=-2\): the result is too large"):
        Value(1e-200) ** -2


def test_a_negative_zero_number_operand_keeps_its_sign_on_every_path():
    # x + (-0.0) at x = -0.0 is -0.0 (and x + 0.0 would be +0.0): sqrt's slope there is
    # -inf, so a bound op that forgot the sign would flip an infinite gradient.
    results = paths(_as_expression(lambda x: (x + (-0.0)).sqrt(), 1.0), [-0.0])
    for name, (value, slope) in results.items():
        assert slope == -INF and math.copysign(1.0, value) == -1.0, (name, value, slope)


def test_the_sign_of_a_zero_gradient_is_the_one_difference_between_paths_as_documented():
    # README, "Numbers that are not numbers": backward() and grad() add into 0.0; the
    # graph path and the compiled replay keep the first contribution's sign (PyTorch too)
    x = Value(1.0)
    (x * -0.0).backward()
    (eager,) = grad(x * -0.0, x)
    (graph,) = grad(x * -0.0, x, create_graph=True)
    _, (compiled,) = compile(lambda v: v * -0.0, [1.0])(1.0)
    signs = [math.copysign(1.0, g) for g in (x.grad, eager, graph.data, compiled)]
    assert signs == [1.0, 1.0, -1.0, -1.0]
    assert x.grad == eager == graph.data == compiled == 0.0


def test_arithmetic_overflows_to_infinity_and_functions_refuse_as_documented():
    # README, "Overflow": + - * / are IEEE arithmetic; exp, ** and the like raise
    assert (Value(1e200) * Value(1e200)).data == math.inf
    assert (Value(1e308) + Value(1e308)).data == math.inf
    with pytest.raises(OverflowError, match=r"^exp\(1000\.0\): the result is too large"):
        Value(1000.0).exp()
    with pytest.raises(ValueError, match=r"^sin\(inf\): outside its domain \(x finite\)"):
        Value(math.inf).sin()
