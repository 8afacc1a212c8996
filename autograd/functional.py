"""Function transforms: derivatives of Python functions of scalar arguments.

Two families, thin wrappers over :func:`autograd.grad`:

* PyTorch's ``torch.autograd.functional`` names: ``jacobian``, ``hessian``, ``vjp``,
  ``jvp`` and ``hvp``, called with the function and the point.
* HIPS autograd's and JAX's transforms: ``grad(f)`` and ``value_and_grad(f)`` return new
  functions, which can be transformed again: ``grad(grad(f))`` is the second derivative.

Pass plain numbers and get plain numbers back. Pass Values and get Values back, with
graphs attached, so the result can be differentiated again (that is how nesting works).

Example:
    >>> f = lambda x, y: x * x * y + y.sin()
    >>> grad(f)(2.0, 0.5)                 # df/dx = 2xy
    2.0
    >>> grad(grad(f))(2.0, 0.5)           # d2f/dx2 = 2y
    1.0
    >>> hessian(f, (2.0, 0.5))[0]         # (d2f/dx2, d2f/dxdy) = (2y, 2x)
    (1.0, 4.0)
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, enable_grad, sum_values
from .engine import grad as _grad

__all__ = ["grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad", "vjp"]


# --- points: numbers in, numbers out; Values in, Values out ------------------------------


def _as_point(inputs: Any, where: str) -> tuple[tuple[Value, ...], bool, bool]:
    """Turn ``inputs`` into Values. Returns (values, was a single input, keep graphs)."""
    single = isinstance(inputs, (Value, numbers.Real))
    items = (inputs,) if single else tuple(inputs)
    if not items:
        raise ValueError(f"{where}: no inputs")
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, (Value, numbers.Real)):
            raise TypeError(
                f"{where}: input {i} must be a number or a Value, "
                f"got {type(item).__name__} ({item!r})"
            )
    keep_graphs = any(isinstance(item, Value) for item in items)
    values = tuple(item if isinstance(item, Value) else Value(float(item)) for item in items)
    return values, single, keep_graphs


def _outputs_of(
    f: Callable[..., Any], values: Sequence[Value], where: str
) -> tuple[tuple[Value, ...], bool]:
    with enable_grad():  # a transform differentiates f: record it, even under no_grad()
        out = f(*values)
    if isinstance(out, numbers.Real) and not isinstance(out, bool):
        out = Value(float(out))  # a constant (e.g. the derivative of x + 1): zero gradients
    single = isinstance(out, Value)
    outputs = (out,) if single else tuple(out) if isinstance(out, (list, tuple)) else None
    if not outputs or not all(isinstance(o, Value) for o in outputs):
        raise TypeError(
            f"{where}: the function must return a Value or a sequence of Values, "
            f"got {type(out).__name__} ({out!r})"
        )
    return outputs, single


def _plain(x: Any, keep_graphs: bool) -> Any:
    if keep_graphs:
        return x
    return x.data if isinstance(x, Value) else float(x)


def _shape(rows: list[tuple[Any, ...]], single_output: bool, single_input: bool) -> Any:
    rows = [row[0] if single_input else row for row in rows]
    return rows[0] if single_output else tuple(rows)


# --- PyTorch-style functionals ------------------------------------------------------------


def jacobian(f: Callable[..., Any], inputs: Any, create_graph: bool = False) -> Any:
    """d f_i / d x_j at ``inputs``: one backward pass per output.

    Scalar in and out gives a number; otherwise tuples, outputs outer, inputs inner.

    Example:
        >>> jacobian(lambda x, y: (x * y, x + y), (2.0, 3.0))
        ((3.0, 2.0), (1.0, 1.0))
    """
    values, single_input, keep = _as_point(inputs, "jacobian")
    keep = keep or create_graph
    outputs, single_output = _outputs_of(f, values, "jacobian")
    rows = []
    for out in outputs:
        row = _grad(out, values, create_graph=keep, allow_unused=True)
        rows.append(tuple(_plain(g, keep) for g in row))
    return _shape(rows, single_output, single_input)


def hessian(f: Callable[..., Value], inputs: Any, create_graph: bool = False) -> Any:
    """Second derivatives d2 f / d x_i d x_j of a scalar function, as a tuple of rows.

    Example:
        >>> hessian(lambda x: x ** 3, 2.0)    # 6x
        12.0
    """
    values, single_input, keep = _as_point(inputs, "hessian")
    out = _scalar_output(f, values, "hessian")
    first = _grad(out, values, create_graph=True, allow_unused=True)
    rows = []
    for derivative in first:
        if isinstance(derivative, Value):
            row = _grad(derivative, values, create_graph=keep or create_graph, allow_unused=True)
        else:  # a constant first derivative: its own derivatives are all zero
            row = (0.0,) * len(values)
        rows.append(tuple(_plain(h, keep or create_graph) for h in row))
    return rows[0][0] if single_input else tuple(rows)


def vjp(f: Callable[..., Any], inputs: Any, v: Any = None) -> tuple[Any, Any]:
    """``(f(inputs), v^T J)``: the outputs weighted by ``v`` (default 1), differentiated.

    Example:
        >>> vjp(lambda x, y: (x * y, x + y), (2.0, 3.0), (1.0, 10.0))
        ((6.0, 5.0), (13.0, 12.0))
    """
    values, single_input, keep = _as_point(inputs, "vjp")
    outputs, single_output = _outputs_of(f, values, "vjp")
    weights = _vector(v, len(outputs), "vjp", "outputs")
    product = _grad(
        outputs, values, grad_outputs=list(weights), create_graph=keep, allow_unused=True
    )
    result = tuple(_plain(g, keep) for g in product)
    value = outputs[0] if single_output else outputs
    value = _plain(value, keep) if single_output else tuple(_plain(o, keep) for o in outputs)
    return value, (result[0] if single_input else result)


def jvp(f: Callable[..., Any], inputs: Any, v: Any = None) -> tuple[Any, Any]:
    """``(f(inputs), J v)``: the directional derivative along ``v`` (default 1).

    Computed from the Jacobian's rows (reverse mode, one pass per output).

    Example:
        >>> jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))   # d/dx of xy = y
        (6.0, 3.0)
    """
    values, _, keep = _as_point(inputs, "jvp")
    direction = _vector(v, len(values), "jvp", "inputs")
    outputs, single_output = _outputs_of(f, values, "jvp")
    products = []
    for out in outputs:
        row = _grad(out, values, create_graph=keep, allow_unused=True)
        products.append(_plain(_dot(row, direction), keep))
    value = _plain(outputs[0], keep) if single_output else tuple(_plain(o, keep) for o in outputs)
    return value, (products[0] if single_output else tuple(products))


def hvp(f: Callable[..., Value], inputs: Any, v: Any) -> tuple[Any, Any]:
    """``(f(inputs), H v)``: a Hessian-vector product by differentiating ``grad . v``,
    without forming the Hessian.

    Example:
        >>> hvp(lambda x, y: x * x * y, (1.0, 2.0), (1.0, 0.0))   # H = [[2y, 2x], [2x, 0]]
        (2.0, (4.0, 2.0))
    """
    values, single_input, keep = _as_point(inputs, "hvp")
    direction = _vector(v, len(values), "hvp", "inputs")
    out = _scalar_output(f, values, "hvp")
    first = _grad(out, values, create_graph=True, allow_unused=True)
    directional = _dot(first, direction)
    if isinstance(directional, Value):
        product = _grad(directional, values, create_graph=keep, allow_unused=True)
    else:
        product = (0.0,) * len(values)
    result = tuple(_plain(p, keep) for p in product)
    return _plain(out, keep), (result[0] if single_input else result)


def _scalar_output(f: Callable[..., Any], values: Sequence[Value], where: str) -> Value:
    outputs, single = _outputs_of(f, values, where)
    if not single:
        raise TypeError(
            f"{where}: the function must return one Value (a scalar), got {len(outputs)}"
        )
    return outputs[0]


def _vector(v: Any, size: int, where: str, what: str) -> tuple[Any, ...]:
    if v is None:
        return (1.0,) * size
    items = (v,) if isinstance(v, (Value, numbers.Real)) else tuple(v)
    if len(items) != size:
        raise ValueError(f"{where}: v has {len(items)} entries for {size} {what}")
    return items


def _dot(xs: Sequence[Any], ys: Sequence[Any]) -> Any:
    terms = [x * y for x, y in zip(xs, ys, strict=True)]
    if any(isinstance(t, Value) for t in terms):
        return sum_values(terms)
    return math.fsum(terms)


# --- HIPS autograd / JAX-style transforms ---------------------------------------------------


def value_and_grad(f: Callable[..., Value], argnum: int | Sequence[int] = 0) -> Callable[..., Any]:
    """A function returning ``(f(*args), df/d args[argnum])``.

    ``argnum`` may be a tuple of positions; the gradient is then a tuple.

    Example:
        >>> value_and_grad(lambda x, y: x * y, argnum=(0, 1))(3.0, 4.0)
        (12.0, (4.0, 3.0))
    """
    positions = (argnum,) if isinstance(argnum, int) else tuple(argnum)
    single = isinstance(argnum, int)

    @functools.wraps(f)
    def value_and_gradient(*args: Any) -> tuple[Any, Any]:
        for p in positions:
            if not -len(args) <= p < len(args):
                raise IndexError(
                    f"value_and_grad: argnum {p} but the call has {len(args)} arguments"
                )
        values, _, keep = _as_point(args, f"value_and_grad of {_name(f)}")
        out = _scalar_output(f, values, f"value_and_grad of {_name(f)}")
        chosen = [values[p] for p in positions]
        gradients = _grad(out, chosen, create_graph=keep, allow_unused=True)
        gradients = tuple(_plain(g, keep) for g in gradients)
        return _plain(out, keep), (gradients[0] if single else gradients)

    return value_and_gradient


def grad(f: Callable[..., Value], argnum: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The gradient of ``f`` as a new function (HIPS autograd's / JAX's ``grad``).

    Example:
        >>> import math
        >>> df = grad(lambda x: x.tanh())
        >>> round(df(0.5), 6) == round(1 - math.tanh(0.5) ** 2, 6)
        True
        >>> grad(grad(grad(lambda x: x ** 4)))(1.0)     # 24x
        24.0
    """
    with_value = value_and_grad(f, argnum)

    @functools.wraps(f)
    def gradient(*args: Any) -> Any:
        return with_value(*args)[1]

    return gradient


def _name(f: Callable[..., Any]) -> str:
    return getattr(f, "__name__", type(f).__name__)
