"""Recording a training run for the training view: what the model predicts, epoch by epoch.

``fit(..., record=1)`` (or the ``TrainingRecorder`` callback) keeps, every ``every``
epochs, the model's predictions over a grid covering the data, next to the History's
loss and accuracy. ``nn.plots.save_training_html`` and ``save_training_gif`` turn the
record into a page with a slider and an animation.

* Classification of 2-D points: on a ``grid`` x ``grid`` lattice, the predicted class
  and how sure the model is of it (0: on the boundary, 1: certain).
* Regression of 1-D inputs: the fitted curve, ``curve_points`` predictions along x.
* Anything else: the metrics only (``task == "metrics"``).

The grid is evaluated in one batched call: the model's forward pass is compiled once
(``autograd.compile``) and replayed over all grid points with NumPy, which costs a few
milliseconds per frame; without NumPy, one graph-free pass per point.

Example:
    >>> from nn import MLP, fit
    >>> from nn.data import make_moons
    >>> X, y = make_moons(30, seed=0, signed=True)
    >>> history = fit(MLP(2, [8, 1], seed=0), X, y, epochs=4, record=2, progress=False)
    >>> record = history.record
    >>> record.task, record.epochs, len(record.predicted[0]) == 50 * 50
    ('classification', [0, 2, 4], True)
"""

from __future__ import annotations

import bisect
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import autograd
from autograd import Value, no_grad

from .callbacks import Callback
from .checks import check_count
from .losses import Loss

if TYPE_CHECKING:
    from .callbacks import TrainingRun
    from .train import History

MARGIN = 0.5  # how far the drawn plane reaches beyond the outermost point


@dataclass
class TrainingRecord:
    """Frames of a training run: predictions over a grid at some epochs, and metrics.

    ``epochs[i]`` is the epoch frame ``i`` was taken after (0: before training). Grid
    values run row by row: ``grid_y[0]`` first, ``grid_x`` within a row.
    """

    task: str  # "classification", "regression" or "metrics"
    loss_name: str
    classes: list[Any]  # the labels, in the order of the predicted indices
    X: list[list[float]]
    y: list[Any]
    X_val: list[list[float]] = field(default_factory=list)
    y_val: list[Any] = field(default_factory=list)
    grid_x: list[float] = field(default_factory=list)
    grid_y: list[float] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    initial_epoch: int = 0  # the History's first entry is epoch initial_epoch + 1
    predicted: list[list[int]] = field(default_factory=list)  # classification
    confidence: list[list[float]] = field(default_factory=list)  # classification
    curve: list[list[float]] = field(default_factory=list)  # regression
    history: History | None = None
    stop_reason: str | None = None  # why training stopped before its last epoch
    restored_epoch: int | None = None  # EarlyStopping put this epoch's weights back

    @property
    def frames(self) -> int:
        return len(self.epochs)

    def _repr_html_(self) -> str:
        # In Jupyter the record shows as the training view; an iframe keeps the page's
        # styles and script to itself (also in an nbconvert HTML export).
        from .plots import training_html

        return (
            f'<iframe srcdoc="{html.escape(training_html(self), quote=True)}" '
            'style="width: 100%; height: 820px; border: 1px solid #ccc;" '
            'title="training view"></iframe>'
        )


class TrainingRecorder(Callback):
    """Records a ``TrainingRecord`` while ``fit`` trains: every ``every`` epochs, before
    the first epoch, and after the last.

    Example:
        >>> recorder = TrainingRecorder(every=5, grid=40)
        >>> recorder.every, recorder.grid
        (5, 40)
    """

    def __init__(self, every: int = 1, grid: int = 50, curve_points: int = 200) -> None:
        for name, value, minimum in (
            ("every", every, 1),
            ("grid", grid, 2),
            ("curve_points", curve_points, 2),
        ):
            check_count(value, f"TrainingRecorder: {name}", minimum)
        self.every, self.grid, self.curve_points = every, grid, curve_points
        self.record: TrainingRecord | None = None
        self._points: list[list[float]] = []
        self._predict: Callable[..., list[Any]] | None = None

    def on_train_begin(self, run: TrainingRun) -> None:
        X_val, y_val = run.validation or ([], [])
        self.record = record = TrainingRecord(
            task=_task(run.loss, run.X),
            loss_name=getattr(run.loss, "name", "loss"),
            classes=[],
            X=run.X,
            y=list(run.y),
            X_val=list(X_val),
            y_val=list(y_val),
            initial_epoch=run.epoch,
            history=run.history,
        )
        points = run.X + record.X_val
        if record.task == "classification":
            x_low, x_high, y_low, y_high = plane_bounds(points)
            record.grid_x = evenly_spaced(x_low, x_high, self.grid)
            record.grid_y = evenly_spaced(y_low, y_high, self.grid)
            self._points = [[gx, gy] for gy in record.grid_y for gx in record.grid_x]
        elif record.task == "regression":
            record.grid_x = evenly_spaced(*line_bounds(points), self.curve_points)
            self._points = [[gx] for gx in record.grid_x]
        if self._points:
            self._predict = grid_predictor(run.model, self._points)
            record.classes = _classes(run.loss, self._predict(self._points[:1])[0])
        self._take(run, run.epoch)

    def on_epoch_end(self, run: TrainingRun, epoch: int, logs: dict[str, float]) -> None:
        # Recorders run after the other callbacks: stop_training is already decided.
        if epoch % self.every == 0 or epoch == run.epochs or run.stop_training:
            self._take(run, epoch)

    def on_train_end(self, run: TrainingRun) -> None:
        record = self.record
        if record is None:
            return
        finished = record.initial_epoch + len(run.history.loss)  # not an epoch cut short
        if not record.epochs or record.epochs[-1] != finished:
            self._take(run, finished)  # the last epoch always
        record.stop_reason = run.history.stop_reason
        if run.weights_restored:
            # The model ends with the best epoch's weights: make sure that frame is there.
            restored = record.restored_epoch = run.history.best_epoch
            assert restored is not None, "EarlyStopping restores weights of a best epoch"
            if restored not in record.epochs:
                self._take(run, restored)

    def _take(self, run: TrainingRun, epoch: int) -> None:
        """A frame of the model as it is now, labelled ``epoch``, in epoch order."""
        record = self.record
        assert record is not None, "on_train_begin makes the record"
        at = bisect.bisect(record.epochs, epoch)
        record.epochs.insert(at, epoch)
        if record.task == "metrics":
            return
        assert self._predict is not None, "a plane or a curve has a grid to predict on"
        outputs = self._predict()  # the grid
        if record.task == "regression":
            record.curve.insert(at, [_score(o) for o in outputs])
        else:
            predicted, confidence = read_classes(run.loss, outputs)
            record.predicted.insert(at, predicted)
            record.confidence.insert(at, confidence)


def grid_predictor(model: Callable, points: list[list[float]]) -> Callable[..., list[Any]]:
    """A function giving ``model``'s outputs (floats, or lists of floats) on many points:
    ``predict()`` on ``points``, ``predict(others)`` on others.

    The model's forward pass is traced once and replayed on NumPy arrays, with the
    parameters' current numbers at each call; a model that cannot be traced (or no
    NumPy) is evaluated point by point without a graph.
    """
    params = model.parameters() if hasattr(model, "parameters") else []
    try:
        import numpy

        def forward(*inputs: Value) -> Any:
            out = model(list(inputs[len(params) :]))
            return out if isinstance(out, Value) else tuple(out)

        program = autograd.compile(forward, [*params, *points[0]], wrt=())
    except (ImportError, autograd.TraceError, TypeError, ValueError):
        return lambda many=None: _predict_eagerly(model, points if many is None else many)

    grid_columns = numpy.asarray(points, dtype=float).T.copy()  # laid out once

    def predict(many: list[list[float]] | None = None) -> list[Any]:
        columns = grid_columns if many is None else numpy.asarray(many, dtype=float).T
        outputs, _ = program.batch(
            *[p.data for p in params], *columns, chunk_size=max(columns.shape[1], 1)
        )  # one pass: fewest calls
        if isinstance(outputs, tuple):
            return numpy.stack(outputs, axis=1).tolist()
        return outputs.tolist()

    return predict


def _predict_eagerly(model: Callable, points: list[list[float]]) -> list[Any]:
    with no_grad():
        return [_plain(model(point)) for point in points]


def _plain(output: Any) -> Any:
    if isinstance(output, Value):
        return output.data
    if isinstance(output, (int, float)):
        return float(output)
    return [_plain(o) for o in output]


def _task(loss: Any, X: list[list[float]]) -> str:
    classifies = isinstance(loss, Loss) and loss.is_correct is not None
    if classifies and len(X[0]) == 2:
        return "classification"
    if not classifies and len(X[0]) == 1:
        return "regression"
    return "metrics"


def _classes(loss: Any, example_output: Any) -> list[Any]:
    if isinstance(example_output, list):
        return list(range(len(example_output)))
    return [0, 1] if getattr(loss, "name", "") == "binary_cross_entropy" else [-1, 1]


def _score(output: Any) -> float:
    return output[0] if isinstance(output, list) else output


def read_classes(loss: Any, outputs: list[Any]) -> tuple[list[int], list[float]]:
    """Predicted class index and confidence (0 on the boundary, 1 certain) per point,
    from the model's outputs: scores (one float each) or logits (a list each).

    Example:
        >>> read_classes(None, [2.0, -0.5, 0.0])[0]
        [1, 0, 0]
    """
    if outputs and isinstance(outputs[0], list):  # logits: softmax
        predicted, confidence = [], []
        for logits in outputs:
            top = max(logits)
            weights = [math.exp(v - top) if v == v else math.nan for v in logits]
            best = max(range(len(logits)), key=logits.__getitem__)
            chance = 1.0 / len(logits)
            sure = (weights[best] / sum(weights) - chance) / (1.0 - chance)
            predicted.append(best)
            confidence.append(sure if sure == sure else 0.0)
        return predicted, confidence
    # A score: its sign is the class. A logit's probability is sigmoid(s), so
    # |2 sigmoid(s) - 1| = tanh(|s| / 2); a margin score (hinge) is sure at |s| >= 1.
    scale = 0.5 if getattr(loss, "name", "") == "binary_cross_entropy" else 1.0
    return (
        [int(s > 0) for s in outputs],
        [math.tanh(abs(s) * scale) if s == s else 0.0 for s in outputs],
    )


def evenly_spaced(low: float, high: float, count: int) -> list[float]:
    """``count`` numbers from ``low`` to ``high``, both included.

    Example:
        >>> evenly_spaced(0.0, 1.0, 3)
        [0.0, 0.5, 1.0]
    """
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def plane_bounds(
    points: Sequence[Sequence[float]], margin: float = MARGIN
) -> tuple[float, float, float, float]:
    """``(x_low, x_high, y_low, y_high)`` of the plane drawn around 2-D ``points``.

    Example:
        >>> plane_bounds([[0.0, 1.0], [2.0, 3.0]])
        (-0.5, 2.5, 0.5, 3.5)
    """
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (*_reach(xs, margin), *_reach(ys, margin))


def line_bounds(points: Sequence[Sequence[float]]) -> tuple[float, float]:
    """``(low, high)`` of the x axis drawn under 1-D ``points``: 5% wider on each side.

    Example:
        >>> line_bounds([[0.0], [2.0]])
        (-0.1, 2.1)
    """
    xs = [p[0] for p in points]
    return _reach(xs, 0.05 * (max(xs) - min(xs) or 1.0))


def _reach(values: Sequence[float], margin: float) -> tuple[float, float]:
    low, high = min(values) - margin, max(values) + margin
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("the data has points that are not finite numbers")
    return low, high


__all__ = [
    "TrainingRecord",
    "TrainingRecorder",
    "evenly_spaced",
    "grid_predictor",
    "line_bounds",
    "plane_bounds",
    "read_classes",
]
