"""The command-line demo end to end, its argument errors, and the plots."""

import json
import subprocess
from pathlib import Path
import sys

import pytest

from nn import MLP, SGD, fit
from nn import data
from nn.cli import main
from nn.plots import plot_decision_boundary, plot_history

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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
