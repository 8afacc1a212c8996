"""The command-line demo as a user meets it: help, defaults, bad input, divergence,
Ctrl-C, and what it writes (whole files, and only its own)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nn.cli import DATA_SETS, main

FAST = ["--epochs", "2", "--samples", "20", "--no-progress"]
QUICK = [*FAST, "--no-player", "--no-graph", "--no-view"]  # training and plots only
ROOT = Path(__file__).resolve().parent.parent


def run_cli(*argv, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "nn", *argv], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def help_text(capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


def test_help_gives_every_option_a_help_text_and_one_default(capsys):
    text = help_text(capsys)
    options = re.findall(r"^  (--[\w-]+)(.*?)(?=^  --|^\S|\Z)", text, re.M | re.S)
    names = [name for name, _ in options]
    for expected in ("--dataset", "--optimizer", "--epochs", "--lr", "--compile", "--player",
                     "--graph", "--view", "--output", "--batch-size", "--noise"):
        assert expected in names, expected
    for name, body in options:
        words = " ".join(body.split())
        if name in ("--help", "--compile", "--full-graph"):
            continue  # flags that are off unless given
        assert words.count("default") == 1, (name, words)
    assert "[16, 16]" not in text and "None" not in text and "%(default)" not in text
    assert "default: 16,16" in " ".join(text.split())


def test_help_shows_the_defaults_per_data_set(capsys):
    text = help_text(capsys)
    for name, spec in DATA_SETS.items():
        row = re.search(rf"^  {name}\s+(\S+)\s+(\S+) / (\S+)\s+(\d+) / (\d+)\s+(\S+)",
                        text, re.M)
        assert row, name
        assert row.groups() == (spec.loss, f"{spec.lr['sgd']:g}", f"{spec.lr['adam']:g}",
                                str(spec.epochs["sgd"]), str(spec.epochs["adam"]),
                                f"{spec.noise:g}")


def test_usage_is_named_after_how_the_demo_was_started():
    assert run_cli("--help").stdout.startswith("usage: python -m nn ")
    script = Path(sys.executable).parent / "backproplab"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.startswith("usage: backproplab ")


def test_a_diverging_run_says_so_in_one_line_exits_1_and_writes_nothing(tmp_path):
    (tmp_path / "model.json").write_text("the previous run's model")
    result = run_cli("--dataset", "regression", "--lr", "50", "--schedule", "none",
                     "--output", str(tmp_path), "--no-progress")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert re.match(r"python -m nn: training diverged.*: .*"
                    r"the learning rate \(50\) is probably too high: try a smaller one "
                    r"\(e\.g\. --lr 5\); nothing was written$", lines[0])
    assert folder_state(tmp_path) == {"model.json": b"the previous run's model"}


def test_the_message_names_the_learning_rate_typed_and_the_one_scheduled(tmp_path):
    result = run_cli("--dataset", "regression", "--lr", "50", "--output", str(tmp_path),
                     "--no-progress")
    assert result.returncode == 1
    assert re.search(r"the learning rate \(50, now [\d.]+\) is probably too high",
                     result.stderr), result.stderr


def test_a_loss_that_explodes_but_stays_finite_also_stops_the_demo(tmp_path):
    result = run_cli("--dataset", "blobs", "--lr", "30", "--schedule", "none",
                     "--output", str(tmp_path), "--no-progress")
    assert result.returncode == 1, result.stdout
    assert "training diverged: the loss exploded" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "spiral", "--samples", "2"],
     "--samples 2 is too few for spiral: it needs at least 3 (one point per class)"),
    (["--dataset", "moons", "--samples", "1"],
     "--samples 1 is too few for moons: it needs at least 2 (one point per class)"),
    (["--noise", "1e200"], "argument --noise: must be a number from 0 to 10, got '1e200' "
                           "(see --help)"),
    (["--epochs", "0"], "argument --epochs: must be at least 1, got '0' (see --help)"),
    (["--bogus"], "unrecognized arguments: --bogus (see --help)"),
    (["--samples", "100001"], "argument --samples: must be from 1 to 100,000, got '100001' "
                              "(see --help)"),
    (["--optimizer", "adam", "--momentum", "0.9"],
     "--momentum is for --optimizer sgd; adam keeps its own running averages"),
    (["--momentum", "5"], "argument --momentum: must be a number from 0 to below 1, got '5' "
                          "(see --help)"),
    (["--output", "/sys/kernel"], "cannot write to the output folder /sys/kernel: "
                                  "Permission denied"),
])
def test_bad_input_ends_in_one_line_and_exit_code_2_before_training(argv, message, capsys,
                                                                    monkeypatch):
    monkeypatch.setattr(sys, "argv", ["backproplab"])
    try:
        code = main([*QUICK, *argv])
    except SystemExit as stop:  # argparse's way out
        code = stop.code
    assert code == 2
    captured = capsys.readouterr()
    assert captured.err == f"backproplab: {message}\n"
    assert "trained" not in captured.out


def test_a_failed_run_leaves_no_folder_it_created(tmp_path, capsys):
    folder = tmp_path / "a" / "b"
    assert main([*QUICK, "--lr", "50", "--dataset", "regression", "--schedule", "none",
                 "--epochs", "30", "--output", str(folder)]) == 1
    assert list(tmp_path.iterdir()) == []
    long_name = tmp_path / ("x" * 300)
    assert main([*QUICK, "--output", str(long_name)]) == 2
    assert "cannot create the output folder" in capsys.readouterr().err


def test_a_file_where_the_folder_should_be(tmp_path, capsys):
    blocker = tmp_path / "out"
    blocker.write_text("mine")
    assert main([*QUICK, "--output", str(blocker)]) == 2
    assert f"the output folder {blocker} is a file, not a folder" in capsys.readouterr().err
    assert blocker.read_text() == "mine"
    assert main([*QUICK, "--output", str(blocker / "sub")]) == 2
    assert "cannot create the output folder" in capsys.readouterr().err


def test_a_broken_renderer_is_reported_before_training(tmp_path):
    env = {**os.environ, "AUTOGRAD_DOT": "/bin/false"}
    result = run_cli(*FAST, "--output", str(tmp_path), env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("python -m nn: the Graphviz renderer /bin/false does "
                                    "not work (")
    assert "pass --no-player --no-graph" in result.stderr
    assert "trained" not in result.stdout and not list(tmp_path.iterdir())
    skipped = run_cli(*FAST, "--output", str(tmp_path), "--no-player", "--no-graph", env=env)
    assert skipped.returncode == 0, skipped.stderr


def test_files_the_run_does_not_write_are_left_alone(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "backward_neuron.html").write_text("an older player")
    assert main([*FAST, "--output", str(tmp_path), "--no-player", "--no-graph"]) == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "backward_neuron.html").read_text() == "an older player"
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"notes.txt", "backward_neuron.html", "model.json", "history.json",
                     "loss.png", "decision_boundary.png", "training.html", "training.gif"}


def interrupt(argv, presses, wait_for="training:", signum=signal.SIGINT):
    """Start the demo, wait until it trains, press Ctrl-C ``presses`` times."""
    process = subprocess.Popen([sys.executable, "-m", "nn", *argv], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = ""
    deadline = time.monotonic() + 60
    while wait_for not in seen and time.monotonic() < deadline:
        seen += os.read(process.stderr.fileno(), 4096).decode()
    time.sleep(0.5)
    for _ in range(presses):
        process.send_signal(signum)
        time.sleep(0.05)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, seen + err


def test_ctrl_c_stops_after_the_epoch_and_writes_what_was_trained(tmp_path):
    code, out, err = interrupt(["--epochs", "100000", "--output", str(tmp_path), "--no-player",
                                "--no-graph"], presses=1)
    assert code == 130, err
    assert "Ctrl-C: stopping after this epoch" in err
    epochs = int(re.search(r"interrupted after epoch (\d+) of 100000: writing the model as "
                           r"trained so far", out).group(1))
    assert 0 < epochs < 100000
    assert f"trained {epochs} epochs" in out
    history = (tmp_path / "history.json").read_text()
    assert '"stop_reason": "interrupted (Ctrl-C)"' in history
    assert (tmp_path / "training.html").exists() and "Traceback" not in err


def test_ctrl_c_twice_stops_at_once_and_leaves_the_previous_run_whole(tmp_path):
    assert main([*FAST, "--output", str(tmp_path), "--no-player", "--no-graph"]) == 0
    before = folder_state(tmp_path)
    code, out, err = interrupt(["--epochs", "100000", "--output", str(tmp_path),
                                "--no-player", "--no-graph"], presses=2)
    assert code == 130
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert folder_state(tmp_path) == before  # no staging folder left either


def test_compile_gives_the_eager_numbers(tmp_path, capsys):
    assert main([*QUICK, "--epochs", "5", "--output", str(tmp_path / "e")]) == 0
    eager = capsys.readouterr().out
    assert main([*QUICK, "--epochs", "5", "--output", str(tmp_path / "c"), "--compile"]) == 0
    compiled = capsys.readouterr().out
    accuracy = re.compile(r"training accuracy ([\d.]+)%, validation accuracy ([\d.]+)%")
    assert accuracy.search(eager).groups() == accuracy.search(compiled).groups()
    assert ", compiled" in compiled


@pytest.mark.slow  # end to end: make test runs it, make test-fast does not
def test_the_regression_curve_trains_with_mse_and_draws_its_fit(tmp_path, capsys):
    assert main(["--dataset", "regression", "--no-progress", "--output", str(tmp_path),
                 "--no-player", "--no-graph"]) == 0
    out = capsys.readouterr().out
    assert "loss mse" in out
    train_mse = float(re.search(r"training mse ([\d.e-]+)", out).group(1))
    assert train_mse < 0.05  # the curve's variance is about 0.8: R^2 > 0.94
    for name in ("fit.png", "training.html", "training.gif"):
        assert (tmp_path / name).exists(), name
    assert not (tmp_path / "decision_boundary.png").exists()


MATRIX = [(name, optimizer) for name, spec in DATA_SETS.items() if spec.classes
          for optimizer in ("sgd", "adam")]


@pytest.mark.slow
@pytest.mark.parametrize("dataset, optimizer", MATRIX)
def test_every_data_set_trains_with_either_optimiser_at_its_defaults(dataset, optimizer,
                                                                     tmp_path, capsys):
    assert main(["--dataset", dataset, "--optimizer", optimizer, "--no-progress",
                 "--output", str(tmp_path), "--no-player", "--no-graph", "--no-view"]) == 0
    out = capsys.readouterr().out
    accuracy = float(re.search(r"training accuracy ([\d.]+)%", out).group(1))
    assert accuracy >= 95.0
    validation = float(re.search(r"validation accuracy ([\d.]+)%", out).group(1))
    # The README's table states these numbers.
    row = f"| {dataset} | {optimizer} | {accuracy:.1f}% | {validation:.1f}% |"
    assert row in (ROOT / "README.md").read_text(), row


def test_a_failed_move_puts_every_file_back(tmp_path, capsys, monkeypatch):
    assert main([*QUICK, "--output", str(tmp_path)]) == 0
    before = folder_state(tmp_path)
    real_move, moves = __import__("shutil").move, []

    def move_then_fail(source, target):
        moves.append(target)
        if len(moves) == 3:  # the third file cannot be moved
            raise PermissionError(13, "Permission denied", str(target))
        return real_move(source, target)

    monkeypatch.setattr("nn.cli.shutil.move", move_then_fail)
    assert main([*QUICK, "--output", str(tmp_path), "--seed", "5"]) == 2
    assert "cannot write the outputs, none was replaced: [Errno 13] Permission denied" in \
        capsys.readouterr().err
    assert folder_state(tmp_path) == before  # the first run's files, and nothing else


def test_replaced_files_keep_their_mode_and_links_are_written_through(tmp_path, capsys):
    folder, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    (folder / "model.json").write_text("old")
    (folder / "model.json").chmod(0o444)
    (elsewhere / "history.json").write_text("old")
    (folder / "history.json").symlink_to(elsewhere / "history.json")
    assert main([*QUICK, "--output", str(folder)]) == 0
    assert (folder / "model.json").stat().st_mode & 0o777 == 0o444
    assert (folder / "model.json").read_text().startswith("{")
    assert (folder / "history.json").is_symlink()
    assert (elsewhere / "history.json").read_text().startswith("{")


def test_a_renderer_that_answers_nonsense_is_bad_input(tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\ncat\n")  # echoes its input: not a drawing
    fake.chmod(0o755)
    result = run_cli(*FAST, "--output", str(tmp_path / "out"),
                     env={**os.environ, "AUTOGRAD_DOT": str(fake)})
    assert result.returncode == 2
    assert "does not work (its output is not an SVG drawing of the graph)" in result.stderr


def test_a_drawing_that_fails_after_training_is_skipped_and_the_rest_kept(tmp_path, capsys,
                                                                        monkeypatch):
    def broken(*args, **kwargs):
        raise subprocess.CalledProcessError(1, ["dot", "-Tsvg"], stderr=b"segfault\n")

    monkeypatch.setattr("autograd.viz.render_svg", broken)
    monkeypatch.setattr("autograd.viz.player.layout", broken)
    assert main([*FAST, "--output", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "note: skipped the graph drawing: Command '['dot', '-Tsvg']' returned non-zero" in err
    assert "note: skipped the backpropagation player: Command" in err
    assert (tmp_path / "model.json").exists() and (tmp_path / "training.html").exists()
    assert not (tmp_path / "forward_graph.svg").exists()


def test_files_of_an_earlier_run_are_named(tmp_path, capsys):
    assert main([*FAST, "--output", str(tmp_path), "--no-player", "--no-graph"]) == 0
    capsys.readouterr()
    assert main([*QUICK, "--output", str(tmp_path)]) == 0
    assert (f"note: training.html, training.gif in {tmp_path} are from an earlier run (this "
            "run did not write them)") in capsys.readouterr().out


def test_sigterm_ends_the_run_like_ctrl_c_and_leaves_no_temporary_files(tmp_path):
    code, out, err = interrupt(["--epochs", "100000", "--output", str(tmp_path)], presses=1,
                               signum=signal.SIGTERM)
    assert code == 130
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_when_putting_back_fails_the_earlier_files_are_kept_and_named(tmp_path, capsys,
                                                                   monkeypatch):
    assert main([*QUICK, "--output", str(tmp_path)]) == 0
    before = folder_state(tmp_path)
    real_move, calls = __import__("shutil").move, []

    def failing(source, target):
        calls.append(source)
        if len(calls) >= 3:  # the third move fails, and so does every undo after it
            raise PermissionError(13, "Permission denied", str(target))
        return real_move(source, target)

    monkeypatch.setattr("nn.cli.shutil.move", failing)
    assert main([*QUICK, "--output", str(tmp_path), "--seed", "5"]) == 2
    err = capsys.readouterr().err
    kept = re.search(r"some files were replaced and could not be put back; the earlier "
                     r"ones are in (\S+)\n", err).group(1)
    saved = {p.name.removeprefix(".old-"): p.read_bytes() for p in Path(kept).iterdir()
             if p.name.startswith(".old-")}
    assert saved == {name: before[name] for name in saved} and saved


def test_a_full_disk_while_drawing_is_an_error_not_a_skipped_drawing(tmp_path, capsys,
                                                                    monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("autograd.viz.render_svg", full)
    assert main([*FAST, "--no-player", "--output", str(tmp_path)]) == 2
    assert "cannot write the outputs, none was replaced: [Errno 28] No space left" in \
        capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
