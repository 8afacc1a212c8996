"""A differential test: random graphs over the whole primitive table, values and
gradients compared with PyTorch in float64, at ordinary, extreme and non-finite inputs.

Where the engine refuses (a domain error, an overflowing value, a division by zero:
README, "Numbers that are not numbers"), PyTorch must have met a non-finite number
there, in a value or a gradient: a refusal may replace a NaN or an infinity, never a
finite answer.

Needs PyTorch (``pip install -e '.[torch]'``; ``make test`` installs it). Marked slow.
"""

import math

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from autograd import Value, apply, sum_values
from autograd.testing.strategies import expressions

torch = pytest.importorskip("torch", reason="PyTorch is not installed: pip install -e '.[torch]'")

pytestmark = pytest.mark.slow

EXTREME = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, -1e308, 1e-308, 710.0, -800.0]


def torch_op(op, args):
    """The same primitive, in PyTorch."""
    name = op.name
    if name == "add":
        return args[0] + args[1]
    if name == "sub":
        return args[0] - args[1]
    if name == "mul":
        return args[0] * args[1]
    if name == "div":
        return args[0] / args[1]
    if name == "neg":
        return -args[0]
    if name == "pow":
        return args[0] ** args[1]
    if name == "pow_const":
        return args[0] ** op.constant
    number_operand = {"add_const": lambda x, k: x + k, "sub_const": lambda x, k: x - k,
                      "rsub_const": lambda x, k: k - x, "mul_const": lambda x, k: x * k,
                      "div_const": lambda x, k: x / k,
                      # a number over a tensor is reciprocal(x) * k in PyTorch, which
                      # overflows at x = 5e-309 where k / x does not: divide two tensors
                      "rdiv_const": lambda x, k: torch.tensor(k, dtype=torch.float64) / x}
    if name in number_operand:
        return number_operand[name](args[0], op.constant)
    if name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "sin", "cos"):
        return getattr(torch, name)(args[0])
    if name == "softplus":
        # log(1 + e^x), stable for any x; torch's softplus switches to x itself above a
        # threshold of 20, a different function by 2e-9.
        return torch.logaddexp(args[0], torch.zeros_like(args[0]))
    if name == "sum":
        total = torch.stack(list(args)).sum()
        if not same(exact_sum([float(a) for a in args]), float(total)):
            reject()  # listed difference: the engine's sum is exactly rounded (README)
        return total
    if name == "weighted_sum":
        n = (len(args) - 1) // 2
        total = args[0]
        for w, x in zip(args[1:n + 1], args[n + 1:]):
            total = total + w * x
        return total
    if name == "logsumexp":
        return torch.logsumexp(torch.stack(list(args)), dim=0)
    raise AssertionError(f"no PyTorch twin for {name}")


def run_torch(expression, inputs):
    xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
    slots = list(xs)
    for op, where in expression.steps:
        slots.append(torch_op(op, [slots[i] for i in where]))
    out = torch.stack(slots[len(xs):]).sum()   # every step used, as below
    grads = torch.autograd.grad(out, xs, allow_unused=True)
    values = [float(s.detach()) for s in slots[len(xs):]]
    # The engine's sum is exactly rounded (math.fsum); PyTorch's depends on its order
    # of additions (1 + 1e308 + 1 - 1e308 + 1 is 3 exactly, 0 in PyTorch). The sum of
    # PyTorch's values is taken exactly here; its gradient does not depend on the order.
    return exact_sum(values), [0.0 if g is None else float(g) for g in grads], values


def exact_sum(values):
    """The real sum, rounded once (what math.fsum gives, also when a partial sum would
    overflow a float), computed with fractions."""
    from fractions import Fraction
    if any(math.isnan(v) for v in values) or (math.inf in values and -math.inf in values):
        return math.nan
    if math.inf in values or -math.inf in values:
        return math.inf if math.inf in values else -math.inf
    total = sum(map(Fraction, values))
    try:
        return float(total)
    except OverflowError:
        return math.inf if total > 0 else -math.inf


def run_ours(expression, inputs):
    xs = [Value(v) for v in inputs]
    slots = list(xs)
    for op, where in expression.steps:
        slots.append(apply(op, *(slots[i] for i in where)))
    out = sum_values(slots[len(xs):])
    out.backward()
    return out.data, [x.grad for x in xs]


def same(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    # relative, plus a little absolute room for sums that cancel to about 0 (x/x - 1
    # is 0 here and 1e-16 in PyTorch, by the order of the roundings)
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-12


@settings(max_examples=400, deadline=None)
@given(expressions(max_inputs=3, max_steps=8), st.data())
def test_values_and_gradients_match_pytorch(expression, data):
    extreme = data.draw(st.booleans())
    inputs = ([data.draw(st.sampled_from(EXTREME)) for _ in expression.inputs] if extreme
              else list(expression.inputs))
    expected_out, expected_grads, torch_values = run_torch(expression, inputs)
    try:
        out, grads = run_ours(expression, inputs)
    except (ValueError, ArithmeticError) as refusal:
        # a refusal stands where PyTorch met a non-finite value or gradient, never
        # where it has a finite answer for everything
        met = [*torch_values, *expected_grads]
        listed = "outside its domain (a positive base)" in str(refusal)  # x ** y (README)
        assert listed or not all(map(math.isfinite, met)), (expression, inputs, refusal)
    else:
        assert same(out, expected_out), ("value", expression, inputs, out, expected_out)
        # the one listed difference in gradients: x ** 0.5 at -0.0 (README)
        if not (any(op.constant == 0.5 for op, _ in expression.steps) and -0.0 in inputs):
            compare_gradients(expression, inputs, grads, expected_grads, extreme)


def compare_gradients(expression, inputs, grads, expected_grads, extreme):
    for k, (ours, theirs) in enumerate(zip(grads, expected_grads, strict=True)):
        # A gradient adds up contributions; when some are infinite or overflow, whether
        # the total is NaN or ±inf depends on the order of the additions (1e308 + 1e308
        # - inf is NaN, 1e308 - inf + 1e308 is -inf), and the engine's order is not
        # PyTorch's. So a non-finite gradient must be non-finite here too, of any kind.
        if not extreme:
            assert same(ours, theirs), (f"d/dx{k}", expression, inputs, grads, expected_grads)
        elif math.isfinite(theirs):
            # At 1e308 or 1e-308 the contributions are as large as 1e308 (1/x), and a
            # total that cancels to far less keeps only their rounding: compare at
            # their scale.
            scale = max([abs(v) for v in inputs if math.isfinite(v)]
                        + [1 / abs(v) for v in inputs if math.isfinite(v) and v != 0] + [1.0])
            assert same(ours, theirs) or abs(ours - theirs) <= 1e-9 * scale, \
                (f"d/dx{k}", expression, inputs, grads, expected_grads)
        else:
            assert not math.isfinite(ours), (f"d/dx{k}", expression, inputs, grads,
                                             expected_grads)


@pytest.mark.parametrize("x", [-2.0, -0.0, 0.0, math.nan, -math.inf])
def test_relu_passes_no_gradient_where_off_even_an_infinite_one_like_pytorch(x):
    # sqrt's slope at 0 is inf; where relu is off, PyTorch passes 0, not 0 * inf
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (expected,) = torch.autograd.grad(torch.sqrt(torch.relu(t)), t)
    v = Value(x)
    v.relu().sqrt().backward()
    assert same(v.grad, float(expected))
    assert v.grad == 0.0 or math.isnan(x)     # a NaN input is not "off": it passes NaN
    assert same(Value(x).relu().data, float(torch.relu(torch.tensor(x, dtype=torch.float64))))
