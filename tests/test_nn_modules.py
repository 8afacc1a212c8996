"""nn modules: micrograd compatibility, options, state round trips."""

import json
import math
import random

import pytest

from autograd import Value, grad
from autograd.testing import gradcheck
from nn import MLP, Layer, Neuron
from nn.data import make_moons


def test_mlp_behaves_like_micrograds():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    out = model([1.0, -2.0])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert isinstance(MLP(2, [3, 2])([Value(1.0), Value(2.0)]), list)


def test_mlp_computes_relu_hidden_layers_and_a_linear_output():
    model = MLP(2, [2, 1], seed=0)
    x = [0.3, -0.7]
    hidden = [max(0.0, n.b.data + sum(w.data * xi for w, xi in zip(n.w, x)))
              for n in model.layers[0].neurons]
    last = model.layers[1].neurons[0]
    expected = last.b.data + sum(w.data * h for w, h in zip(last.w, hidden))
    assert model(x).data == pytest.approx(expected, rel=1e-12)


def test_gradients_through_an_mlp_match_finite_differences():
    model = MLP(3, [4, 4, 1], activation="tanh", seed=1)
    assert gradcheck(lambda a, b, c: model([a, b, c]), [0.2, -0.4, 0.9])


@pytest.mark.slow  # end to end: make test runs it, make test-fast does not
def test_micrograd_demo_code_runs_unchanged_apart_from_imports():
    np = pytest.importorskip("numpy")
    points, labels = make_moons(100, noise=0.1, seed=0)
    X, y = np.array(points), np.array(labels) * 2 - 1  # as sklearn's make_moons gives
    random.seed(1337)
    model = MLP(2, [16, 16, 1])

    def loss(batch_size=None):
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    first, _ = loss()
    for k in range(60):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    final, acc = loss()
    assert final.data < first.data and acc >= 0.95


@pytest.mark.parametrize("activation, expected", [
    ("relu", 0.0), ("tanh", math.tanh(-0.5)), ("sigmoid", 1 / (1 + math.exp(0.5))),
    ("linear", -0.5)])
def test_activation_choices(activation, expected):
    n = Neuron(1, activation=activation, seed=0)
    n.w[0].data, n.b.data = 1.0, 0.0
    assert n([-0.5]).data == pytest.approx(expected)


def test_initialisations_are_uniform_at_their_scale():
    # uniform: U(-1, 1); Xavier (Glorot): U(-a, a), a = sqrt(6 / (fan_in + fan_out));
    # He (Kaiming, uniform): a = sqrt(6 / fan_in). 1,600 draws: the largest is within
    # 1% of a and the standard deviation within 5% of a / sqrt(3), so each scale is
    # told apart from the others (here a = 1, 0.17 and 0.87).
    for init, bound in (("uniform", 1.0), ("xavier", math.sqrt(6 / (8 + 200))),
                        ("he", math.sqrt(6 / 8))):
        layer = Layer(8, 200, init=init, seed=3)
        weights = [w.data for n in layer.neurons for w in n.w]
        largest = max(abs(w) for w in weights)
        assert 0.99 * bound < largest <= bound, init
        spread = math.sqrt(sum(w * w for w in weights) / len(weights))
        assert spread == pytest.approx(bound / math.sqrt(3), rel=0.05), init
        assert all(n.b.data == 0.0 for n in layer.neurons)


def test_seed_makes_weights_reproducible():
    a, b, c = MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=8)
    assert a.state_dict() == b.state_dict() != c.state_dict()


def test_named_parameters_and_labels():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b"]
    assert len(names) == len(set(names)) == len(model.parameters())
    assert all(p.label == name for name, p in model.named_parameters())


def test_readable_reprs():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2 -> 16 relu -> 16 relu -> 1 linear; 337 parameters)"
    assert repr(Layer(3, 2, activation="tanh")) == "Layer(3 -> 2 tanh)"
    assert repr(Neuron(3)) == "Neuron(3, activation='relu')"


@pytest.mark.parametrize("make, message", [
    (lambda: MLP(0, [1]), "nin"),
    (lambda: MLP(2, []), "nouts"),
    (lambda: MLP(2, [0]), "nout"),
    (lambda: MLP(2, [1], activation="gelu"), "activation"),
    (lambda: MLP(2, [1], init="orthogonal"), "init"),
])
def test_bad_construction_is_refused(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_wrong_input_size_is_refused():
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        MLP(2, [1], seed=0)([1.0, 2.0, 3.0])


# --- state ----------------------------------------------------------------------------


def test_state_dict_round_trip(tmp_path):
    model, other = MLP(2, [4, 2], seed=1), MLP(2, [4, 2], seed=2)
    other.load_state_dict(model.state_dict())
    assert other.state_dict() == model.state_dict()
    path = tmp_path / "model.json"
    model.save(path)
    assert json.loads(path.read_text())["config"]["nouts"] == [4, 2]
    rebuilt = MLP.from_file(path)
    assert rebuilt.state_dict() == model.state_dict()
    x = [0.3, 0.1]
    assert [v.data for v in rebuilt(x)] == [v.data for v in model(x)]
    third = MLP(2, [4, 2], seed=3)
    third.load(path)
    assert third.state_dict() == model.state_dict()


@pytest.mark.parametrize("corrupt, error, words", [
    (lambda s: s.pop("layers.0.neurons.0.b"), ValueError, ["missing", "layers.0.neurons.0.b"]),
    (lambda s: s.update({"layers.9.w": 1.0}), ValueError, ["unexpected", "layers.9.w"]),
    (lambda s: s.update({"layers.0.neurons.1.w.0": "0.5"}), TypeError, ["must be a number"]),
    (lambda s: s.update({"layers.0.neurons.1.w.0": float("nan")}), ValueError, ["finite"]),
    (lambda s: s.update({"layers.1.neurons.0.b": True}), TypeError, ["must be a number"]),
])
def test_a_state_that_does_not_fit_leaves_the_model_unchanged(corrupt, error, words):
    model = MLP(2, [4, 1], seed=1)
    before = model.state_dict()
    state = MLP(2, [4, 1], seed=2).state_dict()
    corrupt(state)
    with pytest.raises(error) as info:
        model.load_state_dict(state)
    for word in words:
        assert word in str(info.value)
    assert model.state_dict() == before


def test_loading_a_file_of_another_architecture_fails_cleanly(tmp_path):
    path = tmp_path / "small.json"
    MLP(2, [3, 1], seed=0).save(path)
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"small.json: the saved model does not match this "
                                         r"one \(nouts=\[3, 1\] in the file, \[4, 1\] here\)"):
        model.load(path)
    assert model.state_dict() == before
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a JSON model file"):
        MLP.from_file(tmp_path / "junk.json")
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="format"):
        MLP.from_file(tmp_path / "other.json")


def test_parameters_get_gradients_from_grad_too():
    model = MLP(2, [2, 1], activation="tanh", seed=4)
    params = model.parameters()
    grads = grad(model([0.5, -0.5]), params)
    assert len(grads) == len(params) and any(g != 0 for g in grads)


def test_load_refuses_weights_of_another_activation_and_names_what_differs(tmp_path):
    path = tmp_path / "relu.json"
    MLP(2, [3, 1], activation="relu", seed=0).save(path)
    model = MLP(2, [3, 1], activation="tanh", seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"activation='relu' in the file, 'tanh' here"):
        model.load(path)
    assert model.state_dict() == before
    other_seed = MLP(2, [3, 1], activation="relu", seed=5)      # the seed does not matter
    other_seed.load(path)
    assert other_seed.state_dict() == MLP.from_file(path).state_dict()


def test_save_is_atomic_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    before = path.read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        MLP(2, [3, 1], seed=1).save(path)
    assert path.read_bytes() == before                      # the old model still loads
    assert MLP.from_file(path).state_dict() == MLP(2, [3, 1], seed=0).state_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]   # no temporary left


def test_from_file_checks_sizes_before_building_and_names_file_and_key(tmp_path):
    import time
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({"format": "backproplab.state/1", "model": "MLP",
                                "config": {"nin": 2, "nouts": [500, 500, 1]},
                                "state": {"layers.0.neurons.0.w.0": 0.1}}))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"huge.json: 'state' holds 1 parameters, but the "
                                         r"architecture in 'config' has 252,501"):
        MLP.from_file(huge)
    assert time.perf_counter() - start < 1.0                # refused before building
    giant = tmp_path / "giant.json"
    giant.write_text(json.dumps({"format": "backproplab.state/1", "model": "MLP",
                                 "config": {"nin": 2, "nouts": [100000, 100]}, "state": {}}))
    with pytest.raises(ValueError, match=r"asks for 10,300,100 parameters, more than the "
                                         r"limit of 1,000,000"):
        MLP.from_file(giant)
    no_config = tmp_path / "no_config.json"
    no_config.write_text(json.dumps({"format": "backproplab.state/1", "model": "MLP",
                                     "state": {}}))
    with pytest.raises(ValueError, match=r"no_config.json: the model file has no 'config'"):
        MLP.from_file(no_config)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match=r"binary.json: not a JSON model file"):
        MLP.from_file(binary)
