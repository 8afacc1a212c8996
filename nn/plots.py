"""Plots with matplotlib: training curves and decision boundaries. Works headless
(no display needed): figures are drawn with the Agg backend when none is set up.

Example:
    >>> from nn.train import History
    >>> figure = plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 0.9]))
    >>> len(figure.axes)
    2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from autograd import Value, no_grad

from .losses import argmax


def _pyplot() -> Any:
    # Imported on first use: matplotlib is an optional dependency. Without a display,
    # matplotlib picks its Agg backend by itself, so this works on servers and in CI.
    import matplotlib.pyplot as plt

    return plt


def plot_history(history: Any, path: str | Path | None = None) -> Any:
    """Loss (and accuracy, when recorded) per epoch, training and validation."""
    plt = _pyplot()
    panels = 2 if history.accuracy else 1
    figure, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.6), squeeze=False)
    epochs = range(1, len(history.loss) + 1)
    _curves(axes[0][0], epochs, history.loss, history.val_loss, "loss")
    if history.accuracy:
        _curves(axes[0][1], epochs, history.accuracy, history.val_accuracy, "accuracy")
    figure.tight_layout()
    return _finish(figure, path)


def _curves(axis: Any, epochs: range, train: list, validation: list, name: str) -> None:
    axis.plot(epochs, train, label=f"training {name}")
    if validation:
        axis.plot(epochs, validation, label=f"validation {name}")
    axis.set_xlabel("epoch")
    axis.set_ylabel(name)
    axis.grid(alpha=0.3)
    axis.legend()


def plot_decision_boundary(model: Callable, X: Sequence[Sequence[float]], y: Sequence[Any],
                           path: str | Path | None = None, resolution: int = 80,
                           title: str | None = None) -> Any:
    """Colour the plane by the model's predicted class, with the data on top.

    A single output is read as a score (class by its sign); several outputs as logits
    (class by the largest).
    """
    plt = _pyplot()
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    x_lo, x_hi = min(xs) - 0.5, max(xs) + 0.5
    y_lo, y_hi = min(ys) - 0.5, max(ys) + 0.5
    grid_x = [x_lo + (x_hi - x_lo) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [y_lo + (y_hi - y_lo) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        classes = [[predicted_class(model([gx, gy])) for gx in grid_x] for gy in grid_y]
    figure, axis = plt.subplots(figsize=(5, 4.4))
    axis.contourf(grid_x, grid_y, classes, alpha=0.35, cmap="coolwarm")
    axis.scatter(xs, ys, c=list(y), s=22, cmap="coolwarm", edgecolors="k", linewidths=0.5)
    axis.set_xlim(x_lo, x_hi)
    axis.set_ylim(y_lo, y_hi)
    axis.set_title(title or "decision boundary")
    figure.tight_layout()
    return _finish(figure, path)


def predicted_class(output: Any) -> int:
    """1 / 0 for a single score (its sign), the index of the largest logit otherwise."""
    if isinstance(output, (Value, int, float)):
        score = output.data if isinstance(output, Value) else output
        return int(score > 0)
    return argmax(output)


def _finish(figure: Any, path: str | Path | None) -> Any:
    if path is not None:
        figure.savefig(path, dpi=110)
        _pyplot().close(figure)
    return figure
