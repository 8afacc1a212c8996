"""Operation batching: a traced scalar program run as a few array operations.

The compiled program (``autograd.compile``) has one line per scalar op. Over a batch,
with NumPy arrays in the slots, each line is one NumPy call: about 700 calls for a
step of the demo MLP, whose arithmetic is three small matrix products. Here the ops are
grouped ahead of time, once, as DyNet's automatic batching does (Neubig, Goldberg and
Dyer, 2017):

* ops of the same primitive, whose arguments are ready at the same depth of the graph
  and of the same kinds, form a *group*: one array operation for all of them, their
  arguments gathered with precomputed index arrays;
* weighted sums (``weighted_sum``: a neuron's ``b + sum w_i x_i``) over one shared list
  of inputs, with weights and biases shared by the whole batch, form one matrix
  product ``W @ X + b``;
* backward runs the groups in reverse: each group pushes its chain-rule products back
  to its arguments' groups (scatter-adds), and a matrix product's gradients are two
  more products, ``W.T @ g`` and ``g @ X.T``.

An input is either *shared* (one number for the whole batch, such as a parameter) or
*per example* (an array, one entry per example). Every value is one or the other: a
shared one is a column of one number per op, a per-example one a row of numbers per op,
one column per example. Gradients are kept per example everywhere (as the eager engine
computes them, one example at a time) until they reach a shared input, where they are
summed over the batch; so an infinity or a NaN in one example's gradient is summed, not
multiplied away.

The generated code is built from this module's templates, slot positions and names
only; index arrays, constants and the table's functions are passed in as values.
The numbers are the table's rules, so they equal the per-op replay's except where a
matrix product adds the terms of a weighted sum in another order: the last bits of each
sum, or more where its terms cancel (``1e16 - 1e16 + 1`` is 1 in one order, 0 in
another).

Example:
    >>> import numpy as np
    >>> from autograd import compile, weighted_sum
    >>> program = compile(lambda w, b, x: weighted_sum([w], [x], b).relu(), [2.0, 0.5, 1.0])
    >>> len(program.batched(shared=[0, 1]).groups)      # a matrix product, a relu
    2
    >>> outputs, (dw, db, dx) = program.batch(2.0, 0.5, np.array([1.0, -1.0]), grouped=True)
    >>> outputs.tolist(), dw, db, dx.tolist()
    ([2.5, 0.0], 1.0, 1.0, [2.0, 0.0])
"""

from __future__ import annotations

import builtins
import numbers
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .codegen import Expr, Names, operand_text, slots_needing_gradients, written
from .primitives import WEIGHTED_SUM, Primitive, masked

if TYPE_CHECKING:
    from .compiler import _Step, _Trace

__all__ = ["BatchedProgram", "Group", "group_steps"]

# Templates of the generated code: only names made here, slot positions and the
# expressions the table's rules write (codegen.Expr) are substituted into them.
_HEADER = "def program(P, X, C, B):"
_COLUMNS = "    P, C = P.reshape(-1, 1), C.reshape(-1, 1)  # shared numbers: one per row"
_ASSIGN = "    {name} = {expression}"
_ADD_INTO = "    {target} += {expression}"
_ADD_AT = "    {add_at}({target}, {index}, {expression})"
_ZEROS = "    {name} = {zeros}({shape})"
_SEED = "    {name}[{position}] = {seed}"
_RETURN = "    return ({outputs},), {shared}, {rows}"


@dataclass(frozen=True)
class Group:
    """Ops the batched program runs as one array operation.

    ``kind`` is ``"matmul"`` (weighted sums over one input list: ``W @ X + b``),
    ``"elementwise"`` (one op applied to gathered arguments) or ``"shared"`` (an op on
    shared numbers only, computed once for the batch).
    """

    kind: str
    primitive: Primitive
    steps: tuple[_Step, ...]
    depth: int

    @property
    def size(self) -> int:
        return len(self.steps)


@dataclass
class _Array:
    """A named array of the program: inputs (``P``, ``X``), constants (``C``) or a
    group's results (``v3``): one row per slot, and one column per example, or a
    single column for ``shared`` arrays."""

    name: str
    size: int
    shared: bool


class BatchedProgram:
    """A compiled program grouped into array operations, for one choice of which inputs
    are shared by the whole batch (see the module's docstring).

    ``plan.run(P, X)`` runs it on the shared inputs' numbers in one 1-D array ``P`` and
    the per-example inputs as the rows of one 2-D array ``X`` (one column per example),
    and returns the outputs and the gradients as arrays: what a training loop wants.
    ``plan.evaluate(inputs)`` takes the inputs one by one. ``plan.explain()`` lists the
    groups; ``plan.source`` is the generated code. ``CompiledFunction.batch`` is the
    replay for users: chunks, reductions, and each example's own answer where NumPy
    meets an overflow.
    """

    def __init__(
        self, trace: _Trace, n_inputs: int, wrt: tuple[int, ...], shared: tuple[int, ...]
    ) -> None:
        import numpy as np

        self.n_inputs = n_inputs
        self.wrt = wrt
        self.shared = shared
        self.shared_set = frozenset(shared)
        self.per_example = tuple(i for i in range(n_inputs) if i not in self.shared_set)
        # Where each input's gradient is: its row in the shared or per-example results.
        self._row = {i: k for k, i in enumerate(shared)}
        self._row.update({i: k for k, i in enumerate(self.per_example)})
        self.n_steps = len(trace.steps)
        self._constants = np.array(trace.constants, dtype=float)
        writer = _Writer(trace, n_inputs, wrt, shared)
        self.groups = writer.groups
        self.source = writer.source
        self._program = writer.compiled()

    def run(self, P: Any, X: Any) -> tuple[tuple[Any, ...], Any, Any]:
        """Outputs, the shared inputs' gradients (a 1-D array, in the order of
        ``shared``) and the per-example inputs' gradients (rows, in the order of
        ``per_example``) for shared numbers ``P`` and per-example rows ``X``."""
        return self._program(P, X, self._constants, X.shape[1])

    def evaluate(self, inputs: Sequence[Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """All outputs (a tuple, even of one) and the gradients (in the order of
        ``wrt``: a shared input's summed over the batch, a per-example input's one per
        example) for a number at each shared position and a 1-D array at each other.

        This is the grouped program alone: NumPy's floating-point errors follow the
        caller's ``numpy.errstate``. ``CompiledFunction.batch(..., grouped=True)`` runs
        it with overflows raising and then replays such a batch one example at a time,
        so that each example gets the eager engine's answer; use that one.
        """
        import numpy as np

        if len(inputs) != self.n_inputs:
            raise TypeError(f"the batched program takes {self.n_inputs} inputs, got {len(inputs)}")
        for i in self.shared:
            if isinstance(inputs[i], bool) or not isinstance(inputs[i], numbers.Real):
                raise TypeError(
                    f"input {i} is shared by the batch: it must be a number, got "
                    f"{type(inputs[i]).__name__}"
                )
        P = np.array([float(inputs[i]) for i in self.shared], dtype=float)
        rows = [np.asarray(inputs[i], dtype=float) for i in self.per_example]
        shapes = {r.shape for r in rows}
        if len(shapes) > 1 or any(len(shape) != 1 for shape in shapes):
            raise ValueError(
                "batch: the per-example inputs must be 1-D arrays of one length, got "
                f"shapes {sorted(shapes)}"
            )
        X = np.array(rows) if rows else np.zeros((0, 1))
        outputs, shared_gradients, row_gradients = self.run(P, X)
        count = X.shape[1]
        shared_gradients = shared_gradients.tolist()
        gradients = tuple(
            shared_gradients[self._row[position]]
            if position in self.shared_set
            else row_gradients[self._row[position]].copy()
            for position in self.wrt
        )
        return tuple(np.broadcast_to(o, (count,)).copy() for o in outputs), gradients

    def explain(self) -> str:
        """The groups formed, one line each: how the scalar program became a few array
        operations (forward; backward runs the same groups in reverse)."""
        lines = [
            f"{self.n_steps} scalar ops in {len(self.groups)} array operations; "
            f"inputs: {len(self.shared)} shared, {len(self.per_example)} per example",
            "(depth: ops on the longest path from an input; N: examples in the batch)",
        ]
        for number, group in enumerate(self.groups):
            lines.append(f"  {number:>3}  depth {group.depth:>3}  {_describe(group)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<BatchedProgram: {self.n_steps} ops in {len(self.groups)} groups, "
            f"{len(self.shared)} shared inputs>"
        )


def _describe(group: Group) -> str:
    step, m = group.steps[0], group.size
    if group.kind == "matmul":
        n = (len(step.arguments) - 1) // 2
        sums = "weighted sum" if m == 1 else "weighted sums"
        what = f"{m} {sums}: W ({m}x{n}) @ X ({n}xN) + b ({m})"
        shape = f"({m}xN)"
    else:
        arguments = len(step.arguments)
        what = (
            f"{m} {group.primitive.label()} op{'s' if m != 1 else ''} of {arguments} "
            f"argument{'s' if arguments != 1 else ''}"
        )
        shape = f"({m})" if group.kind == "shared" else f"({m}xN)"
    return f"{group.kind:<11} {what} -> {shape}"


def _key(step: _Step, shared_slots: set[int], shared_leaves: set[int]) -> tuple[Any, ...]:
    """Ops with the same key at the same depth run as one group."""
    kinds = tuple(a in shared_slots for a in step.arguments)
    name, bits = step.signature()[:2]
    if _is_matmul(step, kinds, shared_leaves):
        n = (len(step.arguments) - 1) // 2
        return ("matmul", name, bits, kinds, step.arguments[1 + n :])
    return ("elementwise", name, bits, kinds)


def _is_matmul(step: _Step, kinds: tuple[bool, ...], shared_leaves: set[int]) -> bool:
    # A neuron: bias and weights are shared inputs (or constants), inputs per example.
    # (Weights computed from shared inputs take the elementwise path: the product
    # g @ X.T sums their gradient over the batch, which only a shared input may have.)
    if step.primitive.name != WEIGHTED_SUM.name or len(kinds) < 3:
        return False
    n = (len(kinds) - 1) // 2
    leaves = all(a in shared_leaves for a in step.arguments[: 1 + n])
    return leaves and not any(kinds[1 + n :])


def group_steps(
    steps: Sequence[_Step], n_inputs: int, n_constants: int, shared: Sequence[int]
) -> list[Group]:
    """Group the steps by depth (the longest path from an input) and key."""
    shared_leaves = set(shared) | set(range(n_inputs, n_inputs + n_constants))
    shared_slots = set(shared_leaves)
    depth = dict.fromkeys(range(n_inputs + n_constants), 0)
    by_level: dict[tuple[int, tuple[Any, ...]], list[_Step]] = {}
    for step in steps:
        depth[step.out] = 1 + max(depth[a] for a in step.arguments)
        if all(a in shared_slots for a in step.arguments):
            shared_slots.add(step.out)
        key = _key(step, shared_slots, shared_leaves)
        by_level.setdefault((depth[step.out], key), []).append(step)
    groups = []
    for (level, key), members in sorted(by_level.items(), key=lambda item: item[0][0]):
        kind = key[0] if not all(key[3]) else "shared"
        groups.append(Group(kind, members[0].primitive, tuple(members), level))
    return groups


class _Writer:
    """Writes the batched program: forward group by group, then backward in reverse."""

    def __init__(
        self, trace: _Trace, n_inputs: int, wrt: tuple[int, ...], shared: tuple[int, ...]
    ) -> None:
        import numpy as np

        self.np = np
        self.names = Names()
        self.lines: list[str] = [_HEADER, _COLUMNS]
        n_constants = len(trace.constants)
        self.groups = group_steps(trace.steps, n_inputs, n_constants, shared)
        self.where: dict[int, tuple[_Array, int]] = {}
        shared_set = set(shared)
        per_example = [i for i in range(n_inputs) if i not in shared_set]
        inputs_p = self.inputs_p = _Array("P", len(shared), True)
        inputs_x = _Array("X", len(per_example), False)
        constants = _Array("C", n_constants, True)
        for position, slot in enumerate(shared):
            self.where[slot] = (inputs_p, position)
        for position, slot in enumerate(per_example):
            self.where[slot] = (inputs_x, position)
        for position in range(n_constants):
            self.where[n_inputs + position] = (constants, position)
        self.needs_gradient = slots_needing_gradients(trace.steps, wrt)
        self.gradients_made: set[str] = set()
        self.saved: dict[int, dict[str, Any]] = {}  # per group: names its backward reads
        for number, group in enumerate(self.groups):
            self._forward(number, group)
        self._backward(trace)
        self._return(trace, wrt, inputs_p, inputs_x, shared, per_example)
        self.source = "\n".join(self.lines) + "\n"

    def compiled(self) -> Callable[..., Any]:
        code = builtins.compile(self.source, "<autograd batched program>", "exec")
        exec(code, self.names.namespace)  # safe: source built only from this module's templates
        return self.names.namespace["program"]

    # --- names for values the program reads -------------------------------------------

    def _index_array(self, positions: list[int]) -> str:
        return self.names.constant(self.np.array(positions, dtype=self.np.intp), "I")

    def _np(self, attribute: str) -> str:
        return self.names.function(getattr(self.np, attribute), "N")

    # --- gathering arguments ------------------------------------------------------------

    def _gather(self, slots: Sequence[int]) -> str:
        """An expression for the values of ``slots`` (in order), as one array."""
        pieces: list[tuple[_Array, list[int]]] = []
        for slot in slots:
            array, position = self.where[slot]
            if pieces and pieces[-1][0] is array:
                pieces[-1][1].append(position)
            else:
                pieces.append((array, [position]))
        texts = [self._take(array, positions) for array, positions in pieces]
        if len(texts) == 1:
            return texts[0]
        return f"{self._np('concatenate')}(({', '.join(texts)},))"

    def _take(self, array: _Array, positions: list[int]) -> str:
        first = positions[0]
        if positions == list(range(first, first + len(positions))):
            if len(positions) == array.size:
                return array.name
            return f"{array.name}[{first}:{first + len(positions)}]"
        return f"{array.name}[{self._index_array(positions)}]"

    # --- forward ------------------------------------------------------------------------

    def _forward(self, number: int, group: Group) -> None:
        result = _Array(f"v{number}", group.size, group.kind == "shared")
        saved: dict[str, Any] = {}
        if group.kind == "matmul":
            self._forward_matmul(number, group, saved)
        else:
            self._forward_elementwise(number, group, saved)
        for position, step in enumerate(group.steps):
            self.where[step.out] = (result, position)
        self.saved[number] = saved

    def _forward_matmul(self, number: int, group: Group, saved: dict[str, Any]) -> None:
        m = group.size
        n = (len(group.steps[0].arguments) - 1) // 2
        weights = [w for step in group.steps for w in step.arguments[1 : 1 + n]]
        biases = [step.arguments[0] for step in group.steps]
        inputs = list(group.steps[0].arguments[1 + n :])
        names = {"W": f"W{number}", "b": f"b{number}", "x": f"x{number}"}
        self._assign(names["W"], f"{self._gather(weights)}.reshape({m}, {n})")
        self._assign(names["b"], self._gather(biases))
        self._assign(names["x"], self._gather(inputs))
        self._assign(f"v{number}", f"{names['W']} @ {names['x']} + {names['b']}")
        saved.update(names=names, weights=weights, biases=biases, inputs=inputs)

    def _forward_elementwise(self, number: int, group: Group, saved: dict[str, Any]) -> None:
        count = len(group.steps[0].arguments)
        arguments = []
        for j in range(count):
            slots = [step.arguments[j] for step in group.steps]
            name = f"a{number}_{j}"
            self._assign(name, self._gather(slots))
            arguments.append(Expr(name, self.names))
        primitive = group.primitive
        forward = written(primitive.forward, *arguments)
        result = f"v{number}"
        if forward is not None:
            text = forward.text
            shaping = [  # the arguments that give the result its shape
                a.text
                for a, slot in zip(arguments, group.steps[0].arguments, strict=True)
                if group.kind == "shared" or not self.where[slot][0].shared
            ]
            if not any(re.search(rf"\b{name}\b", text) for name in shaping):
                # The rule ignores them (a constant, a custom op): give it its shape.
                columns = "1" if group.kind == "shared" else "B"
                text = f"{self._np('broadcast_to')}({text}, ({group.size}, {columns})).copy()"
            self._assign(result, text)
        else:
            call = self.names.function(primitive.forward, "F")
            flat_call = self.names.function(_flat_call, "R")
            self._assign(result, f"{flat_call}({call}, {_list(arguments)})")
        if not any(a in self.needs_gradient for step in group.steps for a in step.arguments):
            return
        out = Expr(result, self.names)
        slopes = written(primitive.derivative, out, *arguments)
        if slopes is not None and len(slopes) == count:
            saved["slopes"] = [operand_text(slope) for slope in slopes]
        else:
            local = f"l{number}"
            call = self.names.function(primitive.derivative, "D")
            flat_call = self.names.function(_flat_call, "R")
            self._assign(local, f"{flat_call}({call}, {_list([out, *arguments])})")
            saved["slopes"] = [f"{local}[{j}]" for j in range(count)]

    def _assign(self, name: str, expression: str) -> None:
        self.lines.append(_ASSIGN.format(name=name, expression=expression))

    # --- backward -----------------------------------------------------------------------

    def _backward(self, trace: _Trace) -> None:
        output = trace.outputs[0]
        if output not in self.needs_gradient:
            return
        array, position = self.where[output]
        # The seed: d(output)/d(output) = 1 for each example (also for a shared output,
        # the same for every example: summed over the batch, its gradients count B times).
        self._allocate(array)
        self.lines.append(_SEED.format(name=f"g{array.name}", position=position, seed="1.0"))
        for number in reversed(range(len(self.groups))):
            group = self.groups[number]
            if f"gv{number}" not in self.gradients_made:
                continue  # nothing flows back through these ops
            if group.kind == "matmul":
                self._backward_matmul(number, group)
            else:
                self._backward_elementwise(number, group)

    def _backward_matmul(self, number: int, group: Group) -> None:
        saved = self.saved[number]
        names, upstream = saved["names"], f"gv{number}"
        m, n = group.size, len(saved["inputs"])
        self._push(saved["biases"], upstream, fresh=False)
        # Summed over the batch by the product itself (the weights are shared inputs).
        self._push(saved["weights"], f"({upstream} @ {names['x']}.T).reshape({m * n})", summed=True)
        self._push(saved["inputs"], f"{names['W']}.T @ {upstream}")

    def _backward_elementwise(self, number: int, group: Group) -> None:
        saved = self.saved[number]
        upstream = f"gv{number}"
        for j, slope in enumerate(saved.get("slopes", ())):
            slots = [step.arguments[j] for step in group.steps]
            if not any(s in self.needs_gradient for s in slots):
                continue
            if group.primitive.masks_gradient:
                contribution = f"{self.names.function(masked, 'M')}({slope}, {upstream})"
            else:
                contribution = f"{slope} * {upstream}"
            self._push(slots, contribution)

    def _push(
        self, slots: Sequence[int], contribution: str, summed: bool = False, fresh: bool = True
    ) -> None:
        """Add ``contribution`` (one row per slot, one column per example; a 1-D array
        already ``summed`` over the batch) to the gradients of ``slots``. ``fresh``: the
        expression makes a new array (a product, a sum), which may become a gradient
        array itself; an existing one (the upstream gradient) is only added from."""
        wanted = [k for k, s in enumerate(slots) if s in self.needs_gradient]
        if not wanted:
            return
        name = f"c{len(self.lines)}"
        self._assign(name, contribution)
        by_array: dict[str, tuple[_Array, list[int], list[int]]] = {}
        for k in wanted:
            array, position = self.where[slots[k]]
            entry = by_array.setdefault(array.name, (array, [], []))
            entry[1].append(k)
            entry[2].append(position)
        for array, rows, positions in by_array.values():
            self._add_rows(array, name, rows, positions, len(slots), summed, fresh)

    def _add_rows(
        self,
        array: _Array,
        source: str,
        rows: list[int],
        positions: list[int],
        count: int,
        summed: bool,
        fresh: bool,
    ) -> None:
        target = f"g{array.name}"
        everything = rows == list(range(count)) and positions == list(range(array.size))
        piece = source if rows == list(range(count)) else f"{source}[{self._index(rows)}]"
        if array is self.inputs_p and not summed:
            piece = f"{piece}.sum(axis=1)"  # a shared input: its gradient over the batch
        elif array is not self.inputs_p and summed:
            raise AssertionError(f"a gradient summed over the batch reaches {array.name}")
        if everything and target not in self.gradients_made and (fresh or piece != source):
            # The first contribution covers the whole array in order: it becomes the
            # gradient (it is a new array, made by the expression above).
            self.gradients_made.add(target)
            self._assign(target, piece)
            return
        self._allocate(array)
        if everything:
            self.lines.append(_ADD_INTO.format(target=target, expression=piece))
        elif len(set(positions)) == len(positions):
            self.lines.append(
                _ADD_INTO.format(target=f"{target}[{self._index(positions)}]", expression=piece)
            )
        else:  # a slot met twice: np.add.at adds both (a fancy += would keep one)
            self.lines.append(
                _ADD_AT.format(
                    add_at=self._np_add_at(),
                    target=target,
                    index=self._index(positions),
                    expression=piece,
                )
            )

    def _np_add_at(self) -> str:
        return self.names.function(self.np.add.at, "N")

    def _index(self, positions: list[int]) -> str:
        first = positions[0]
        if positions == list(range(first, first + len(positions))):
            return f"{first}:{first + len(positions)}"
        return self._index_array(positions)

    def _allocate(self, array: _Array) -> None:
        target = f"g{array.name}"
        if target in self.gradients_made:
            return
        self.gradients_made.add(target)
        # Per example everywhere but at the shared inputs, where the batch is summed.
        shape = f"{array.size}" if array is self.inputs_p else f"({array.size}, B)"
        self.lines.append(_ZEROS.format(name=target, zeros=self._np("zeros"), shape=shape))

    # --- the result ---------------------------------------------------------------------

    def _return(
        self,
        trace: _Trace,
        wrt: tuple[int, ...],
        inputs_p: _Array,
        inputs_x: _Array,
        shared: tuple[int, ...],
        per_example: list[int],
    ) -> None:
        outputs = []
        for slot in trace.outputs:
            array, position = self.where[slot]
            outputs.append(f"{array.name}[{position}]")
        for array in (inputs_p, inputs_x):
            if f"g{array.name}" not in self.gradients_made:
                self._allocate(array)
        self.lines.append(_RETURN.format(outputs=", ".join(outputs), shared="gP", rows="gX"))


def _list(arguments: Sequence[Expr]) -> str:
    return ", ".join(a.text for a in arguments)


def _flat_call(function: Callable[..., Any], *arrays: Any) -> Any:
    """Call a table function written for one number or a 1-D batch on arrays of any
    shape: broadcast them to one shape, flatten, call, and give the result that shape
    back (a number, like a constant slope, stays a number)."""
    import numpy as np

    shaped = np.broadcast_arrays(*arrays)
    shape = shaped[0].shape
    result = function(*(a.reshape(-1) for a in shaped))
    if isinstance(result, tuple):
        return tuple(r if np.ndim(r) == 0 else np.reshape(r, shape) for r in result)
    return np.broadcast_to(result, shape) if np.ndim(result) == 0 else np.reshape(result, shape)
