"""MLP.to_torch / MLP.from_torch: the same network in PyTorch, outputs and gradients equal."""

import random

import pytest

from autograd import Value, grad
from nn import MLP
from nn.bridge import TORCH_ACTIVATIONS
from nn.modules import ACTIVATIONS

torch = pytest.importorskip("torch", reason="PyTorch is the oracle: pip install torch==2.13.0")


def test_every_activation_has_its_torch_module():
    assert set(TORCH_ACTIVATIONS) | {"linear"} == set(ACTIVATIONS)


@pytest.mark.parametrize("activation, output_activation",
                         [("relu", "linear"), ("tanh", "sigmoid"), ("sigmoid", "tanh"),
                          ("linear", "relu")])
def test_outputs_and_gradients_equal_pytorchs(activation, output_activation):
    model = MLP(3, [5, 4, 2], activation=activation, output_activation=output_activation,
                init="xavier", seed=11)
    torch_model = model.to_torch()
    rng = random.Random(5)
    rows = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(6)]
    # ours: the sum of all outputs over the batch, and its gradient for every parameter
    outputs = [model(row) for row in rows]
    total = sum(v for row in outputs for v in row)
    ours = grad(total, model.parameters())
    # PyTorch's, on the same numbers
    theirs_out = torch_model(torch.tensor(rows, dtype=torch.float64))
    theirs_out.sum().backward()
    assert [v.data for row in outputs for v in row] == pytest.approx(
        theirs_out.flatten().tolist(), rel=1e-12, abs=1e-12)
    theirs = []
    for linear in (m for m in torch_model if isinstance(m, torch.nn.Linear)):
        for j in range(linear.out_features):   # our order: each neuron's weights, then bias
            theirs += linear.weight.grad[j].tolist() + [linear.bias.grad[j].item()]
    assert list(ours) == pytest.approx(theirs, rel=1e-12, abs=1e-12)


def test_a_round_trip_gives_the_same_model_and_copies_the_numbers():
    model = MLP(2, [4, 1], activation="tanh", seed=3)
    torch_model = model.to_torch()
    state = random.getstate()
    back = MLP.from_torch(torch_model)
    assert random.getstate() == state              # building it drew no random numbers
    assert back.state_dict() == model.state_dict()
    assert back.config()["activation"] == "tanh"
    assert back.config()["output_activation"] == "linear"
    with torch.no_grad():                            # copies: changing one leaves the other
        torch_model[0].weight.fill_(0.0)
    assert model.state_dict() == back.state_dict()


@pytest.mark.parametrize("modules, message", [
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Conv1d(1, 1, 1)],
     r"^MLP.from_torch: module 1 \(Conv1d\) is not a Linear layer"),
    (lambda: [torch.nn.ReLU(), torch.nn.Linear(2, 3)],
     r"^MLP.from_torch: module 0 \(ReLU\) is not a Linear layer"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)],
     r"^MLP.from_torch: module 1 \(Linear\) takes 4 inputs, but the layer before gives 3$"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh()],
     r"^MLP.from_torch: module 2 \(Tanh\) follows another activation$"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Tanh(),
              torch.nn.Linear(3, 1)],
     r"^MLP.from_torch: the hidden layers use different activations \['relu', 'tanh'\]"),
    (lambda: [], r"^MLP.from_torch: the Sequential has no Linear layer$"),
])
def test_from_torch_refuses_what_is_not_an_mlp(modules, message):
    with pytest.raises(ValueError, match=message):
        MLP.from_torch(torch.nn.Sequential(*modules()))
    with pytest.raises(TypeError, match=r"^MLP.from_torch: expected a torch.nn.Sequential"):
        MLP.from_torch(torch.nn.Linear(2, 1))


def test_a_linear_layer_without_bias_reads_as_zero_bias():
    back = MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1, bias=False)))
    assert back.layers[0].neurons[0].b.data == 0.0
    assert isinstance(back([1.0, 2.0]), Value)
