"""micrograd's internals as its lecture and its users' extensions use them.

The lecture that builds micrograd calls ``_backward()`` node by node, builds nodes with
``Value(data, (children,), 'op')`` and gives them ``_backward`` closures; extensions
written for micrograd do the same. This engine keeps its own table of rules, and runs
such code unchanged.
"""

import gc
import math
import weakref

import pytest

import autograd
from autograd import Value, draw_dot, grad
from autograd.viz import draw_backward
from nn import Layer, Neuron


def lecture_neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1; x1w1.label = "x1*w1"
    x2w2 = x2 * w2; x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b; n.label = "n"
    o = n.tanh(); o.label = "o"
    return o, (x1, x2, w1, w2, b, n, x1w1x2w2, x1w1, x2w2)


def test_backprop_by_hand_one_node_at_a_time_as_in_the_lecture():
    o, (x1, x2, w1, w2, b, n, x1w1x2w2, x1w1, x2w2) = lecture_neuron()
    o.grad = 1.0
    o._backward()
    assert n.grad == pytest.approx(0.5)
    n._backward()
    assert b.grad == pytest.approx(0.5) and x1w1x2w2.grad == pytest.approx(0.5)
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))


def test_the_lectures_topological_sort_and_reversed_backward_loop():
    o, leaves = lecture_neuron()
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)
    build_topo(o)
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    by_hand = [v.grad for v in leaves[:5]]
    o2, leaves2 = lecture_neuron()
    o2.backward()
    assert by_hand == pytest.approx([v.grad for v in leaves2[:5]])
    assert [v._op for v in (o, leaves[5], leaves[7])] == ["tanh", "+", "*"]


def micrograd_exp(self):
    """An op added the way micrograd's users add them: a node and a closure."""
    x = self.data
    out = Value(math.exp(x), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad
    out._backward = _backward
    return out


def test_an_op_written_micrograds_way_backpropagates_in_topological_order():
    a = Value(1.5, label="a")
    e = micrograd_exp(a * 2.0)          # e^(2a), then used twice
    y = e * e + e
    y.backward()
    exact = 2 * math.exp(4 * 1.5) * 2 + math.exp(3.0) * 2   # d(e^4a + e^2a)/da
    assert a.grad == pytest.approx(exact, rel=1e-12)
    assert e._op == "exp" and e._prev == (e._prev[0],) and len(e._prev) == 1
    assert "exp" in draw_dot(y).source               # drawings show its _op


def test_a_closure_node_is_refused_clearly_where_a_table_rule_is_needed():
    a = Value(0.5)
    e = micrograd_exp(a)
    e.label = "e"
    named = r"Value\(data=1.6487\d*, grad=0.0, label='e'\) \(op 'exp'\) was made micrograd's way"
    with pytest.raises(TypeError, match=r"^grad: " + named):
        grad(e, a)
    with pytest.raises(TypeError, match=r"^grad\(create_graph=True\): " + named):
        grad(e, a, create_graph=True)
    with pytest.raises(TypeError, match=r"^draw_backward: " + named):
        draw_backward(e)
    with pytest.raises(autograd.TraceError, match=r"^compile: Value\(data=\S+, grad=0.0\) "
                                                  r"\(op 'exp'\) was made micrograd's way"):
        autograd.compile(lambda x: Value(1.0, (x,), "exp") * 2, [0.5])


def test_the_constructor_takes_micrographs_arguments_positionally_and_by_keyword():
    a, b = Value(2.0), Value(3.0)
    by_position = Value(5.0, (a, b), "+")
    by_keyword = Value(data=5.0, _children=(a, b), _op="+", label="s")
    assert by_position._prev == (a, b) and by_position._op == "+" and by_position.label == ""
    assert by_keyword._prev == (a, b) and by_keyword.label == "s"
    by_keyword.backward()                 # no _backward given: no gradient flows, as in micrograd
    assert a.grad == 0.0
    with pytest.raises(TypeError, match=r"^Value: the second argument is micrograd's "
                                        r"_children \(a tuple of Values\); for a name write "
                                        r"label='x'$"):
        Value(1.0, "x")
    with pytest.raises(TypeError, match=r"^Value: _children\[1\] must be a Value, got float"):
        Value(1.0, (a, 2.0))


def test_subclasses_that_call_micrographs_constructor_work():
    class Tracked(Value):
        def __init__(self, data, _children=(), _op=""):
            super().__init__(data, _children, _op)

    x = Tracked(3.0)
    y = Tracked(x.data ** 2, (x,), "**2")

    def _backward():
        x.grad += 2 * x.data * y.grad
    y._backward = _backward
    y.backward()
    assert x.grad == 6.0 and isinstance(y, Value)


def test_op_text_is_readable_and_settable_on_micrograd_nodes_only():
    a = Value(1.0)
    node = Value(2.0, (a,), "double")
    node._op = "twice"
    assert node._op == "twice"
    with pytest.raises(AttributeError, match=r"the op of .* is its primitive's \('\*'\) and "
                                             r"cannot be renamed"):
        (a * 2)._op = "times"


def test_values_can_be_weakly_referenced_and_are_still_freed_without_the_collector():
    gc.disable()
    try:
        x = Value(1.0)
        y = (x * 2.0).tanh()
        ref = weakref.ref(y)
        assert ref() is y
        del y
        assert ref() is None          # freed by reference counting: no cycle
    finally:
        gc.enable()


def test_nonlin_as_in_micrograd():
    assert Neuron(2, nonlin=False).activation == "linear" and not Neuron(2, nonlin=False).nonlin
    assert Neuron(2).nonlin and Neuron(2, nonlin=True).activation == "relu"
    layer = Layer(2, 3, nonlin=False)
    assert not layer.nonlin and all(n.activation == "linear" for n in layer.neurons)
    with pytest.raises(ValueError, match=r"^Neuron: nonlin=False contradicts activation='tanh'$"):
        Neuron(2, "tanh", nonlin=False)
    with pytest.raises(TypeError, match=r"^Layer: nonlin must be True or False, got 1$"):
        Layer(2, 3, nonlin=1)


def test_prev_is_readable_but_cannot_rewire_a_node():
    x, z = Value(2.0), Value(5.0)
    y = x * 3
    assert y._prev == (x,)
    with pytest.raises(AttributeError, match=r"^Value\._prev is read-only: a node's parents "
                                             r"are fixed when it is made"):
        y._prev = (z,)
    y.backward()
    assert (x.grad, z.grad) == (3.0, 0.0)
