"""Your own op, the table way: ``define_primitive`` declares it once, like the built-in
ones (the spirit of HIPS autograd's ``primitive`` + ``defvjp`` and JAX's custom rules).

The op gets one entry in ``PRIMITIVES`` and a method on ``Value``; from then on
``backward()``, ``grad()`` (with ``create_graph=True`` too), ``compile`` and its batch
replay, the drawings and player, ``gradcheck`` and the hypothesis strategies all read
it from the table, like ``tanh``.

Example:
    >>> from autograd import Value
    >>> op = define_primitive("softsign", lambda x: x / (1 + abs(x)),
    ...                       lambda out, x: (1 / (1 + abs(x)) ** 2,),
    ...                       slope_text=("1/(1 + |{x}|)^2",))
    >>> y = Value(1.0).softsign(); y.data
    0.5
    >>> undefine_primitive("softsign")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .engine import Value, apply
from .primitives import PRIMITIVES, Interval, Primitive

__all__ = ["define_primitive", "undefine_primitive"]

_DEFINED: dict[str, Primitive] = {}  # ours, so that only these can be undefined


def define_primitive(
    name: str,
    forward: Callable[..., Any],
    derivative: Callable[..., tuple],
    *,
    arity: int = 1,
    symbol: str | None = None,
    domain: tuple[Interval, ...] | None = None,
    requires: str = "the inputs its forward accepts",
    slope_text: tuple[str, ...] | None = None,
) -> Primitive:
    """Declare an op: ``forward(*xs)`` its value from floats, ``derivative(out, *xs)`` a
    tuple of d out / d x_i, ``domain`` where tests sample each argument from (default
    -10..10), ``requires`` the domain in words for error messages, ``slope_text`` the
    rule as a person writes it (``{x}``, ``{y}``, ``{out}``), shown by the player.

    Write the derivative with ``+ - * / **`` and the helpers of ``autograd.primitives``
    (``exp``, ``log``, ``sin``, ``cos``, ``tanh``, ``sqrt``, ``sigmoid``, ``abs``), not
    ``math``'s: the same rule then gives numbers, builds graphs for higher derivatives
    and runs on NumPy arrays for the batch replay. It is checked here. A forward written
    with ``math`` works: on arrays it is applied element by element.
    """
    _check_name(name)
    if arity not in (1, 2):
        raise ValueError(f"define_primitive: arity must be 1 or 2, got {arity!r}")
    domain = domain if domain is not None else (Interval(),) * arity
    if len(domain) != arity or not all(isinstance(d, Interval) for d in domain):
        raise ValueError(f"define_primitive: domain must be {arity} Interval(s)")
    slope_text = slope_text if slope_text is not None else (f"d{name}/dx",) * arity
    if len(slope_text) != arity:
        raise ValueError(
            f"define_primitive: slope_text needs {arity} rule(s), one per "
            f"argument, got {len(slope_text)}"
        )
    primitive = Primitive(
        name,
        symbol or name,
        arity,
        _elementwise_on_arrays(forward),
        derivative,
        domain,
        requires,
        slope_text,
    )
    _check_rule(primitive)
    PRIMITIVES[name] = _DEFINED[name] = primitive
    setattr(Value, name, _method(primitive))
    return primitive


def undefine_primitive(name: str) -> None:
    """Remove an op that ``define_primitive`` declared (built-in ops stay)."""
    if name not in _DEFINED:
        raise KeyError(f"undefine_primitive: {name!r} was not defined with define_primitive")
    del PRIMITIVES[name], _DEFINED[name]
    delattr(Value, name)


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise ValueError(
            f"define_primitive: the name must be a Python identifier not "
            f"starting with _, got {name!r}"
        )
    if name in PRIMITIVES or hasattr(Value, name):
        raise ValueError(
            f"define_primitive: {name!r} is taken (an op or a Value "
            "attribute already has that name)"
        )


def _method(primitive: Primitive) -> Callable[..., Value]:
    def method(self: Value, *others: Any) -> Value:
        return apply(primitive, self, *others)

    method.__name__ = primitive.name
    method.__doc__ = f"{primitive.name}, declared with define_primitive."
    return method


def _elementwise_on_arrays(forward: Callable[..., Any]) -> Callable[..., Any]:
    """The forward as given for numbers; on NumPy arrays, tried whole and else applied
    element by element, so a forward written with ``math`` still runs in a batch."""

    def run(*xs: Any) -> Any:
        if not any(hasattr(x, "shape") for x in xs):
            return forward(*xs)
        try:
            return forward(*xs)
        except TypeError:  # math.* on an array
            import numpy

            return numpy.vectorize(forward, otypes=[float])(*xs)

    run.__name__ = getattr(forward, "__name__", "forward")
    return run


def _check_rule(primitive: Primitive) -> None:
    """Run the op once at a point of its domain on numbers and on Values: the derivative
    must give one number per argument, and build graphs (for higher derivatives)."""
    point = [0.5 * (d.low + d.high) + 0.123 for d in primitive.domain]
    where = f"define_primitive({primitive.name!r})"
    try:
        out = primitive.forward(*point)
        slopes = primitive.derivative(out, *point)
    except Exception as error:
        raise ValueError(f"{where}: forward or derivative fails at {point}: {error}") from error
    if not isinstance(slopes, tuple) or len(slopes) != primitive.arity:
        raise ValueError(
            f"{where}: the derivative must return a tuple of {primitive.arity} "
            f"slope(s), got {slopes!r}"
        )
    values = [Value(x) for x in point]
    try:
        primitive.derivative(Value(out), *values)
    except TypeError as error:
        raise ValueError(
            f"{where}: the derivative does not work on Values ({error}); write it with "
            "+ - * / ** and autograd.primitives' exp, log, sin, cos, tanh, sqrt, "
            "sigmoid (not math's), so grad(create_graph=True) can differentiate it"
        ) from error
