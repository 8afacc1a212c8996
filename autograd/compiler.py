"""Compiled replay: record a graph once, then run it as straight-line code.

The graph of a training example has the same shape at every step; only the numbers
change. ``compile(f, example_inputs)`` traces ``f`` once with Values, numbers each node
of the graph (a *slot*), and generates one Python function that runs the forward pass
and the backward pass over the slots with no Value objects at all:

    s2 = s0 * s1               # forward: written by MUL's own forward rule
    s3 = H0(s2)                # tanh: a call to the table's tanh helper
    g3 = 1.0
    g2 = (K0 - s3 * s3) * g3   # backward: TANH's derivative rule, written out
    g0 = s1 * g2               # MUL's rule: d(xy)/dx = y

Each rule writes its own code when run on symbols (``codegen.Expr``); a rule that
needs real numbers to decide (relu's slope, a domain check) is called instead, as
``F0(...)`` or ``D0(...)``. Functions and constants (``H0``, ``K0``) are passed to the
program as values; the source text is built only from the fixed templates below, slot
numbers and those names, never from user data, and no op is written twice. The same
program runs a whole batch at once when the inputs are NumPy arrays (``.batch``).

Example:
    >>> from autograd import Value
    >>> program = compile(lambda x, y: (x * y).tanh() + x, [0.5, 2.0])
    >>> out, (dx, dy) = program(0.5, 2.0)
    >>> x, y = Value(0.5), Value(2.0)
    >>> z = (x * y).tanh() + x; z.backward()
    >>> (out, dx, dy) == (z.data, x.grad, y.grad)
    True

Limits: ``f`` must build its result from the primitive ops on its arguments. It may not
branch on the values (comparing a Value raises ``TraceError`` while tracing), nor read
an input's ``.data`` (the inputs are traced as a subclass whose ``.data`` refuses), nor
use a Value it reaches by itself instead of as an input (it would be frozen); a second
trace at a nudged point catches constants and shapes that still depend on the inputs.
Loops and branches that do not depend on the values, like a model's layers, are fine:
they unroll into the program.
"""

from __future__ import annotations

import builtins
import numbers
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .batching import BatchedProgram, group_steps
from .codegen import Expr, Names, operand_text, slots_needing_gradients, written
from .engine import TraceError, Value, _domain_error, _needs_table_rule, topological_order, tracing
from .primitives import Primitive, masked

__all__ = ["BatchFloatingPointError", "CompiledFunction", "TraceError", "compile"]

# Templates of the generated code. Only slot numbers, the names codegen.Names gives to
# functions and constants, and the expressions the table's rules write with them
# (codegen.Expr) are substituted into them: never a number or any user data.
_HEADER = "def program(inputs, constants):"
_UNPACK = "    {targets}, = {source}"
_FORWARD = "    s{out} = {function}({args})"
_FORWARD_WRITTEN = "    s{out} = {expression}"
_LOCAL = "    l{out} = {function}(s{out}, {args})"
_SEED = "    g{out} = 1.0"
_FIRST_PUSH = "    g{parent} = {contribution}"
_PUSH = "    g{parent} = g{parent} + {contribution}"
_PRODUCT = "{local} * g{node}"  # the chain rule for one edge
_MASKED = "{mask}({local}, g{node})"  # the same for relu: see primitives.masked
_RETURN = "    return ({outputs},), ({gradients})"


class BatchFloatingPointError(ValueError, FloatingPointError):
    """An overflow or invalid operation in a batch replay (NumPy arrays in the slots).

    A ValueError, as every error of a replay, and a FloatingPointError, as an overflow
    on one example is; so code that handles either kind catches it. ``example`` is the
    position of the example that failed in the batch, ``reason`` what failed.
    """

    def __init__(self, message: str, example: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.example, self.reason = example, reason


@dataclass(frozen=True)
class _Step:
    primitive: Primitive
    arguments: tuple[int, ...]  # slots of the parents, in argument order
    out: int  # slot of the result

    def signature(self) -> tuple[Any, ...]:
        """What the step does, compared by value: the op's name and its bound number's
        exact bits (two traces may hold two equal bound ops that are different objects)."""
        constant = self.primitive.constant
        bits = None if constant is None else float(constant).hex()
        return (self.primitive.name, bits, self.arguments, self.out)


@dataclass(frozen=True)
class _Trace:
    """What one trace of ``f`` found: the straight-line program, in slots."""

    constants: tuple[float, ...]
    steps: tuple[_Step, ...]
    outputs: tuple[int, ...]
    # The constant leaves themselves, only while compile compares two traces: a leaf
    # found in both is a Value f reached by itself, not a number f wrote (see compile).
    leaves: tuple[Value, ...] = field(default=(), compare=False, repr=False)

    def same_program(self, other: _Trace) -> bool:
        return (
            [s.signature() for s in self.steps] == [s.signature() for s in other.steps]
            and self.outputs == other.outputs
            and self.constants == other.constants
        )


class CompiledFunction:
    """A traced function, replayed as generated straight-line code.

    ``program(*inputs)`` returns ``(outputs, gradients)``: the outputs of ``f`` (one
    float, or a tuple when ``f`` returns several Values) and d(first output)/d(input)
    for each input in ``wrt``. ``program.batch(*inputs)`` does the same with NumPy
    arrays: a whole batch in one run. ``program.source`` is the generated code, and
    ``program.calls`` names the rules it calls instead of writing them out (they need
    the numbers to decide, like sqrt's slope at 0), such as ``("sqrt: derivative",)``.
    """

    def __init__(self, trace: _Trace, n_inputs: int, wrt: tuple[int, ...], single: bool) -> None:
        self.n_inputs = n_inputs
        self.wrt = wrt
        self._trace = trace
        self._single = single
        self.source, self._program, self.calls = _generate(trace, n_inputs, wrt)
        self._plans: dict[tuple[int, ...], BatchedProgram] = {}
        self._pays: dict[tuple[int, ...], bool] = {}

    @property
    def steps(self) -> tuple[_Step, ...]:
        """The recorded ops, in the order the program runs them."""
        return self._trace.steps

    def batched(self, shared: Sequence[int] = ()) -> BatchedProgram:
        """The program grouped into array operations (see ``autograd.batching``), for
        batches where the inputs at positions ``shared`` are one number for the whole
        batch (such as a model's parameters) and the others one number per example.
        Built once per choice of ``shared``, then kept.

        Example:
            >>> program = compile(lambda w, x: (w * x).tanh(), [0.5, 1.0])
            >>> print(program.batched(shared=[0]).explain())
            2 scalar ops in 2 array operations; inputs: 1 shared, 1 per example
            (depth: ops on the longest path from an input; N: examples in the batch)
                0  depth   1  elementwise 1 * op of 2 arguments -> (1xN)
                1  depth   2  elementwise 1 tanh op of 1 argument -> (1xN)
        """
        return self._plan(tuple(sorted(_checked_wrt(shared, self.n_inputs, "shared"))))

    def _plan(self, shared: tuple[int, ...]) -> BatchedProgram:
        # shared: checked and sorted positions, the key of the plans kept
        if shared not in self._plans:
            self._plans[shared] = BatchedProgram(self._trace, self.n_inputs, self.wrt, shared)
        return self._plans[shared]

    def grouping_pays(self, shared: Sequence[int] = ()) -> bool:
        """Whether grouping (``batched``) makes at most half as many array operations as
        there are ops, which is when ``batch`` runs grouped by default. Decided from the
        groups alone: the grouped program is not written to answer it."""
        return self._pays_for(tuple(sorted(_checked_wrt(shared, self.n_inputs, "shared"))))

    def _pays_for(self, shared: tuple[int, ...]) -> bool:
        # shared: checked and sorted positions, as for _plan
        if shared not in self._pays:
            groups = group_steps(
                self._trace.steps, self.n_inputs, len(self._trace.constants), shared
            )
            self._pays[shared] = 2 * len(groups) <= len(self._trace.steps)
        return self._pays[shared]

    def explain(self, shared: Sequence[int] = ()) -> str:
        """How the batch replay groups the scalar ops into array operations: one line
        per group (op, how many, array shapes). ``shared`` as in ``batched``."""
        return self.batched(shared).explain()

    def __call__(self, *inputs: Any) -> tuple[Any, tuple[Any, ...]]:
        """Outputs and gradients for new input numbers (no Value is created)."""
        values = self._check_inputs(inputs)
        try:
            outputs, gradients = self._program(values, self._trace.constants)
        except (ValueError, ArithmeticError) as error:
            raise self._locate(values, error) from error
        return (outputs[0] if self._single else outputs), gradients

    def batch(
        self,
        *inputs: Any,
        reduction: str = "sum",
        chunk_size: int = 2048,
        grouped: bool | None = None,
    ) -> tuple[Any, tuple[Any, ...]]:
        """Run a whole batch at once: each input a NumPy array (one entry per example)
        or a number shared by all examples (such as a parameter).

        Outputs come back as arrays. The gradient for a shared input is the sum over
        the batch (``reduction="mean"``: the mean); for a per-example input, an array.
        Large batches run ``chunk_size`` examples at a time, so that the arrays stay
        small enough for the processor's caches.

        ``grouped``: run the ops grouped into array operations (``batched``), or one
        NumPy call per op of the program; by default grouped when that makes at most
        half as many array operations as there are ops.
        """
        import numpy as np

        if reduction not in ("sum", "mean"):
            raise ValueError(f"batch: reduction must be 'sum' or 'mean', got {reduction!r}")
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(
                f"batch: chunk_size must be a positive whole number, got {chunk_size!r}"
            )
        if grouped is not None and not isinstance(grouped, bool):
            raise TypeError(f"batch: grouped must be True, False or None, got {grouped!r}")
        values = [
            x if type(x) is float else _checked_array(i, x)
            for i, x in enumerate(self._check_inputs(inputs, arrays=True))
        ]
        sizes = {x.shape[0] for x in values if isinstance(x, np.ndarray)}
        if len(sizes) > 1:
            raise ValueError(f"batch: the arrays have different lengths {sorted(sizes)}")
        size = sizes.pop() if sizes else 1
        if size == 0:
            raise ValueError("batch: the arrays hold no examples (length 0)")
        shared = tuple(i for i, v in enumerate(values) if type(v) is float)
        if grouped is None:
            grouped = self._pays_for(shared)
        plan = self._plan(shared) if grouped else None
        shared_set = set(shared)
        outputs: list[list[Any]] = []
        totals = [0.0] * len(self.wrt)
        per_example: list[list[Any]] = [[] for _ in self.wrt]
        for start in range(0, size, chunk_size):
            count = min(chunk_size, size - start)
            chunk = [v[start : start + count] if isinstance(v, np.ndarray) else v for v in values]
            chunk_outputs, gradients = self._run_arrays(chunk, start, count, plan)
            outputs.append([np.broadcast_to(o, (count,)) for o in chunk_outputs])
            for k, gradient in enumerate(gradients):
                if self.wrt[k] in shared_set:
                    totals[k] += gradient  # the chunk's sum
                else:
                    per_example[k].append(np.broadcast_to(gradient, (count,)))
        merged = tuple(np.concatenate(parts) for parts in zip(*outputs, strict=True))
        reduced = tuple(
            (totals[k] / size if reduction == "mean" else totals[k])
            if self.wrt[k] in shared_set
            else np.concatenate(per_example[k])
            for k in range(len(self.wrt))
        )
        return (merged[0] if self._single else merged), reduced

    def _run_arrays(
        self, values: list[Any], first: int, count: int, plan: BatchedProgram | None
    ) -> tuple[Any, Any]:
        """One chunk's outputs, and its gradients: a shared input's summed over the
        chunk, a per-example input's one per example."""
        import numpy as np

        with np.errstate(divide="raise", over="raise", invalid="raise"):
            try:
                if plan is not None:
                    return plan.evaluate(values)
                outputs, gradients = self._program(values, self._trace.constants)
                return outputs, tuple(  # the sums may raise too: then one by one
                    _chunk_total(g, count) if type(v) is float else g
                    for g, v in zip(gradients, (values[i] for i in self.wrt), strict=True)
                )
            except (ValueError, ArithmeticError):  # FloatingPointError, or an op's own
                pass  # error (a forward written with math)
        # NumPy met an overflow, a division by zero or an invalid operation somewhere in
        # the batch. Plain floats decide some of these differently (math.exp raises on
        # overflow, inf - inf quietly gives nan), so the chunk is replayed one example
        # at a time: each example gets exactly the numbers, or the error, that the
        # program (and the eager engine) gives it alone.
        outputs, gradients = self._run_one_by_one(values, first)
        with np.errstate(all="ignore"):  # inf + -inf is nan, quietly, as for floats
            return outputs, tuple(
                float(g.sum()) if type(values[i]) is float else g
                for g, i in zip(gradients, self.wrt, strict=True)
            )

    def _run_one_by_one(self, values: list[Any], first: int) -> tuple[Any, Any]:
        import numpy as np

        count = max(len(v) for v in values if type(v) is not float)
        outputs, gradients = [], []
        for row in range(count):
            example = [v if type(v) is float else float(v[row]) for v in values]
            try:
                out, slopes = self(*example)
            except (ValueError, ArithmeticError) as error:
                raise BatchFloatingPointError(
                    f"batch: example {first + row}: {error}", first + row, str(error)
                ) from error
            outputs.append(out if not self._single else (out,))
            gradients.append(slopes)
        return (
            tuple(np.array(column) for column in zip(*outputs, strict=True)),
            tuple(np.array(column) for column in zip(*gradients, strict=True)),
        )

    def _check_inputs(self, inputs: Sequence[Any], arrays: bool = False) -> list[Any]:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"the compiled program takes {self.n_inputs} inputs, got {len(inputs)}")
        if set(map(type, inputs)) == {float}:  # the common case, checked at C speed
            return list(inputs)
        return [
            x if type(x) is float else self._checked_input(i, x, arrays)
            for i, x in enumerate(inputs)
        ]

    @staticmethod
    def _checked_input(i: int, x: Any, arrays: bool) -> Any:
        if isinstance(x, Value):
            return x.data
        if isinstance(x, numbers.Real) and not isinstance(x, bool):
            return float(x)
        if arrays and not isinstance(x, (str, bytes, bool)):
            return x
        raise TypeError(
            f"input {i} must be a number{' or an array' if arrays else ''}, "
            f"got {type(x).__name__} ({x!r})"
        )

    def _locate(self, values: list[float], error: Exception) -> Exception:
        """Replay step by step to name the op that failed and its inputs."""
        slots = {i: v for i, v in enumerate(values)}
        slots.update({self.n_inputs + i: c for i, c in enumerate(self._trace.constants)})
        for step in self.steps:
            arguments = [slots[a] for a in step.arguments]
            try:
                slots[step.out] = step.primitive.forward(*arguments)
            except (ValueError, ArithmeticError) as step_error:
                return _domain_error(step.primitive, arguments, step_error)
            try:
                step.primitive.derivative(slots[step.out], *arguments)
            except (ValueError, ArithmeticError) as step_error:
                return _domain_error(step.primitive, arguments, step_error, of_derivative=True)
        return error

    def __repr__(self) -> str:
        return (
            f"<CompiledFunction: {self.n_inputs} inputs, {len(self._trace.constants)} "
            f"constants, {len(self.steps)} ops, gradients for {len(self.wrt)} inputs>"
        )


def compile(
    f: Callable[..., Any],
    example_inputs: Sequence[Any],
    wrt: Sequence[int] | None = None,
) -> CompiledFunction:
    """Trace ``f`` at ``example_inputs`` and return a fast replay of it.

    ``f`` takes one Value per input and returns a Value, or a tuple whose first Value
    is differentiated and whose others are only computed (e.g. predictions next to a
    loss). ``example_inputs`` are numbers, or Values (leaves) that ``f`` may also reach
    by itself, such as a model's parameters. ``wrt`` lists the positions of the inputs
    to return gradients for (default: all).

    Example:
        >>> program = compile(lambda x: x.exp() * x, [1.0])
        >>> out, (slope,) = program(0.0)      # e^x x and its slope e^x (x + 1) at 0
        >>> out, slope
        (0.0, 1.0)
    """
    values = _input_values(example_inputs)
    wrt = tuple(range(len(values))) if wrt is None else _checked_wrt(wrt, len(values))
    first, single = _trace(f, values)
    second, _ = _trace_nudged(f, values)
    if not first.same_program(second):
        raise TraceError(
            "compile: the graph of f changes with its input values (Python control flow "
            "or .data used inside f), so a recorded program would give wrong numbers "
            "for other inputs; write f with the primitive ops only, or run it eagerly"
        )
    # A number written in f becomes a new constant leaf at each trace; a leaf that is
    # the same object in both traces is a Value f reached by itself (a closure, a
    # global, an attribute). Its number would be frozen into the program, and changing
    # the Value later would change nothing: refuse, and say how to pass it in.
    reached = {id(leaf) for leaf in first.leaves} & {id(leaf) for leaf in second.leaves}
    if reached:
        leaf = next(v for v in first.leaves if id(v) in reached)
        raise TraceError(
            f"compile: f uses {leaf!r}, a Value that is not one of its inputs (reached "
            "through a closure, a global or an object); the program would freeze its "
            "current number. Pass it in example_inputs (and leave it out of wrt if it needs "
            "no gradient)"
        )
    return CompiledFunction(replace(first, leaves=()), len(values), wrt, single)


def _checked_array(i: int, x: Any) -> Any:
    """Input ``i`` of a batch as a 1-D float array: numbers only (no bools, complex
    numbers or objects, which float() would turn into something else quietly)."""
    import numpy as np

    array = np.asarray(x)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"batch: input {i} must be a number or a 1-D array of numbers, got "
            f"{type(x).__name__} of {array.dtype}"
        )
    if array.ndim != 1:
        raise ValueError(
            f"batch: input {i} must be a number or a 1-D array, got shape {array.shape}"
        )
    return array.astype(float, copy=False)


def _chunk_total(gradient: Any, count: int) -> float:
    # One contribution per example: add them up; the same for every example: times count.
    from numpy import ndim as numpy_ndim

    return float(gradient.sum()) if numpy_ndim(gradient) else float(gradient) * count


def _checked_wrt(wrt: Any, count: int, what: str = "wrt") -> tuple[int, ...]:
    """The positions in ``wrt`` as plain ints: in range, each once. (Plain ints: the
    program's source names the gradients by position, and an int subclass could
    format itself as anything.)"""
    if isinstance(wrt, (str, bytes)) or not hasattr(wrt, "__iter__"):
        raise TypeError(f"compile: {what} must be a list of input positions, got {wrt!r}")
    positions: list[int] = []
    seen: set[int] = set()
    for item in wrt:
        if isinstance(item, bool) or not isinstance(item, int):
            raise TypeError(f"compile: {what} holds {item!r}; input positions are whole numbers")
        position = int.__int__(item)  # the plain int, whatever the subclass says
        if not 0 <= position < count:
            raise ValueError(
                f"compile: {what} names input {position}, but there are {count} inputs"
            )
        if position in seen:
            raise ValueError(f"compile: {what} names input {position} twice")
        seen.add(position)
        positions.append(position)
    return tuple(positions)


def _input_values(example_inputs: Sequence[Any]) -> list[Value]:
    values = []
    for i, x in enumerate(example_inputs):
        if isinstance(x, Value):
            if not x.is_leaf:
                raise TraceError(
                    f"compile: input {i} is a computed Value, not a leaf; "
                    "pass the leaf it comes from"
                )
            values.append(x)
        elif isinstance(x, numbers.Real) and not isinstance(x, bool):
            values.append(Value(float(x)))
        else:
            raise TypeError(
                f"compile: input {i} must be a number or a Value, got {type(x).__name__} ({x!r})"
            )
    if len(set(map(id, values))) != len(values):
        raise ValueError("compile: the same Value is given as two inputs")
    if not values:
        raise ValueError("compile: no inputs")
    return values


class _TracedInput(Value):
    """An input while ``f`` is traced: the same node, but reading or setting ``.data``
    from outside the engine raises TraceError. A number read from a traced Value (to
    branch on it, round it, or build a constant) would be recorded as a fixed number,
    and the replay would give wrong results at other inputs. The engine itself reads the
    number as usual; eager code never meets this class, so it costs it nothing."""

    __slots__ = ()

    @property
    def data(self) -> float:
        _refuse_outside_the_engine("reads .data of")
        return self._data

    @data.setter
    def data(self, number: float) -> None:
        _refuse_outside_the_engine("sets .data of")
        Value.data.fset(self, number)  # type: ignore[attr-defined]

    def item(self) -> float:
        _refuse_outside_the_engine("reads .item() of")
        return self._data


def _refuse_outside_the_engine(action: str) -> None:
    caller = sys._getframe(2).f_globals.get("__name__", "")
    if not caller.startswith("autograd."):
        raise TraceError(
            f"compile: f {action} an input while it is traced; the program would keep the "
            "number it saw, not the one of later calls. Write f with the Value ops only "
            "(relu, abs, ... instead of if/else on numbers), or run it eagerly"
        )


def _trace(f: Callable[..., Any], values: list[Value]) -> tuple[_Trace, bool]:
    originals = [type(v) for v in values]
    for i, kind in enumerate(originals):
        if kind is not Value:
            raise TraceError(
                f"compile: input {i} is a {kind.__name__}, a subclass of Value; pass plain "
                "Values (or numbers) to compile"
            )
    try:
        with tracing():
            for v in values:
                v.__class__ = _TracedInput
            result = f(*values)
    finally:
        for v, original in zip(values, originals, strict=True):
            v.__class__ = original
    single = isinstance(result, Value)
    outputs = (result,) if single else tuple(result) if isinstance(result, (list, tuple)) else ()
    if not outputs or not all(isinstance(o, Value) for o in outputs):
        raise TraceError(
            f"compile: f must return a Value or a tuple of Values, got {type(result).__name__}"
        )
    if all(o.is_leaf for o in outputs):
        raise TraceError(
            "compile: f recorded no operations: it returns its input or a constant, or "
            "runs under no_grad()"
        )
    return _number_slots(values, outputs), single


def _trace_nudged(f: Callable[..., Any], values: list[Value]) -> tuple[_Trace, bool]:
    # Trace again with every input moved a little, in place (f may reach some inputs,
    # like a model's parameters, by itself). Restore them whatever happens.
    # The slot itself is written: the inputs get their exact numbers back, so graphs
    # built from them before compile stay valid (a .data change would make them stale).
    saved = [v._data for v in values]
    try:
        for v in values:
            v._data = v._data * (1 + 1e-7) + 1e-9
        return _trace(f, values)
    except (ValueError, ArithmeticError) as error:
        raise TraceError(
            f"compile: f failed at a point next to the example inputs ({error}); "
            "trace it at a point inside its domain"
        ) from error
    finally:
        for v, data in zip(values, saved, strict=True):
            v._data = data


def _number_slots(values: list[Value], outputs: tuple[Value, ...]) -> _Trace:
    slot: dict[Value, int] = {v: i for i, v in enumerate(values)}
    constants: list[float] = []
    steps: list[_Step] = []
    order = topological_order(*outputs)
    for node in order:  # leaves first: constants follow the inputs
        if node.is_leaf and node not in slot:
            slot[node] = len(values) + len(constants)
            constants.append(node.data)
    next_slot = len(values) + len(constants)
    for node in order:
        if not node.is_leaf:
            if node.primitive is None:
                raise TraceError(str(_needs_table_rule(node, "compile")))
            slot[node] = next_slot
            steps.append(_Step(node.primitive, tuple(slot[p] for p in node.parents), next_slot))
            next_slot += 1
    leaves = tuple(node for node in order if node.is_leaf and slot[node] >= len(values))
    return _Trace(tuple(constants), tuple(steps), tuple(slot[o] for o in outputs), leaves)


def _generate(
    trace: _Trace, n_inputs: int, wrt: tuple[int, ...]
) -> tuple[str, Callable, tuple[str, ...]]:
    """Write the program's source from the templates, and compile it. Also returns
    which rules it calls at run time instead of writing them out."""
    names = Names()
    calls: dict[str, None] = {}  # an ordered set
    needs_gradient = slots_needing_gradients(trace.steps, wrt)
    lines = [
        _HEADER,
        _UNPACK.format(targets=", ".join(f"s{i}" for i in range(n_inputs)), source="inputs"),
    ]
    if trace.constants:
        lines.append(
            _UNPACK.format(
                targets=", ".join(f"s{n_inputs + i}" for i in range(len(trace.constants))),
                source="constants",
            )
        )
    local_texts: dict[int, list[str]] = {}
    for step in trace.steps:
        lines += _forward_lines(step, names, needs_gradient, local_texts, calls)
    backward, has_gradient = _backward_lines(trace, needs_gradient, local_texts, names)
    lines += backward
    gradients = [f"g{i}" if i in has_gradient else "0.0" for i in wrt]
    lines.append(
        _RETURN.format(
            outputs=", ".join(f"s{o}" for o in trace.outputs),
            gradients="".join(f"{g}," for g in gradients),
        )
    )
    source = "\n".join(lines) + "\n"
    code = builtins.compile(source, "<autograd compiled program>", "exec")
    exec(code, names.namespace)  # safe: source built only from this module's templates
    return source, names.namespace["program"], tuple(calls)


def _forward_lines(
    step: _Step,
    names: Names,
    needs_gradient: set[int],
    local_texts: dict[int, list[str]],
    calls: dict[str, None],
) -> list[str]:
    """The step's forward line, and its local derivatives: written out as code when
    the rule writes itself (see codegen), else as calls to the table's functions."""
    arguments = [Expr(f"s{a}", names) for a in step.arguments]
    args = ", ".join(f"s{a}" for a in step.arguments)
    forward = written(step.primitive.forward, *arguments)
    if forward is not None:
        lines = [_FORWARD_WRITTEN.format(out=step.out, expression=forward.text)]
    else:
        lines = [
            _FORWARD.format(
                out=step.out, function=names.function(step.primitive.forward), args=args
            )
        ]
        calls[f"{step.primitive.label()}: forward"] = None
    if not any(a in needs_gradient for a in step.arguments):
        return lines
    slopes = written(step.primitive.derivative, Expr(f"s{step.out}", names), *arguments)
    if slopes is not None and len(slopes) == len(step.arguments):
        local_texts[step.out] = [operand_text(slope) for slope in slopes]
    else:
        calls[f"{step.primitive.label()}: derivative"] = None
        function = names.function(step.primitive.derivative, "D")
        lines.append(_LOCAL.format(out=step.out, function=function, args=args))
        local_texts[step.out] = [f"l{step.out}[{i}]" for i in range(len(step.arguments))]
    return lines


def _backward_lines(
    trace: _Trace, needs_gradient: set[int], local_texts: dict[int, list[str]], names: Names
) -> tuple[list[str], set[int]]:
    output = trace.outputs[0]
    if output not in needs_gradient:
        return [], set()
    lines = [_SEED.format(out=output)]
    has_gradient = {output}
    for step in reversed(trace.steps):
        if step.out not in has_gradient:
            continue  # nothing flows back through this node
        for index, parent in enumerate(step.arguments):
            if parent not in needs_gradient:
                continue
            template = _PUSH if parent in has_gradient else _FIRST_PUSH
            local = local_texts[step.out][index]
            if step.primitive.masks_gradient:
                contribution = _MASKED.format(
                    mask=names.function(masked, "M"), local=local, node=step.out
                )
            else:
                contribution = _PRODUCT.format(local=local, node=step.out)
            lines.append(template.format(parent=parent, contribution=contribution))
            has_gradient.add(parent)
    return lines, has_gradient
