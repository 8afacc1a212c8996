"""Draw the README's pictures into docs/: a graph, a step of the backward-pass player and
the training view as an animation. Run with ``make docs-images`` (or
``python docs/make_images.py --output FOLDER``); each picture is the snippet beside it
in the README.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd import Value
from autograd.files import write_atomically
from autograd.viz import draw_backward, draw_dot, render_svg
from nn import MLP, Adam, fit
from nn.data import make_moons
from nn.plots import save_training_gif

HERE = Path(__file__).resolve().parent


def neuron() -> Value:
    """The lecture's neuron, as in the README: o = tanh(x1*w1 + x2*w2 + b)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o


def draw_graph(folder: Path) -> Path:
    o = neuron()
    o.backward()
    render_svg(draw_dot(o), folder / "graph.svg")
    return folder / "graph.svg"


def draw_player_step(folder: Path) -> Path:
    player = draw_backward(neuron())
    # The step that takes the gradient through tanh: the chain rule with numbers.
    step = next(i for i, s in enumerate(player.steps) if "1 - o^2" in " ".join(s.lines))
    return write_atomically(folder / "player_step.svg", player.frame_svg(step))


def draw_training(folder: Path) -> Path:
    X, y = make_moons(100, noise=0.1, seed=0, signed=True)
    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(model, X, y, optimizer=Adam(model.parameters(), lr=0.05), record=1,
                  compile=True, progress=False)
    return save_training_gif(history.record, folder / "training.gif", max_frames=40,
                             title="MLP 2-16-16-1 learning two moons")


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=HERE, help="folder (default: docs/)")
    folder = parser.parse_args(argv).output
    folder.mkdir(parents=True, exist_ok=True)
    written = [draw_graph(folder), draw_player_step(folder), draw_training(folder)]
    for path in written:
        print(f"wrote {path}")
    return written


if __name__ == "__main__":
    main()
