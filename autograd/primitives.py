"""The table of primitive operations: every op is declared here, once.

Each :class:`Primitive` says four things about an op:

* ``forward(*xs)`` computes its value from plain floats;
* ``derivative(out, *xs)`` returns the local derivative d out / d x_i for each
  argument, as a tuple. It is written with plain arithmetic and the dispatching
  helpers below (``exp``, ``log``, ``sin`` ...), so the same rule runs on floats
  (the fast first-order path) and on ``Value`` nodes (building the derivative as a
  graph, which is what second and higher derivatives need);
* ``domain``: the interval of each argument the tests sample from, and the points
  where the op is not smooth, so property tests can keep away from them;
* ``requires``: the mathematical domain in words, used in error messages;
* ``slope_text``: the derivative rule as a person writes it, one formula per argument
  (``"1 - {out}^2"`` for tanh), which the backward-pass player fills in with names and
  numbers: ``do/dn = 1 - o^2 = 1 - 0.7071^2 = 0.5``.

Everything else reads this table: ``Value``'s operators and methods, backward,
``grad(..., create_graph=True)``, the property tests and the drawing labels. Adding an
op means adding one entry here (and, if it should be a method, one line in ``Value``);
from outside the package, ``autograd.define_primitive`` does both (autograd/custom.py).

Example:
    >>> MUL.forward(3.0, 4.0)
    12.0
    >>> MUL.derivative(12.0, 3.0, 4.0)   # (d/dx, d/dy) of x * y
    (4.0, 3.0)
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any

INF = math.inf


class NeedsNumbers(Exception):
    """Raised by a rule run on a compiler symbol (``codegen.Expr``) where it must see the
    number to decide (a domain check, a branch on the sign): the compiler then calls
    the rule's function at run time instead of writing it as code. Any other error of
    a rule run on symbols is a real error and propagates."""


@dataclass(frozen=True)
class Interval:
    """Where tests sample an argument from, and the points they keep away from."""

    low: float = -10.0
    high: float = 10.0
    # Points where the op is not differentiable or not defined (relu and abs at 0,
    # a divisor at 0). Finite-difference checks are meaningless next to them.
    avoid: tuple[float, ...] = ()


@dataclass(frozen=True, eq=False)
class Primitive:
    """One primitive op: its forward rule, its derivative rule and its domain."""

    name: str
    symbol: str
    arity: int | None  # None: takes any number of arguments (an n-ary op)
    forward: Callable[..., float]
    derivative: Callable[..., tuple[Any, ...]]
    domain: tuple[Interval, ...]  # one per argument; an n-ary op has one for all
    requires: str = "any real input"
    # The derivative rule in words: one formula per argument. ``{x}`` and ``{y}`` stand
    # for the first and second argument, ``{out}`` for the result, ``{k}`` for a bound
    # constant. An n-ary op gives one formula for all its arguments (``{x}``: the
    # argument itself); weighted_sum gives three (bias, weights, inputs), where
    # ``{partner}`` is the weight's input or the input's weight.
    slope_text: tuple[str, ...] = ()
    # Why a slope of 0 happens, when the op has a reason a learner should hear.
    zero_slope_note: str = ""
    constant: float | None = None  # set on ops bound to a number, like x ** 3
    # Ops with a number operand (x * 2, x ** 3): the numbers tests bind them to, how a
    # formula and a drawing's label write them ({x}: the argument, {k}: the number).
    constant_samples: tuple[float, ...] = ()
    formula_text: str = ""  # also {y}: the second argument, {joined}: all, joined by +
    label_text: str = "{symbol}{k}"
    # How the arguments are laid out: "fixed" (arity of them), "variadic" (any number,
    # each alike: sum, logsumexp) or "bias_weights_inputs" (b, w_1..w_n, x_1..x_n).
    layout: str = "fixed"
    # The slope is 1 or 0, and where it is 0 the op passes *no* gradient back, even an
    # infinite or NaN one (relu, like PyTorch's threshold backward). For every other op
    # a zero slope times an infinite upstream gradient is NaN, as IEEE arithmetic says.
    masks_gradient: bool = False

    def bind(self, constant: float) -> Primitive:
        """Return this op with its constant argument fixed (``x ** k`` for a number k)."""
        # Keyed by the number's exact bits: -0.0 == 0.0, but x + -0.0 and x + 0.0 differ
        # at x = -0.0, so the two must not share one bound op.
        return _bind_constant(self, float(constant).hex())

    def label(self) -> str:
        """The short text drawings show for this op (``**3`` for a bound power)."""
        if self.constant is None:
            return self.symbol
        return self.label_text.format(symbol=self.symbol, k=f"{self.constant:g}")

    def slope_template(self, position: int, count: int) -> str:
        """The rule text of d out / d argument ``position`` (of ``count`` arguments),
        with arguments as ``{0}``, ``{1}``, ... and the result as ``{out}``.

        Example:
            >>> MUL.slope_template(0, 2)      # d(x*y)/dx = y
            '{1}'
            >>> WEIGHTED_SUM.slope_template(1, 5)   # (b, w1, w2, x1, x2): d/dw1 = x1
            '{3}'
        """
        if self.arity is not None:
            text = self.slope_text[position]
            names = {"x": "{0}", "y": "{1}"}
        elif self.layout == "bias_weights_inputs":
            n = (count - 1) // 2
            kind = 0 if position == 0 else 1 if position <= n else 2
            text = self.slope_text[kind]
            partner = position + n if kind == 1 else position - n
            names = {"x": f"{{{position}}}", "partner": f"{{{partner}}}"}
        else:
            text = self.slope_text[0]
            names = {"x": f"{{{position}}}"}
        if self.constant is not None:
            names["k"] = f"{self.constant:g}"
            names["k_minus_1"] = f"{self.constant - 1:g}"
        names["out"] = "{out}"
        text = re.sub(r"\{(\w+)\}", lambda m: names[m.group(1)], text)
        return re.sub(r"\^1$", "", text)  # 2 * x^1 reads 2 * x

    def formula(self, arguments: list[str]) -> str:
        """The forward computation written out with the given argument texts.

        Example:
            >>> MUL.formula(["a", "b"]), TANH.formula(["n"]), POW_CONST.bind(2).formula(["x"])
            ('a * b', 'tanh(n)', 'x^2')
        """
        if self.layout == "bias_weights_inputs":
            n = (len(arguments) - 1) // 2
            terms = [
                f"{w}*{x}" for w, x in zip(arguments[1 : n + 1], arguments[n + 1 :], strict=True)
            ]
            return " + ".join([*terms, arguments[0]])
        if self.formula_text:  # x ** k, x * k, k / x, x^y, -x, a + b + c ...
            x = arguments[0]
            if self.formula_text.startswith("-{x}") and x[:1].isdigit():
                x = f"({x})"  # -(0), not -0, which reads as a negative zero
            k = "" if self.constant is None else f"{self.constant:g}"
            return self.formula_text.format(
                x=x, y=[*arguments, ""][1], k=k, joined=" + ".join(arguments)
            )
        if self.arity == 2:  # the infix operators + - * /
            return f"{arguments[0]} {self.symbol} {arguments[1]}"
        # Inside a call's own parentheses an argument needs none: tanh(-1), not tanh((-1)).
        bare = [a[1:-1] if a.startswith("(") and a.endswith(")") else a for a in arguments]
        return f"{self.symbol}({', '.join(bare)})"

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


@lru_cache(maxsize=1024)
def _bind_constant(op: Primitive, bits: str) -> Primitive:
    # Cached so that a million ``x ** 2`` nodes share one bound op object.
    constant = float.fromhex(bits)
    return replace(
        op,
        forward=partial(op.forward, k=constant),
        derivative=partial(op.derivative, k=constant),
        constant=constant,
    )


# --- helpers that work on numbers, Values and arrays alike ----------------------------
# Rules call these instead of ``math``. On a number they compute a number (the fast
# first-order path); on a Value they call its method, recording a node of the
# derivative graph (higher order); on a NumPy array they apply NumPy's function to the
# whole batch (the compiled batch replay). One rule, three uses.


def _is_number(x: Any) -> bool:
    return isinstance(x, (float, int))


def _is_value(x: Any) -> bool:
    return hasattr(x, "_prim")  # a Value (checked by shape, to avoid a circular import)


def _is_symbol(x: Any) -> bool:
    return hasattr(x, "at_run_time")  # a compiler symbol (codegen.Expr)


def _numpy() -> Any:
    import numpy  # only the batch replay puts arrays in; the engine never needs NumPy

    return numpy


def _elementwise(name: str, scalar: Callable[[float], float]) -> Callable[[Any], Any]:
    def helper(x: Any) -> Any:
        if type(x) is float or _is_number(x):
            return scalar(x)
        if _is_value(x):
            return getattr(x, name)()
        return getattr(_numpy(), name)(x)

    helper.__name__ = name
    return helper


exp = _elementwise("exp", math.exp)
log = _elementwise("log", math.log)
sqrt = _elementwise("sqrt", math.sqrt)
sin = _elementwise("sin", math.sin)
cos = _elementwise("cos", math.cos)
tanh = _elementwise("tanh", math.tanh)


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x), never exponentiating a large positive number."""
    if _is_number(x):
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)
    if _is_value(x):
        return x.sigmoid()
    np = _numpy()
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x: Any) -> Any:
    """log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for any x."""
    if _is_number(x):
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    if _is_value(x):
        return x.softplus()
    np = _numpy()
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def relu(x: Any) -> Any:
    if type(x) is float or _is_number(x):
        return 0.0 if x <= 0 else x  # NaN passes through (np.maximum agrees)
    if _is_value(x):
        return x.relu()
    return _numpy().maximum(x, 0.0)


def number(x: Any) -> Any:
    """The plain number (or array) inside ``x``: for branching on a value in a rule."""
    return x.data if _is_value(x) else x


def step(x: Any) -> Any:
    """0.0 where x <= 0, else 1.0: relu's slope (0 at 0, and 1 at NaN, as in PyTorch,
    whose relu passes the gradient wherever its input is not <= 0)."""
    if type(x) is float:  # the common case first: this runs once per relu per example
        return 0.0 if x <= 0 else 1.0
    if _is_symbol(x):  # decide when the number is known
        return x.at_run_time(step)
    x = number(x)
    if _is_number(x):
        return 0.0 if x <= 0 else 1.0
    return (~(x <= 0)) * 1.0


def sign(x: Any) -> Any:
    """-1.0, 0.0 or 1.0: abs's slope (0 at 0 and at NaN, as in PyTorch)."""
    if _is_symbol(x):  # decide when the number is known
        return x.at_run_time(sign)
    x = number(x)
    if _is_number(x):
        return 1.0 if x > 0 else -1.0 if x < 0 else 0.0  # 0 at NaN too, as torch.sign
    np = _numpy()
    return np.where(np.isnan(x), 0.0, np.sign(x))  # np.sign(nan) is nan: not here


def masked(slope: Any, upstream: Any) -> Any:
    """The chain rule's product for an op that ``masks_gradient`` (relu): the upstream
    gradient where the slope is 1, exactly 0 where it is 0, even for an infinite or NaN
    upstream gradient (where ``slope * upstream`` would be NaN)."""
    if _is_array(slope) or _is_array(upstream):
        return _numpy().where(slope != 0, upstream, 0.0)
    return upstream if slope else 0.0


def contribution(primitive: Primitive, slope: Any, upstream: Any) -> Any:
    """What one edge adds to its parent's gradient: ``slope * upstream``, the chain
    rule, or :func:`masked` for an op that masks the gradient."""
    if primitive.masks_gradient:
        return masked(slope, upstream)
    return slope * upstream


def _any(condition: Any) -> bool:
    # A condition on a number is a bool; on an array, true if true anywhere.
    return (
        bool(condition)
        if _is_number(condition) or isinstance(condition, bool)
        else bool(condition.any())
    )


# --- rules that need more than one line -------------------------------------------------


def _is_array(x: Any) -> bool:
    return hasattr(x, "shape")


def _total(*xs: Any) -> Any:
    if all(map(_is_number, xs)):
        return _exact_sum(xs)
    if any(map(_is_array, xs)):  # a batch: the same exactly rounded sum, per example
        np = _numpy()
        columns = zip(*(x.tolist() for x in np.broadcast_arrays(*xs)), strict=True)
        return np.array([_total(*column) for column in columns])
    if any(map(_is_symbol, xs)):
        raise NeedsNumbers("the exactly rounded sum is computed from the numbers")
    raise TypeError("sum: expects numbers or arrays")


def _exact_sum(xs: Any) -> float:
    """The exactly rounded sum (math.fsum): it does not depend on the order. fsum
    refuses a partial sum that overflows, so the terms are then scaled down by powers
    of 2 (exact) and the sum scaled back up, which gives ±inf only if the sum itself
    overflows, as ``+`` would. inf + -inf is NaN, as IEEE says."""
    scale = 1.0
    for _ in range(1100):  # 2 ** -1100 brings any float sum of < 2 ** 100 terms in range
        try:
            return (
                math.fsum([x * scale for x in xs]) * (1.0 / scale)
                if scale != 1.0
                else math.fsum(xs)
            )
        except OverflowError:
            scale *= 0.5
        except ValueError:  # both inf and -inf among the terms
            return math.nan
    return sum(xs)


def _logsumexp(*xs: Any) -> Any:
    # Shift by the largest term so the biggest exponent is e^0 = 1.
    if not xs:
        raise ValueError("needs at least one argument")
    if all(map(_is_number, xs)):
        top = max(xs)
        if top != top or any(x != x for x in xs):
            return math.nan  # NaN anywhere gives NaN, whatever its place (max would not)
        if math.isinf(top):
            return top
        return top + math.log(math.fsum(math.exp(x - top) for x in xs))
    if not any(map(_is_array, xs)):
        if any(map(_is_symbol, xs)):
            raise NeedsNumbers("logsumexp looks for the largest term and for NaNs")
        raise TypeError("logsumexp: expects numbers or arrays")
    np = _numpy()
    top = functools.reduce(np.maximum, xs)
    return top + np.log(sum(np.exp(x - top) for x in xs))


def _sqrt_slope(out: Any, x: Any) -> tuple[Any]:
    # d sqrt(x) = 1 / (2 sqrt(x)); infinite at x = 0, as the one-sided limit, with the
    # zero's sign (sqrt(-0.0) is -0.0: -inf, as IEEE and PyTorch say); NaN stays NaN.
    if _is_number(out) or _is_value(out):
        return (0.5 / out,) if number(out) != 0 else (math.copysign(INF, number(out)),)
    np = _numpy()
    with np.errstate(divide="ignore"):  # 0.5 / ±0 is ±inf, as for a number
        return (np.where(out == 0, np.copysign(INF, out), 0.5 / out),)


def _power(x: Any, *, k: float) -> Any:
    if not float(k).is_integer() and _any(x < 0):
        raise ValueError(f"a negative base needs a whole-number exponent, got {k!r}")
    return x**k


def _power_or_infinity(x: Any, e: Any) -> Any:
    """x ** e, but ±inf where Python's ``**`` on floats would raise OverflowError: a
    slope that overflows is infinite (as in PyTorch), not an error at forward time."""
    if _is_symbol(x):  # the compiler: the same decision, made at run time
        return x if _is_number(e) and e == 1 else x.at_run_time(_power_or_infinity, e)
    if not (_is_number(x) and _is_number(e)):
        return x**e
    try:
        return x**e
    except OverflowError:
        negative = x < 0 and float(e).is_integer() and int(e) % 2 == 1
        return -INF if negative else INF


def overflowed(primitive: Primitive, *xs: float) -> float:
    """The infinity an op's value overflowed to: x ** k keeps the sign of the power,
    exp and a power of a positive base are +inf."""
    if primitive.constant is not None:  # x ** k
        return _power_or_infinity(xs[0], primitive.constant)
    return INF


def _power_slope(out: Any, x: Any, *, k: float) -> tuple[Any]:
    if k == 0:
        return (0.0,)
    if k < 1 and _is_number(number(x)) and number(x) == 0:
        return (math.copysign(INF, k),)  # the slope of x^k at 0 for 0 < k < 1
    return (k * _power_or_infinity(x, k - 1),)


def _general_power(x: Any, y: Any) -> Any:
    if _any(x <= 0):
        raise ValueError(
            "the base must be positive when the exponent is a Value "
            "(for a fixed exponent write x ** 2 with a plain number)"
        )
    return x**y


def _weighted_sum(bias: Any, *weights_then_inputs: Any) -> Any:
    n = len(weights_then_inputs) // 2
    weights, inputs = weights_then_inputs[:n], weights_then_inputs[n:]
    return sum(map(operator.mul, weights, inputs), bias)


def _weighted_sum_slopes(out: Any, bias: Any, *weights_then_inputs: Any) -> tuple[Any, ...]:
    # d/d bias = 1, d/d w_i = x_i, d/d x_i = w_i.
    n = len(weights_then_inputs) // 2
    weights, inputs = weights_then_inputs[:n], weights_then_inputs[n:]
    return (1.0, *inputs, *weights)


# --- the table ------------------------------------------------------------------------

_ANY = Interval()
_POSITIVE = Interval(0.05, 10.0)

ADD = Primitive(
    "add", "+", 2, operator.add, lambda out, x, y: (1.0, 1.0), (_ANY, _ANY), slope_text=("1", "1")
)
SUB = Primitive(
    "sub", "-", 2, operator.sub, lambda out, x, y: (1.0, -1.0), (_ANY, _ANY), slope_text=("1", "-1")
)
MUL = Primitive(
    "mul", "*", 2, operator.mul, lambda out, x, y: (y, x), (_ANY, _ANY), slope_text=("{y}", "{x}")
)
DIV = Primitive(
    "div",
    "/",
    2,
    operator.truediv,
    lambda out, x, y: (1.0 / y, -out / y),
    (_ANY, Interval(avoid=(0.0,))),
    requires="a non-zero divisor",
    slope_text=("1/{y}", "-{x}/{y}^2"),
)
NEG = Primitive(
    "neg",
    "-",
    1,
    operator.neg,
    lambda out, x: (-1.0,),
    (_ANY,),
    slope_text=("-1",),
    formula_text="-{x}",
)
POW = Primitive(  # x ** y where the exponent y is a Value too
    "pow",
    "**",
    2,
    _general_power,
    lambda out, x, y: (y * _power_or_infinity(x, y - 1.0), out * log(x)),
    (_POSITIVE, Interval(-3.0, 3.0)),
    requires="a positive base",
    slope_text=("{y} * {x}^({y} - 1)", "{x}^{y} * log({x})"),
    formula_text="{x}^{y}",
)
POW_CONST = Primitive(  # x ** k for a plain number k; use POW_CONST.bind(k)
    "pow_const",
    "**",
    1,
    _power,
    _power_slope,
    (_POSITIVE,),
    requires="a positive base, or a whole-number exponent (and no 0 ** negative)",
    slope_text=("{k} * {x}^{k_minus_1}",),
    constant_samples=(2.0, 3.0, 0.5, -1.0, -2.0, 1.5),
    formula_text="{x}^{k}",
)
# A number operand costs no node of its own: x * 2 is one node of MUL_CONST bound to 2.
# (The engine's + - * / store the number after the local derivative instead of binding,
# see Value.__mul__; Value.primitive binds it when something asks.)
_NUMBERS = (2.0, -0.5, 3.0, 1.0, -1.5)
ADD_CONST = Primitive(
    "add_const",
    "+",
    1,
    lambda x, *, k: x + k,
    lambda out, x, *, k: (1.0,),
    (_ANY,),
    slope_text=("1",),
    constant_samples=_NUMBERS,
    formula_text="{x} + {k}",
)
SUB_CONST = Primitive(
    "sub_const",
    "-",
    1,
    lambda x, *, k: x - k,
    lambda out, x, *, k: (1.0,),
    (_ANY,),
    slope_text=("1",),
    constant_samples=_NUMBERS,
    formula_text="{x} - {k}",
)
RSUB_CONST = Primitive(
    "rsub_const",
    "-",
    1,
    lambda x, *, k: k - x,
    lambda out, x, *, k: (-1.0,),
    (_ANY,),
    slope_text=("-1",),
    constant_samples=_NUMBERS,
    formula_text="{k} - {x}",
    label_text="{k}{symbol}",
)
MUL_CONST = Primitive(
    "mul_const",
    "*",
    1,
    lambda x, *, k: x * k,
    lambda out, x, *, k: (k,),
    (_ANY,),
    slope_text=("{k}",),
    constant_samples=_NUMBERS,
    formula_text="{x} * {k}",
)
DIV_CONST = Primitive(
    "div_const",
    "/",
    1,
    lambda x, *, k: x / k,
    lambda out, x, *, k: (1.0 / k,),
    (_ANY,),
    requires="a non-zero divisor",
    slope_text=("1/{k}",),
    constant_samples=_NUMBERS,
    formula_text="{x} / {k}",
)
RDIV_CONST = Primitive(
    "rdiv_const",
    "/",
    1,
    lambda x, *, k: k / x,
    lambda out, x, *, k: (-out / x,),
    (Interval(avoid=(0.0,)),),
    requires="a non-zero divisor",
    slope_text=("-{k}/{x}^2",),
    constant_samples=_NUMBERS,
    formula_text="{k} / {x}",
    label_text="{k}{symbol}",
)
EXP = Primitive(
    "exp",
    "exp",
    1,
    exp,
    lambda out, x: (out,),
    (Interval(-10.0, 5.0),),
    requires="x below about 709 (larger overflows a float)",
    slope_text=("exp({x})",),
)
LOG = Primitive(
    "log",
    "log",
    1,
    log,
    lambda out, x: (1.0 / x,),
    (_POSITIVE,),
    requires="x > 0",
    slope_text=("1/{x}",),
)
SQRT = Primitive(
    "sqrt",
    "sqrt",
    1,
    sqrt,
    _sqrt_slope,
    (_POSITIVE,),
    requires="x >= 0",
    slope_text=("1/(2 * sqrt({x}))",),
)
TANH = Primitive(
    "tanh", "tanh", 1, tanh, lambda out, x: (1.0 - out * out,), (_ANY,), slope_text=("1 - {out}^2",)
)
SIGMOID = Primitive(
    "sigmoid",
    "sigmoid",
    1,
    sigmoid,
    lambda out, x: (out * (1.0 - out),),
    (_ANY,),
    slope_text=("{out} * (1 - {out})",),
)
SOFTPLUS = Primitive(
    "softplus",
    "softplus",
    1,
    softplus,
    lambda out, x: (sigmoid(x),),
    (_ANY,),
    slope_text=("sigmoid({x})",),
)
RELU = Primitive(
    "relu",
    "ReLU",
    1,
    relu,
    lambda out, x: (step(x),),
    (Interval(avoid=(0.0,)),),
    slope_text=("1 if {x} > 0 else 0",),
    masks_gradient=True,
    zero_slope_note="ReLU is off: its input is not positive, so no gradient flows back through it",
)
ABS = Primitive(
    "abs",
    "abs",
    1,
    abs,
    lambda out, x: (sign(x),),
    (Interval(avoid=(0.0,)),),
    slope_text=("sign({x})",),
    zero_slope_note="abs has no slope at 0; it takes 0 there, as PyTorch does",
)
SIN = Primitive(
    "sin",
    "sin",
    1,
    sin,
    lambda out, x: (cos(x),),
    (_ANY,),
    requires="x finite",
    slope_text=("cos({x})",),
)
COS = Primitive(
    "cos",
    "cos",
    1,
    cos,
    lambda out, x: (-sin(x),),
    (_ANY,),
    requires="x finite",
    slope_text=("-sin({x})",),
)
SUM = Primitive(
    "sum",
    "sum",
    None,
    _total,
    lambda out, *xs: (1.0,) * len(xs),
    (_ANY,),
    slope_text=("1",),
    formula_text="{joined}",
    layout="variadic",
)
WEIGHTED_SUM = Primitive(  # bias + sum(w_i * x_i); arguments (bias, w_1..w_n, x_1..x_n)
    "weighted_sum",
    "wx+b",
    None,
    _weighted_sum,
    _weighted_sum_slopes,
    (_ANY,),
    requires="a bias followed by as many weights as inputs",
    slope_text=("1", "{partner}", "{partner}"),  # bias, each weight, each input
    layout="bias_weights_inputs",
)
LOGSUMEXP = Primitive(
    "logsumexp",
    "logsumexp",
    None,
    _logsumexp,
    lambda out, *xs: tuple(exp(x - out) for x in xs),
    (_ANY,),
    requires="at least one argument",
    slope_text=("exp({x} - {out})",),
    layout="variadic",
)

#: Every primitive, by name. Tests, drawings and tools iterate over this.
PRIMITIVES: dict[str, Primitive] = {
    op.name: op
    for op in (
        ADD,
        SUB,
        MUL,
        DIV,
        NEG,
        POW,
        POW_CONST,
        ADD_CONST,
        SUB_CONST,
        RSUB_CONST,
        MUL_CONST,
        DIV_CONST,
        RDIV_CONST,
        EXP,
        LOG,
        SQRT,
        TANH,
        SIGMOID,
        SOFTPLUS,
        RELU,
        ABS,
        SIN,
        COS,
        SUM,
        WEIGHTED_SUM,
        LOGSUMEXP,
    )
}
