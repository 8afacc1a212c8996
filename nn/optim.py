"""Optimisers and learning-rate schedules, with PyTorch's names and update rules.

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
from typing import Iterable

from autograd import Value


class Optimizer:
    """Holds the parameters and the learning rate; ``step()`` updates the parameters."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: params[{i}] is a "
                                f"{type(p).__name__}, not a Value")
        self.lr = _positive(lr, "lr", type(self).__name__)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    With ``g = grad + weight_decay * w``; with momentum ``buf = momentum * buf + g``
    (``buf = g`` on the first step) and ``g = buf`` (or ``g + momentum * buf`` with
    ``nesterov=True``); then ``w -= lr * g``.
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False,
                 dampening: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _non_negative(momentum, "momentum", "SGD")
        self.weight_decay = _non_negative(weight_decay, "weight_decay", "SGD")
        self.dampening = _non_negative(dampening, "dampening", "SGD")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs a positive momentum and zero dampening")
        self.nesterov = nesterov
        self._velocity: list[float] | None = None

    def step(self) -> None:
        gradients = [p.grad + self.weight_decay * p.data for p in self.params]
        if self.momentum:
            if self._velocity is None:
                self._velocity = gradients
            else:
                keep = 1.0 - self.dampening
                self._velocity = [self.momentum * v + keep * g
                                  for v, g in zip(self._velocity, gradients)]
            if self.nesterov:
                gradients = [g + self.momentum * v for g, v in zip(gradients, self._velocity)]
            else:
                gradients = self._velocity
        for p, g in zip(self.params, gradients):
            p.data -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as ``torch.optim.Adam`` (L2 added to the gradient).

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, then with the bias
    corrections ``m^ = m / (1 - b1^t)`` and ``v^ = v / (1 - b2^t)``:
    ``w -= lr * m^ / (sqrt(v^) + eps)``.
    """

    def __init__(self, params: Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        for b in betas:
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Adam: each beta must be in [0, 1), got {betas!r}")
        self.betas = betas
        self.eps = _positive(eps, "eps", "Adam")
        self.weight_decay = _non_negative(weight_decay, "weight_decay", "Adam")
        self.steps = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        b1, b2 = self.betas
        self.steps += 1
        correction1 = 1.0 - b1**self.steps
        correction2 = 1.0 - b2**self.steps
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data
            self._m[i] = b1 * self._m[i] + (1.0 - b1) * g
            self._v[i] = b2 * self._v[i] + (1.0 - b2) * g * g
            m_hat = self._m[i] / correction1
            v_hat = self._v[i] / correction2
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)


class LRScheduler:
    """Changes ``optimizer.lr`` once per ``step()`` (call it once per epoch)."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0

    def factor(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.epoch += 1
        self.optimizer.lr = self.base_lr * self.factor(self.epoch)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be at least 1, got {step_size!r}")
        self.step_size, self.gamma = step_size, gamma

    def factor(self, epoch: int) -> float:
        return self.gamma ** (epoch // self.step_size)


class LinearLR(LRScheduler):
    """Move the learning rate linearly from ``start_factor`` to ``end_factor`` times
    the base rate over ``total_iters`` epochs, then hold it.

    micrograd's demo schedule ``lr = 1.0 - 0.9 * k / 100`` is
    ``LinearLR(SGD(params, lr=1.0), start_factor=1.0, end_factor=0.1, total_iters=100)``.
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0,
                 end_factor: float = 0.1, total_iters: int = 100) -> None:
        super().__init__(optimizer)
        if total_iters < 1:
            raise ValueError(f"LinearLR: total_iters must be at least 1, got {total_iters!r}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        optimizer.lr = self.base_lr * start_factor

    def factor(self, epoch: int) -> float:
        progress = min(epoch, self.total_iters) / self.total_iters
        return self.start_factor + (self.end_factor - self.start_factor) * progress


def _positive(x: float, name: str, owner: str) -> float:
    return _checked(x, name, owner, lambda v: v > 0, "a positive number")


def _non_negative(x: float, name: str, owner: str) -> float:
    return _checked(x, name, owner, lambda v: v >= 0, "a number >= 0")


def _checked(x: float, name: str, owner: str, accept, requirement: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) \
            or not accept(x):
        raise ValueError(f"{owner}: {name} must be {requirement}, got {x!r}")
    return float(x)


__all__ = ["Adam", "LRScheduler", "LinearLR", "Optimizer", "SGD", "StepLR"]

