"""Checkpoints: a training run (model, optimiser, schedule, epoch, history) in one JSON file.

``save_checkpoint`` writes the file atomically, so a crash never leaves half a checkpoint
in place of a good one. ``load_checkpoint`` checks the whole file against the model,
optimiser and schedule before it sets anything, so a file that does not fit changes
nothing. Training continued from a checkpoint gives exactly the losses the run would
have given without the break.

Example:
    >>> import os, tempfile
    >>> from nn import MLP, SGD
    >>> model = MLP(2, [3, 1], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "run.json")
    >>> saved = save_checkpoint(path, model, SGD(model.parameters(), lr=0.1), epoch=5)
    >>> again = MLP(2, [3, 1], seed=1)
    >>> load_checkpoint(saved, again, SGD(again.parameters(), lr=0.1))
    Checkpoint(epoch=5, history=None)
    >>> again.state_dict() == model.state_dict()
    True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd.files import write_atomically

from .modules import Module, _check_state
from .optim import LRScheduler, Optimizer
from .train import History

CHECKPOINT_FORMAT = "backproplab.checkpoint/1"

_SECTIONS = {"format", "epoch", "model", "optimizer", "scheduler", "history"}


@dataclass(frozen=True)
class Checkpoint:
    """What ``load_checkpoint`` returns besides what it loads in place: the number of
    epochs completed, and the History saved with them (or None)."""

    epoch: int
    history: History | None = None


def save_checkpoint(
    path: str | Path,
    model: Module,
    optimizer: Optimizer,
    *,
    epoch: int,
    scheduler: LRScheduler | None = None,
    history: History | None = None,
) -> Path:
    """Write ``model``, ``optimizer``, ``scheduler`` and ``history`` after ``epoch``
    completed epochs to the JSON file ``path`` (atomically) and return its path.

    Example:
        >>> import json, os, tempfile
        >>> from nn import MLP, Adam
        >>> model = MLP(1, [1], seed=0)
        >>> path = save_checkpoint(os.path.join(tempfile.mkdtemp(), "c.json"), model,
        ...                        Adam(model.parameters()), epoch=0)
        >>> sorted(json.loads(path.read_text()))
        ['epoch', 'format', 'history', 'model', 'optimizer', 'scheduler']
    """
    _check_epoch(epoch, "save_checkpoint: epoch")
    if scheduler is not None and scheduler.optimizer is not optimizer:
        raise ValueError("save_checkpoint: the scheduler drives another optimiser")
    # The whole document is built, and turned into text, before the file is touched.
    document = {
        "format": CHECKPOINT_FORMAT,
        "epoch": epoch,
        "model": {
            "type": type(model).__name__,
            "config": model.config(),
            "state": model.state_dict(),
        },
        "optimizer": {"type": type(optimizer).__name__, "state": optimizer.state_dict()},
        "scheduler": None
        if scheduler is None
        else {"type": type(scheduler).__name__, "state": scheduler.state_dict()},
        "history": None if history is None else history.as_dict(),
    }
    try:
        # allow_nan=False: NaN and Infinity are not JSON; other readers would reject them
        text = json.dumps(document, indent=1, allow_nan=False)
    except ValueError as error:
        raise ValueError(
            f"save_checkpoint: cannot write {path}: the run holds a number "
            f"JSON cannot store ({error}); has training diverged?"
        ) from error
    return write_atomically(path, text)


def load_checkpoint(
    path: str | Path, model: Module, optimizer: Optimizer, scheduler: LRScheduler | None = None
) -> Checkpoint:
    """Load a file written by ``save_checkpoint`` into ``model``, ``optimizer`` and
    ``scheduler`` (built as for the saved run), and return its epoch and History.

    The whole file is checked first; if it does not fit, a ValueError or TypeError
    names the file and the problem, and nothing is changed.

    Example:
        >>> import os, tempfile
        >>> from nn import MLP, SGD, StepLR
        >>> model = MLP(2, [1], seed=0)
        >>> opt = SGD(model.parameters(), lr=1.0)
        >>> path = save_checkpoint(os.path.join(tempfile.mkdtemp(), "c.json"), model, opt,
        ...                        epoch=3, scheduler=StepLR(opt, step_size=1))
        >>> load_checkpoint(path, model, opt)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: ...c.json: the file has a 'StepLR' scheduler, but none was given
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a JSON checkpoint file ({error})") from error
    try:
        _check_document(document, model, optimizer, scheduler)
    except (TypeError, ValueError) as error:
        # One line: the file first, then the problem (which names the part at fault).
        kind = TypeError if isinstance(error, TypeError) else ValueError
        raise kind(f"{path}: {error}") from error
    # Everything fits: only now is anything changed.
    model.load_state_dict(document["model"]["state"])
    optimizer.load_state_dict(document["optimizer"]["state"])
    if scheduler is not None:
        scheduler.load_state_dict(document["scheduler"]["state"])
    history = document["history"]
    return Checkpoint(
        epoch=document["epoch"], history=None if history is None else History.from_dict(history)
    )


def _check_document(
    document: Any, model: Module, optimizer: Optimizer, scheduler: LRScheduler | None
) -> None:
    """Raise if any part of the checkpoint does not fit; change nothing."""
    if not isinstance(document, dict) or document.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"not a checkpoint file of format {CHECKPOINT_FORMAT!r}")
    missing = sorted(_SECTIONS - set(document))
    unexpected = sorted(set(document) - _SECTIONS)
    if missing or unexpected:
        raise ValueError(
            f"the checkpoint's sections do not fit (missing {missing}, unexpected {unexpected})"
        )
    _check_epoch(document["epoch"], "epoch")

    saved_model = _section(document, "model", {"type", "config", "state"})
    _check_type(saved_model["type"], model, "model")
    saved_shape, given_shape = _architecture(saved_model["config"]), _architecture(model.config())
    if saved_shape != given_shape:  # e.g. relu saved, tanh given
        raise ValueError(
            f"the model was saved as {saved_shape}, but the model given is {given_shape}"
        )
    _check_state(saved_model["state"], dict(model.named_parameters()), type(model).__name__)

    saved_optimizer = _section(document, "optimizer", {"type", "state"})
    _check_type(saved_optimizer["type"], optimizer, "optimiser")
    optimizer._checked_state_dict(saved_optimizer["state"])

    if scheduler is None:
        if document["scheduler"] is not None:
            saved_type = _section(document, "scheduler", {"type", "state"})["type"]
            raise ValueError(f"the file has a {saved_type!r} scheduler, but none was given")
    else:
        if document["scheduler"] is None:
            raise ValueError(
                f"the file has no scheduler, but a {type(scheduler).__name__!r} was given"
            )
        if scheduler.optimizer is not optimizer:
            raise ValueError("the scheduler drives another optimiser")
        saved_scheduler = _section(document, "scheduler", {"type", "state"})
        _check_type(saved_scheduler["type"], scheduler, "scheduler")
        scheduler._checked_state_dict(saved_scheduler["state"])

    history = document["history"]
    if history is not None:
        if not isinstance(history, dict):
            raise TypeError(f"history must be a dict, got {type(history).__name__}")
        History.from_dict(history)  # raises on unknown records


def _architecture(config: Any) -> Any:
    """A model's configuration without how it was first initialised (seed, init): what
    must match for saved weights to mean the same thing."""
    if not isinstance(config, dict):
        return config
    return {key: value for key, value in config.items() if key not in ("seed", "init")}


def _section(document: dict[str, Any], name: str, keys: set[str]) -> dict[str, Any]:
    section = document[name]
    if not isinstance(section, dict) or set(section) != keys:
        raise ValueError(f"the {name} section must be a dict with the keys {sorted(keys)}")
    return section


def _check_type(saved: Any, target: Any, what: str) -> None:
    if saved != type(target).__name__:
        raise ValueError(
            f"the file's {what} is {saved!r}, but the {what} given is {type(target).__name__!r}"
        )


def _check_epoch(epoch: Any, what: str) -> None:
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        raise TypeError(f"{what} must be a whole number >= 0, got {epoch!r}")
    if epoch < 0:
        raise ValueError(f"{what} must be a whole number >= 0, got {epoch!r}")


__all__ = ["Checkpoint", "load_checkpoint", "save_checkpoint"]
