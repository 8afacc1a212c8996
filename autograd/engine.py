"""The engine: the ``Value`` node, the topological sort and backpropagation.

A ``Value`` wraps one float. Every arithmetic op on Values returns a new Value that
remembers its parents (the arguments, in order), the primitive that made it, and the
local derivative of the result with respect to each parent. That record is the
computation graph. ``backward()`` walks it from the output back to the leaves and
applies the chain rule: each node's gradient times each local derivative is added to
the parent's gradient.

Example:
    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b + a          # c = a*b + a
    >>> c.backward()
    >>> a.grad, b.grad         # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from . import primitives as P
from .primitives import Primitive

# Whether ops record the graph. A ContextVar, so each thread and each asyncio task
# has its own switch and ``no_grad()`` in one cannot leak into another.
_recording: ContextVar[bool] = ContextVar("autograd_recording", default=True)
_is_recording = _recording.get

# Where relu is off it passes *nothing* back: not 0 * upstream, which would be NaN for an
# infinite upstream gradient, but no contribution at all (PyTorch's threshold backward;
# the table marks relu ``masks_gradient``). An off relu stores its input with no local
# derivative, so the backward loops, which zip parents with local derivatives, skip its
# edge for free.
_MASKED = ()


class Value:
    """A scalar that records the operations applied to it, for backpropagation.

    Attributes:
        data: the number this node holds.
        grad: d(output)/d(this node), filled in by ``backward()`` (starts at 0.0).
        label: an optional name, shown by drawings and ``repr``.

    Example:
        >>> x = Value(3.0, label="x")
        >>> y = x ** 2 + 1
        >>> y.backward()
        >>> y.data, x.grad
        (10.0, 6.0)
    """

    # Slots and no closures: a node is small, and the graph has no reference cycles,
    # so reference counting frees it the moment the last reference goes.
    #
    # How a node keeps its edges (its parents and the local derivative of each). Most
    # nodes have one or two parents, and those are kept in slots of the node itself, not
    # in a tuple: a tuple of Values is one more object for Python's cyclic garbage
    # collector to track and walk again and again while a graph grows (it took 45% of
    # micrograd's demo step: bench/bench_gc.py). Every other node keeps two tuples.
    #   leaf                    _first = None, _many = None
    #   one or two parents      _first, _d_first, and _second, _d_second (None if unary;
    #                           an op with a number operand keeps the number in _d_second)
    #   any other node          _first = None, _many = the parents, _d_many = their
    #                           slopes: ops of three or more arguments (sums, neurons),
    #                           an off relu (slopes ()), a node made micrograd's way
    #                           (a _UserRule), a node whose number was set (_CHANGED)
    __slots__ = (  # noqa: RUF023 (grouped as the comment above says, not sorted)
        "_data", "grad", "_label",
        "_first", "_d_first", "_second", "_d_second", "_many", "_d_many",
        "_prim", "_visit", "_stamp", "__weakref__",
    )  # fmt: skip
    _data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    _label: str
    _first: Value | None
    _d_first: Any
    _second: Value | None
    _d_second: Any
    _many: tuple[Value, ...] | None
    _d_many: Any
    _prim: Primitive | None
    _visit: object
    _stamp: int

    # Lets NumPy scalars (np.float64(2) * v) defer to Value's reflected operators
    # instead of wrapping the Value in an object array.
    __array_ufunc__ = None

    def __init__(
        self, data: float, _children: Iterable[Value] = (), _op: str = "", label: str = ""
    ) -> None:
        """``Value(data)`` makes a leaf. ``_children`` and ``_op`` are micrograd's: a node
        made by hand from its parents, whose gradient rule is the ``_backward`` closure
        you set on it (see ``_backward``)."""
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(
                f"Value() takes an int or a float, got {type(data).__name__} ({data!r})"
            )
        self._data = float(data)
        self._stamp = _now
        self.grad = 0.0
        self.label = label  # checked by the property below
        self._first = None
        self._d_first = None
        self._second = None
        self._d_second = None
        parents = _checked_children(_children)
        self._many = parents if parents or _op else None
        self._d_many = _UserRule(_op) if parents or _op else None
        self._prim = None
        self._visit = None  # the mark of the last graph walk that reached it

    # --- the number, and when it last changed -------------------------------------------

    @property
    def data(self) -> float:
        """The number this node holds."""
        return self._data

    @data.setter
    def data(self, number: float) -> None:
        # A node records its local derivatives from its parents' numbers when it is
        # made. Setting a number afterwards makes those records stale: the stamp says
        # when, and the graph walks of backward() and grad() refuse a node computed
        # before a parent changed (PyTorch refuses too), instead of mixing old slopes
        # with new numbers. The engine writes ``_data`` itself and never stamps.
        global _now
        if type(number) is not float:
            number = _checked_number(number)
        if number == self._data and _same_zero(number, self._data):
            return  # the same number (and the same sign of zero): nothing is stale
        # The number first, then the clock: a node another thread makes in between may
        # be refused as stale needlessly, but never accepted with the old number.
        self._data = number
        with _clock:
            _now += 1
            self._stamp = _now
        if self.parents:  # its own number no longer matches what its parents gave
            self._keep_edges_as_many(_CHANGED)

    # --- introspection ---------------------------------------------------------------

    @property
    def label(self) -> str:
        """An optional name, shown by drawings and ``repr`` ("" when unnamed)."""
        return self._label

    @label.setter
    def label(self, text: str) -> None:
        # Refused here, at assignment, rather than later in a drawing that cannot show it.
        if not isinstance(text, str):
            raise TypeError(f"Value.label must be a str, got {type(text).__name__} ({text!r})")
        self._label = text

    @property
    def parents(self) -> tuple[Value, ...]:
        """The arguments of the op that made this node, in order (empty for a leaf)."""
        if self._first is not None:
            return (self._first,) if self._second is None else (self._first, self._second)
        return self._many or ()

    @property
    def _prev(self) -> tuple[Value, ...]:
        """micrograd's name for the parents (a tuple here, in argument order)."""
        return self.parents

    @_prev.setter
    def _prev(self, parents: Any) -> None:
        raise AttributeError(
            "Value._prev is read-only: a node's parents are fixed when it "
            "is made (its recorded slopes belong to them); make a new node, "
            "Value(data, (children,), op), instead"
        )

    @property
    def primitive(self) -> Primitive | None:
        """The primitive that made this node, or None for a leaf. For an op with a
        number operand, bound to its number (``x * 2``: MUL_CONST bound to 2)."""
        prim = self._prim
        if prim is not None and prim.constant_samples and prim.constant is None:
            return prim.bind(self._d_second)  # the number operand (see __slots__)
        return prim

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """d(this node)/d(parent) for each parent, recorded by the forward pass."""
        if self._first is not None:
            if self._second is None:
                return (self._d_first,)
            return (self._d_first, self._d_second)
        if not self._many:
            return ()
        if type(self._d_many) is _UserRule:
            raise _needs_table_rule(self, "local_derivatives")
        if self._d_many is _CHANGED:
            raise _stale(self, None)
        if not self._d_many:  # an off relu: its slope is 0
            return (0.0,) * len(self._many)
        return self._d_many

    @property
    def _op(self) -> str:
        # micrograd names its ops with a string in ``_op``; keep that for its tools.
        if type(self._d_many) is _UserRule:
            return self._d_many.op
        return self.primitive.label() if self._prim is not None else ""  # type: ignore

    @_op.setter
    def _op(self, text: str) -> None:
        if self._prim is not None:
            raise AttributeError(
                f"the op of {self!r} is its primitive's "
                f"({self._prim.label()!r}) and cannot be renamed"
            )
        if not isinstance(text, str):
            raise TypeError(f"Value._op must be a str, got {type(text).__name__}")
        if type(self._d_many) is _UserRule:
            self._d_many.op = text
        else:
            self._keep_edges_as_many(_UserRule(text))

    # --- micrograd's backward, one node at a time ---------------------------------------

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's per-node backward: push ``self.grad`` to the parents, adding
        ``local derivative * self.grad`` to each (``o.grad = 1.0; o._backward()``).

        A node made micrograd's way, ``Value(data, (x,), 'exp')``, runs the closure
        assigned to its ``_backward`` instead; ``backward()`` calls it in topological
        order. (The function is made on request, not stored on every node: a bound
        method kept on each node would be a reference cycle per node.)

        Example:
            >>> x = Value(3.0); y = x * x; y.grad = 1.0
            >>> y._backward(); x.grad
            6.0
        """
        if type(self._d_many) is _UserRule:
            return self._d_many.backward or _no_backward
        if self._d_many is _CHANGED:
            raise _stale(self, None)
        for parent in self.parents:
            if parent._stamp > self._stamp:
                raise _stale(self, parent)
        return functools.partial(_backpropagate, [self])  # the walk, over this node alone

    @_backward.setter
    def _backward(self, function: Callable[[], None]) -> None:
        if not callable(function):
            raise TypeError(f"Value._backward must be a function, got {type(function).__name__}")
        self._keep_edges_as_many(_UserRule(self._op, function))
        self._prim = None  # its gradient rule is now the closure, not the table's

    def _keep_edges_as_many(self, rule: Any) -> None:
        # The parents move to the two-tuple form (see __slots__), with ``rule`` where
        # the slopes go: a micrograd closure, or the mark of a changed number.
        self._many, self._d_many = self.parents, rule
        self._first = self._second = None

    @property
    def is_leaf(self) -> bool:
        """True for a node made by ``Value(...)`` (an input or a parameter)."""
        return self._first is None and not self._many

    def item(self) -> float:
        """The number held, as in PyTorch (the same as ``.data``)."""
        return self._data

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data!r}, grad={self.grad!r}{name})"

    # --- the hot path: + and * written out by hand --------------------------------------
    # These two ops make most of the nodes of a network, so they skip the generic
    # ``apply`` and store their local derivatives directly. A test checks each against
    # the table's rule (tests/test_primitives.py::test_hand_written_ops_match_table).

    # A number operand (v * 2.0, v + 1) makes no node of its own: the result is one node
    # of MUL_CONST (ADD_CONST, ...) with one parent, its slope in _d_first and the number
    # in _d_second (backward reads no second slope where there is no second parent).
    # Plain float and int are recognised by their exact type first; other numbers, such
    # as NumPy's, by the slower abstract check in _number_or_value.

    def __add__(self, other: Any) -> Value:
        if type(other) is not Value:
            if type(other) is float or type(other) is int:
                return _with_number(self._data + other, self, 1.0, other, P.ADD_CONST)
            other = _number_or_value(other, P.ADD)
            if type(other) is float:
                return _with_number(self._data + other, self, 1.0, other, P.ADD_CONST)
        out = self._data + other._data
        if not _is_recording():
            return _leaf(out)
        return _node(out, self, 1.0, other, 1.0, P.ADD)

    def __mul__(self, other: Any) -> Value:
        if type(other) is not Value:
            if type(other) is float or type(other) is int:
                other = float(other)  # held as a float, as 3 * x and _number_or_value hold it
                return _with_number(self._data * other, self, other, other, P.MUL_CONST)
            other = _number_or_value(other, P.MUL)
            if type(other) is float:
                return _with_number(self._data * other, self, other, other, P.MUL_CONST)
        out = self._data * other._data
        if not _is_recording():
            return _leaf(out)
        # d(xy)/dx = y and d(xy)/dy = x: the parents' own floats, nothing new allocated.
        return _node(out, self, other._data, other, self._data, P.MUL)

    def __sub__(self, other: Any) -> Value:
        if type(other) is not Value:
            other = _number_or_value(other, P.SUB)
            if type(other) is float:
                return _with_number(self._data - other, self, 1.0, other, P.SUB_CONST)
        out = self._data - other._data
        if not _is_recording():
            return _leaf(out)
        return _node(out, self, 1.0, other, -1.0, P.SUB)

    def __radd__(self, other: Any) -> Value:
        other = _number_or_value(other, P.ADD)
        return _with_number(other + self._data, self, 1.0, other, P.ADD_CONST)

    def __rsub__(self, other: Any) -> Value:
        other = _number_or_value(other, P.SUB)
        return _with_number(other - self._data, self, -1.0, other, P.RSUB_CONST)

    def __rmul__(self, other: Any) -> Value:
        other = _number_or_value(other, P.MUL)
        return _with_number(other * self._data, self, other, other, P.MUL_CONST)

    def __truediv__(self, other: Any) -> Value:
        if type(other) is Value:
            return apply(P.DIV, self, other)
        k = _number_or_value(other, P.DIV)
        if type(k) is not float:  # a Value subclass
            return apply(P.DIV, self, k)
        if k == 0:
            raise _domain_error(P.DIV, [self._data, k], ZeroDivisionError())
        return _with_number(self._data / k, self, 1.0 / k, k, P.DIV_CONST)

    def __rtruediv__(self, other: Any) -> Value:
        k = _number_or_value(other, P.DIV)
        if self._data == 0:
            raise _domain_error(P.DIV, [k, self._data], ZeroDivisionError())
        out = k / self._data
        return _with_number(out, self, -out / self._data, k, P.RDIV_CONST)

    # --- every other op goes through the table ----------------------------------------

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return apply(P.POW_CONST.bind(float(other)), self)
        return apply(P.POW, self, other)

    def __rpow__(self, other: Any) -> Value:
        return apply(P.POW, other, self)

    def __neg__(self) -> Value:
        return apply(P.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return apply(P.ABS, self)

    def exp(self) -> Value:
        """e ** self."""
        return apply(P.EXP, self)

    def log(self) -> Value:
        """Natural logarithm; raises ValueError for data <= 0."""
        return apply(P.LOG, self)

    def sqrt(self) -> Value:
        """Square root; raises ValueError for data < 0."""
        return apply(P.SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent (stable for any input)."""
        return apply(P.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self), computed without overflow for any input."""
        return apply(P.SIGMOID, self)

    def softplus(self) -> Value:
        """log(1 + e ** self), computed without overflow for any input."""
        return apply(P.SOFTPLUS, self)

    def relu(self) -> Value:
        """max(self, 0); its slope at 0 is taken as 0 (as in PyTorch).

        Written out by hand like + and *: every hidden neuron of an MLP ends in it.
        """
        x = self._data
        off = x <= 0  # not "x > 0": a NaN is not off, it passes through, as in PyTorch
        out = 0.0 if off else x
        if not _is_recording():
            return _leaf(out)
        if off:
            return _node_of_many(out, (self,), _MASKED, P.RELU)
        return _node(out, self, 1.0, None, None, P.RELU)

    def abs(self) -> Value:
        """|self|; its slope at 0 is taken as 0 (as in PyTorch)."""
        return apply(P.ABS, self)

    def sin(self) -> Value:
        return apply(P.SIN, self)

    def cos(self) -> Value:
        return apply(P.COS, self)

    # --- comparisons look at the data ---------------------------------------------------
    # ``==`` stays identity, so Values can be dict keys and set members (the graph walks
    # need that); ``<``, ``<=``, ``>``, ``>=`` compare the numbers.

    __hash__ = object.__hash__

    def __lt__(self, other: Any) -> bool:
        return self._data < _number_of(other, "<")

    def __le__(self, other: Any) -> bool:
        return self._data <= _number_of(other, "<=")

    def __gt__(self, other: Any) -> bool:
        return self._data > _number_of(other, ">")

    def __ge__(self, other: Any) -> bool:
        return self._data >= _number_of(other, ">=")

    # --- backpropagation ----------------------------------------------------------------

    def backward(self, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
        """Add d(self)/d(node) to ``node.grad`` for every node this one depends on.

        Gradients accumulate in leaves, as in PyTorch: call ``zero_grad()`` (or the
        optimiser's) between steps. Interior nodes show this call's gradient.
        With ``create_graph=True`` the gradients are Values with graphs of their own,
        so they can be differentiated again (note: then each node's ``grad`` refers back
        to the graph, a reference cycle; prefer ``autograd.grad`` for higher order).

        Example:
            >>> x = Value(2.0); y = x * x
            >>> y.backward(); y.backward()
            >>> x.grad                 # 4.0 twice: gradients accumulate
            8.0
        """
        if isinstance(gradient, (list, tuple)):
            raise TypeError(
                f"backward: the gradient must be one number or Value, got "
                f"{type(gradient).__name__} ({gradient!r})"
            )
        (seed,) = _seeds(gradient, 1, create_graph, "backward")
        # One backward pass at a time: a pass resets the interior gradients and then adds
        # into them (and into the leaves, which other graphs may share, like a model's
        # parameters), so two passes interleaved by threads would mix their numbers.
        with _one_backward_at_a_time:
            order = topological_order(self)
            if create_graph:  # refused before any gradient is added, not halfway
                _refuse_closures(order, "backward(create_graph=True)")
            for node in order:
                if node._first is not None or node._many:
                    node.grad = 0.0  # interior nodes hold this pass's gradient only
            self.grad = _accumulate(self.grad, seed)
            _backpropagate(order, as_graphs=create_graph)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on this node and every node it depends on (also on a
        graph made stale by a changed number: zeroing reads no slopes)."""
        with _one_walk_at_a_time:
            order: list[Value] = []
            _depth_first(self, object(), order, check_stale=False)
        for node in order:
            node.grad = 0.0


# --- nodes made micrograd's way ------------------------------------------------------


class _UserRule:
    """The gradient rule of a node made micrograd's way: its ``_op`` text and the
    ``_backward`` closure the user gave it (None: no gradient flows, as in micrograd).

    It stands where a node keeps its local derivatives (``_d_many``), and iterating it
    runs the closure: backward()'s loop zips each node's parents with its local
    derivatives, so for such a node the zip itself calls the closure, at the node's
    turn in topological order, and the loop adds nothing more. Table nodes pay nothing.
    """

    __slots__ = ("backward", "op")

    def __init__(self, op: str, backward: Callable[[], None] | None = None) -> None:
        if not isinstance(op, str):
            raise TypeError(f"Value: _op must be a str, got {type(op).__name__} ({op!r})")
        self.op, self.backward = op, backward

    def __iter__(self) -> Iterator[Any]:
        if self.backward is not None:
            self.backward()
        return iter(())


def _no_backward() -> None:
    """micrograd's ``_backward`` of a leaf: nothing to push."""


def _checked_number(number: Any) -> float:
    """What ``.data`` may be set to: an int or a float (NumPy's too), held as a float."""
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        hint = " (take its .data)" if isinstance(number, Value) else ""
        raise TypeError(
            f"Value.data must be set to an int or a float, got "
            f"{type(number).__name__} ({number!r}){hint}"
        )
    try:
        return float(number)
    except OverflowError:
        raise OverflowError(f"Value.data: {number!r} is too large for a float") from None


def _same_zero(a: float, b: float) -> bool:
    """For two equal numbers: not zeros of different signs (0.0 == -0.0, but x + 0.0
    and x + -0.0 differ at x = -0.0, so a change of sign is a change)."""
    return a != 0 or math.copysign(1.0, a) == math.copysign(1.0, b)


def set_data(values: Sequence[Value], numbers: Sequence[Any]) -> None:
    """Set the numbers of many Values at once: ``v.data = x`` for each pair, checked
    first (nothing changes on bad input), with one tick of the clock for all. This is
    how a training loop that keeps the numbers in an array writes them back.

    Example:
        >>> w, b = Value(1.0), Value(2.0)
        >>> set_data([w, b], [0.5, -1.0])
        >>> w.data, b.data
        (0.5, -1.0)
    """
    global _now
    values, numbers = list(values), list(numbers)
    if len(values) != len(numbers):
        raise ValueError(f"set_data: {len(values)} Values but {len(numbers)} numbers")
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"set_data: values[{i}] is a {type(v).__name__}, not a Value")
    numbers = [x if type(x) is float else _checked_number(x) for x in numbers]
    changed = []
    for v, x in zip(values, numbers, strict=True):
        if x == v._data and _same_zero(x, v._data):
            continue  # the same number (and the same sign of zero): nothing is stale
        if not v.is_leaf:
            v.data = x  # a computed node also keeps its edges as changed: see Value.data
            continue
        v._data = x
        changed.append(v)
    # The numbers first, then the clock, as Value.data does.
    with _clock:
        _now += 1
        for v in changed:
            v._stamp = _now


def _checked_children(children: Any) -> tuple[Value, ...]:
    if isinstance(children, str):
        raise TypeError(
            f"Value: the second argument is micrograd's _children (a tuple of "
            f"Values); for a name write label={children!r}"
        )
    if isinstance(children, Value):
        raise TypeError(
            "Value: _children must be a tuple of Values, got a single Value; write (x,)"
        )
    try:
        parents = tuple(children)
    except TypeError:
        raise TypeError(
            f"Value: _children must be a tuple of Values, got "
            f"{type(children).__name__} ({children!r})"
        ) from None
    for i, parent in enumerate(parents):
        if not isinstance(parent, Value):
            raise TypeError(
                f"Value: _children[{i}] must be a Value, got {type(parent).__name__} ({parent!r})"
            )
    return parents


def _needs_table_rule(node: Value, where: str) -> TypeError:
    return TypeError(
        f"{where}: {node!r} (op {node._op!r}) was made micrograd's way, with a _backward "
        f"closure, which only backward() runs; {where} needs the derivative rule of each "
        "op from the table: declare the op with autograd.define_primitive instead"
    )


# --- building nodes -------------------------------------------------------------------

_new_value = object.__new__


def _node(
    data: float, first: Value, d_first: float, second: Value | None, d_second: Any, prim: Primitive
) -> Value:
    """Make a node of one or two parents without running ``__init__``'s checks (data is
    a float). For one parent, ``second`` is None (and ``d_second`` None or a number
    operand)."""
    node = _new_value(Value)
    node._data = data
    node._stamp = _now
    node.grad = 0.0
    node._label = ""
    node._first = first
    node._d_first = d_first
    node._second = second
    node._d_second = d_second
    node._many = node._d_many = None
    node._prim = prim
    node._visit = None
    return node


def _node_of_many(
    data: float, parents: tuple[Value, ...] | None, slopes: Any, prim: Primitive | None
) -> Value:
    """Make a node that keeps its edges in two tuples (see Value.__slots__)."""
    node = _new_value(Value)
    node._data = data
    node._stamp = _now
    node.grad = 0.0
    node._label = ""
    node._first = node._d_first = node._second = node._d_second = None
    node._many = parents
    node._d_many = slopes
    node._prim = prim
    node._visit = None
    return node


def _leaf(data: float) -> Value:
    return _node_of_many(data, None, None, None)


def _with_number(out: float, x: Value, slope: float, number: float, prim: Primitive) -> Value:
    """The node of ``x`` and a number operand: one parent, its slope, and the number."""
    if not _is_recording():
        return _leaf(out)
    return _node(out, x, slope, None, number, prim)


def _number_or_value(other: Any, prim: Primitive) -> Any:
    """A Value as it is, a number as a float; anything else is refused clearly."""
    if isinstance(other, Value):
        return other
    if isinstance(other, numbers.Real) and not isinstance(other, bool):
        return float(other)
    raise TypeError(
        f"unsupported operand type for {prim.symbol} ({prim.name}): "
        f"{type(other).__name__} ({other!r}); expected an int, a float or a Value"
    )


def _to_value(other: Any, prim: Primitive) -> Value:
    """Turn a plain number into a constant leaf; refuse anything else clearly."""
    if type(other) is float:  # the common case (a data point fed to a neuron) first
        return _leaf(other)
    checked = _number_or_value(other, prim)
    return checked if isinstance(checked, Value) else _leaf(checked)


def _number_of(other: Any, symbol: str) -> float:
    if _tracing.get():
        raise TraceError(
            f"compile: f compares a Value ({symbol}); Python control flow that depends on "
            "values cannot be recorded, so compile refuses f (use relu, abs or other "
            "primitives instead of if/else, or run f eagerly)"
        )
    if isinstance(other, Value):
        return other._data
    if isinstance(other, numbers.Real):
        return cast(float, other)  # compared as it is: an int too large for a float too
    raise TypeError(f"cannot compare Value {symbol} {type(other).__name__} ({other!r})")


def apply(prim: Primitive, *args: Value) -> Value:
    """Apply a primitive from the table to Values: the one generic way to make a node.

    Numbers among ``args`` become constant leaves. A domain error names the op and the
    inputs, e.g. ``ValueError: log(-1.0): outside its domain (x > 0)``.

    Example:
        >>> from autograd.primitives import TANH
        >>> apply(TANH, Value(0.0)).data
        0.0
    """
    args = tuple([a if type(a) is Value else _to_value(a, prim) for a in args])
    if prim.arity is not None and len(args) != prim.arity:
        raise TypeError(f"{prim.name} takes {prim.arity} argument(s), got {len(args)}")
    datas = [a._data for a in args]
    try:
        out = prim.forward(*datas)
    except OverflowError as error:
        if not _building_derivatives.get():
            raise _domain_error(prim, datas, error) from error
        out = P.overflowed(prim, *datas)
    except (ValueError, ArithmeticError) as error:
        raise _domain_error(prim, datas, error) from error
    if not _is_recording():
        return _leaf(out)
    try:
        local = prim.derivative(out, *datas)
    except (ValueError, ArithmeticError) as error:
        raise _domain_error(prim, datas, error, of_derivative=True) from error
    if prim.masks_gradient and not local[0]:
        return _node_of_many(out, args, _MASKED, prim)
    if len(args) == 1:
        return _node(out, args[0], local[0], None, None, prim)
    if len(args) == 2:
        return _node(out, args[0], local[0], args[1], local[1], prim)
    return _node_of_many(out, args, tuple(local), prim)


def _domain_error(
    prim: Primitive, datas: Sequence[float], error: Exception, of_derivative: bool = False
) -> Exception:
    """The error to raise when an op fails: which op, at which inputs, and whether its
    value or its derivative (the slope the backward pass needs) failed."""
    shown = ", ".join(repr(d) for d in datas[:6]) + (", ..." if len(datas) > 6 else "")
    if prim.constant is not None:
        shown += f", k={prim.constant:g}"
    call = f"{prim.name}({shown})"
    what = "its derivative" if of_derivative else "the result"
    if isinstance(error, ZeroDivisionError):
        return ZeroDivisionError(f"{call}: division by zero in {what}")
    if isinstance(error, OverflowError):
        return OverflowError(f"{call}: {what} is too large for a float")
    if of_derivative:
        return ValueError(f"{call}: its derivative is undefined here: {error}")
    return ValueError(f"{call}: outside its domain ({prim.requires}): {error}")


# --- n-ary ops as functions -------------------------------------------------------------


def sum_values(values: Iterable[Any]) -> Value:
    """The sum of many Values (or numbers) as one node, not a chain of additions.

    Example:
        >>> sum_values([Value(1.0), Value(2.0), 3]).data
        6.0
    """
    values = tuple(values)
    if not values:
        return Value(0.0)
    return apply(P.SUM, *values)


def weighted_sum(weights: Sequence[Any], inputs: Sequence[Any], bias: Any = 0.0) -> Value:
    """``bias + sum(w * x)`` as one node: a neuron's pre-activation.

    A hand-written hot path of the table's WEIGHTED_SUM (a test checks it against the
    table): its parents are ``(bias, *weights, *inputs)`` and its local derivatives
    ``(1, *inputs' data, *weights' data)``, the floats the parents already hold.

    Example:
        >>> weighted_sum([Value(2.0), Value(3.0)], [1.0, -1.0], bias=0.5).data
        -0.5
    """
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs")
    prim = P.WEIGHTED_SUM
    # One pass both reads the floats and checks that every item is a Value; only when
    # some are plain numbers is the slower converting path taken.
    weight_data = [w._data for w in weights if type(w) is Value]
    if len(weight_data) != len(weights):
        weights = [_to_value(w, prim) for w in weights]
        weight_data = [w._data for w in weights]
    input_data = [x._data for x in inputs if type(x) is Value]
    if len(input_data) != len(inputs):
        inputs = [_to_value(x, prim) for x in inputs]
        input_data = [x._data for x in inputs]
    if type(bias) is not Value:
        bias = _to_value(bias, prim)
    out = sum(map(operator.mul, weight_data, input_data), bias._data)
    if not _is_recording():
        return _leaf(out)
    return _node_of_many(out, (bias, *weights, *inputs), (1.0, *input_data, *weight_data), prim)


def logsumexp(values: Iterable[Any]) -> Value:
    """``log(sum(exp(v)))`` as one node, computed without overflow.

    Example:
        >>> round(logsumexp([Value(1000.0), Value(1000.0)]).data, 6)
        1000.693147
    """
    values = tuple(values)
    if not values:
        raise ValueError("logsumexp needs at least one value")
    return apply(P.LOGSUMEXP, *values)


# --- graph walks ------------------------------------------------------------------------


def topological_order(*roots: Value) -> list[Value]:
    """Every node the roots depend on, each after all of its parents.

    An explicit stack, not recursion: a graph a million nodes deep is fine. Parents
    are visited in argument order, so the order is the same on every run.

    Example:
        >>> x = Value(1.0, label="x"); y = x * 2; z = y + x
        >>> [n.label or n._op for n in topological_order(z)]
        ['x', '*2', '+']
    """
    with _one_walk_at_a_time:
        # A fresh mark per walk: a node is visited when it carries this walk's mark.
        # Cheaper in time and memory than a set of visited nodes; the lock keeps two
        # threads' walks from overwriting each other's marks.
        visited = object()
        order: list[Value] = []
        for root in roots:
            if not isinstance(root, Value):
                raise TypeError(f"expected a Value, got {type(root).__name__} ({root!r})")
            _depth_first(root, visited, order)
    return order


def _depth_first(
    root: Value, visited: object, order: list[Value], check_stale: bool = True
) -> None:
    # The stack holds nodes still to expand. Below each expanded node sits the marker
    # _PARENTS_DONE: when it comes back to the top, every parent of the node under it
    # is in ``order``, so the node can follow. A node is marked when it is expanded,
    # not when it is pushed: a marked parent is then always already in ``order``.
    # Every edge is also checked for a number changed since the node was made (see
    # Value.data), so no walk hands a stale graph to backward, grad or a drawing.
    stack: list[Any] = [root]  # Values, and the _PARENTS_DONE marker
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            order.append(stack.pop())
            continue
        if node._visit is visited:
            continue  # pushed twice, by two children; expanded the first time
        node._visit = visited
        stack.append(node)
        stack.append(_PARENTS_DONE)
        made = node._stamp
        first = node._first
        parents: tuple[Value, ...]
        if first is not None:  # parents pushed last first, so the first is expanded first
            parents = (first,) if node._second is None else (node._second, first)
        elif node._many is not None:
            if node._d_many is _CHANGED and check_stale:
                raise _stale(node, None)
            parents = node._many[::-1]
        else:
            continue  # a leaf
        for parent in parents:
            if parent._stamp > made and check_stale:
                raise _stale(node, parent)
            if parent._visit is not visited:
                stack.append(parent)


_one_walk_at_a_time = threading.Lock()

# The clock of ``.data`` changes (see Value.data): every node is stamped with the time it
# was made, every change of a number with a later time.
_now = 0
_clock = threading.Lock()
_CHANGED = object()  # the slopes of a node whose own number was set (see Value.data)


class StaleGraphError(RuntimeError):
    """A value was changed (``.data`` set) after nodes were computed from it."""


def _stale(node: Value, parent: Value | None) -> StaleGraphError:
    if parent is None:
        what = f"{node!r} had its .data set after it was computed"
    else:
        what = f"{parent!r} had its .data set after {node!r} was computed from it"
    return StaleGraphError(
        f"{what}, so the graph's recorded slopes no longer fit its numbers; run the "
        "forward pass again after changing a value (PyTorch refuses this too)"
    )


_one_backward_at_a_time = threading.RLock()  # see Value.backward
_PARENTS_DONE = object()


def _backpropagate(
    order: list[Value],
    *,
    as_graphs: bool = False,
    after_node: Callable[[Value], None] | None = None,
) -> None:
    """The chain rule: the one backward walk, which backward(), grad() and the player
    of the backward pass all run. From the output back (``order`` reversed), each node
    adds d(node)/d(parent) * node.grad into each parent's ``.grad``, so that when a
    node's turn comes, every node that uses it has already added its part.

    ``as_graphs``: the local derivatives are rebuilt as Values from the table's rules,
    and so is every gradient: a graph that can be differentiated again (higher order).
    A node made micrograd's way runs its ``_backward`` closure at its turn.
    ``after_node(node)`` is called once a node has pushed its gradient (the player).

    Example:
        >>> x = Value(3.0); y = x * x; y.grad = 1.0
        >>> _backpropagate([x, y]); x.grad
        6.0
    """
    for node in reversed(order):
        first = node._first
        if as_graphs:
            if first is None and not node._many:
                continue  # a leaf
            _push_as_graphs(node)
        elif first is not None:  # one or two parents, in slots: the common case
            grad = node.grad
            first.grad += node._d_first * grad
            second = node._second
            if second is not None:
                second.grad += node._d_second * grad
        elif node._many:  # ops of three or more arguments, an off relu, a closure node
            grad = node.grad
            # Zipping a closure node's rule runs the closure (see _UserRule); an off relu
            # has a parent and no slope, so nothing is added (strict=False for both).
            for parent, local in zip(node._many, node._d_many, strict=False):
                parent.grad += local * grad
        else:
            continue  # a leaf
        if after_node is not None:
            after_node(node)


def _push_as_graphs(node: Value) -> None:
    # The same chain rule with Values: each product and sum is a node of a new graph,
    # recorded even inside no_grad() (create_graph asks for the graph, as in PyTorch).
    grad = node.grad
    token = _recording.set(True)
    try:
        for parent, local in zip(node.parents, symbolic_local_derivatives(node), strict=False):
            parent.grad = _accumulate(parent.grad, _chain(local, grad))
    finally:
        _recording.reset(token)


def symbolic_local_derivatives(node: Value) -> tuple[Any, ...]:
    """The local derivatives of ``node`` as Values (graphs), from the table's rule."""
    if node._prim is None:
        raise _needs_table_rule(node, "grad(create_graph=True)")
    if node._prim.masks_gradient:  # relu: its slope 1 where on, nothing passed back where off
        return (node._d_first,) if node._first is not None else node._d_many
    token = _building_derivatives.set(True)
    try:
        return node.primitive.derivative(node, *node.parents)  # type: ignore[union-attr]
    finally:
        _building_derivatives.reset(token)


# While a derivative is built as a graph, a node whose value overflows holds ±inf, as
# the same slope computed as a number does (primitives._power_or_infinity): a slope
# that overflows is infinite, not an error, on every path.
_building_derivatives: ContextVar[bool] = ContextVar("autograd_derivatives", default=False)


def _chain(local: Any, grad: Any) -> Any:
    """local * grad, skipping the multiplications by 1 and 0 that would clutter graphs
    (but not 0 times an infinite or NaN gradient, which is NaN on every other path)."""
    if type(local) is float:
        if local == 1.0:
            return grad
        if local == 0.0 and type(grad) is Value and math.isfinite(grad._data):
            return 0.0
    return local * grad


def _accumulate(total: Any, contribution: Any) -> Any:
    if type(total) is float and total == 0.0:
        return contribution
    if type(contribution) is float and contribution == 0.0:
        return total
    return total + contribution


def _check_seed(gradient: Any, where: str) -> Any:
    if isinstance(gradient, Value):
        return gradient
    if isinstance(gradient, bool) or not isinstance(gradient, numbers.Real):
        what = "the gradient" if where == "backward" else "each of grad_outputs"
        raise TypeError(
            f"{where}: {what} must be a number or a Value, got "
            f"{type(gradient).__name__} ({gradient!r})"
        )
    return float(gradient)


# --- gradients as return values ------------------------------------------------------


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Any = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """d(outputs)/d(input) for each input, returned; no ``.grad`` is changed.

    Like ``torch.autograd.grad``. With several outputs, their gradients are summed,
    each weighted by its entry in ``grad_outputs`` (default 1.0). With
    ``create_graph=True`` the results are Values built from the table's derivative
    rules, so they can be differentiated again (second and higher derivatives).
    An input the outputs do not depend on raises ValueError, or gets 0.0 with
    ``allow_unused=True``. It runs backward()'s walk in the nodes' ``.grad`` fields,
    borrowed and given back (see ``gradients_by_backward_walk``).

    Example:
        >>> x = Value(3.0)
        >>> (dy,) = grad(x ** 3, x, create_graph=True)      # 3x^2
        >>> (d2y,) = grad(dy, x)                            # 6x
        >>> dy.data, d2y, x.grad
        (27.0, 18.0, 0.0)
    """
    outputs = _as_values(outputs, "outputs")
    inputs = _as_values(inputs, "inputs")
    seeds = _seeds(grad_outputs, len(outputs), create_graph)
    gradients = gradients_by_backward_walk(
        topological_order(*outputs),
        list(zip(outputs, seeds, strict=True)),
        as_graphs=create_graph,
        caller="grad(create_graph=True)" if create_graph else "grad",
    )
    results = tuple(_gradient_of(x, i, gradients, allow_unused) for i, x in enumerate(inputs))
    if create_graph:  # always Values, as promised: a constant gradient is a constant leaf
        results = tuple(g if isinstance(g, Value) else _leaf(float(g)) for g in results)
    return results


def gradients_by_backward_walk(
    order: list[Value],
    seeds: list[tuple[Value, Any]],
    *,
    as_graphs: bool = False,
    caller: str = "grad",
    after_node: Callable[[Value], None] | None = None,
) -> dict[Value, Any]:
    """Every node's gradient, from the one backward walk, with no ``.grad`` changed.

    The walk works in the nodes' ``.grad`` fields (one walk for backward() and
    grad(), and the fastest place to add into): here it borrows them. Each node of
    ``order`` starts at 0 plus its seeds, the walk runs, the gradients are read, and
    every ``.grad`` is given back its number, also when the walk fails. Another
    thread should not read the ``.grad`` of these nodes meanwhile (backward passes
    wait: one walk runs at a time). A node made micrograd's way is refused, naming
    ``caller``: its closure would write gradients the walk could not give back.

    Example:
        >>> x = Value(3.0); y = x * x
        >>> gradients_by_backward_walk(topological_order(y), [(y, 1.0)])[x], x.grad
        (6.0, 0.0)
    """
    _refuse_closures(order, caller)
    with _one_backward_at_a_time:
        borrowed = [node.grad for node in order]
        try:
            for node in order:
                node.grad = 0.0
            for node, seed in seeds:
                node.grad = _accumulate(node.grad, seed)
            _backpropagate(order, as_graphs=as_graphs, after_node=after_node)
            return {node: node.grad for node in order}
        finally:
            for node, gradient in zip(order, borrowed, strict=True):
                node.grad = gradient


def _refuse_closures(order: list[Value], caller: str) -> None:
    """A node made micrograd's way has a closure, not the table rule ``caller`` needs."""
    for node in order:
        if type(node._d_many) is _UserRule and node._many:
            raise _needs_table_rule(node, caller)


def _as_values(values: Any, what: str) -> tuple[Value, ...]:
    values = (values,) if isinstance(values, Value) else tuple(values)
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"grad: {what}[{i}] must be a Value, got {type(v).__name__} ({v!r})")
    if not values:
        raise ValueError(f"grad: {what} is empty")
    return values


def _seeds(
    grad_outputs: Any, count: int, create_graph: bool, where: str = "grad"
) -> tuple[Any, ...]:
    if grad_outputs is None:
        return (1.0,) * count
    seeds = (grad_outputs,) if not isinstance(grad_outputs, (list, tuple)) else grad_outputs
    if len(seeds) != count:
        raise ValueError(f"grad: {len(seeds)} grad_outputs for {count} outputs")
    seeds = tuple(_check_seed(s, where) for s in seeds)
    return seeds if create_graph else tuple(getattr(s, "data", s) for s in seeds)


def _gradient_of(x: Value, index: int, gradients: dict, allow_unused: bool) -> Any:
    if x in gradients:
        return gradients[x]
    if allow_unused:
        return 0.0
    raise ValueError(
        f"grad: inputs[{index}] ({x!r}) is not used to compute the outputs; "
        "pass allow_unused=True to get 0.0 for it"
    )


# --- tracing for compile ---------------------------------------------------------------


class TraceError(RuntimeError):
    """``autograd.compile`` cannot record this function faithfully."""


_tracing: ContextVar[bool] = ContextVar("autograd_tracing", default=False)


@contextmanager
def tracing() -> Iterator[None]:
    """While active, comparing Values raises TraceError (used by ``compile``)."""
    token = _tracing.set(True)
    try:
        yield
    finally:
        _tracing.reset(token)


# --- switching recording off ------------------------------------------------------------


class _GradMode:
    """Sets whether ops record, for a ``with`` block or a decorated function."""

    enabled: bool

    def __init__(self) -> None:
        self._tokens: list[Any] = []

    def __enter__(self) -> _GradMode:
        self._tokens.append(_recording.set(self.enabled))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _recording.reset(self._tokens.pop())

    def __call__(self, function: Any) -> Any:
        @functools.wraps(function)
        def in_this_mode(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return function(*args, **kwargs)

        return in_this_mode


class no_grad(_GradMode):
    """Context manager (and decorator) under which ops record no graph.

    Results are plain leaves: cheaper, and nothing to backpropagate through. Each
    thread and asyncio task has its own setting.

    Example:
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.is_leaf
        True
    """

    enabled = False


class enable_grad(_GradMode):
    """Context manager (and decorator) that turns recording back on, e.g. inside a
    ``no_grad()`` block.

    Example:
        >>> with no_grad():
        ...     with enable_grad():
        ...         y = Value(2.0) * 3
        >>> y.is_leaf
        False
    """

    enabled = True


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``."""
    return _is_recording()
