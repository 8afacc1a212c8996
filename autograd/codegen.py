"""Writing a primitive's rules as source code, by running them on symbols.

The compiler can call a primitive's forward and derivative functions for every op,
but a call costs far more than the arithmetic inside. So it first runs each rule once
on :class:`Expr` symbols instead of numbers: ``MUL.derivative(out, x, y)`` returns
``(y, x)``, ``TANH.derivative(out, x)`` returns ``1.0 - out * out`` as the text
``K0 - s5 * s5``. The rule itself writes its code, so no op is written twice.

Numbers met on the way (like that ``1.0``, or the exponent of ``x ** 3``) become named
constants passed to the program as values, never as text. A rule that needs a real
number to decide either writes a call to a helper that decides at run time (relu's
slope, ``H0(s3)``), or raises :class:`~autograd.primitives.NeedsNumbers` (a symbol
raises it when compared, converted to a float or asked for ``.data``, as a domain
check does); the compiler then calls the rule's function at run time instead. Any
other error is a real one and propagates.

Example:
    >>> from autograd.primitives import TANH
    >>> names = Names()
    >>> out, x = Expr("s1", names), Expr("s0", names)
    >>> TANH.derivative(out, x)[0].text
    'K0 - s1 * s1'
    >>> names.namespace["K0"]
    1.0
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from . import primitives as P
from .primitives import NeedsNumbers

ATOM, POWER, UNARY, PRODUCT, SUM = 100, 14, 13, 12, 11  # Python's operator precedences


class Names:
    """The names a generated program uses for functions and constants, with their
    values: the namespace the program runs in."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self._known: dict[Any, str] = {}
        self._counts: dict[str, int] = {}

    def function(self, function: Callable[..., Any], prefix: str = "F") -> str:
        return self._name(("function", id(function)), prefix, function)

    def number(self, value: Any) -> str:
        # float.hex tells 0.0 from -0.0; the key is never written into the code.
        return self._name(("number", type(value), float(value).hex()), "K", value)

    def constant(self, value: Any, prefix: str) -> str:
        """A new name for ``value`` (an index array, a table function): never shared."""
        return self._name(("constant", len(self.namespace)), prefix, value)

    def _name(self, key: Any, prefix: str, value: Any) -> str:
        if key not in self._known:
            count = self._counts.get(prefix, 0)
            self._counts[prefix] = count + 1
            name = f"{prefix}{count}"
            self._known[key] = name
            self.namespace[name] = value
        return self._known[key]


class Expr:
    """A symbolic value: the source text that computes it, and its precedence."""

    __slots__ = ("names", "precedence", "text")
    # The table's helpers treat anything with ``_prim`` like a Value and call its
    # methods (exp, sin, ...), which here write a call to the helper itself.
    _prim = None

    def __init__(self, text: str, names: Names, precedence: int = ATOM) -> None:
        self.text, self.names, self.precedence = text, names, precedence

    # --- arithmetic writes itself -------------------------------------------------------

    def __add__(self, other: Any) -> Expr:
        return self._binary("+", SUM, self, other)

    def __radd__(self, other: Any) -> Expr:
        return self._binary("+", SUM, other, self)

    def __sub__(self, other: Any) -> Expr:
        return self._binary("-", SUM, self, other)

    def __rsub__(self, other: Any) -> Expr:
        return self._binary("-", SUM, other, self)

    def __mul__(self, other: Any) -> Expr:
        return self._binary("*", PRODUCT, self, other)

    def __rmul__(self, other: Any) -> Expr:
        return self._binary("*", PRODUCT, other, self)

    def __truediv__(self, other: Any) -> Expr:
        return self._binary("/", PRODUCT, self, other)

    def __rtruediv__(self, other: Any) -> Expr:
        return self._binary("/", PRODUCT, other, self)

    def __pow__(self, other: Any) -> Expr:
        return self._binary("**", POWER, self, other)

    def __rpow__(self, other: Any) -> Expr:
        return self._binary("**", POWER, other, self)

    def __pos__(self) -> Expr:
        return self

    def __neg__(self) -> Expr:
        return Expr("-" + self._wrap(self, self.precedence < UNARY), self.names, UNARY)

    def __abs__(self) -> Expr:
        return self._call(abs)

    # --- what a symbol cannot answer: the number it will hold -------------------------
    # A rule that branches on a value or converts it (``x <= 0``, ``float(x)``,
    # ``math.log(x)``, ``number(x)``) meets one of these and raises NeedsNumbers.

    def _needs_numbers(self, *_: Any) -> Any:
        raise NeedsNumbers(f"the rule needs the number of {self.text}")

    __bool__ = __float__ = __int__ = __index__ = __complex__ = _needs_numbers
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _needs_numbers
    __hash__ = object.__hash__

    @property
    def data(self) -> float:
        return self._needs_numbers()

    # --- the helpers' methods: a call to the helper, which dispatches at run time ------

    def exp(self) -> Expr:
        return self._call(P.exp)

    def log(self) -> Expr:
        return self._call(P.log)

    def sqrt(self) -> Expr:
        return self._call(P.sqrt)

    def sin(self) -> Expr:
        return self._call(P.sin)

    def cos(self) -> Expr:
        return self._call(P.cos)

    def tanh(self) -> Expr:
        return self._call(P.tanh)

    def sigmoid(self) -> Expr:
        return self._call(P.sigmoid)

    def softplus(self) -> Expr:
        return self._call(P.softplus)

    def relu(self) -> Expr:
        return self._call(P.relu)

    def at_run_time(self, helper: Callable[..., Any], *more: Any) -> Expr:
        """A call ``helper(self, *more)``, for helpers that must see the number to
        decide (relu's slope is 1 or 0 depending on the sign; a power that overflows is
        ±inf)."""
        if not more:
            return self._call(helper)
        arguments = ", ".join([self.text, *(self._operand(m).text for m in more)])
        return Expr(f"{self.names.function(helper, 'H')}({arguments})", self.names)

    # --- writing ------------------------------------------------------------------------

    def _call(self, function: Callable[[Any], Any]) -> Expr:
        return Expr(f"{self.names.function(function, 'H')}({self.text})", self.names)

    def _binary(self, symbol: str, precedence: int, left: Any, right: Any) -> Expr:
        left, right = self._operand(left), self._operand(right)
        # Parentheses keep the rule's exact order of evaluation (floating-point
        # arithmetic is not associative): the right operand of a left-associative
        # operator, and any operand of **, is wrapped unless it is an atom.
        if symbol == "**":
            left_text = self._wrap(left, left.precedence < ATOM)
            right_text = self._wrap(right, right.precedence < ATOM)
        else:
            left_text = self._wrap(left, left.precedence < precedence)
            right_text = self._wrap(right, right.precedence <= precedence)
        return Expr(f"{left_text} {symbol} {right_text}", self.names, precedence)

    def _operand(self, x: Any) -> Expr:
        if isinstance(x, Expr):
            return x
        if isinstance(x, numbers.Real):
            return Expr(self.names.number(x), self.names)
        raise TypeError(f"cannot write {type(x).__name__} as code")

    @staticmethod
    def _wrap(x: Expr, needed: bool) -> str:
        return f"({x.text})" if needed else x.text


def written(rule: Callable[..., Any], *args: Expr) -> Any:
    """What ``rule(*args)`` writes: an Expr, a tuple of Exprs, or None when the rule
    cannot be written as code (it raised NeedsNumbers: it needs the numbers to decide).
    Any other error propagates: a rule that breaks on symbols by accident is a bug to
    see, not a silently slower program."""
    names = args[0].names
    try:
        result = rule(*args)
    except NeedsNumbers:
        return None
    if isinstance(result, tuple):
        items = [r if isinstance(r, Expr) else _number(r, names) for r in result]
        return None if any(item is None for item in items) else tuple(items)
    return result if isinstance(result, Expr) else None


def _number(x: Any, names: Names) -> Expr | None:
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Expr(names.number(x), names)
    return None


def operand_text(slope: Expr) -> str:
    """The text of a local derivative about to be multiplied by an upstream gradient:
    wrapped in parentheses unless that keeps the order of operations."""
    return slope.text if slope.precedence > PRODUCT else f"({slope.text})"


def slots_needing_gradients(steps: Any, wrt: Any) -> set[int]:
    """Slots on a path from an input in ``wrt``: only they need gradients. ``steps``
    are the traced program's steps (``arguments`` and ``out`` slots), in order."""
    needed = set(wrt)
    for step in steps:
        if any(a in needed for a in step.arguments):
            needed.add(step.out)
    return needed
