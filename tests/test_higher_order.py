"""Second and third derivatives, Hessians, the function transforms, gradgradcheck."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad, logsumexp, sum_values, weighted_sum
from autograd.functional import grad as grad_of
from autograd.functional import hessian, hvp, jacobian, jvp, value_and_grad, vjp
from autograd.testing import gradgradcheck
from autograd.testing.strategies import expressions


def derivatives(f, x, order):
    """[f'(x), f''(x), ...] by repeated grad(create_graph=True)."""
    v = Value(x)
    current, found = f(v), []
    for _ in range(order):
        (current,) = grad(current, v, create_graph=True, allow_unused=True)
        found.append(current.data if isinstance(current, Value) else current)
        if not isinstance(current, Value):
            current = Value(current)  # a constant: its derivatives are 0
    return found


def sig(x):
    return 1 / (1 + math.exp(-x))


def tanh_derivatives(x):
    t = math.tanh(x)
    return [1 - t * t, -2 * t * (1 - t * t), (1 - t * t) * (6 * t * t - 2)]


def sigmoid_derivatives(x):
    s = sig(x)
    return [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)]


UNARY_CLOSED_FORMS = {
    "exp": (Value.exp, lambda x: [math.exp(x)] * 3, 0.7),
    "log": (Value.log, lambda x: [1 / x, -1 / x**2, 2 / x**3], 1.3),
    "sqrt": (Value.sqrt, lambda x: [0.5 * x**-0.5, -0.25 * x**-1.5, 0.375 * x**-2.5], 2.0),
    "tanh": (Value.tanh, tanh_derivatives, 0.4),
    "sigmoid": (Value.sigmoid, sigmoid_derivatives, -0.8),
    "softplus": (Value.softplus, lambda x: [sig(x), *sigmoid_derivatives(x)[:2]], 0.3),
    "relu": (Value.relu, lambda x: [1.0, 0.0, 0.0], 1.5),
    "abs": (Value.abs, lambda x: [-1.0, 0.0, 0.0], -1.5),
    "sin": (Value.sin, lambda x: [math.cos(x), -math.sin(x), -math.cos(x)], 0.9),
    "cos": (Value.cos, lambda x: [-math.sin(x), -math.cos(x), math.sin(x)], 0.9),
    "neg": (lambda v: -v, lambda x: [-1.0, 0.0, 0.0], 0.5),
    "pow_const": (lambda v: v**3.5,
                  lambda x: [3.5 * x**2.5, 3.5 * 2.5 * x**1.5, 3.5 * 2.5 * 1.5 * x**0.5], 1.7),
}


@pytest.mark.parametrize("name", sorted(UNARY_CLOSED_FORMS))
def test_first_second_third_derivatives_of_unary_primitives(name):
    f, closed_form, x = UNARY_CLOSED_FORMS[name]
    assert derivatives(f, x, 3) == pytest.approx(closed_form(x), rel=1e-10, abs=1e-12)


def hessian_and_third(f, point):
    xs = [Value(p) for p in point]
    out = f(*xs)
    first = grad(out, xs, create_graph=True, allow_unused=True)
    second = [grad(g, xs, create_graph=True, allow_unused=True) if isinstance(g, Value)
              else (0.0,) * len(xs) for g in first]
    return first, second, xs


def data(x):
    return x.data if isinstance(x, Value) else x


def flat(rows):
    """A matrix (rows of Values or numbers) as one flat list of numbers."""
    return [data(v) for row in rows for v in row]


def test_binary_primitives_second_and_third_derivatives():
    x, y = 1.5, -0.5
    _, h, _ = hessian_and_third(lambda a, b: a * b, (x, y))
    assert flat(h) == [0.0, 1.0, 1.0, 0.0]
    _, h, xs = hessian_and_third(lambda a, b: a / b, (x, y))
    assert flat(h) == pytest.approx([0.0, -1 / y**2, -1 / y**2, 2 * x / y**3])
    (d3,) = grad(h[1][1], xs[1])  # d3/dy3 of x / y = -6x / y^4
    assert d3 == pytest.approx(-6 * x / y**4)
    a, b = 1.7, 2.3
    _, h, xs = hessian_and_third(lambda u, v: u**v, (a, b))
    log_a = math.log(a)
    assert flat(h) == pytest.approx([
        b * (b - 1) * a**(b - 2), a**(b - 1) * (1 + b * log_a),
        a**(b - 1) * (1 + b * log_a), a**b * log_a**2])
    (d3,) = grad(h[1][1], xs[1])  # d3/dy3 of x^y = x^y log(x)^3
    assert d3 == pytest.approx(a**b * log_a**3)
    for f in (lambda u, v: u + v, lambda u, v: u - v):
        _, h, _ = hessian_and_third(f, (x, y))
        assert flat(h) == [0.0, 0.0, 0.0, 0.0]


def test_nary_primitives_second_derivatives():
    assert hessian(lambda a, b, c: sum_values([a, b, c]), (1.0, 2.0, 3.0)) == ((0.0,) * 3,) * 3
    h = hessian(lambda w, x, b: weighted_sum([w], [x], b), (2.0, 3.0, 1.0))
    assert h == ((0.0, 1.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    point = (0.5, -1.0, 2.0)
    h = hessian(lambda *xs: logsumexp(xs), point)
    norm = sum(math.exp(p) for p in point)
    p = [math.exp(v) / norm for v in point]
    expected = [[(p[i] if i == j else 0.0) - p[i] * p[j] for j in range(3)] for i in range(3)]
    assert flat(h) == pytest.approx(flat(expected))


def rosenbrock(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x**2) ** 2


def test_hessian_of_rosenbrock_matches_its_closed_form():
    x, y, b = -1.2, 1.0, 100.0
    expected = ((2 - 4 * b * (y - x * x) + 8 * b * x * x, -4 * b * x), (-4 * b * x, 2 * b))
    assert flat(hessian(rosenbrock, (x, y))) == pytest.approx(flat(expected))


def test_hessian_of_a_quadratic_form_is_twice_its_matrix():
    A = ((2.0, 0.5), (0.5, 1.0))
    quadratic = lambda x, y: A[0][0] * x * x + 2 * A[0][1] * x * y + A[1][1] * y * y  # noqa: E731
    assert hessian(quadratic, (0.3, -4.0)) == ((4.0, 1.0), (1.0, 2.0))


def test_newton_converges_in_a_handful_of_steps_where_gradient_descent_crawls():
    point = (-1.2, 1.0)
    newton_steps = 0
    while math.dist(point, (1.0, 1.0)) > 1e-10 and newton_steps < 50:
        g = grad_of(rosenbrock, argnum=(0, 1))(*point)
        (h11, h12), (_, h22) = hessian(rosenbrock, point)
        det = h11 * h22 - h12 * h12
        step = ((h22 * g[0] - h12 * g[1]) / det, (h11 * g[1] - h12 * g[0]) / det)
        point = (point[0] - step[0], point[1] - step[1])
        newton_steps += 1
    assert newton_steps <= 10
    point = (-1.2, 1.0)
    for _ in range(2000):
        g = grad_of(rosenbrock, argnum=(0, 1))(*point)
        point = (point[0] - 1e-3 * g[0], point[1] - 1e-3 * g[1])
    assert math.dist(point, (1.0, 1.0)) > 1e-2  # still far after 2,000 steps


# --- the transforms -------------------------------------------------------------------


def test_jacobian_vjp_jvp_hvp():
    f = lambda x, y: (x * y, x.sin() + y)  # noqa: E731
    x, y = 0.5, 2.0
    J = ((y, x), (math.cos(x), 1.0))
    assert flat(jacobian(f, (x, y))) == pytest.approx(flat(J))
    out, product = vjp(f, (x, y), (2.0, -1.0))
    assert out == pytest.approx((x * y, math.sin(x) + y))
    assert product == pytest.approx((2 * J[0][0] - J[1][0], 2 * J[0][1] - J[1][1]))
    _, forward = jvp(f, (x, y), (1.0, 3.0))
    assert forward == pytest.approx((J[0][0] + 3 * J[0][1], J[1][0] + 3 * J[1][1]))
    value, hv = hvp(rosenbrock, (x, y), (1.0, -2.0))
    H = hessian(rosenbrock, (x, y))
    assert value == pytest.approx(rosenbrock(x, y))
    assert hv == pytest.approx((H[0][0] - 2 * H[0][1], H[1][0] - 2 * H[1][1]))
    assert jacobian(lambda v: v * v, 3.0) == 6.0


def test_grad_and_value_and_grad_nest_to_any_order():
    f = lambda x: x.sin() * x  # noqa: E731
    x = 0.7
    assert grad_of(f)(x) == pytest.approx(math.cos(x) * x + math.sin(x))
    assert grad_of(grad_of(f))(x) == pytest.approx(2 * math.cos(x) - x * math.sin(x))
    assert grad_of(grad_of(grad_of(f)))(x) == pytest.approx(-3 * math.sin(x) - x * math.cos(x))
    value, slope = value_and_grad(lambda a, b: a * b + b, argnum=1)(2.0, 5.0)
    assert (value, slope) == (15.0, 3.0)
    assert grad_of(grad_of(lambda v: v + 1))(2.0) == 0.0  # a constant derivative


def test_transforms_refuse_bad_input():
    with pytest.raises(TypeError, match="input 0"):
        jacobian(lambda v: v, ["a"])
    with pytest.raises(TypeError, match="must return"):
        jacobian(lambda v: "x", 1.0)
    with pytest.raises(TypeError, match="scalar"):
        hessian(lambda a, b: (a, b), (1.0, 2.0))
    with pytest.raises(ValueError, match="v has 1 entries for 2"):
        hvp(rosenbrock, (1.0, 1.0), (1.0,))
    with pytest.raises(IndexError, match="argnum 2"):
        grad_of(lambda a, b: a * b, argnum=2)(1.0, 2.0)


# --- grad() and .grad -----------------------------------------------------------------


def test_grad_leaves_dot_grad_untouched_even_with_create_graph():
    x, y = Value(1.5), Value(-2.0)
    x.grad = 7.0
    out = (x * y).tanh() + x**2
    grad(out, [x, y])
    grad(out, [x, y], create_graph=True)
    assert (x.grad, y.grad, out.grad) == (7.0, 0.0, 0.0)


def test_backward_with_create_graph_gives_differentiable_gradients():
    x = Value(3.0)
    y = x**3
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 27.0
    (second,) = grad(x.grad, x)
    assert second == 18.0


def test_non_differentiable_points_are_documented_conventions():
    # relu and abs take slope 0 at 0 (PyTorch's convention), and curvature 0.
    assert derivatives(Value.relu, 0.0, 2) == [0.0, 0.0]
    assert derivatives(Value.abs, 0.0, 2) == [0.0, 0.0]
    assert derivatives(Value.sqrt, 0.0, 1) == [math.inf]


@given(expressions(max_steps=8))
def test_random_graphs_pass_gradgradcheck(expr):
    assert gradgradcheck(expr, expr.inputs)


@given(expressions(max_steps=10))
def test_float_path_and_graph_path_agree_on_random_graphs(expr):
    xs = [Value(x) for x in expr.inputs]
    out = expr(*xs)
    fast = grad(out, xs, allow_unused=True)
    graphs = grad(out, xs, create_graph=True, allow_unused=True)
    assert [data(g) for g in graphs] == pytest.approx(list(fast), rel=1e-9, abs=1e-12)


@given(st.floats(0.1, 3.0), st.floats(-2.0, 2.0))
def test_hessians_are_symmetric(a, b):
    h = hessian(lambda x, y: (x * y).sin() + x.log() * y**2, (a, b))
    assert h[0][1] == pytest.approx(h[1][0], rel=1e-9, abs=1e-12)


def test_grad_with_create_graph_always_returns_values_even_constant_ones():
    v = Value(4.0)
    (constant,) = grad(v * 3.0 + 1.0, v, create_graph=True)
    assert isinstance(constant, Value) and constant.data == 3.0
    with pytest.raises(ValueError, match=r"is not used to compute the outputs"):
        grad(constant, v)          # a constant does not depend on v, as in PyTorch
