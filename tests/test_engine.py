"""The engine: micrograd's API, accumulation, deep graphs, no_grad, errors, memory."""

import gc
import math
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad, is_grad_enabled, no_grad, topological_order
from autograd.testing import gradcheck
from autograd.testing.strategies import deep_chains, expressions


# --- micrograd's own tests, unchanged apart from the import ---------------------------
# Expected numbers are the ones micrograd's test suite takes from PyTorch.


def test_micrograd_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


def test_micrograd_more_ops():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    tol = 1e-6
    assert abs(g.data - 24.70408163265306) < tol
    assert abs(a.grad - 138.83381924198252) < tol
    assert abs(b.grad - 645.5772594752186) < tol


def test_reflected_operators_with_numbers_on_either_side():
    x = Value(3.0)
    assert (2 + x).data == 5.0 and (x + 2).data == 5.0
    assert (2 - x).data == -1.0 and (x - 2).data == 1.0
    assert (2 * x).data == 6.0 and (x * 2).data == 6.0
    assert (6 / x).data == 2.0 and (x / 2).data == 1.5
    assert (2**x).data == 8.0 and (x**2).data == 9.0
    assert (-x).data == -3.0 and abs(Value(-2.0)).data == 2.0


def test_numpy_scalars_work_like_numbers():
    np = pytest.importorskip("numpy")
    x = Value(2.0)
    for y in (np.float64(3.0) * x, x * np.float64(3.0), np.int64(3) * x):
        assert isinstance(y, Value) and y.data == 6.0


# --- backward ---------------------------------------------------------------------------


def test_node_used_twice_gets_the_sum_of_both_paths():
    a = Value(3.0)
    b = a + a  # micrograd's old bug: the second path overwrote the first
    b.backward()
    assert a.grad == 2.0
    x = Value(2.0)
    y = x * x * x  # x reached three times
    y.backward()
    assert x.grad == 12.0


def test_backward_accumulates_and_zero_grad_resets():
    x = Value(2.0)
    y = x * x
    y.backward()
    y.backward()
    assert x.grad == 8.0  # 4 + 4, as in PyTorch
    assert y.grad == 1.0  # interior nodes hold the last pass only
    y.zero_grad()
    assert x.grad == 0.0 and y.grad == 0.0


def test_backward_with_a_seed_gradient():
    x = Value(2.0)
    (x * 3).backward(0.5)
    assert x.grad == 1.5


def test_gradients_of_two_outputs_add_up():
    x = Value(1.5)
    (x * x).backward()
    x.sin().backward()
    assert x.grad == pytest.approx(3.0 + math.cos(1.5))


def test_topological_order_is_deterministic_and_parents_come_first():
    def build():
        a, b = Value(1.0, label="a"), Value(2.0, label="b")
        c = (a * b).tanh()
        return c + a * c
    for _ in range(3):
        order = topological_order(build())
        position = {node: i for i, node in enumerate(order)}
        for node in order:
            assert all(position[p] < position[node] for p in node.parents)
        assert [n.label or n._op for n in order] == [
            "a", "b", "*", "tanh", "*", "+"]


def test_a_parent_reached_through_a_sibling_comes_first():
    x = Value(0.5)
    v1 = x.tanh()
    v2 = v1 * 2.0
    v3 = v2 + v1  # v1 is both a parent of v3 and a grandparent through v2
    order = topological_order(v3)
    assert order.index(v1) < order.index(v2) < order.index(v3)
    v3.backward()
    assert x.grad == pytest.approx(3 * (1 - math.tanh(0.5) ** 2))


@given(expressions(max_steps=20))
def test_parents_always_come_before_children(expr):
    out = expr(*[Value(x) for x in expr.inputs])
    order = topological_order(out)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # no node twice
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)


@pytest.mark.slow  # end to end: make test runs it, make test-fast does not
def test_a_million_deep_chain_works_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.data == 1_000_000.5


@given(deep_chains())
def test_deep_chains_match_finite_differences(expr):
    assert gradcheck(expr, expr.inputs)


@given(expressions())
def test_random_graphs_match_finite_differences(expr):
    assert gradcheck(expr, expr.inputs)


@given(expressions())
def test_backward_and_grad_agree(expr):
    xs = [Value(x) for x in expr.inputs]
    out = expr(*xs)
    expected = grad(out, xs, allow_unused=True)
    out.backward()
    assert tuple(x.grad for x in xs) == pytest.approx(expected, rel=1e-12, abs=1e-12)


# --- no_grad ----------------------------------------------------------------------------


def test_no_grad_records_nothing():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * x + 1).tanh()
    assert is_grad_enabled()
    assert y.is_leaf and y.parents == ()
    y.backward()
    assert x.grad == 0.0


def test_no_grad_nests_and_works_as_a_decorator():
    @no_grad()
    def square(v):
        return v * v
    x = Value(3.0)
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()  # leaving the inner block keeps the outer one
    assert square(x).is_leaf and is_grad_enabled()


def test_enable_grad_turns_recording_back_on():
    from autograd import enable_grad

    @enable_grad()
    def recorded(v):
        return v * 2

    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            y = Value(1.0) * 2
        assert not is_grad_enabled()
        z = recorded(Value(1.0))
    assert not y.is_leaf and not z.is_leaf and Value(3.0).item() == 3.0


def test_no_grad_is_per_thread():
    inside, outside = threading.Event(), threading.Event()
    seen = {}

    def other_thread():
        inside.wait()
        seen["other"] = (Value(1.0) * 2).is_leaf
        outside.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with no_grad():
        inside.set()
        outside.wait()
    worker.join()
    assert seen["other"] is False


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["3", None, [1.0], True, 1j])
def test_value_refuses_non_numbers(bad):
    with pytest.raises(TypeError, match="Value"):
        Value(bad)


@pytest.mark.parametrize("symbol", ["+", "-", "*", "/", "**"])
def test_operators_refuse_non_numbers_naming_op_and_type(symbol):
    ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
           "/": lambda a, b: a / b, "**": lambda a, b: a ** b}[symbol]
    with pytest.raises(TypeError) as info:
        ops(Value(1.0), "a")
    assert symbol in str(info.value) and "str" in str(info.value)
    with pytest.raises(TypeError, match="str"):
        ops("a", Value(1.0))


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: Value(-1.0).log(), ValueError, ["log", "-1.0"]),
        (lambda: Value(0.0).log(), ValueError, ["log", "0.0"]),
        (lambda: Value(-4.0).sqrt(), ValueError, ["sqrt", "-4.0"]),
        (lambda: Value(1.0) / 0, ZeroDivisionError, ["div", "1.0"]),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, ["div"]),
        (lambda: Value(1000.0).exp(), OverflowError, ["exp", "1000.0"]),
        (lambda: Value(-2.0) ** 0.5, ValueError, ["pow", "-2.0"]),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, ["pow"]),
        (lambda: Value(-2.0) ** Value(2.0), ValueError, ["pow", "positive"]),
    ],
)
def test_domain_errors_name_the_op_and_the_value(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_comparison_with_a_string_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) < "a"


def test_backward_refuses_a_bad_seed():
    with pytest.raises(TypeError, match="gradient"):
        Value(1.0).backward("1")


def test_grad_errors_name_the_input():
    x, unused = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"inputs\[1\]"):
        grad(x * 2, [x, unused])
    assert grad(x * 2, [x, unused], allow_unused=True) == (2.0, 0.0)
    with pytest.raises(TypeError, match=r"inputs\[0\]"):
        grad(x * 2, [1.0])


# --- memory -----------------------------------------------------------------------------


def count_values():
    return sum(1 for obj in gc.get_objects() if type(obj) is Value)


def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        before = count_values()
        x = Value(0.5)
        y = x
        for _ in range(200):
            y = (y * 1.01 + 0.1).tanh()
        y.backward()
        assert count_values() > before + 500
        del y
        assert count_values() == before + 1  # only x is left
    finally:
        gc.enable()


def test_a_node_of_one_or_two_parents_is_one_object_for_the_garbage_collector():
    # The cyclic collector walks every tracked object again and again while a graph
    # grows: a node that is a Value plus a tuple of parents doubles its work. Nodes of
    # one or two parents keep them in slots, so each is exactly one tracked object.
    a, b = Value(2.0), Value(3.0)
    ops = (lambda: a * b, lambda: a + b, lambda: a - b, lambda: a * 2.0, lambda: 1 - a,
           lambda: a.tanh(), lambda: a.relu(), lambda: a ** 2, lambda: a / b)
    nodes = [op() for op in ops]  # once first: the first calls may fill caches
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(300):
            nodes.extend(op() for op in ops)
        grown = len(gc.get_objects()) - before
        assert grown == 300 * len(ops)
    finally:
        gc.enable()


def test_comparisons_look_at_data_and_equality_is_identity():
    a, b = Value(1.0), Value(1.0)
    assert a <= b and a >= b and not a < b and a < 2 and a > 0.5
    assert a != b and a == a
    assert len({a, b}) == 2


def test_repr_and_label():
    v = Value(2.0, label="w")
    assert repr(v) == "Value(data=2.0, grad=0.0, label='w')"
    assert repr(Value(1)) == "Value(data=1.0, grad=0.0)"


def test_threads_calling_backward_on_one_graph_accumulate_as_if_one_after_another():
    # Each pass resets the interior gradients and adds into them; interleaved passes
    # without care leave wrong leaf gradients. The result must equal the sequential one.
    import sys
    import threading

    def graph():
        xs = [Value(0.1 * (i + 1)) for i in range(8)]
        y = xs[0]
        for k in range(400):
            y = (y * xs[k % 8] + xs[(k + 3) % 8]).tanh()
        return xs, y

    reference_xs, reference = graph()
    for _ in range(8 * 5):
        reference.backward()
    expected = [x.grad for x in reference_xs]

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        xs, y = graph()
        start = threading.Barrier(8)

        def work():
            start.wait()
            for _ in range(5):
                y.backward()
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert [x.grad for x in xs] == pytest.approx(expected, rel=1e-12)


def test_a_graph_whose_numbers_changed_is_refused_on_every_path():
    # One question, one answer: backward() and grad() used to keep the old slopes while
    # grad(create_graph=True) used the new number. Now every path refuses, as PyTorch.
    from autograd import StaleGraphError, grad
    from autograd.viz import draw_backward
    x = Value(2.0, label="x")
    y = x * x
    y.label = "y"
    x.data = 3.0
    message = (r"^Value\(data=3.0, grad=0.0, label='x'\) had its \.data set after "
               r"Value\(data=4.0, grad=0.0, label='y'\) was computed from it, so the graph's "
               r"recorded slopes no longer fit its numbers; run the forward pass again")
    for attempt in (lambda: y.backward(), lambda: grad(y, x),
                    lambda: grad(y, x, create_graph=True), lambda: draw_backward(y)):
        with pytest.raises(StaleGraphError, match=message):
            attempt()
    assert x.grad == 0.0
    fresh = x * x                      # a new forward pass uses the new number
    fresh.backward()
    assert x.grad == 6.0


def test_changing_an_interior_value_makes_its_own_slopes_stale():
    from autograd import StaleGraphError
    x = Value(0.3)
    h = x.tanh()
    out = h * 2.0
    h.data = 0.5                       # tanh's recorded slope 1 - h^2 no longer fits
    with pytest.raises(StaleGraphError, match=r"Value\(data=0.5, grad=0.0\) had its \.data "
                                              r"set after"):
        out.backward()
    with pytest.raises(StaleGraphError, match=r"had its \.data set after it was computed"):
        h.backward()


def test_a_training_step_then_backward_on_the_old_graph_is_refused_but_a_new_one_works():
    from autograd import StaleGraphError
    from nn import MLP, SGD
    model = MLP(2, [3, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    loss = (model([1.0, -1.0]) - 1.0) ** 2
    loss.backward()
    optimizer.step()
    with pytest.raises(StaleGraphError, match=r"had its \.data set after .* was computed from it"):
        loss.backward()
    optimizer.zero_grad()
    (model([1.0, -1.0]) - 1.0).backward()     # the next step's graph is fresh


def test_compile_leaves_graphs_built_before_it_valid():
    import autograd
    w = Value(0.5)
    before = w * 3.0
    autograd.compile(lambda x, w: x * w, [1.0, w])   # traces twice, nudging w and back
    before.backward()
    assert w.grad == 3.0 and w.data == 0.5


def test_setting_a_value_to_the_number_it_holds_leaves_the_graph_valid():
    from autograd import StaleGraphError
    x = Value(2.0)
    y = x * x
    x.data = 2.0                     # nothing changed
    y.backward()
    assert x.grad == 4.0
    z = Value(0.0)
    w = z * 1.0
    z.data = -0.0                    # equal, but another number: w's records no longer fit
    with pytest.raises(StaleGraphError, match=r"^Value\(data=-0.0, grad=0.0\) had its \.data"):
        w.backward()


def test_grad_gives_back_every_borrowed_grad_also_when_the_walk_fails():
    from autograd.engine import gradients_by_backward_walk
    x, w = Value(2.0), Value(-1.5)
    y = (x * w).tanh() + x
    x.grad, w.grad = 7.0, Value(3.0)          # earlier gradients, a Value among them
    y.grad = 0.25                            # an interior node's last backward
    before = [x.grad, w.grad, y.grad]
    assert grad(y, [x, w]) == pytest.approx((1 + w.data * (1 - math.tanh(-3.0) ** 2),
                                             x.data * (1 - math.tanh(-3.0) ** 2)))
    assert [x.grad, w.grad, y.grad] == before

    def fail(node):
        raise RuntimeError("stopped halfway")

    with pytest.raises(RuntimeError, match="stopped halfway"):
        gradients_by_backward_walk(topological_order(y), [(y, 1.0)], after_node=fail)
    assert [x.grad, w.grad, y.grad] == before


def test_create_graph_builds_the_gradient_graph_even_inside_no_grad():
    # as PyTorch does: create_graph asks for the graph
    from autograd.functional import hessian
    x = Value(3.0)
    y = x ** 3
    with no_grad():
        (dy,) = grad(y, x, create_graph=True)
        assert hessian(lambda a: a ** 3, 3.0) == pytest.approx(18.0)
    assert not dy.is_leaf and grad(dy, x) == (18.0,)
    x2 = Value(3.0)
    y2 = x2 ** 3
    with no_grad():
        y2.backward(create_graph=True)
    assert grad(x2.grad, x2) == (18.0,)


def test_backward_with_create_graph_refuses_a_closure_node_before_adding_anything():
    a = Value(1.0)
    e = Value(math.e, (a,), "exp")
    e._backward = lambda: None
    f = e * 2 + a
    with pytest.raises(TypeError, match=r"^backward\(create_graph=True\): Value\(data=2.718"):
        f.backward(create_graph=True)
    assert a.grad == 0.0


@pytest.mark.parametrize("bad", ["3", None, [1.0], True])
def test_setting_data_takes_numbers_only(bad):
    v = Value(1.0)
    with pytest.raises(TypeError, match=r"^Value.data must be set to an int or a float, got "):
        v.data = bad
    with pytest.raises(TypeError, match=r"got Value \(Value\(data=2.0, grad=0.0\)\) \(take its"):
        v.data = Value(2.0)
    with pytest.raises(OverflowError, match=r"^Value.data: 1000\d+ is too large for a float$"):
        v.data = 10 ** 400
    assert v.data == 1.0
    v.data = 3
    assert type(v.data) is float and v.data == 3.0


def test_zero_grad_works_on_a_graph_made_stale_by_an_optimiser_step():
    w, x = Value(0.3), Value(2.0)
    loss = (w * x - 1.0) ** 2
    loss.backward()
    w.data -= 0.1 * w.grad
    loss.zero_grad()
    assert w.grad == 0.0 and x.grad == 0.0


def test_micrograds_per_node_backward_refuses_a_stale_parent():
    from autograd import StaleGraphError
    x = Value(2.0)
    y = x * x
    x.data = 3.0
    y.grad = 1.0
    with pytest.raises(StaleGraphError, match=r"^Value\(data=3.0, grad=0.0\) had its \.data set"):
        y._backward()


def test_bad_seeds_are_named_by_the_call_that_got_them():
    x = Value(2.0)
    y = x * x
    with pytest.raises(TypeError, match=r"^grad: each of grad_outputs must be a number or a "):
        grad(y, x, grad_outputs="a")
    with pytest.raises(TypeError, match=r"^backward: the gradient must be a number or a Value"):
        y.backward("a")
    with pytest.raises(TypeError, match=r"^backward: the gradient must be one number or Value"):
        y.backward((1.0, 2.0))
