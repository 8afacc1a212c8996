"""Optimisers and learning-rate schedules, with PyTorch's names, update rules and state.

What an optimiser remembers between steps (SGD's momentum buffers, Adam's moments and
step count) lives in ``optimizer.state``, a dict keyed by the parameter itself, as in
``torch.optim``. ``state_dict()`` turns that state and the hyper-parameters into plain,
JSON-ready data and ``load_state_dict()`` puts them back, so a run can be stopped and
resumed exactly. The schedules have the same pair.

Example:
    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).backward()      # dL/dw = 2w = 2
    >>> opt.step(); w.data
    0.8
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from autograd import Value

# A rule checks one setting or state entry: ``rule(value, what)`` returns the value in
# its plain form (a float, an int, ...) or raises an error that starts with ``what``.
Rule = Callable[[Any, str], Any]


# --- rules: each checks one value, returns it plain, or raises naming ``what`` ---------


def _number(x: Any, what: str, requirement: str, accept: Callable[[Any], bool]) -> float:
    # A bool is an int to Python, but True as a learning rate is a mistake. ``accept``
    # sees the number as given (an int, a float, a Fraction...), before float().
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be {requirement}, got {_shown(x)}")
    if not math.isfinite(x) or not accept(x):
        raise ValueError(f"{what} must be {requirement}, got {_shown(x)}")
    return float(x)


def _finite(x: Any, what: str) -> float:
    return _number(x, what, "a finite number", lambda v: True)


def _positive(x: Any, what: str) -> float:
    return _number(x, what, "a positive number", lambda v: v > 0)


def _non_negative(x: Any, what: str) -> float:
    return _number(x, what, "a number >= 0", lambda v: v >= 0)


def _whole(x: Any, what: str, minimum: int) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{what} must be a whole number >= {minimum}, got {_shown(x)}")
    if x < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {_shown(x)}")
    return int(x)


def _count(x: Any, what: str) -> int:
    return _whole(x, what, 0)


def _size(x: Any, what: str) -> int:
    return _whole(x, what, 1)


def _flag(x: Any, what: str) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{what} must be True or False, got {_shown(x)}")
    return x


def _betas(x: Any, what: str) -> tuple[float, float]:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise TypeError(f"{what} must be a pair of numbers in [0, 1), got {_shown(x)}")
    b1, b2 = (
        _number(b, f"{what}[{i}]", "a number in [0, 1)", lambda v: 0 <= v < 1)
        for i, b in enumerate(x)
    )
    return b1, b2


class Optimizer:
    """Holds the parameters, the learning rate and the per-parameter ``state``;
    ``step()`` updates the parameters.

    ``state[p]`` is what the optimiser remembers about parameter ``p`` between steps;
    it is filled in by the first step, as in PyTorch. A subclass lists its
    hyper-parameters in ``_hyperparameters`` and says what one parameter's state holds
    in ``_state_rules``: ``state_dict()`` and ``load_state_dict()`` work from those.
    """

    # name -> rule. lr may be 0 here (a schedule can bring it down to 0); a new
    # optimiser still needs a positive rate, checked in __init__.
    _hyperparameters: ClassVar[dict[str, Rule]] = {"lr": _non_negative}

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        owner = type(self).__name__
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{owner}: got an empty parameter list")
        first_seen: dict[Value, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{owner}: params[{i}] is a {type(p).__name__}, not a Value")
            if p in first_seen:  # its state would be updated twice per step
                raise ValueError(
                    f"{owner}: params[{i}] is params[{first_seen[p]}] again; "
                    "list each parameter once"
                )
            first_seen[p] = i
        self.lr = _positive(lr, f"{owner}: lr")
        self.state: dict[Value, dict[str, float]] = {}

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def step_arrays(self, weights: Any, gradients: Any, state: dict[str, Any]) -> None:
        """``step()`` on NumPy arrays (compiled training); SGD and Adam have it."""
        raise NotImplementedError

    def state_arrays(self) -> dict[str, Any] | None:
        """The state as NumPy arrays, one entry per parameter in the order of
        ``params`` (a step count shared by all as one int); None when the parameters'
        states differ in kind, which ``step_arrays`` cannot hold.

        Example:
            >>> from autograd import Value
            >>> opt = SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9)
            >>> opt.state_arrays()          # before the first step: no state
            {}
            >>> for p in opt.params: p.grad = 1.0
            >>> opt.step(); opt.state_arrays()
            {'momentum_buffer': array([1., 1.])}
        """
        import numpy

        if not any(p in self.state for p in self.params):
            return {}
        if not all(p in self.state for p in self.params):
            return None
        entries = [self.state[p] for p in self.params]
        if any(entry.keys() != entries[0].keys() for entry in entries):
            return None
        arrays: dict[str, Any] = {}
        for key in entries[0]:
            column = [entry[key] for entry in entries]
            if key == "step":  # Adam's step count: one for all, or not an array state
                if len(set(column)) != 1:
                    return None
                arrays[key] = column[0]
            else:
                arrays[key] = numpy.array(column, dtype=float)
        return arrays

    def load_state_arrays(self, arrays: dict[str, Any]) -> None:
        """Set ``state`` from what ``state_arrays()`` returned (and ``step_arrays``
        updated): per-parameter plain numbers again."""
        if not arrays:
            return
        columns = {
            key: value.tolist() if hasattr(value, "tolist") else [value] * len(self.params)
            for key, value in arrays.items()
        }
        for i, p in enumerate(self.params):  # into the same dicts: code may hold them
            entry = self.state.setdefault(p, {})
            for key, column in columns.items():
                entry[key] = column[i]

    def _gradients(self) -> list[float]:
        """Each parameter's gradient as a number. After ``backward(create_graph=True)`` a
        gradient is a Value (a graph, for higher derivatives); a step uses its number,
        as PyTorch's optimisers step with the gradient tensor's values."""
        return [
            g if type(g) is float else float(getattr(g, "data", g))
            for g in (p.grad for p in self.params)
        ]

    def state_dict(self) -> dict[str, Any]:
        """The state and hyper-parameters as plain data, in PyTorch's layout:
        ``{"state": {index: {...}}, "param_groups": [{"lr": ..., ..., "params": [...]}]}``.
        An index is the parameter's position in ``params``; nothing refers to the
        parameter objects, so the result can go through JSON.

        Example:
            >>> from autograd import Value
            >>> w = Value(1.0); w.grad = 0.5
            >>> opt = SGD([w], lr=0.1, momentum=0.9)
            >>> opt.step()
            >>> opt.state_dict()["state"]
            {0: {'momentum_buffer': 0.5}}
            >>> opt.state_dict()["param_groups"][0]["params"]
            [0]
        """
        state = {i: dict(self.state[p]) for i, p in enumerate(self.params) if p in self.state}
        group: dict[str, Any] = {}
        for name in self._hyperparameters:
            value = getattr(self, name)
            group[name] = list(value) if isinstance(value, tuple) else value  # JSON has lists
        group["params"] = list(range(len(self.params)))
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state, the learning rate and the other hyper-parameters written by
        ``state_dict()``, also after a trip through JSON (which makes the indices strings).

        Everything is checked before anything is set: a state that does not fit raises
        ValueError or TypeError naming what and where, and leaves the optimiser unchanged.

        Example:
            >>> from autograd import Value
            >>> w = Value(1.0); w.grad = 0.5
            >>> opt = Adam([w], lr=0.1)
            >>> opt.step()
            >>> again = Adam([Value(w.data)], lr=0.5)
            >>> again.load_state_dict(opt.state_dict())
            >>> again.lr, again.steps
            (0.1, 1)
        """
        settings, state = self._checked_state_dict(state_dict)
        for name, value in settings.items():
            setattr(self, name, value)
        self.state = {self.params[i]: entry for i, entry in state.items()}

    def _checked_state_dict(
        self, state_dict: Any
    ) -> tuple[dict[str, Any], dict[int, dict[str, float]]]:
        """The hyper-parameters and the state by index, checked; changes nothing."""
        where = f"{type(self).__name__}.load_state_dict"
        _check_keys(state_dict, {"state", "param_groups"}, where, "the state dict")
        groups = state_dict["param_groups"]
        if not isinstance(groups, list) or len(groups) != 1:
            raise ValueError(
                f"{where}: param_groups must be a list of one group, got {_shown(groups)}"
            )
        group = groups[0]
        _check_keys(group, {*self._hyperparameters, "params"}, where, "param_groups[0]")
        settings = {
            name: rule(group[name], f"{where}: param_groups[0][{name!r}]")
            for name, rule in self._hyperparameters.items()
        }
        self._check_combination(settings, where)
        self._check_indices(group["params"], where)

        entries = state_dict["state"]
        if not isinstance(entries, dict):
            raise TypeError(
                f"{where}: state must be a dict of index -> dict, got {type(entries).__name__}"
            )
        rules = self._state_rules(settings)
        state: dict[int, dict[str, float]] = {}
        for key, entry in entries.items():
            i = _index(key, len(self.params), where)
            if i in state:
                raise ValueError(f"{where}: state has parameter {i} twice (as {key!r})")
            if not rules:
                raise ValueError(
                    f"{where}: state[{i}] is unexpected: "
                    f"{type(self).__name__} keeps no state with these settings"
                )
            _check_keys(entry, set(rules), where, f"state[{i}]")
            state[i] = {
                name: rule(entry[name], f"{where}: state[{i}][{name!r}]")
                for name, rule in rules.items()
            }
        missing = [i for i in range(len(self.params)) if i not in state]
        if state and missing:  # every step updates every parameter: all have state, or none
            raise ValueError(f"{where}: state has no entry for parameters {_few(missing)}")
        return settings, state

    def _check_indices(self, indices: Any, where: str) -> None:
        """``param_groups[0]['params']`` must be 0, 1, ..., n - 1 for our n parameters."""
        what = f"{where}: param_groups[0]['params']"
        if not isinstance(indices, list):
            raise TypeError(f"{what} must be a list of indices, got {_shown(indices)}")
        if len(indices) != len(self.params):
            raise ValueError(
                f"{where}: the state is for {len(indices)} parameters, "
                f"this optimiser has {len(self.params)}"
            )
        # type() is int, not isinstance: True and 1.0 equal 1, but are not indices
        if any(type(i) is not int or i != k for k, i in enumerate(indices)):
            raise ValueError(
                f"{what} must be 0, 1, ..., {len(indices) - 1} in order, got {_shown(indices)}"
            )

    def _check_hyperparameters(self) -> None:
        """Check (and make plain) the hyper-parameter attributes; constructors call it."""
        owner = type(self).__name__
        settings = {
            name: rule(getattr(self, name), f"{owner}: {name}")
            for name, rule in self._hyperparameters.items()
        }
        self._check_combination(settings, owner)
        for name, value in settings.items():
            setattr(self, name, value)

    def _check_combination(self, settings: dict[str, Any], where: str) -> None:
        """Rules between hyper-parameters (none here)."""

    def _state_rules(self, settings: dict[str, Any]) -> dict[str, Rule]:
        """What one parameter's state holds under these settings: name -> rule."""
        return {}


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    With ``g = grad + weight_decay * w``; with momentum ``buf = momentum * buf + g``
    (``buf = g`` on the first step) and ``g = buf`` (or ``g + momentum * buf`` with
    ``nesterov=True``); then ``w -= lr * g``. ``state[p]["momentum_buffer"]`` is ``buf``.
    """

    _hyperparameters: ClassVar[dict[str, Rule]] = {
        **Optimizer._hyperparameters,
        "momentum": _non_negative,
        "dampening": _non_negative,
        "weight_decay": _non_negative,
        "nesterov": _flag,
    }

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum: float = momentum
        self.weight_decay: float = weight_decay
        self.dampening: float = dampening
        self.nesterov: bool = nesterov
        self._check_hyperparameters()

    def step(self) -> None:
        # Read the settings once: attribute look-ups in the loop cost as much as the maths.
        update, momentum = self._update, self.momentum
        for p, grad in zip(self.params, self._gradients(), strict=True):
            state = self.state.setdefault(p, {}) if momentum else {}
            p.data, buffer = update(p.data, grad, state.get("momentum_buffer"))
            if momentum:
                state["momentum_buffer"] = buffer

    def step_arrays(self, weights: Any, gradients: Any, state: dict[str, Any]) -> None:
        """``step()`` on NumPy arrays, one entry per parameter in the order of
        ``params``: the same formula, one array operation each. Updates ``weights``
        and ``state`` (from ``state_arrays()``) in place."""
        weights[:], buffer = self._update(weights, gradients, state.get("momentum_buffer"))
        if self.momentum:
            state["momentum_buffer"] = buffer

    @property
    def _update(self) -> Callable[[Any, Any, Any], tuple[Any, Any]]:
        """The update of one parameter, or of an array of them: (w, grad, buffer or
        None) -> (new w, new buffer), with this step's settings."""
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        keep, nesterov = 1.0 - self.dampening, self.nesterov

        def update(w: Any, grad: Any, buffer: Any) -> tuple[Any, Any]:
            g = grad + weight_decay * w
            if momentum:
                # The first step starts the buffer at the gradient itself.
                buffer = g if buffer is None else momentum * buffer + keep * g
                g = g + momentum * buffer if nesterov else buffer
            return w - lr * g, buffer

        return update

    def _check_combination(self, settings: dict[str, Any], where: str) -> None:
        if settings["nesterov"] and (settings["momentum"] <= 0 or settings["dampening"] != 0):
            raise ValueError(f"{where}: nesterov needs a positive momentum and zero dampening")

    def _state_rules(self, settings: dict[str, Any]) -> dict[str, Rule]:
        return {"momentum_buffer": _finite} if settings["momentum"] else {}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as ``torch.optim.Adam`` (L2 added to the gradient).

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, then with the bias
    corrections ``m^ = m / (1 - b1^t)`` and ``v^ = v / (1 - b2^t)``:
    ``w -= lr * m^ / (sqrt(v^) + eps)``. ``state[p]`` holds ``"step"`` (t),
    ``"exp_avg"`` (m) and ``"exp_avg_sq"`` (v).
    """

    _hyperparameters: ClassVar[dict[str, Rule]] = {
        **Optimizer._hyperparameters,
        "betas": _betas,
        "eps": _positive,
        "weight_decay": _non_negative,
    }

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.betas: tuple[float, float] = betas
        self.eps: float = eps
        self.weight_decay: float = weight_decay
        self._check_hyperparameters()

    @property
    def steps(self) -> int:
        """How many steps have been taken (``state[p]["step"]``, the same for every p)."""
        return int(self.state.get(self.params[0], {}).get("step", 0))

    def step(self) -> None:
        # By step count (an int, kept in the float-valued state): usually one entry.
        updates: dict[float, Callable[..., tuple[float, float, float]]] = {}
        for p, grad in zip(self.params, self._gradients(), strict=True):
            state = self.state.get(p)
            if state is None:  # the moments start at zero, as in the paper
                state = self.state[p] = {"step": 0, "exp_avg": 0.0, "exp_avg_sq": 0.0}
            t = state["step"] = state["step"] + 1
            if t not in updates:
                updates[t] = self._update(t, math.sqrt)
            p.data, state["exp_avg"], state["exp_avg_sq"] = updates[t](
                p.data, grad, state["exp_avg"], state["exp_avg_sq"]
            )

    def step_arrays(self, weights: Any, gradients: Any, state: dict[str, Any]) -> None:
        """``step()`` on NumPy arrays, one entry per parameter in the order of
        ``params``: the same formula, one array operation each. Updates ``weights``
        and ``state`` (from ``state_arrays()``) in place."""
        import numpy

        if not state:
            zeros = numpy.zeros_like(weights)  # the moments start at zero
            state.update(step=0, exp_avg=zeros, exp_avg_sq=zeros.copy())
        state["step"] += 1
        update = self._update(state["step"], numpy.sqrt)
        weights[:], state["exp_avg"], state["exp_avg_sq"] = update(
            weights, gradients, state["exp_avg"], state["exp_avg_sq"]
        )

    def _update(self, t: float, sqrt: Callable[[Any], Any]) -> Callable[..., tuple[Any, Any, Any]]:
        """Step ``t``'s update of one parameter, or of an array of them:
        (w, grad, m, v) -> (new w, new m, new v)."""
        b1, b2 = self.betas
        lr, eps, weight_decay = self.lr, self.eps, self.weight_decay
        correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t

        def update(w: Any, grad: Any, m: Any, v: Any) -> tuple[Any, Any, Any]:
            g = grad + weight_decay * w
            m = b1 * m + (1.0 - b1) * g
            v = b2 * v + (1.0 - b2) * g * g
            m_hat = m / correction1
            v_hat = v / correction2
            return w - lr * m_hat / (sqrt(v_hat) + eps), m, v

        return update

    def _state_rules(self, settings: dict[str, Any]) -> dict[str, Rule]:
        # exp_avg_sq is a mean of squares: a negative one would fail in sqrt at the next step
        return {"step": _count, "exp_avg": _finite, "exp_avg_sq": _non_negative}


class LRScheduler:
    """Changes ``optimizer.lr`` once per ``step()`` (call it once per epoch).

    ``state_dict()`` / ``load_state_dict()`` save and restore the epoch count, the base
    rate and the schedule's settings; the current rate is part of the optimiser's state.
    A subclass lists its settings in ``_settings`` (name -> rule).
    """

    _settings: ClassVar[dict[str, Rule]] = {}

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0

    def factor(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.epoch += 1
        self.optimizer.lr = self.base_lr * self.factor(self.epoch)

    def state_dict(self) -> dict[str, Any]:
        """The epoch count, the base rate and the settings, as plain data.

        Example:
            >>> from autograd import Value
            >>> schedule = StepLR(SGD([Value(0.0)], lr=1.0), step_size=2, gamma=0.5)
            >>> schedule.step()
            >>> schedule.state_dict()
            {'epoch': 1, 'base_lr': 1.0, 'step_size': 2, 'gamma': 0.5}
        """
        return {name: getattr(self, name) for name in self._rules()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` wrote. Everything is checked first: a state that
        does not fit raises ValueError or TypeError and leaves the schedule unchanged.
        ``optimizer.lr`` is not touched (``optimizer.load_state_dict`` restores it).

        Example:
            >>> from autograd import Value
            >>> schedule = LinearLR(SGD([Value(0.0)], lr=1.0), total_iters=10)
            >>> schedule.load_state_dict({"epoch": 4, "base_lr": 2.0, "start_factor": 1.0,
            ...                           "end_factor": 0.5, "total_iters": 8})
            >>> schedule.epoch, schedule.factor(schedule.epoch)
            (4, 0.75)
        """
        for name, value in self._checked_state_dict(state).items():
            setattr(self, name, value)

    def _rules(self) -> dict[str, Rule]:
        return {"epoch": _count, "base_lr": _non_negative, **self._settings}

    def _checked_state_dict(self, state: Any) -> dict[str, Any]:
        """The state, checked and made plain; changes nothing."""
        where = f"{type(self).__name__}.load_state_dict"
        rules = self._rules()
        _check_keys(state, set(rules), where, "the state dict")
        return {
            name: rule(state[name], f"{where}: state[{name!r}]") for name, rule in rules.items()
        }

    def _check_settings(self) -> None:
        """Check (and make plain) the settings' attributes; constructors call it."""
        owner = type(self).__name__
        for name, rule in self._settings.items():
            setattr(self, name, rule(getattr(self, name), f"{owner}: {name}"))


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    _settings: ClassVar[dict[str, Rule]] = {"step_size": _size, "gamma": _non_negative}

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size: int = step_size
        self.gamma: float = gamma
        self._check_settings()

    def factor(self, epoch: int) -> float:
        return self.gamma ** (epoch // self.step_size)


class LinearLR(LRScheduler):
    """Move the learning rate linearly from ``start_factor`` to ``end_factor`` times
    the base rate over ``total_iters`` epochs, then hold it.

    micrograd's demo schedule ``lr = 1.0 - 0.9 * k / 100`` is
    ``LinearLR(SGD(params, lr=1.0), start_factor=1.0, end_factor=0.1, total_iters=100)``.
    """

    _settings: ClassVar[dict[str, Rule]] = {
        "start_factor": _non_negative,
        "end_factor": _non_negative,
        "total_iters": _size,
    }

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0,
        end_factor: float = 0.1,
        total_iters: int = 100,
    ) -> None:
        super().__init__(optimizer)
        self.start_factor: float = start_factor
        self.end_factor: float = end_factor
        self.total_iters: int = total_iters
        self._check_settings()
        optimizer.lr = self.base_lr * self.start_factor

    def factor(self, epoch: int) -> float:
        progress = min(epoch, self.total_iters) / self.total_iters
        return self.start_factor + (self.end_factor - self.start_factor) * progress


# --- checking a state dict's shape ------------------------------------------------------


def _check_keys(record: Any, expected: set[str], where: str, what: str) -> None:
    """``record`` must be a dict with exactly the keys ``expected``."""
    if not isinstance(record, dict):
        raise TypeError(f"{where}: {what} must be a dict, got {_shown(record)}")
    missing = sorted(expected - set(record))
    unexpected = sorted((key for key in record if key not in expected), key=repr)
    if missing or unexpected:
        raise ValueError(
            f"{where}: {what} does not fit (missing {_few(missing)}; unexpected {_few(unexpected)})"
        )


def _index(key: Any, count: int, where: str) -> int:
    """A state key as a parameter index: an int, or the decimal string JSON makes of it."""
    if isinstance(key, str) and key.isascii() and key.isdigit() and str(int(key)) == key:
        key_as_index: Any = int(key)
    else:
        key_as_index = key
    if type(key_as_index) is not int or not 0 <= key_as_index < count:
        raise ValueError(
            f"{where}: state has the key {key!r}, which is not a parameter "
            f"index from 0 to {count - 1}"
        )
    return key_as_index


def _few(items: list[Any]) -> str:
    if not items:
        return "none"
    shown = ", ".join(repr(item) for item in items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def _shown(x: Any) -> str:
    """``repr(x)``, cut short: an error message stays one readable line."""
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["SGD", "Adam", "LRScheduler", "LinearLR", "Optimizer", "StepLR"]
