"""The matplotlib plots and the GIF: what a teacher projects must say what it shows.

Each test inspects the matplotlib Figure (titles, labels, legends, the plotted numbers)
or the GIF's frames, and writing checks that files are whole or not there at all.
"""

import numpy
import pytest
from matplotlib import pyplot
from matplotlib.figure import Figure
from PIL import Image

from nn import MLP, SGD, fit, plots
from nn.data import make_moons, make_regression_curve, make_spiral
from nn.plots import plot_decision_boundary, plot_history, plot_regression, save_training_gif
from nn.train import History

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def moons():
    """A small trained moons classifier with validation data, L2 and a record."""
    X, y = make_moons(40, noise=0.1, seed=0, signed=True)
    X_val, y_val = make_moons(30, noise=0.1, seed=1, signed=True)
    model = MLP(2, [8, 1], seed=0)
    history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.3),
                  epochs=20, l2_penalty=1e-3, validation=(X_val, y_val), record=1,
                  progress=False, compile=True)
    return model, X, y, X_val, y_val, history


def texts(legend):
    return [t.get_text() for t in legend.get_texts()]


def close(figure):
    pyplot.close(figure)


# --- plot_history ------------------------------------------------------------------------


def test_history_plots_data_loss_and_validation_loss_together_and_the_penalty_apart(moons):
    *_, history = moons
    figure = plot_history(history)
    loss, penalty, accuracy = figure.axes
    assert [a.get_title() for a in figure.axes] == ["Loss", "L2 penalty", "Accuracy"]
    lines = {line.get_label(): list(line.get_ydata()) for line in loss.lines}
    assert lines == {"training (data loss, without L2)": history.data_loss,
                     "validation": history.val_loss}
    # The minimised total (data + penalty) is nowhere: it is not comparable with val_loss.
    assert history.loss not in lines.values()
    (penalty_line,) = penalty.lines
    assert list(penalty_line.get_ydata()) == history.penalty
    assert "L2 penalty" in penalty_line.get_label()
    assert penalty.get_ylim()[0] == 0
    for axis, ylabel in zip(figure.axes, ["loss", "penalty", "accuracy"]):
        assert axis.get_xlabel() == "epoch" and axis.get_ylabel() == ylabel
        assert axis.get_legend() is not None
    assert texts(accuracy.get_legend()) == ["training", "validation"]
    assert [list(line.get_ydata()) for line in accuracy.lines] == [history.accuracy,
                                                                    history.val_accuracy]
    close(figure)


def test_history_without_a_penalty_has_no_penalty_panel():
    history = History(loss=[1.0, 0.5], penalty=[0.0, 0.0], accuracy=[0.5, 0.9])
    figure = plot_history(history)
    assert [a.get_title() for a in figure.axes] == ["Loss", "Accuracy"]
    close(figure)


def test_log_scale_is_for_the_loss_panel(moons):
    *_, history = moons
    linear, logarithmic = plot_history(history), plot_history(history, log_scale=True)
    assert [a.get_yscale() for a in linear.axes] == ["linear", "linear", "linear"]
    assert [a.get_yscale() for a in logarithmic.axes] == ["log", "linear", "linear"]
    close(linear)
    close(logarithmic)


def test_history_title_and_best_epoch():
    history = History(loss=[1.0, 0.5, 0.6], val_loss=[1.1, 0.7, 0.8], best_epoch=2)
    figure = plot_history(history, title="Moons, SGD")
    assert figure._suptitle.get_text() == "Moons, SGD"
    assert any(line.get_label() == "best epoch 2" for line in figure.axes[0].lines)
    close(figure)


# --- plot_decision_boundary ----------------------------------------------------------


def boundary_parts(figure):
    (axis,) = figure.axes
    (image,) = axis.images
    filled, hollow = [], []
    for collection in axis.collections:
        faces = collection.get_facecolors()
        (hollow if not faces.size or faces[:, 3].max() == 0 else filled).append(collection)
    return axis, numpy.asarray(image.get_array()), filled, hollow


def test_boundary_draws_validation_points_hollow_with_a_legend_and_labels(moons):
    model, X, y, X_val, y_val, _ = moons
    figure = plot_decision_boundary(model, X, y, validation=(X_val, y_val), resolution=30)
    axis, _, filled, hollow = boundary_parts(figure)
    assert sum(len(c.get_offsets()) for c in filled) == len(X)
    assert sum(len(c.get_offsets()) for c in hollow) == len(X_val)
    drawn = sorted(map(tuple, numpy.vstack([c.get_offsets() for c in hollow]).tolist()))
    assert drawn == sorted(map(tuple, X_val))
    assert axis.get_xlabel() == "x1" and axis.get_ylabel() == "x2"
    assert axis.get_title() == "Decision boundary"
    assert set(texts(axis.get_legend())) >= {"class -1", "class +1", "training (40)",
                                             "validation (30)"}
    close(figure)


def test_without_validation_no_hollow_points_and_no_validation_key(moons):
    model, X, y, *_ = moons
    figure = plot_decision_boundary(model, X, y, resolution=20)
    axis, _, _, hollow = boundary_parts(figure)
    assert not hollow
    assert not any(t.startswith("validation") for t in texts(axis.get_legend()))
    close(figure)


def test_boundary_shading_is_smooth_and_pale_where_the_model_is_unsure(moons):
    model, X, y, *_ = moons
    figure = plot_decision_boundary(model, X, y, resolution=30)
    _, image, _, _ = boundary_parts(figure)
    assert image.shape == (30 * 4, 30 * 4, 3)  # finer than the grid: no staircase
    colours = {tuple(p) for p in image.reshape(-1, 3).tolist()}
    assert len(colours) > 100  # graded by confidence, not two flat regions
    # Every pixel lies between white and a class colour; nearly white somewhere (the
    # boundary), strongly tinted somewhere (far from it).
    distance = (255 - image.astype(int)).sum(axis=2)
    assert distance.min() < 40 and distance.max() > 150
    close(figure)


def test_boundary_uses_the_grid_predictor_and_the_records_confidence_rule(monkeypatch,
                                                                        moons):
    model, X, y, *_ = moons
    calls = []
    real = plots.read_classes
    monkeypatch.setattr(plots, "read_classes",
                        lambda loss, outputs: calls.append(loss) or real(loss, outputs))
    close(plot_decision_boundary(model, X, y, resolution=10, loss="binary_cross_entropy"))
    assert [loss.name for loss in calls] == ["binary_cross_entropy"]


def test_the_loss_keyword_reads_logits_as_less_sure_than_margins(moons):
    """A logit of 1 is a probability of 0.73; a hinge score of 1 is a sure margin."""
    model, X, y, *_ = moons
    tint = {}
    for loss in ("hinge", "binary_cross_entropy"):
        figure = plot_decision_boundary(model, X, y, resolution=20, loss=loss)
        tint[loss] = (255 - boundary_parts(figure)[1].astype(int)).mean()
        close(figure)
    assert tint["binary_cross_entropy"] < 0.9 * tint["hinge"]
    with pytest.raises(ValueError, match="unknown loss"):
        plot_decision_boundary(model, X, y, resolution=5, loss="hinj")


def test_three_classes_get_three_colours_in_the_legend():
    X, y = make_spiral(30, classes=3, seed=0)
    figure = plot_decision_boundary(MLP(2, [8, 3], seed=0), X, y, resolution=12,
                                    loss="cross_entropy")
    axis, _, filled, _ = boundary_parts(figure)
    assert {"class 0", "class 1", "class 2"} <= set(texts(axis.get_legend()))
    assert len({tuple(c.get_facecolors()[0]) for c in filled}) == 3
    close(figure)


def test_a_long_title_wraps_inside_the_figure(moons):
    model, X, y, *_ = moons
    title = "Decision boundary: " + "MLP(2 -> 16 relu -> 16 relu -> 1 linear) " * 5
    figure = plot_decision_boundary(model, X, y, resolution=10, title=title)
    axis = figure.axes[0]
    shown = axis.title.get_text()
    assert shown.replace("\n", " ") == " ".join(title.split())
    assert shown.count("\n") >= 2
    figure.canvas.draw()  # places the title, as saving does
    box, page = axis.title.get_window_extent(), figure.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1 and box.y1 <= page.y1
    close(figure)


# --- plot_regression -------------------------------------------------------------------


def test_regression_draws_the_models_curve_over_the_points():
    X, y = make_regression_curve(20, seed=0)
    X_val, y_val = make_regression_curve(10, seed=1)
    model = MLP(1, [8, 1], activation="tanh", seed=0)
    figure = plot_regression(model, X, y, validation=(X_val, y_val), title="Fit")
    (axis,) = figure.axes
    (curve,) = axis.lines
    xs, ys = curve.get_xdata(), curve.get_ydata()
    assert len(xs) == 200 and min(xs) < min(p[0] for p in X)
    assert ys[7] == pytest.approx(model([xs[7]]).data)
    assert [len(c.get_offsets()) for c in axis.collections] == [20, 10]
    assert not axis.collections[1].get_facecolors().size  # hollow
    assert axis.get_title() == "Fit" and (axis.get_xlabel(), axis.get_ylabel()) == ("x", "y")
    assert texts(axis.get_legend()) == ["the model's curve", "training (20)",
                                        "validation (10)"]
    close(figure)


# --- files: whole or not at all ----------------------------------------------------------


def test_plots_save_pngs_and_leave_no_temporary_files(tmp_path, moons):
    model, X, y, *_, history = moons
    plot_history(history, tmp_path / "loss.png")
    plot_decision_boundary(model, X, y, tmp_path / "boundary.png", resolution=10)
    plot_regression(MLP(1, [2, 1], seed=0), [[0.0], [1.0]], [0.0, 1.0], tmp_path / "fit.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boundary.png", "fit.png",
                                                          "loss.png"]
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in tmp_path.iterdir())


def test_a_failing_plot_leaves_the_old_file_whole(tmp_path, monkeypatch, moons):
    *_, history = moons
    target = tmp_path / "loss.png"
    target.write_bytes(b"the old picture")

    def half_then_fail(self, file, **kwargs):
        file.write(PNG_MAGIC)  # part of a picture reaches the file ...
        raise OSError("disk full")  # ... then the write fails

    monkeypatch.setattr(Figure, "savefig", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        plot_history(history, target)
    assert target.read_bytes() == b"the old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]


@pytest.mark.parametrize("kind", ["png", "gif", "html"])
def test_a_write_that_fails_on_disk_leaves_the_old_file_whole(tmp_path, monkeypatch, moons,
                                                              kind):
    """The disk fails while the new file is written (fsync raises, as on a full disk):
    only a write to a temporary file and a rename keeps the old file."""
    import os

    model, X, y, *_, history = moons
    target = tmp_path / f"picture.{kind}"
    target.write_bytes(b"the old file")

    def disk_full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    monkeypatch.setattr(os, "fdatasync", disk_full, raising=False)
    write = {"png": lambda: plot_decision_boundary(model, X, y, target, resolution=10),
             "gif": lambda: save_training_gif(history.record, target, max_frames=3),
             "html": lambda: plots.save_training_html(history.record, target)}[kind]
    with pytest.raises(OSError, match="No space left on device"):
        write()
    assert target.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_failing_gif_leaves_the_old_file_whole(tmp_path, monkeypatch, moons):
    *_, history = moons
    target = tmp_path / "training.gif"
    target.write_bytes(b"the old animation")
    drawn = []
    real = plots._GifPainter.frame

    def fail_on_the_third(self, index):
        drawn.append(index)
        if len(drawn) == 3:
            raise KeyboardInterrupt  # Ctrl-C while drawing
        return real(self, index)

    monkeypatch.setattr(plots._GifPainter, "frame", fail_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        save_training_gif(history.record, target)
    assert target.read_bytes() == b"the old animation"
    assert [p.name for p in tmp_path.iterdir()] == ["training.gif"]


# --- the GIF ----------------------------------------------------------------------------


def frames_of(path):
    with Image.open(path) as gif:
        frames, durations = [], []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(numpy.asarray(gif.convert("RGB"), dtype=int))
            durations.append(gif.info["duration"])
    return frames, durations


def test_gif_keeps_an_even_selection_with_the_first_and_last_frames(tmp_path, moons):
    *_, history = moons
    record = history.record
    assert record.frames == 21
    every, few = tmp_path / "every.gif", tmp_path / "few.gif"
    save_training_gif(record, every)
    save_training_gif(record, few, max_frames=5)
    all_frames, _ = frames_of(every)
    chosen, durations = frames_of(few)
    assert len(all_frames) == 21 and len(chosen) == 5
    # The same pictures as frames 0, 5, 10, 15 and 20 of the full GIF (palettes differ a
    # little, so compare by mean difference); and not the same as their neighbours.
    for picture, index in zip(chosen, [0, 5, 10, 15, 20]):
        assert numpy.abs(picture - all_frames[index]).mean() < 2.0, index
    assert (numpy.abs(chosen[-1] - all_frames[20]).mean()
            < numpy.abs(chosen[-1] - all_frames[19]).mean() / 2)
    assert durations[0] > durations[1] and durations[-1] > durations[1]  # held longer


def test_evenly_keeps_the_ends_and_spreads_the_rest():
    assert plots._evenly(101, 60)[0] == 0 and plots._evenly(101, 60)[-1] == 100
    assert len(plots._evenly(101, 60)) == 60
    assert plots._evenly(4, 60) == [0, 1, 2, 3]
    steps = numpy.diff(plots._evenly(1000, 11))
    assert steps.max() - steps.min() <= 1


def test_gif_of_a_regression_and_bad_max_frames(tmp_path):
    X, y = make_regression_curve(20, seed=0)
    history = fit(MLP(1, [8, 1], activation="tanh", seed=0), X, y, loss="mse", epochs=4,
                  record=1, progress=False)
    path = save_training_gif(history.record, tmp_path / "fit.gif")
    frames, _ = frames_of(path)
    assert len(frames) == 5
    # The curve (the first class colour, blue) is drawn in the plane.
    blue = numpy.array(plots._rgb(plots.CLASS_COLOURS[1]))
    plane = frames[-1][16:434, 16:436]
    assert (numpy.abs(plane - blue).sum(axis=2) < 60).sum() > 300
    with pytest.raises(ValueError, match="max_frames"):
        save_training_gif(history.record, tmp_path / "x.gif", max_frames=1)


def test_boundaries_side_by_side_draw_into_the_axes_given(moons):
    model, X, y, X_val, y_val, _ = moons
    figure, (left, right) = pyplot.subplots(1, 2, figsize=(12, 5))
    returned = plot_decision_boundary(model, X, y, resolution=20, title="left one", ax=left)
    plot_decision_boundary(model, X, y, validation=(X_val, y_val), resolution=20,
                           title="a much longer title for the right-hand boundary " * 2,
                           ax=right)
    assert returned is figure and len(figure.axes) == 2      # no figure of its own
    assert left.get_title() == "left one" and left.images and right.images
    assert texts(left.get_legend())[0] == "class -1"
    # the long title is wrapped to the panel's width, not the figure's
    assert len(right.get_title().splitlines()) >= 2
    close(figure)
