"""A bridge to PyTorch, for when a model outgrows scalars: ``MLP.to_torch()`` and
``MLP.from_torch(...)``.

An MLP here is a list of layers of neurons, each ``activation(b + w . x)``. In PyTorch
the same network is a ``torch.nn.Sequential`` of ``Linear`` layers (one row of the
weight matrix per neuron, the bias a vector), each followed by its activation module
(none for a linear layer). The numbers are copied as float64, so both compute the same
outputs and gradients to rounding. PyTorch stays optional: it is imported only here,
only when the bridge is used.

Example:
    >>> from nn import MLP
    >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
    >>> torch_model = model.to_torch()            # doctest: +SKIP
    >>> MLP.from_torch(torch_model).state_dict() == model.state_dict()   # doctest: +SKIP
    True
"""

from __future__ import annotations

from typing import Any

from .modules import MLP

# Our activation names and PyTorch's modules for them ("linear": no module at all). A
# test checks that every activation of ACTIVATIONS is here.
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def _torch(where: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"{where} needs PyTorch, which is optional: pip install 'backproplab[torch]' "
            "(or pip install torch)"
        ) from None
    return torch


def to_torch(model: MLP) -> Any:
    """The same network as a ``torch.nn.Sequential`` of float64 ``Linear`` layers and
    activations, holding copies of the model's numbers (training one does not change
    the other)."""
    torch = _torch("MLP.to_torch")
    modules = []
    for layer in model.layers:
        neurons = layer.neurons
        linear = torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        activation = neurons[0].activation
        if activation != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[activation])())
    return torch.nn.Sequential(*modules)


def from_torch(sequential: Any) -> MLP:
    """An MLP with the numbers of a ``torch.nn.Sequential`` of ``Linear`` layers, each
    followed by ``ReLU``, ``Tanh``, ``Sigmoid`` or nothing (linear). The hidden layers
    must share one activation (an MLP has one for the hidden layers and one for the
    output). Anything else is refused, naming the module and its position."""
    torch = _torch("MLP.from_torch")
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(
            f"MLP.from_torch: expected a torch.nn.Sequential, got {type(sequential).__name__}"
        )
    layers = _layers_of(list(sequential), torch)
    hidden = {activation for _, activation in layers[:-1]}
    if len(hidden) > 1:
        raise ValueError(
            f"MLP.from_torch: the hidden layers use different activations {sorted(hidden)}; "
            "an MLP has one activation for its hidden layers"
        )
    first = layers[0][0]
    model = MLP(  # seeded, so that the placeholder weights leave `random` alone
        first.in_features,
        [linear.out_features for linear, _ in layers],
        activation=hidden.pop() if hidden else "relu",
        output_activation=layers[-1][1],
        seed=0,
    )
    for layer, (linear, _) in zip(model.layers, layers, strict=True):
        weights = linear.weight.detach().double().tolist()
        biases = linear.bias.detach().double().tolist() if linear.bias is not None else None
        for j, neuron in enumerate(layer.neurons):
            for w, number in zip(neuron.w, weights[j], strict=True):
                w.data = number
            neuron.b.data = biases[j] if biases is not None else 0.0
    return model


def _layers_of(modules: list[Any], torch: Any) -> list[tuple[Any, str]]:
    """Each Linear module with the name of the activation after it."""
    names = {value: key for key, value in TORCH_ACTIVATIONS.items()}
    layers: list[tuple[Any, str]] = []
    for position, module in enumerate(modules):
        kind = type(module).__name__
        if isinstance(module, torch.nn.Linear):
            if layers and module.in_features != layers[-1][0].out_features:
                raise ValueError(
                    f"MLP.from_torch: module {position} (Linear) takes "
                    f"{module.in_features} inputs, but the layer before gives "
                    f"{layers[-1][0].out_features}"
                )
            layers.append((module, "linear"))
        elif kind in names and type(module) is getattr(torch.nn, kind) and layers:
            if layers[-1][1] != "linear":
                raise ValueError(
                    f"MLP.from_torch: module {position} ({kind}) follows another activation"
                )
            layers[-1] = (layers[-1][0], names[kind])
        else:
            raise ValueError(
                f"MLP.from_torch: module {position} ({kind}) is not a Linear layer or one "
                f"of the activations {sorted(names)} after one"
            )
    if not layers:
        raise ValueError("MLP.from_torch: the Sequential has no Linear layer")
    return layers
