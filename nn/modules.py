"""Modules: Neuron, Layer and MLP, built on ``autograd.Value``.

A neuron computes ``activation(b + sum(w_i * x_i))``. The weighted sum is one node of
the graph (the engine's n-ary ``weighted_sum``), not a chain of 2n additions and
multiplications, which makes forward and backward several times faster.

Example:
    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> model
    MLP(2 -> 16 relu -> 16 relu -> 1 linear; 337 parameters)
    >>> out = model([0.5, -1.0])
    >>> out.backward()
    >>> len(model.parameters())
    337
"""

from __future__ import annotations

import json
import math
import numbers
import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from autograd import Value, weighted_sum
from autograd.files import write_atomically

ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": lambda v: v,
}

INITS = ("uniform", "xavier", "he")

STATE_FORMAT = "backproplab.state/1"
# The largest model a file may ask ``MLP.from_file`` to build: far beyond what a scalar
# engine trains, and small enough that a hostile file cannot exhaust memory first.
MAX_FILE_PARAMETERS = 1_000_000


class Module:
    """Base class: finds parameters in attributes, zeroes grads, saves and loads state.

    Parameters are the ``Value`` attributes of a module and of its sub-modules, also
    inside lists, in the order the attributes were set.
    """

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """Yield ``(name, parameter)`` pairs, e.g. ``("layers.0.neurons.3.w.1", Value)``."""
        for attribute, member in vars(self).items():
            if attribute.startswith("_"):
                continue
            yield from _named(member, f"{prefix}{attribute}")

    def parameters(self) -> list[Value]:
        """All parameters, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """The parameters' values by name (plain floats: JSON-ready)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Set the parameters from ``state``; the names must match exactly.

        Everything is checked before anything is written, so a state that does not fit
        raises ValueError (or TypeError) and leaves the model unchanged.
        """
        params = dict(self.named_parameters())
        _check_state(state, params, type(self).__name__)
        for name, p in params.items():
            p.data = float(state[name])

    def save(self, path: str | Path) -> None:
        """Write the model (its configuration and parameters) to a JSON file.

        Atomically: the file is written next to the target, synced, then put in its
        place, so after a crash, a full disk or a kill the previous file is still whole.
        """
        document = {
            "format": STATE_FORMAT,
            "model": type(self).__name__,
            "config": self.config(),
            "state": self.state_dict(),
        }
        write_atomically(path, json.dumps(document, indent=1))

    def load(self, path: str | Path) -> None:
        """Load parameters saved by ``save()`` into this model.

        The file's configuration must match this model's (the seed aside): weights
        trained with relu are not loaded into a tanh model. Nothing changes on error.
        """
        document = read_state_file(path)
        saved, own = _field(document, "config", dict, path), self.config()
        differences = [
            f"{key}={saved.get(key)!r} in the file, {own.get(key)!r} here"
            for key in sorted(set(saved) | set(own))
            if key != "seed" and saved.get(key) != own.get(key)
        ]
        if differences:
            raise ValueError(
                f"{path}: the saved model does not match this one ("
                f"{'; '.join(differences)}); nothing was loaded"
            )
        self.load_state_dict(_field(document, "state", dict, path))

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module (for saving)."""
        return {}

    def __call__(self, *args: Any) -> Any:
        raise NotImplementedError


def _named(member: Any, name: str) -> Iterator[tuple[str, Value]]:
    if isinstance(member, Value):
        yield name, member
    elif isinstance(member, Module):
        yield from member.named_parameters(prefix=name + ".")
    elif isinstance(member, (list, tuple)):
        for i, item in enumerate(member):
            yield from _named(item, f"{name}.{i}")


def _check_state(state: Any, params: dict[str, Value], model_name: str) -> None:
    if not isinstance(state, dict):
        raise TypeError(
            f"{model_name}: a state must be a dict of name -> number, got {type(state).__name__}"
        )
    missing = [name for name in params if name not in state]
    unexpected = [name for name in state if name not in params]
    if missing or unexpected:
        raise ValueError(
            f"{model_name}: the state does not fit this model "
            f"(missing {_few(missing)}; unexpected {_few(unexpected)}); nothing was loaded"
        )
    for name in params:
        number = state[name]
        if isinstance(number, bool) or not isinstance(number, numbers.Real):
            raise TypeError(
                f"{model_name}: state[{name!r}] must be a number, "
                f"got {type(number).__name__} ({number!r}); nothing was loaded"
            )
        if not math.isfinite(number):
            raise ValueError(
                f"{model_name}: state[{name!r}] is {number!r}, not a finite "
                "number; nothing was loaded"
            )


def _few(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def read_state_file(path: str | Path) -> dict[str, Any]:
    """Read and check a JSON file written by ``Module.save``."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a JSON model file ({error})") from error
    if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
        raise ValueError(f"{path}: not a model file of format {STATE_FORMAT!r}")
    return document


def _field(document: dict[str, Any], key: str, kind: type, path: str | Path) -> Any:
    """``document[key]``, which must be a ``kind``; else an error naming file and key."""
    if key not in document:
        raise ValueError(f"{path}: the model file has no {key!r}")
    if not isinstance(document[key], kind):
        raise ValueError(
            f"{path}: {key!r} must be a {kind.__name__}, got {type(document[key]).__name__}"
        )
    return document[key]


class Neuron(Module):
    """``activation(b + w . x)`` with ``nin`` weights and a bias.

    Example:
        >>> n = Neuron(2, activation="linear", seed=1)
        >>> n.w[0].data = 2.0; n.w[1].data = -1.0; n.b.data = 0.5
        >>> n([1.0, 3.0]).data
        -0.5
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = None,
        init: str = "uniform",
        seed: int | None = None,
        *,
        nonlin: bool | None = None,
        _scale: float | None = None,
        _rng: random.Random | None = None,
    ) -> None:
        _check_size(nin, "nin")
        _check_choice(init, INITS, "init")
        rng = _rng or _make_rng(seed)
        scale = _init_scale(init, nin, 1) if _scale is None else _scale
        activation = _activation_of(activation, nonlin, "Neuron")
        self.activation = _check_choice(activation, ACTIVATIONS, "activation")
        self._activate = ACTIVATIONS[activation]
        self.w = [Value(rng.uniform(-scale, scale)) for _ in range(nin)]
        self.b = Value(0.0)

    def __call__(self, x: Sequence[Any]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        return self._activate(weighted_sum(self.w, x, self.b))

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the neuron is linear."""
        return self.activation != "linear"

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


def _activation_of(activation: str | None, nonlin: bool | None, where: str) -> str:
    """The activation, from ours or from micrograd's ``nonlin`` (True: ReLU, False:
    linear); ReLU when neither is given."""
    if nonlin is None:
        return "relu" if activation is None else activation
    if not isinstance(nonlin, bool):
        raise TypeError(f"{where}: nonlin must be True or False, got {nonlin!r}")
    implied = "relu" if nonlin else "linear"
    if activation is not None and (activation == "linear") == nonlin:
        raise ValueError(f"{where}: nonlin={nonlin} contradicts activation={activation!r}")
    return activation if activation is not None else implied


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs.

    Returns a list of ``nout`` Values, or a single Value when ``nout == 1``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = None,
        init: str = "uniform",
        seed: int | None = None,
        *,
        nonlin: bool | None = None,
        _rng: random.Random | None = None,
    ) -> None:
        _check_size(nin, "nin")
        _check_size(nout, "nout")
        _check_choice(init, INITS, "init")
        rng = _rng or _make_rng(seed)
        scale = _init_scale(init, nin, nout)
        activation = _activation_of(activation, nonlin, "Layer")
        self.neurons = [Neuron(nin, activation, init, _scale=scale, _rng=rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the layer is linear."""
        return self.neurons[0].nonlin

    def __repr__(self) -> str:
        return (
            f"Layer({len(self.neurons[0].w)} -> {len(self.neurons)} {self.neurons[0].activation})"
        )


class MLP(Module):
    """A multi-layer perceptron, micrograd's ``MLP(nin, nouts)`` and more.

    Hidden layers use ``activation`` (ReLU by default), the last layer
    ``output_activation`` (linear by default). Weights are drawn with ``init``:
    ``"uniform"`` (U(-1, 1), as micrograd), ``"xavier"`` or ``"he"``; biases start at 0.
    ``seed`` makes the weights reproducible; without it they come from the ``random``
    module, as in micrograd.

    Example:
        >>> model = MLP(3, [4, 4, 1], activation="tanh", init="xavier", seed=42)
        >>> round(model([2.0, 3.0, -1.0]).data, 4) == round(model([2.0, 3.0, -1.0]).data, 4)
        True
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        init: str = "uniform",
        seed: int | None = None,
    ) -> None:
        _check_size(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        _check_choice(activation, ACTIVATIONS, "activation")
        _check_choice(output_activation, ACTIVATIONS, "output_activation")
        rng = _make_rng(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                init,
                _rng=rng,
            )
            for i in range(len(nouts))
        ]
        self._config = {
            "nin": nin,
            "nouts": list(nouts),
            "activation": activation,
            "output_activation": output_activation,
            "init": init,
            "seed": seed,
        }
        for name, p in self.named_parameters():
            p.label = name  # drawings show which weight is which

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        out = self.layers[0](x)
        for layer in self.layers[1:]:  # a single Value goes on as a one-item input
            out = layer([out] if isinstance(out, Value) else out)
        return out

    def config(self) -> dict[str, Any]:
        return dict(self._config)

    def to_torch(self) -> Any:
        """The same network as a ``torch.nn.Sequential`` (float64 ``Linear`` layers and
        activation modules), with copies of this model's numbers; needs PyTorch.

        Example:
            >>> model = MLP(2, [3, 1], seed=0)
            >>> model.to_torch()            # doctest: +SKIP
            Sequential(
              (0): Linear(in_features=2, out_features=3, bias=True)
              (1): ReLU()
              (2): Linear(in_features=3, out_features=1, bias=True)
            )
        """
        from .bridge import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, sequential: Any) -> MLP:
        """An MLP with the numbers of a ``torch.nn.Sequential`` of ``Linear`` layers, each
        followed by ``ReLU``, ``Tanh``, ``Sigmoid`` or nothing; see ``nn.bridge``."""
        from .bridge import from_torch

        return from_torch(sequential)

    @classmethod
    def from_file(cls, path: str | Path) -> MLP:
        """Rebuild a model saved with ``save()``: architecture and parameters.

        Example:
            >>> import tempfile, os
            >>> model = MLP(2, [3, 1], seed=0)
            >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
            >>> model.save(path)
            >>> MLP.from_file(path).state_dict() == model.state_dict()
            True
        """
        document = read_state_file(path)
        if document.get("model") != cls.__name__:
            raise ValueError(f"{path}: holds a {document.get('model')!r}, not an {cls.__name__}")
        config = _field(document, "config", dict, path)
        state = _field(document, "state", dict, path)
        # Check the sizes before building anything: a small file must not be able to
        # ask for a network of millions of parameters.
        nin, nouts = config.get("nin"), config.get("nouts")
        if not (
            _is_count(nin) and isinstance(nouts, list) and nouts and all(map(_is_count, nouts))
        ):
            raise ValueError(
                f"{path}: 'config' needs 'nin' (a positive whole number) and "
                f"'nouts' (a list of them), got nin={nin!r}, nouts={nouts!r}"
            )
        sizes = [nin, *nouts]
        count = sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))
        if count > MAX_FILE_PARAMETERS:
            raise ValueError(
                f"{path}: the file asks for {count:,} parameters, more than "
                f"the limit of {MAX_FILE_PARAMETERS:,}"
            )
        if len(state) != count:
            raise ValueError(
                f"{path}: 'state' holds {len(state):,} parameters, but the "
                f"architecture in 'config' has {count:,}"
            )
        try:
            model = cls(**config)
        except TypeError as error:
            raise ValueError(f"{path}: 'config' does not describe an MLP ({error})") from error
        model.load_state_dict(state)
        return model

    def __repr__(self) -> str:
        parts = [str(len(self.layers[0].neurons[0].w))]
        parts += [f"{len(layer.neurons)} {layer.neurons[0].activation}" for layer in self.layers]
        return f"MLP({' -> '.join(parts)}; {len(self.parameters())} parameters)"


def _is_count(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x > 0


def _make_rng(seed: int | None) -> Any:
    # Without a seed, use the random module itself, so random.seed(...) controls the
    # weights exactly as in micrograd's demo.
    return random if seed is None else random.Random(seed)


def _init_scale(init: str, nin: int, nout: int) -> float:
    if init == "xavier":  # Glorot & Bengio (2010): keeps variance across tanh layers
        return math.sqrt(6.0 / (nin + nout))
    if init == "he":  # He et al. (2015): keeps variance across ReLU layers
        return math.sqrt(6.0 / nin)
    return 1.0  # micrograd's U(-1, 1)


def _check_size(n: Any, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive whole number, got {n!r}")


def _check_choice(choice: Any, options: Any, what: str) -> str:
    if choice not in options:
        raise ValueError(f"unknown {what} {choice!r}; choose one of {', '.join(options)}")
    return choice
