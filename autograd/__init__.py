"""autograd: a scalar reverse-mode automatic differentiation engine.

Build an expression from ``Value`` objects, call ``backward()`` on the result, and
read each input's gradient from ``.grad``.

Example:
    >>> from autograd import Value
    >>> x = Value(2.0)
    >>> y = (x * x + 1).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)      # dy/dx = (1 - tanh(x^2 + 1)^2) * 2x
    0.000726
"""

from . import functional
from .compiler import BatchFloatingPointError, CompiledFunction
from .compiler import compile as compile  # not in __all__: see the note there
from .custom import define_primitive, undefine_primitive
from .engine import (
    StaleGraphError,
    TraceError,
    Value,
    apply,
    enable_grad,
    grad,
    is_grad_enabled,
    logsumexp,
    no_grad,
    set_data,
    sum_values,
    topological_order,
    weighted_sum,
)
from .primitives import PRIMITIVES, Primitive

# ``compile`` is left out of __all__ so that ``from autograd import *`` does not hide
# Python's built-in compile(); use it as ``autograd.compile``.
__all__ = [
    "PRIMITIVES",
    "BatchFloatingPointError",
    "CompiledFunction",
    "Primitive",
    "StaleGraphError",
    "TraceError",
    "Value",
    "apply",
    "define_primitive",
    "draw_backward",
    "draw_dot",
    "enable_grad",
    "functional",
    "grad",
    "is_grad_enabled",
    "logsumexp",
    "no_grad",
    "set_data",
    "sum_values",
    "topological_order",
    "undefine_primitive",
    "weighted_sum",
]

__version__ = "0.1.0"


def __getattr__(name: str):
    # Drawing needs the optional graphviz package, so it is imported on first use:
    # ``from autograd import draw_dot`` works, and the engine alone imports nothing.
    if name in ("draw_dot", "draw_backward"):
        from . import viz

        return getattr(viz, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
