"""Toy data sets, generated in pure Python from a seed (the same seed, the same data).

Each ``make_*(n_samples, noise=..., seed=...)`` (scikit-learn's names, with a ``seed``)
returns ``(X, y)``: ``X`` a list of points (lists of floats), ``y`` a
list of labels. Binary sets use labels 0 / 1, or -1 / +1 with ``signed=True`` (what
the hinge loss wants); multi-class sets use 0 .. k-1; the regression curve gives floats.

Example:
    >>> X, y = make_moons(4, noise=0.0, seed=0)
    >>> len(X), sorted(set(y))
    (4, [0, 1])
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from .checks import check_count


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int = 0, signed: bool = False
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles (as scikit-learn's ``make_moons``)."""
    rng = _rng(n_samples, noise, seed)
    X, y = [], []
    for i in range(n_samples):
        label = i % 2
        t = math.pi * rng.random()
        if label == 0:
            x0, x1 = math.cos(t), math.sin(t)
        else:
            x0, x1 = 1.0 - math.cos(t), 0.5 - math.sin(t)
        X.append([x0 + rng.gauss(0, noise), x1 + rng.gauss(0, noise)])
        y.append(label)
    return X, _signed(y, signed)


def make_circles(
    n_samples: int = 100,
    noise: float = 0.05,
    factor: float = 0.5,
    seed: int = 0,
    signed: bool = False,
) -> tuple[list[list[float]], list[int]]:
    """A small circle (label 1) inside a large one (label 0)."""
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be between 0 and 1, got {factor!r}")
    rng = _rng(n_samples, noise, seed)
    X, y = [], []
    for i in range(n_samples):
        label = i % 2
        radius = factor if label else 1.0
        t = 2 * math.pi * rng.random()
        X.append(
            [radius * math.cos(t) + rng.gauss(0, noise), radius * math.sin(t) + rng.gauss(0, noise)]
        )
        y.append(label)
    return X, _signed(y, signed)


def make_xor(
    n_samples: int = 100, noise: float = 0.1, seed: int = 0, signed: bool = False
) -> tuple[list[list[float]], list[int]]:
    """Four clusters at (+-1, +-1); label 1 where the signs differ (XOR)."""
    rng = _rng(n_samples, noise, seed)
    X, y = [], []
    for i in range(n_samples):
        a, b = i % 2, (i // 2) % 2
        X.append([(2 * a - 1) + rng.gauss(0, noise), (2 * b - 1) + rng.gauss(0, noise)])
        y.append(a ^ b)
    return X, _signed(y, signed)


def make_spiral(
    n_samples: int = 150, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[list[list[float]], list[int]]:
    """``classes`` interleaved spiral arms (labels 0 .. classes-1)."""
    check_count(classes, "classes", minimum=2)
    rng = _rng(n_samples, noise, seed)
    X, y = [], []
    for i in range(n_samples):
        label = i % classes
        r = (i // classes + 1) / math.ceil(n_samples / classes)  # radius from 0 to 1 along an arm
        t = label * 2 * math.pi / classes + 4.0 * r + rng.gauss(0, noise)
        X.append([r * math.sin(t), r * math.cos(t)])
        y.append(label)
    return X, y


def make_blobs(
    n_samples: int = 150,
    centers: int = 3,
    noise: float = 0.5,
    seed: int = 0,
) -> tuple[list[list[float]], list[int]]:
    """Gaussian blobs (standard deviation ``noise``) around ``centers`` points spread
    on a circle of radius 3."""
    check_count(centers, "centers", minimum=2)
    rng = _rng(n_samples, noise, seed)
    X, y = [], []
    for i in range(n_samples):
        label = i % centers
        angle = 2 * math.pi * label / centers
        X.append(
            [3 * math.cos(angle) + rng.gauss(0, noise), 3 * math.sin(angle) + rng.gauss(0, noise)]
        )
        y.append(label)
    return X, y


def make_regression_curve(
    n_samples: int = 100,
    noise: float = 0.05,
    seed: int = 0,
) -> tuple[list[list[float]], list[float]]:
    """Points of y = sin(2x) + x / 2 on [-2, 2], with Gaussian noise."""
    rng = _rng(n_samples, noise, seed)
    X, y = [], []
    for _ in range(n_samples):
        x = rng.uniform(-2.0, 2.0)
        X.append([x])
        y.append(math.sin(2 * x) + 0.5 * x + rng.gauss(0, noise))
    return X, y


def train_test_split(
    X: Sequence[Any], y: Sequence[Any], test_size: float = 0.25, seed: int = 0, shuffle: bool = True
) -> tuple[list, list, list, list]:
    """Split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    Example:
        >>> X_tr, X_te, y_tr, y_te = train_test_split(list(range(8)), list(range(8)), 0.25)
        >>> len(X_tr), len(X_te), sorted(X_tr + X_te) == list(range(8))
        (6, 2, True)
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} points but {len(y)} labels")
    if not 0 < test_size < 1:
        raise ValueError(f"train_test_split: test_size must be between 0 and 1, got {test_size!r}")
    order = list(range(len(X)))
    if shuffle:
        random.Random(seed).shuffle(order)
    n_test = max(1, round(test_size * len(X)))
    if n_test >= len(X):
        raise ValueError(f"train_test_split: {len(X)} points are too few to split")
    test, train = order[:n_test], order[n_test:]
    return (
        [X[i] for i in train],
        [X[i] for i in test],
        [y[i] for i in train],
        [y[i] for i in test],
    )


DATASETS = {
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spiral": make_spiral,
    "blobs": make_blobs,
    "regression": make_regression_curve,
}


def _rng(n_samples: int, noise: float, seed: int) -> random.Random:
    check_count(n_samples, "n_samples", minimum=1)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    return random.Random(seed)


def _signed(labels: list[int], signed: bool) -> list[int]:
    return [2 * label - 1 for label in labels] if signed else labels
