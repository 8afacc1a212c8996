"""Drawing: the DOT source of graphs and of backward steps, real SVG, the HTML player."""

import re

import pytest

from autograd import Value, draw_dot
from autograd.viz import GraphTooLargeError, draw_backward, find_renderer, render_svg
from nn import MLP


def micrograd_example():
    a, b, c, f = (Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"),
                  Value(-2.0, label="f"))
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    return loss, (a, b, c, f, e, d)


def node_lines(source):
    return [line.strip() for line in source.splitlines() if "[label=\"{" in line]


def test_each_value_shows_label_data_and_grad():
    loss, (a, *_rest) = micrograd_example()
    loss.backward()
    source = draw_dot(loss).source
    assert "{ a | data 2.0000 | grad 6.0000 }" in source
    assert "{ L | data -8.0000 | grad 1.0000 }" in source
    assert len(node_lines(source)) == 7


def test_each_op_is_its_own_node_and_edges_keep_argument_order():
    x = Value(5.0, label="x")
    y = Value(3.0, label="y")
    z = x - y
    source = draw_dot(z).source
    op_nodes = re.findall(r'"(v\d+-)" \[label="-"', source)
    assert op_nodes == ["v2-"]
    edges = re.findall(r"(v\d) -> \"v2-\"", source)
    assert edges == ["v0", "v1"]  # x first, then y, as in x - y
    assert "ordering=in" in source


def test_styles_tell_leaves_parameters_output_and_highlights_apart():
    loss, (a, b, c, f, e, d) = micrograd_example()
    source = draw_dot(loss, params=[a], highlight=[e]).source
    lines = {re.search(r"\{ (\w+) \|", line).group(1): line for line in node_lines(source)}
    assert "#fff2cc" in lines["a"]  # parameter
    assert "#eeeeee" in lines["b"]  # other leaf
    assert "#d9ead3" in lines["L"]  # output
    assert "#f4cccc" in lines["e"]  # highlighted
    assert "filled" not in lines["d"]  # plain interior value


def test_micrograds_positional_signature_works(tmp_path):
    loss, _ = micrograd_example()
    dot = draw_dot(loss, "png", "TB")
    assert dot.format == "png" and "rankdir=TB" in dot.source
    path = dot.render(tmp_path / "graph")
    assert path.endswith(".png")


def test_params_may_be_a_dict_of_names_as_torchviz_takes():
    w, x = Value(0.5), Value(2.0)
    y = w * x
    source = draw_dot(y, params={"weight": w}).source
    line = [line for line in node_lines(source) if "weight" in line]
    assert len(line) == 1 and "#fff2cc" in line[0] and "data 0.5000" in line[0]
    with pytest.raises(TypeError, match="params"):
        draw_dot(y, params={"weight": 0.5})


def test_options_direction_number_format_and_hiding_fields():
    loss, _ = micrograd_example()
    source = draw_dot(loss, rankdir="TB", number_format=".1f", show_grad=False).source
    assert "rankdir=TB" in source and "data -8.0" in source and "grad" not in source
    assert "data" not in draw_dot(loss, show_data=False).source
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(loss, rankdir="up")
    with pytest.raises(ValueError):
        draw_dot(loss, number_format="%d")
    with pytest.raises(TypeError, match="Value"):
        draw_dot(3.0)


def test_node_budget_gives_a_clear_message():
    x = Value(1.0)
    y = x
    for _ in range(50):
        y = y * 1.01
    with pytest.raises(GraphTooLargeError, match="more than 20 values"):
        draw_dot(y, max_nodes=20)
    assert draw_dot(y, max_nodes=None).source.count("[label=\"{") == 101


def test_long_sums_are_collapsed():
    xs = [Value(float(i), label=f"x{i}") for i in range(30)]
    from autograd import sum_values
    total = sum_values(xs)
    source = draw_dot(total, collapse_after=4).source
    assert "... 26 more inputs" in source
    shown = re.findall(r"\{ (x\d+) \|", source)
    assert shown == ["x0", "x1", "x2", "x29"]
    assert len(re.findall(r"\{ x\d+ \|", draw_dot(total, collapse_after=None).source)) == 30


def test_an_mlp_graph_is_grouped_by_neuron_and_by_layer():
    model = MLP(2, [3, 3, 1], seed=0)
    out = model([0.5, -0.5])
    source = draw_dot(out, group_by="neuron", params=model.parameters()).source
    clusters = re.findall(r"subgraph \"?cluster_([\w.]+)", source)
    assert len(clusters) == 3 + 3 + 1
    assert "cluster_layers.0.neurons.0" in source
    layers = re.findall(r"subgraph \"?cluster_([\w.]+)", draw_dot(out, group_by="layer").source)
    assert layers == ["layers.0", "layers.1", "layers.2"]


def test_draw_backward_walks_the_backward_order_without_touching_grads():
    loss, values = micrograd_example()
    steps = draw_backward(loss)
    assert all(v.grad == 0.0 for v in values) and loss.grad == 0.0
    # the seed, one frame per op node (3), the final graph
    assert len(steps) == 5 and len(steps.captions) == 5
    first_push = steps[1].source
    assert '"#f4cccc"' in [m for m in re.findall(r'fillcolor="(#\w+)"', first_push)] or \
        "#f4cccc" in first_push
    # the edge to d carries f's value times the upstream gradient 1
    assert 'label="-2.0000 x 1.0000 = -2.0000"' in first_push
    assert 'label="4.0000 x 1.0000 = 4.0000"' in first_push
    # the next step pushes d's gradient -2 to e and c
    assert 'label="1.0000 x -2.0000 = -2.0000"' in steps[2].source


def test_last_frame_equals_the_graph_after_backward():
    loss, _ = micrograd_example()
    steps = draw_backward(loss)
    loss.backward()
    assert steps[-1].source == draw_dot(loss).source


def test_draw_backward_matches_backward_on_a_shared_node():
    x = Value(3.0, label="x")
    y = x * x + x  # x reached by three edges
    steps = draw_backward(y)
    y.backward()
    assert "grad 7.0000" in steps[-1].source and steps[-1].source == draw_dot(y).source


# --- rendering ----------------------------------------------------------------------


def test_renders_real_svg(tmp_path):
    find_renderer()
    loss, _ = micrograd_example()
    loss.backward()
    path = tmp_path / "graph.svg"
    svg = render_svg(draw_dot(loss), path)
    assert "<svg" in svg and "grad 6.0000" in svg
    assert path.read_text() == svg
    assert draw_dot(loss).pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_renderer_gives_the_fix(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("AUTOGRAD_DOT", raising=False)
    monkeypatch.setattr("autograd.viz.sysconfig.get_path", lambda name: "/nonexistent")
    monkeypatch.setattr("autograd.viz.sys.executable", "/nonexistent/python")
    with pytest.raises(RuntimeError, match="pip install graphviz-pure"):
        find_renderer()


def test_the_demo_draws_one_forward_pass(tmp_path):
    from nn.cli import main
    assert main(["--output", str(tmp_path), "--no-progress", "--epochs", "2"]) == 0
    svg = (tmp_path / "forward_graph.svg").read_text()
    assert "<svg" in svg and "cluster" in svg and "layers.0.neurons.0" in svg
