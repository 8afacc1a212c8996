"""Pictures of training: plots to project, a training view to play, a GIF for slides.

* ``plot_history``: loss (training data loss and validation loss), the L2 penalty on
  its own panel, accuracy.
* ``plot_decision_boundary``: the plane shaded by the predicted class (stronger colour:
  more confident), training points filled, validation points hollow.
* ``plot_regression``: a 1-D model's curve over its points.
* ``training_html`` / ``save_training_html``: one offline page with a slider over the
  epochs ``fit(..., record=k)`` recorded (see ``nn.record``).
* ``save_training_gif``: the same frames as an animated GIF.

Plots use matplotlib's Agg backend when no display is set up, so they work headless.
Every file is written atomically (``autograd.files.write_atomically``).

Example:
    >>> from nn.train import History
    >>> figure = plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 0.9]))
    >>> [axis.get_title() for axis in figure.axes]
    ['Loss', 'Accuracy']
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import struct
import textwrap
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.files import script_safe_json, write_atomically

from .losses import LOSSES, argmax
from .record import (
    TrainingRecord,
    evenly_spaced,
    grid_predictor,
    line_bounds,
    plane_bounds,
    read_classes,
)

# One colour per class (orange and blue first, as in TensorFlow Playground); more
# classes than colours reuse them.
CLASS_COLOURS = (
    "#f59322",
    "#0877bd",
    "#2e9e44",
    "#8e44ad",
    "#d62728",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
)
TRAINING_COLOUR = "#222222"  # training curves are solid, training points filled
VALIDATION_COLOUR = "#c2185b"  # validation curves are dashed, validation points hollow
PENALTY_COLOUR = "#2e9e44"
# How far a certain prediction tints the plane toward its class colour: the strongest
# shade stays light enough for the points on it to stand out.
STRONGEST_SHADE = 0.6


# --- shading: one byte per grid point, shared by the plots, the page and the GIF ----------


def _levels(classes: int) -> int:
    """Confidence steps per class when class and confidence share one byte."""
    if not 1 <= classes <= 128:
        raise ValueError(f"plots: can shade 1 to 128 classes, not {classes}")
    return 256 // classes


def _grid_bytes(predicted: Sequence[int], confidence: Sequence[float], levels: int) -> bytes:
    """Each point as ``class * levels + confidence step`` (0: on the boundary)."""
    top = levels - 1
    return bytes(
        k * levels + (0 if math.isnan(c) else round(min(max(c, 0.0), 1.0) * top))
        for k, c in zip(predicted, confidence, strict=True)
    )


def _shading(codes: bytes, columns: int, rows: int, classes: int, fine: int) -> Any:
    """The grid as an RGB image ``fine`` times finer, rows bottom first: white tinted
    toward the predicted class's colour, the more the surer the prediction.

    Each class's strength (its confidence where it is predicted, 0 elsewhere) is
    interpolated between grid points on its own, and a pixel takes the strongest class.
    With two classes this is where the interpolated score changes sign, so a boundary
    runs smoothly between the grid points instead of along the cells' edges.
    training_view.js does the same in the page.
    """
    import numpy

    levels = _levels(classes)
    klass, step = numpy.divmod(
        numpy.frombuffer(codes, numpy.uint8).reshape(rows, columns).astype(int), levels
    )
    strength = step / max(levels - 1, 1)
    fields = numpy.stack([numpy.where(klass == k, strength, 0.0) for k in range(classes)])
    fields = _upsample(_upsample(fields, 2, fine), 1, fine)
    tint = STRONGEST_SHADE * fields.max(axis=0)
    colours = numpy.array(
        [_rgb(CLASS_COLOURS[k % len(CLASS_COLOURS)]) for k in range(classes)], dtype=float
    )
    colour = colours[fields.argmax(axis=0)]
    return numpy.rint(255 - (255 - colour) * tint[..., None]).astype(numpy.uint8)


def _upsample(fields: Any, axis: int, fine: int) -> Any:
    """Linear interpolation along ``axis``, ``fine`` samples per grid point, each at
    the centre of its fine pixel (edges held)."""
    import numpy

    count = fields.shape[axis]
    at = numpy.clip((numpy.arange(count * fine) + 0.5) / fine - 0.5, 0, count - 1)
    low = numpy.floor(at).astype(int)
    high = numpy.minimum(low + 1, count - 1)
    shape = [1] * fields.ndim
    shape[axis] = -1
    weight = (at - low).reshape(shape)
    return numpy.take(fields, low, axis) * (1 - weight) + numpy.take(fields, high, axis) * weight


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _half_cell_bounds(
    grid_x: Sequence[float], grid_y: Sequence[float]
) -> tuple[float, float, float, float]:
    """The rectangle the grid's cells cover: each grid point is the centre of a cell,
    so a scaled-up image of the grid lines up with the points drawn over it."""
    dx = (grid_x[-1] - grid_x[0]) / (len(grid_x) - 1) / 2
    dy = (grid_y[-1] - grid_y[0]) / (len(grid_y) - 1) / 2
    return grid_x[0] - dx, grid_x[-1] + dx, grid_y[0] - dy, grid_y[-1] + dy


def _loss_object(loss: Any) -> Any:
    """A loss name or object as the confidence rule (nn.record) expects it."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"plots: unknown loss {loss!r}; known: {sorted(LOSSES)}")
        return LOSSES[loss]
    return loss


def _binary_labels(y: Sequence[Any]) -> list[Any]:
    """The two labels of a one-output classifier: -1 / +1, or 0 / 1."""
    return [-1, 1] if any(label == -1 for label in y) else [0, 1]


def _class_name(label: Any, labels: Sequence[Any]) -> str:
    if (
        isinstance(label, int)
        and not isinstance(label, bool)
        and any(isinstance(other, (int, float)) and other < 0 for other in labels)
    ):
        return f"{label:+d}"  # -1 / +1 read as signs
    return str(label)


# --- matplotlib: history, boundary, regression -------------------------------------------


def _pyplot() -> Any:
    # Imported on first use: matplotlib is an optional dependency. Without a display,
    # matplotlib picks its Agg backend by itself, so this works on servers and in CI.
    import matplotlib.pyplot as plt

    return plt


def plot_history(
    history: Any,
    path: str | Path | None = None,
    *,
    log_scale: bool = False,
    title: str | None = None,
) -> Any:
    """Loss per epoch (training data loss and validation loss, comparable: neither has
    the L2 penalty), the penalty on its own panel when there is one, and accuracy.

    Returns the matplotlib Figure; with ``path`` it is also saved (PNG, or the format
    the suffix names). ``log_scale=True`` draws losses on a log scale.

    Example:
        >>> from nn.train import History
        >>> h = History(loss=[1.2, 0.6], penalty=[0.2, 0.1], val_loss=[1.1, 0.7])
        >>> [axis.get_title() for axis in plot_history(h, log_scale=True).axes]
        ['Loss', 'L2 penalty']
    """
    plt = _pyplot()
    panels = ["loss"]
    if any(p > 0 for p in history.penalty):
        panels.append("penalty")
    if history.accuracy:
        panels.append("accuracy")
    figure, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 3.9), squeeze=False)
    epochs = range(1, len(history.loss) + 1)
    by_name = dict(zip(panels, axes[0], strict=True))
    _curves(
        by_name["loss"],
        epochs,
        history.data_loss,
        history.val_loss,
        "loss",
        "Loss",
        "training (data loss, without L2)",
    )
    if "penalty" in by_name:
        axis = by_name["penalty"]
        axis.plot(
            epochs,
            history.penalty,
            color=PENALTY_COLOUR,
            lw=2,
            label="L2 penalty (added to the training loss)",
        )
        _dress(axis, "L2 penalty", "penalty")
        axis.set_ylim(bottom=0)  # from zero: how small the penalty is, not just its wiggles
    if "accuracy" in by_name:
        _curves(
            by_name["accuracy"],
            epochs,
            history.accuracy,
            history.val_accuracy,
            "accuracy",
            "Accuracy",
            "training",
        )
        by_name["accuracy"].yaxis.set_major_formatter(_percent_formatter())
    if log_scale:  # the loss only: the penalty changes little, a log axis would hide it
        by_name["loss"].set_yscale("log")
    if history.best_epoch is not None:
        for axis in by_name.values():
            axis.axvline(
                history.best_epoch,
                color="#888",
                ls=":",
                lw=1.2,
                label=f"best epoch {history.best_epoch}",
            )
            axis.legend(fontsize=10)
    if title:
        _fit_title(figure, figure, title)
    figure.tight_layout()
    return _finish(figure, path)


def _curves(
    axis: Any, epochs: range, train: list, validation: list, name: str, title: str, train_label: str
) -> None:
    axis.plot(epochs, train, color=TRAINING_COLOUR, lw=2, label=train_label)
    if validation:
        axis.plot(epochs, validation, color=VALIDATION_COLOUR, lw=2, ls="--", label="validation")
    _dress(axis, title, name)


def _dress(axis: Any, title: str, ylabel: str) -> None:
    axis.set_title(title, fontsize=13)
    axis.set_xlabel("epoch", fontsize=12)
    axis.set_ylabel(ylabel, fontsize=12)
    axis.tick_params(labelsize=11)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=10)


def _percent_formatter() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def plot_decision_boundary(
    model: Callable,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    path: str | Path | None = None,
    resolution: int = 80,
    title: str | None = None,
    *,
    validation: tuple[Sequence, Sequence] | None = None,
    loss: Any = None,
    ax: Any = None,
) -> Any:
    """Shade the plane by the model's predicted class (stronger colour: more confident),
    with the training points (filled) and validation points (hollow) on top.

    Draws a figure of its own, or into ``ax`` (a matplotlib Axes), so that several
    boundaries can stand side by side; either way it returns the figure.

    A single output is a score, its sign the class; several outputs are logits, the
    largest the class. ``loss`` (a name such as ``"binary_cross_entropy"``, or a Loss)
    says how sure a score is: a logit's probability, or a margin (hinge) by default.

    Example:
        >>> from nn import MLP
        >>> figure = plot_decision_boundary(MLP(2, [4, 1], seed=0), [[0.0, 0.0], [1.0, 1.0]],
        ...                                 [-1, 1], resolution=10)
        >>> axis = figure.axes[0]
        >>> axis.get_title(), axis.get_xlabel(), axis.get_ylabel()
        ('Decision boundary', 'x1', 'x2')
    """
    X, X_val, y_val = [list(p) for p in X], *_validation(validation)
    x_lo, x_hi, y_lo, y_hi = plane_bounds(X + X_val)
    grid_x = evenly_spaced(x_lo, x_hi, resolution)
    grid_y = evenly_spaced(y_lo, y_hi, resolution)
    points = [[gx, gy] for gy in grid_y for gx in grid_x]
    outputs = grid_predictor(model, points)(points)
    predicted, confidence = read_classes(_loss_object(loss), outputs)
    if isinstance(outputs[0], list):
        labels: list[Any] = list(range(len(outputs[0])))
    else:
        labels = _binary_labels(list(y) + list(y_val))
    codes = _grid_bytes(predicted, confidence, _levels(len(labels)))
    image = _shading(codes, resolution, resolution, len(labels), fine=4)
    plt = _pyplot()
    # As tall as the plane needs (equal units on both axes), plus title and legend.
    if ax is None:
        aspect = min(max((y_hi - y_lo) / (x_hi - x_lo), 0.5), 1.4)
        figure, axis = plt.subplots(figsize=(6.4, 2.0 + 5.0 * aspect))
    else:
        figure, axis = ax.figure, ax
    axis.imshow(
        image,
        origin="lower",
        extent=_half_cell_bounds(grid_x, grid_y),
        interpolation="bilinear",
        aspect="equal",
    )
    index = {label: k for k, label in enumerate(labels)}
    _scatter_classes(axis, X, y, index, hollow=False)
    _scatter_classes(axis, X_val, y_val, index, hollow=True)
    _class_legend(axis, labels, len(X), len(X_val))
    axis.set_xlabel("x1", fontsize=12)
    axis.set_ylabel("x2", fontsize=12)
    axis.tick_params(labelsize=11)
    _fit_title(figure, axis, title or "Decision boundary")
    figure.tight_layout()
    return _finish(figure, path)


def _validation(validation: tuple[Sequence, Sequence] | None) -> tuple[list, list]:
    if validation is None:
        return [], []
    X_val, y_val = validation
    return [list(p) for p in X_val], list(y_val)


def _scatter_classes(axis: Any, X: list, y: Sequence[Any], index: dict, hollow: bool) -> None:
    for label, k in index.items():
        chosen = [p for p, t in zip(X, y, strict=True) if t == label]
        if not chosen:
            continue
        colour = CLASS_COLOURS[k % len(CLASS_COLOURS)]
        xs, ys = [p[0] for p in chosen], [p[1] for p in chosen]
        if hollow:
            axis.scatter(
                xs,
                ys,
                s=22,
                facecolors="none",
                edgecolors=colour,
                linewidths=1.3,
                alpha=0.8,
                zorder=3,
            )
        else:  # the points it learned from: larger, with a dark rim, on top
            axis.scatter(xs, ys, s=60, c=colour, edgecolors="#222222", linewidths=0.9, zorder=4)


def _class_legend(axis: Any, labels: Sequence[Any], training: int, validation: int) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    classes = [
        Patch(
            facecolor=CLASS_COLOURS[k % len(CLASS_COLOURS)],
            edgecolor="none",
            label=f"class {_class_name(label, labels)}",
        )
        for k, label in enumerate(labels)
    ]
    markers = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            markersize=7,
            color="#777",
            markeredgecolor="white",
            label=f"training ({training})",
        )
    ]
    if validation:
        markers.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                markersize=6,
                color="none",
                markeredgecolor="#777",
                markeredgewidth=1.8,
                label=f"validation ({validation})",
            )
        )
    # Two rows, classes then markers. matplotlib fills a legend column by column, so
    # the rows are padded to the same length and interleaved.
    columns = max(len(classes), len(markers))
    blank = Line2D([], [], ls="", label=" ")
    rows = [row + [blank] * (columns - len(row)) for row in (classes, markers)]
    axis.legend(
        handles=[row[c] for c in range(columns) for row in rows],
        fontsize=10,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=columns,
        frameon=False,
    )


def plot_regression(
    model: Callable,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    path: str | Path | None = None,
    *,
    validation: tuple[Sequence, Sequence] | None = None,
    title: str | None = None,
) -> Any:
    """A 1-D model's curve over its training points (filled) and validation points
    (hollow).

    Example:
        >>> from nn import MLP
        >>> figure = plot_regression(MLP(1, [4, 1], seed=0), [[0.0], [1.0]], [0.0, 1.0])
        >>> figure.axes[0].get_title(), len(figure.axes[0].lines[0].get_xdata())
        ('Fitted curve', 200)
    """
    X, X_val, y_val = [list(p) for p in X], *_validation(validation)
    curve_x = evenly_spaced(*line_bounds(X + X_val), 200)
    points = [[x] for x in curve_x]
    outputs = grid_predictor(model, points)(points)
    curve_y = [o[0] if isinstance(o, list) else o for o in outputs]
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6.4, 4.6))
    axis.plot(curve_x, curve_y, color=CLASS_COLOURS[1], lw=2.5, label="the model's curve", zorder=4)
    axis.scatter(
        [p[0] for p in X],
        list(y),
        s=30,
        c="#555",
        edgecolors="white",
        linewidths=0.8,
        label=f"training ({len(X)})",
        zorder=3,
    )
    if X_val:
        axis.scatter(
            [p[0] for p in X_val],
            y_val,
            s=26,
            facecolors="none",
            edgecolors="#555",
            linewidths=1.5,
            label=f"validation ({len(X_val)})",
            zorder=2,
        )
    axis.set_xlabel("x", fontsize=12)
    axis.set_ylabel("y", fontsize=12)
    axis.tick_params(labelsize=11)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=10)
    _fit_title(figure, axis, title or "Fitted curve")
    figure.tight_layout()
    return _finish(figure, path)


def predicted_class(output: Any) -> int:
    """1 / 0 for a single score (its sign), the index of the largest logit otherwise.

    Example:
        >>> predicted_class(-0.3), predicted_class([0.1, 2.0, -1.0])
        (0, 1)
    """
    if isinstance(output, (Value, int, float)):
        score = output.data if isinstance(output, Value) else output
        return int(score > 0)
    return argmax(output)


def _fit_title(figure: Any, target: Any, text: str, size: float = 13.0) -> None:
    """Set a title that fits the figure's width: wrapped onto up to three lines, and
    smaller if it needs more (a long title is never cut off at the edges)."""
    share = 0.92 if target is figure else min(0.92, target.get_position().width * 1.15)
    width_points = figure.get_figwidth() * 72 * share
    for fontsize in (size, size * 0.85, size * 0.72, size * 0.62):
        # An average character of a sans-serif font is about 0.55 of its size wide.
        lines = textwrap.wrap(text, max(10, int(width_points / (0.55 * fontsize))))
        if len(lines) <= 3:
            break
    setter = target.suptitle if target is figure else target.set_title
    setter("\n".join(lines), fontsize=fontsize)


def _finish(figure: Any, path: str | Path | None) -> Any:
    """Save ``figure`` to ``path`` (whole or not at all), close it, return it."""
    if path is not None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=Path(path).suffix[1:].lower() or "png", dpi=120)
        write_atomically(path, buffer.getvalue())
        _pyplot().close(figure)
    return figure


# --- the training view: one offline page -------------------------------------------------


def training_html(record: TrainingRecord, *, title: str | None = None) -> str:
    """The training view of ``record`` as one offline HTML page (nothing is fetched):
    a slider and play over the recorded epochs, the plane (or curve), the loss and
    accuracy curves, and the numbers of the epoch shown.

    Example:
        >>> from nn import MLP, fit
        >>> from nn.data import make_moons
        >>> X, y = make_moons(20, seed=0, signed=True)
        >>> record = fit(MLP(2, [4, 1], seed=0), X, y, epochs=2, record=1,
        ...              progress=False).record
        >>> page = training_html(record, title="Moons")
        >>> "<title>Moons</title>" in page, "http" in page.split("<script")[0]
        (True, False)
    """
    files = resources.files(__package__)
    heading = title if title is not None else _default_title(record)
    parts = {
        "<!--TITLE-->": html.escape(heading),
        "/*STYLE*/": files.joinpath("training_view.css").read_text(encoding="utf-8"),
        "<!--DATA-->": script_safe_json(_view_data(record)),
        "/*SCRIPT*/": files.joinpath("training_view.js").read_text(encoding="utf-8"),
    }
    page = files.joinpath("training_view.html").read_text(encoding="utf-8")
    # One pass over the markers (not str.format: CSS and JS use { }), so text put in for
    # one marker, such as the title, is never searched for the next.
    pattern = "|".join(re.escape(marker) for marker in parts)
    return re.sub(pattern, lambda match: parts[match.group()], page)


def save_training_html(
    record: TrainingRecord, path: str | Path, *, title: str | None = None
) -> Path:
    """Write ``training_html(record)`` to ``path`` (atomically); return the path.

    Example:
        >>> import tempfile, pathlib
        >>> from nn import MLP, fit
        >>> from nn.data import make_moons
        >>> X, y = make_moons(20, seed=0, signed=True)
        >>> record = fit(MLP(2, [4, 1], seed=0), X, y, epochs=2, record=1,
        ...              progress=False).record
        >>> path = save_training_html(record, pathlib.Path(tempfile.mkdtemp()) / "view.html")
        >>> path.name
        'view.html'
    """
    return write_atomically(path, training_html(record, title=title))


def _default_title(record: TrainingRecord) -> str:
    what = {"classification": "Classification", "regression": "Regression"}.get(
        record.task, "Training"
    )
    return f"{what} with the {record.loss_name} loss: {len(record.X)} training points"


def _view_data(record: TrainingRecord) -> dict[str, Any]:
    """Everything the page draws, as JSON-ready numbers (grids packed into bytes)."""
    if not record.epochs:
        raise ValueError("training view: the record has no frames (was fit(record=...) run?)")
    data: dict[str, Any] = {
        "task": record.task,
        "loss": record.loss_name,
        "epochs": list(record.epochs),
        "metrics": _metrics(record),
        "stopReason": record.stop_reason,
        "restoredEpoch": record.restored_epoch,
        "train": [],
        "validation": [],
    }
    if record.task == "classification":
        data.update(_classification_data(record))
    elif record.task == "regression":
        data.update(_regression_data(record))
    return data


def _classification_data(record: TrainingRecord) -> dict[str, Any]:
    classes = len(record.classes)
    levels = _levels(classes)
    index = {label: k for k, label in enumerate(record.classes)}
    frames = b"".join(
        _grid_bytes(p, c, levels) for p, c in zip(record.predicted, record.confidence, strict=True)
    )
    return {
        "classes": [_class_name(label, record.classes) for label in record.classes],
        "colours": [CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(classes)],
        "grid": {
            "nx": len(record.grid_x),
            "ny": len(record.grid_y),
            "bounds": [_short(v) for v in _half_cell_bounds(record.grid_x, record.grid_y)],
            "levels": levels,
            "strongest": STRONGEST_SHADE,
            "frames": _base64(frames),
        },
        "train": [
            [_short(p[0]), _short(p[1]), index.get(t, -1)]
            for p, t in zip(record.X, record.y, strict=True)
        ],
        "validation": [
            [_short(p[0]), _short(p[1]), index.get(t, -1)]
            for p, t in zip(record.X_val, record.y_val, strict=True)
        ],
    }


def _regression_data(record: TrainingRecord) -> dict[str, Any]:
    values = [v for frame in record.curve for v in frame]
    ys = [float(t) for t in list(record.y) + list(record.y_val)]
    # The plot's height: the data, and the last (trained) curve, with some room.
    seen = [v for v in ys + (record.curve[-1] if record.curve else []) if math.isfinite(v)]
    low, high = (min(seen), max(seen)) if seen else (0.0, 1.0)
    room = 0.08 * (high - low or 1.0)
    return {
        "curve": {
            "x": [_short(x) for x in record.grid_x],
            "range": [low - room, high + room],
            "frames": _base64(_float32(values)),
        },
        "train": [
            [_short(p[0]), _short(float(t))] for p, t in zip(record.X, record.y, strict=True)
        ],
        "validation": [
            [_short(p[0]), _short(float(t))]
            for p, t in zip(record.X_val, record.y_val, strict=True)
        ],
    }


def _metrics(record: TrainingRecord) -> dict[str, Any] | None:
    """The History's lists (exact numbers: the caption must match them), and the epoch
    of their first entry."""
    history = record.history
    if history is None or not history.loss:
        return None
    lists = {
        "dataLoss": history.data_loss,
        "valLoss": history.val_loss,
        "accuracy": history.accuracy,
        "valAccuracy": history.val_accuracy,
        "penalty": history.penalty,
        "lr": history.lr,
    }
    return {
        "first": record.initial_epoch + 1,
        "bestEpoch": history.best_epoch,
        **{name: [_finite(v) for v in values] for name, values in lists.items()},
    }


# --- the GIF: the same frames, drawn with Pillow --------------------------------------------

GIF_SIZE = (800, 450)  # 16:9, for a slide
GIF_ROOM = (16, 16, 420, 418)  # left, top, width, height for the plane
GIF_TEXT_LEFT = 462  # the right column: numbers, loss curve, legend
GIF_CHART = (504, 178, 276, 130)  # the small loss chart
SUPERSAMPLE = 2  # layers with circles and lines are drawn twice as large, then scaled down


def save_training_gif(
    record: TrainingRecord,
    path: str | Path,
    *,
    max_frames: int = 60,
    frame_ms: int = 120,
    title: str | None = None,
) -> Path:
    """Write the recorded frames as an animated GIF (for slides) and return the path.

    Each frame: the plane shaded by the predicted class with the points (or the fitted
    curve), "epoch N" with its loss and accuracy, and a small loss curve with the epoch
    marked. With more than ``max_frames`` frames an even selection is kept, always with
    the first and the last; those two stay longer on screen.

    Example:
        >>> import tempfile, pathlib
        >>> from nn import MLP, fit
        >>> from nn.data import make_moons
        >>> X, y = make_moons(20, seed=0, signed=True)
        >>> record = fit(MLP(2, [4, 1], seed=0), X, y, epochs=6, record=1,
        ...              progress=False).record
        >>> path = save_training_gif(record, pathlib.Path(tempfile.mkdtemp()) / "t.gif",
        ...                          max_frames=4)
        >>> from PIL import Image
        >>> Image.open(path).n_frames
        4
    """
    from PIL import Image

    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 2:
        raise ValueError(
            f"save_training_gif: max_frames must be a whole number >= 2, got {max_frames!r}"
        )
    painter = _GifPainter(_view_data(record), title)
    frames = [painter.frame(i) for i in _evenly(len(record.epochs), max_frames)]
    # One palette for every frame (taken from the first, middle and last), so colours do
    # not flicker; 128 colours keep the file small and the shading smooth enough.
    sample = Image.new("RGB", (GIF_SIZE[0], GIF_SIZE[1] * 3))
    for row, frame in enumerate((frames[0], frames[len(frames) // 2], frames[-1])):
        sample.paste(frame, (0, row * GIF_SIZE[1]))
    palette = sample.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    paletted = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
    durations = [frame_ms] * len(paletted)
    durations[0], durations[-1] = max(frame_ms, 800), max(frame_ms, 2000)
    buffer = io.BytesIO()
    paletted[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=paletted[1:],
        duration=durations,
        loop=0,
        optimize=True,
    )
    return write_atomically(path, buffer.getvalue())


def _evenly(count: int, most: int) -> list[int]:
    """Up to ``most`` indices of ``range(count)``, evenly spread, first and last kept."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


class _GifPainter:
    """Draws the GIF's frames: what never changes once, then each frame on a copy."""

    def __init__(self, data: dict[str, Any], title: str | None) -> None:
        self.data, self.title, self.metrics = data, title, data["metrics"]
        self.task = data["task"]
        self.plane = self._plane_box()
        self.chart = self._chart_scale()
        if self.task != "metrics":
            self.points = self._layer(self._draw_points)
        if "grid" in data:
            self.codes = base64.b64decode(data["grid"]["frames"])
        if "curve" in data:
            raw = base64.b64decode(data["curve"]["frames"])
            self.curve = struct.unpack(f"<{len(raw) // 4}f", raw)
        self.base = self._static()

    # -- geometry --

    def _extent(self) -> list[float]:
        if "grid" in self.data:
            return self.data["grid"]["bounds"]
        curve = self.data.get("curve", {"x": [0.0, 1.0], "range": [0.0, 1.0]})
        return [curve["x"][0], curve["x"][-1], *curve["range"]]

    def _plane_box(self) -> tuple[int, int, int, int]:
        """The plane inside GIF_ROOM: equal units on both axes for a classifier."""
        left, top, width, height = GIF_ROOM
        if "grid" not in self.data:
            return GIF_ROOM
        x0, x1, y0, y1 = self._extent()
        unit = min(width / (x1 - x0), height / (y1 - y0))
        w, h = round(unit * (x1 - x0)), round(unit * (y1 - y0))
        return left + (width - w) // 2, top + (height - h) // 2, w, h

    def _to_plane(self, x: float, y: float, scale: float = 1.0) -> tuple[float, float]:
        """Data coordinates to pixels of a plane-sized layer (``scale`` times larger)."""
        x0, x1, y0, y1 = self._extent()
        _, _, width, height = self.plane
        return ((x - x0) / (x1 - x0) * width * scale, (y1 - y) / (y1 - y0) * height * scale)

    def _chart_scale(self) -> dict[str, Any] | None:
        lines = [
            (name, self.metrics[name])
            for name in ("dataLoss", "valLoss")
            if self.metrics and self.metrics.get(name)
        ]
        values = [v for _, line in lines for v in line if v is not None]
        if not values:
            return None
        box = GIF_CHART if self.task != "metrics" else (70, 60, 360, 300)
        epochs = self.data["epochs"]
        return {
            "box": box,
            "lines": lines,
            "high": max(max(values), 1e-12),
            "first": epochs[0],
            "last": max(epochs[-1], epochs[0] + 1),
        }

    def _to_chart(self, epoch: float, value: float) -> tuple[float, float]:
        chart = self.chart
        assert chart is not None, "called only when there is a chart"
        left, top, width, height = chart["box"]
        span = chart["last"] - chart["first"]
        return (
            left + (epoch - chart["first"]) / span * width,
            top + height - value / chart["high"] * height,
        )

    # -- the parts that stay --

    def _layer(self, draw: Callable[[Any, float], None]) -> Any:
        """A transparent plane-sized layer, drawn large and scaled down (smooth edges)."""
        from PIL import Image, ImageDraw

        _, _, width, height = self.plane
        layer = Image.new("RGBA", (width * SUPERSAMPLE, height * SUPERSAMPLE), (0, 0, 0, 0))
        draw(ImageDraw.Draw(layer), SUPERSAMPLE)
        return layer.resize((width, height), Image.Resampling.LANCZOS)

    def _draw_points(self, draw: Any, scale: float) -> None:
        colours = self.data.get("colours")
        for kind, points in (
            ("validation", self.data["validation"]),
            ("training", self.data["train"]),
        ):
            for point in points:
                x, y = self._to_plane(point[0], point[1], scale)
                colour = colours[point[2]] if colours and point[2] >= 0 else "#555555"
                if kind == "training":  # filled, with a white rim
                    r = 4.5 * scale
                    draw.ellipse(
                        (x - r, y - r, x + r, y + r),
                        fill=colour,
                        outline="white",
                        width=round(1.2 * scale),
                    )
                else:  # hollow
                    r = 3.8 * scale
                    draw.ellipse(
                        (x - r, y - r, x + r, y + r), outline=colour, width=round(1.8 * scale)
                    )

    def _static(self) -> Any:
        from PIL import Image, ImageDraw

        s = SUPERSAMPLE
        big = Image.new("RGB", (GIF_SIZE[0] * s, GIF_SIZE[1] * s), "white")
        draw = ImageDraw.Draw(big)
        if self.task != "metrics":
            left, top, width, height = self.plane
            draw.rectangle(
                ((left - 1) * s, (top - 1) * s, (left + width) * s, (top + height) * s),
                outline="#999999",
                width=s,
            )
        if self.chart:
            left, top, width, height = self.chart["box"]
            draw.rectangle(
                (left * s, top * s, (left + width) * s, (top + height) * s),
                outline="#999999",
                width=s,
            )
            for (_, values), colour in zip(  # one or two lines: the colours in that order
                self.chart["lines"], (TRAINING_COLOUR, VALIDATION_COLOUR), strict=False
            ):
                points = [
                    self._to_chart(self.metrics["first"] + i, v)
                    for i, v in enumerate(values)
                    if v is not None
                ]
                if len(points) > 1:
                    draw.line(
                        [(x * s, y * s) for x, y in points], fill=colour, width=2 * s, joint="curve"
                    )
        base = big.resize(GIF_SIZE, Image.Resampling.LANCZOS)
        self._labels(ImageDraw.Draw(base))
        return base

    def _labels(self, draw: Any) -> None:
        small, label, grey = _font(14), _font(16), "#444444"
        if self.chart:
            left, top, width, height = self.chart["box"]
            draw.text((left, top - 24), "loss per epoch", font=label, fill="#222222")
            draw.text((left - 6, top + height), "0", font=small, fill=grey, anchor="rb")
            draw.text(
                (left - 6, top), f"{self.chart['high']:.3g}", font=small, fill=grey, anchor="rt"
            )
            for epoch, anchor in ((self.chart["first"], "la"), (self.chart["last"], "ra")):
                x, _ = self._to_chart(epoch, 0.0)
                draw.text((x, top + height + 4), str(epoch), font=small, fill=grey, anchor=anchor)
            draw.text(
                (left + width / 2, top + height + 4), "epoch", font=small, fill=grey, anchor="ma"
            )
        x, y = GIF_TEXT_LEFT, 348
        keys = [("training", TRAINING_COLOUR, True)]
        if self.data["validation"] or (self.metrics and self.metrics.get("valLoss")):
            keys.append(("validation", VALIDATION_COLOUR, False))
        for k, (name, colour, filled) in enumerate(keys):
            at = x + 150 * k
            draw.line((at, y + 10, at + 24, y + 10), fill=colour, width=3)
            draw.ellipse(
                (at + 30, y + 4, at + 42, y + 16),
                fill="#777777" if filled else None,
                outline="#777777",
                width=2,
            )
            draw.text((at + 48, y), name, font=label, fill="#222222")
        for k, name in enumerate((self.data.get("classes") or [])[:6]):
            at_x, at_y = x + (k % 3) * 110, y + 30 + (k // 3) * 26
            draw.rectangle((at_x, at_y + 2, at_x + 22, at_y + 17), fill=self.data["colours"][k])
            draw.text((at_x + 29, at_y), f"class {name}", font=label, fill="#222222")
        if self.title:  # one line; shortened with an ellipsis if it is too long
            room, text = GIF_SIZE[0] - x - 10, self.title
            while len(text) > 1 and small.getlength(text + "\u2026") > room:
                text = text[:-1]
            text += "" if text == self.title else "\u2026"
            draw.text((x, GIF_SIZE[1] - 10), text, font=small, fill="#555555", anchor="ls")

    # -- one frame --

    def frame(self, index: int) -> Any:
        from PIL import Image, ImageDraw

        image = self.base.copy()
        if self.task != "metrics":
            left, top, width, height = self.plane
            if "grid" in self.data:
                plane = self._shading(index).resize((width, height), Image.Resampling.BILINEAR)
            else:
                plane = Image.new("RGB", (width, height), "white")
            plane = plane.convert("RGBA")
            plane.alpha_composite(self.points)
            if "curve" in self.data:
                plane.alpha_composite(self._layer(lambda d, s: self._draw_curve(d, s, index)))
            image.paste(plane.convert("RGB"), (left, top))
        draw = ImageDraw.Draw(image)
        self._cursor(draw, index)
        self._numbers(draw, index)
        return image

    def _shading(self, index: int) -> Any:
        from PIL import Image

        grid = self.data["grid"]
        size = grid["nx"] * grid["ny"]
        codes = self.codes[index * size : (index + 1) * size]
        pixels = _shading(codes, grid["nx"], grid["ny"], len(self.data["classes"]), fine=4)
        return Image.fromarray(pixels[::-1])  # rows bottom first -> an image's top first

    def _draw_curve(self, draw: Any, scale: float, index: int) -> None:
        xs = self.data["curve"]["x"]
        values = self.curve[index * len(xs) : (index + 1) * len(xs)]
        run: list[tuple[float, float]] = []
        for x, y in [*zip(xs, values, strict=True), (None, math.nan)]:
            if x is not None and math.isfinite(y):  # a NaN or infinity breaks the line
                px, py = self._to_plane(x, y, scale)
                run.append((px, max(-1e4, min(1e4, py))))
                continue
            if len(run) > 1:
                draw.line(run, fill=CLASS_COLOURS[1], width=round(3 * scale), joint="curve")
            run = []

    def _metric(self, name: str, index: int) -> float | None:
        """The History's number for frame ``index``'s epoch (None before epoch 1)."""
        metrics = self.metrics
        if not metrics or not metrics.get(name):
            return None
        at = self.data["epochs"][index] - metrics["first"]
        return metrics[name][at] if 0 <= at < len(metrics[name]) else None

    def _cursor(self, draw: Any, index: int) -> None:
        if not self.chart:
            return
        epoch = self.data["epochs"][index]
        _, top, _, height = self.chart["box"]
        x, _ = self._to_chart(epoch, 0.0)
        draw.line((x, top, x, top + height), fill="#777777", width=2)
        for name, colour in (("dataLoss", TRAINING_COLOUR), ("valLoss", VALIDATION_COLOUR)):
            value = self._metric(name, index)
            if value is not None:
                _, y = self._to_chart(epoch, value)
                draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=colour, outline="white")

    def _numbers(self, draw: Any, index: int) -> None:
        """ "epoch N / last", then a small table: loss and accuracy, training and
        validation."""
        x, epoch = GIF_TEXT_LEFT, self.data["epochs"][index]
        draw.text(
            (x, 16),
            f"epoch {epoch} / {self.data['epochs'][-1]}",
            font=_font(30, bold=True),
            fill="#222222",
        )
        if epoch == 0:
            draw.text((x, 66), "before training:", font=_font(18), fill="#222222")
            draw.text((x, 92), "random weights", font=_font(18), fill="#222222")
            return
        columns = (x + 112, x + 222)
        has_accuracy = bool(self.metrics and self.metrics.get("accuracy"))
        for column, name in zip(columns, ("loss", "accuracy" if has_accuracy else ""), strict=True):
            draw.text((column, 62), name, font=_font(15), fill="#555555")
        for row, (name, loss, accuracy, colour) in enumerate(
            (
                ("training", "dataLoss", "accuracy", TRAINING_COLOUR),
                ("validation", "valLoss", "valAccuracy", VALIDATION_COLOUR),
            )
        ):
            loss_value = self._metric(loss, index)
            if loss_value is None:
                continue
            y = 84 + 28 * row
            draw.text((x, y), name, font=_font(18), fill=colour)
            draw.text((columns[0], y), _number(loss_value), font=_font(18), fill=colour)
            accuracy_value = self._metric(accuracy, index)
            if accuracy_value is not None:
                draw.text(
                    (columns[1], y), f"{100 * accuracy_value:.1f}%", font=_font(18), fill=colour
                )


def _number(value: float | None) -> str:
    """As the page writes it: 4 significant digits, exponent form when tiny or huge."""
    if value is None:
        return "\u2013"
    if value != 0 and not 1e-3 <= abs(value) < 1e4:
        return f"{value:.2e}".replace("e-0", "e-").replace("e+0", "e+")
    return f"{value:#.4g}".rstrip(".")


_FONTS: dict[tuple[int, bool], Any] = {}


def _font(size: int, bold: bool = False) -> Any:
    """DejaVu Sans (matplotlib ships it) at ``size`` px; Pillow's own font otherwise."""
    from PIL import ImageFont

    key = (size, bold)
    if key not in _FONTS:
        try:
            from matplotlib import font_manager

            properties = font_manager.FontProperties(
                family="DejaVu Sans", weight="bold" if bold else "normal"
            )
            _FONTS[key] = ImageFont.truetype(font_manager.findfont(properties), size)
        except (ImportError, OSError):
            _FONTS[key] = ImageFont.load_default()
    return _FONTS[key]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None  # JSON has no NaN or infinity


def _short(value: float) -> float:
    """A coordinate to 5 significant digits: far finer than a pixel, and compact."""
    return float(f"{value:.5g}")


def _float32(values: Sequence[float]) -> bytes:
    # Beyond float32's range a number becomes an infinity (drawn as a gap, like NaN).
    return struct.pack(
        f"<{len(values)}f", *(math.copysign(math.inf, v) if abs(v) > 3.4e38 else v for v in values)
    )


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


__all__ = [
    "CLASS_COLOURS",
    "plot_decision_boundary",
    "plot_history",
    "plot_regression",
    "predicted_class",
    "save_training_gif",
    "save_training_html",
    "training_html",
]
