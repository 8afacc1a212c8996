"""The command-line demo end to end, its argument errors, and the plots."""

import json
import re
import subprocess
from pathlib import Path
import sys

import pytest

import autograd.viz.render
from nn import MLP, SGD, fit
from nn import data
from nn.cli import main
from nn.demo_drawings import active_neuron, draw_forward_graph, draw_neuron_player
from nn.plots import plot_decision_boundary, plot_history

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FAST = ["--epochs", "2", "--samples", "20", "--no-progress"]  # seconds, not a real run
NEURON_NAMES = ("x0", "x1", "w.0", "w.1", "b", "n", "o")


def svg_size(path: Path) -> tuple[float, float]:
    """The width and height (pt) of an SVG Graphviz wrote."""
    width, height = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"',
                              path.read_text()).groups()
    return float(width), float(height)


@pytest.mark.slow  # end to end: make test runs it, make test-fast does not
def test_default_demo_reaches_95_percent_and_writes_its_files(tmp_path, capsys):
    assert main(["--output", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("training accuracy ")[1].split("%")[0])
    assert accuracy >= 95.0
    for name in ("loss.png", "decision_boundary.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)
    model = MLP.from_file(tmp_path / "model.json")
    assert len(model.parameters()) == 337
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["loss"]) == 100
    # The player of one neuron, named so a student can follow it.
    page = (tmp_path / "backward_neuron.html").read_text()
    assert 'id="player-data"' in page
    for name in NEURON_NAMES:
        assert f">{name}</text>" in page, name
    # The forward graph is collapsed, its ends named.
    graph = (tmp_path / "forward_graph.svg").read_text()
    assert "more w*x terms" in graph
    for name in ("x0", "x1", "score"):
        assert f">{name}</text>" in graph, name
    # What to open next, the player first.
    listed = out.split("open next:\n")[1].splitlines()
    assert str(tmp_path / "backward_neuron.html") in listed[0]
    assert str(tmp_path / "training.html") in listed[1]
    assert str(tmp_path / "forward_graph.svg") in listed[2]


def test_python_dash_m_nn_runs_as_a_program(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nn", "--epochs", "3", "--samples", "30", "--dataset", "spiral",
         "--optimizer", "adam", "--batch-size", "10", "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "training accuracy" in result.stdout
    assert "epoch" in result.stderr  # the progress bar
    assert (tmp_path / "out" / "model.json").exists()


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--dataset", "--samples", "--hidden", "--optimizer", "--lr", "--batch-size",
                   "--epochs", "--seed", "--output"):
        assert option in text
    # The drawing flags say what they change (help text wraps, so compare words).
    words = " ".join(text.split())
    assert "--player, --no-player write backward_neuron.html" in words
    assert "--full-graph draw every edge in forward_graph.svg" in words


def test_no_player_writes_no_player_and_does_not_list_it(tmp_path, capsys):
    assert main(["--output", str(tmp_path), *FAST, "--no-player"]) == 0
    out = capsys.readouterr().out
    assert not (tmp_path / "backward_neuron.html").exists()
    assert "backward_neuron.html" not in out
    assert (tmp_path / "forward_graph.svg").exists()


def test_full_graph_draws_every_edge(tmp_path, capsys):
    collapsed, full = tmp_path / "collapsed", tmp_path / "full"
    assert main(["--output", str(collapsed), *FAST, "--no-player"]) == 0
    assert main(["--output", str(full), *FAST, "--no-player", "--full-graph"]) == 0
    full_svg = (full / "forward_graph.svg").read_text()
    assert "more w*x terms" not in full_svg
    assert ">w.7</text>" in full_svg  # a weight the collapsed graph leaves out
    assert ">w.7</text>" not in (collapsed / "forward_graph.svg").read_text()
    assert svg_size(full / "forward_graph.svg")[1] > 3 * svg_size(
        collapsed / "forward_graph.svg")[1]


def test_the_demo_carries_on_without_a_graphviz_renderer(tmp_path, capsys, monkeypatch):
    def no_renderer() -> str:
        raise RuntimeError("no Graphviz renderer found: install one")

    monkeypatch.setattr(autograd.viz.render, "find_renderer", no_renderer)
    assert main(["--output", str(tmp_path), *FAST]) == 0
    captured = capsys.readouterr()
    assert "note: skipped the backpropagation player: no Graphviz renderer" in captured.err
    assert "note: skipped the graph drawing: no Graphviz renderer" in captured.err
    assert not (tmp_path / "backward_neuron.html").exists()
    assert not list(tmp_path.glob("*.svg"))
    assert "open next:" in captured.out and "decision_boundary.png" in captured.out


def test_the_demo_carries_on_without_the_drawing_package(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "autograd.viz", None)  # import raises ImportError
    assert main(["--output", str(tmp_path), *FAST]) == 0
    err = capsys.readouterr().err
    assert "note: skipped the backpropagation player" in err
    assert "note: skipped the graph drawing" in err


def test_the_drawings_show_an_active_neuron_and_leave_the_model_alone(tmp_path):
    model = MLP(2, [4, 1], seed=0)
    example = [0.3, -0.7]
    model(example).backward()  # some .grad, as training leaves it
    before = [(p.data, p.grad, p.label) for p in model.parameters()]
    index, neuron = active_neuron(model, example)
    assert neuron.b.data + sum(w.data * x for w, x in zip(neuron.w, example)) > 0
    assert index > 0  # this seed's neuron 0 is off: the choice is made, not the default
    page = draw_neuron_player(tmp_path / "p.html", model, example).read_text()
    assert f"layers.0.neurons.{index}" in page and "ReLU is off" not in page
    draw_forward_graph(tmp_path / "g.svg", model, example, full=False)
    assert [(p.data, p.grad, p.label) for p in model.parameters()] == before


def test_both_drawings_show_d_score_d_value_with_nothing_left_over(tmp_path, monkeypatch):
    """The player of one neuron and the forward graph agree with autograd.grad of the
    score, however much gradient training left in the parameters."""
    from autograd import grad
    from autograd.viz import player as player_module

    model = MLP(2, [4, 4, 1], seed=0)
    example = [0.3, -0.7]
    for p in model.parameters():
        p.grad = 5.0  # as a training step leaves them
    params = dict(model.named_parameters())
    expected = dict(zip(params, grad(model(example), list(params.values()))))
    drawn = {}
    real_render = autograd.viz.render.render_svg

    def record(dot, path=None):
        drawn.update({name: p.grad for name, p in params.items()})
        return real_render(dot, path)

    monkeypatch.setattr("autograd.viz.render_svg", record)
    draw_forward_graph(tmp_path / "g.svg", model, example, full=False)
    assert drawn == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert all(p.grad == 5.0 for p in model.parameters())  # put back
    players = []
    monkeypatch.setattr(player_module.Player, "save_html",
                        lambda self, path, title=None: players.append(self) or Path(path))
    draw_neuron_player(tmp_path / "p.html", model, example)
    (player,) = players
    index, _ = active_neuron(model, example)
    final = player.state(-1).texts
    for name in ("w.0", "w.1", "b"):
        value = next(v for v in player.graph.nodes if v.label == name)
        key = f"layers.0.neurons.{index}.{name}"  # the same names as the model's
        assert final[player.graph.ids[value] + "-grad"] == f"grad {expected[key]:.4g}", name


def test_with_every_neuron_off_the_player_shows_the_first_and_says_why(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    for neuron in model.layers[0].neurons:
        neuron.b.data = -5.0  # pre-activation < 0 for any small input
    assert active_neuron(model, [0.1, 0.2])[0] == 0
    page = draw_neuron_player(tmp_path / "p.html", model, [0.1, 0.2]).read_text()
    assert "layers.0.neurons.0" in page and "ReLU is off" in page


@pytest.mark.parametrize("argv, words", [
    (["--epochs", "0"], ["--epochs", "at least 1"]),
    (["--hidden", "16,x"], ["--hidden", "'x'"]),
    (["--dataset", "mnist"], ["--dataset", "mnist"]),
    (["--lr", "-1"], ["--lr", "positive"]),
    (["--batch-size", "two"], ["--batch-size", "whole number"]),
    (["--bogus"], ["unrecognized arguments"]),
])
def test_bad_arguments_get_a_clear_message_and_exit_code_2(argv, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith(" (see --help)\n")  # one line, no usage
    for word in words:
        assert word in err


def test_an_unwritable_output_folder_fails_cleanly(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["--output", str(blocker / "sub"), "--no-progress", "--epochs", "1"]) == 2
    assert "cannot create the output folder" in capsys.readouterr().err


def test_plots_write_pngs(tmp_path):
    X, y = data.make_spiral(30, classes=3, seed=0)
    model = MLP(2, [8, 3], seed=0)
    history = fit(model, X, y, loss="cross_entropy", epochs=2, validation=(X, y),
                  optimizer=SGD(model.parameters(), lr=0.1), progress=False)
    figure = plot_history(history, tmp_path / "h.png")
    assert len(figure.axes) == 2
    plot_decision_boundary(model, X, y, tmp_path / "b.png", resolution=20)
    for name in ("h.png", "b.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "backproplab"
    assert script.exists(), "pip install -e . should have installed the backproplab script"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--dataset" in result.stdout
