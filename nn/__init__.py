"""nn: a small neural-network library on the public API of ``autograd``.

Example:
    >>> from nn import MLP, SGD, fit
    >>> from nn.data import make_xor
    >>> X, y = make_xor(40, noise=0.05, seed=0, signed=True)
    >>> model = MLP(2, [8, 1], activation="tanh", seed=3)
    >>> history = fit(model, X, y, loss="hinge", epochs=60, progress=False,
    ...               optimizer=SGD(model.parameters(), lr=0.2, momentum=0.9))
    >>> history.accuracy[-1]
    1.0
"""

from . import callbacks, data, losses
from .callbacks import (
    Callback,
    DivergenceGuard,
    DivergenceWarning,
    EarlyStopping,
    LambdaCallback,
    ProgressBar,
    TrainingDiverged,
    TrainingRun,
)
from .checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from .losses import Loss, l2
from .modules import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, LinearLR, LRScheduler, Optimizer, StepLR
from .record import TrainingRecord, TrainingRecorder
from .train import History, evaluate, fit

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Callback",
    "Checkpoint",
    "DivergenceGuard",
    "DivergenceWarning",
    "EarlyStopping",
    "History",
    "LRScheduler",
    "LambdaCallback",
    "Layer",
    "LinearLR",
    "Loss",
    "Module",
    "Neuron",
    "Optimizer",
    "ProgressBar",
    "StepLR",
    "TrainingDiverged",
    "TrainingRecord",
    "TrainingRecorder",
    "TrainingRun",
    "callbacks",
    "data",
    "evaluate",
    "fit",
    "l2",
    "load_checkpoint",
    "losses",
    "save_checkpoint",
]
