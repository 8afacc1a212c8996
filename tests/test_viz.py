"""Drawing: draw_dot's DOT, the options, the player's steps and page, real rendering."""

import ast
import math
import re
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import PRIMITIVES, Value, apply, sum_values, weighted_sum
from autograd.testing.strategies import arguments, every_primitive, expressions
from autograd.viz import (DrawOptions, GraphTooLargeError, draw_backward, draw_dot,
                          find_renderer, render_svg)
from autograd.viz.graph import VisibleGraph, format_number, visible_text
from autograd.viz.steps import rule_text
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


def lecture_neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def value_lines(source):
    """The DOT lines of value boxes (HTML-like tables), by the name in bold."""
    return {m.group(1): line for line in source.splitlines()
            if (m := re.search(r"<b>(.*?)</b>", line))}


# --- draw_dot ----------------------------------------------------------------------------


def test_each_value_shows_its_name_data_above_grad_in_two_colours():
    loss, _ = micrograd_example()
    loss.backward()
    lines = value_lines(draw_dot(loss).source)
    assert set(lines) == {"a", "b", "c", "f", "e", "d", "L"}
    a = lines["a"]
    assert a.index("data 2.0000") < a.index("grad 6.0000")
    assert '<font color="#1f4e9a">data 2.0000' in a and '<font color="#b3261e">grad 6.0000' in a
    assert "grad 1.0000" in lines["L"]


def test_each_op_is_its_own_node_and_edges_keep_argument_order():
    x, y = Value(5.0, label="x"), Value(3.0, label="y")
    source = draw_dot(x - y).source
    assert re.findall(r"(v\d+_op) \[label=\"-\"", source) == ["v2_op"]
    assert re.findall(r"(v\d) -> v2_op", source) == ["v0", "v1"]  # x - y: x first
    assert "ordering=in" in source


def test_a_neurons_weights_are_laid_out_in_order_then_inputs_then_bias():
    ws = [Value(0.1 * i, label=f"w{i}") for i in range(12)]
    xs = [Value(1.0, label=f"x{i}") for i in range(12)]
    n = weighted_sum(ws, xs, Value(0.5, label="b"))
    source = draw_dot(n, collapse_after=None).source
    names = {m.group(2): m.group(1) for m in re.finditer(r"(v\d+) \[label=<.*?<b>(\w+)</b>",
                                                         source)}
    order = re.findall(r"(v\d+) -> v\d+_op", source)
    expected = [f"w{i}" for i in range(12)] + [f"x{i}" for i in range(12)] + ["b"]
    assert order == [names[name] for name in expected]


def test_styles_tell_leaves_parameters_output_and_highlights_apart():
    loss, (a, b, c, f, e, d) = micrograd_example()
    lines = value_lines(draw_dot(loss, params=[a], highlight=[e]).source)
    assert 'fillcolor="#fff2cc"' in lines["a"]  # parameter
    assert 'fillcolor="#eeeeee"' in lines["b"]  # other leaf
    assert 'fillcolor="#d9ead3"' in lines["L"]  # output
    assert 'fillcolor="#f4cccc"' in lines["e"]  # highlighted
    assert 'fillcolor="#ffffff"' in lines["d"]  # plain interior value


def test_a_legend_says_what_the_colours_mean_and_can_be_turned_off():
    loss, (a, *_) = micrograd_example()
    source = draw_dot(loss, params=[a]).source
    for words in ("input or constant", "parameter", "output", "data: the value (forward)",
                  "grad: ∂output/∂value (backward)"):
        assert words in source
    assert "input or constant" not in draw_dot(loss, legend=False).source
    # Only the roles the drawing has: without parameters, no "parameter" swatch.
    plain = draw_dot(loss).source
    assert "input or constant" in plain and ">parameter<" not in plain


def test_micrograds_positional_signature_works(tmp_path):
    loss, _ = micrograd_example()
    dot = draw_dot(loss, "png", "TB")
    assert dot.format == "png" and "rankdir=TB" in dot.source
    assert dot.render(tmp_path / "graph").endswith(".png")


def test_params_may_be_a_dict_of_names_as_torchviz_takes():
    w, x = Value(0.5), Value(2.0)
    lines = value_lines(draw_dot(w * x, params={"weight": w}).source)
    assert 'fillcolor="#fff2cc"' in lines["weight"] and "data 0.5000" in lines["weight"]
    with pytest.raises(TypeError, match=r"params\['weight'\] is a float, not a Value"):
        draw_dot(w * x, params={"weight": 0.5})


def test_options_direction_number_format_and_hiding_lines():
    loss, _ = micrograd_example()
    source = draw_dot(loss, rankdir="TB", number_format=".1f", show_grad=False).source
    assert "rankdir=TB" in source and "data -8.0" in source and "grad " not in source
    assert "data " not in draw_dot(loss, show_data=False).source


@pytest.mark.parametrize("option, value, message", [
    ("rankdir", "up", "rankdir must be one of 'LR', 'TB', 'RL', 'BT'; got 'up'"),
    ("group_by", "banana", "group_by must be one of None, 'neuron', 'layer'; got 'banana'"),
    ("number_format", "banana", "number_format must be a format spec for numbers"),
    ("number_format", "s", "number_format must be a format spec for numbers"),
    ("number_format", "%", "number_format must be a format spec for numbers"),
    ("collapse_after", 1, "collapse_after must be None or a whole number >= 2; got 1"),
    ("max_nodes", -5, "max_nodes must be None or a whole number >= 1; got -5"),
    ("show_grad", "no", "show_grad must be True or False; got 'no'"),
])
def test_a_bad_option_is_refused_once_with_the_allowed_values(option, value, message):
    loss, _ = micrograd_example()
    for draw in (draw_dot, draw_backward):
        with pytest.raises(ValueError, match=re.escape(message)):
            draw(loss, **{option: value})
    with pytest.raises(ValueError, match=re.escape(message)):
        DrawOptions(**{option: value})


def test_an_unknown_option_or_a_non_value_is_refused_by_name():
    loss, _ = micrograd_example()
    with pytest.raises(TypeError, match="draw_backward: unknown option.s. colour"):
        draw_backward(loss, colour="red")
    with pytest.raises(TypeError, match="draw_dot: unknown option.s. zoom"):
        draw_dot(loss, zoom=2)
    with pytest.raises(TypeError, match="expected a Value, got float"):
        draw_dot(3.0)


def test_node_budget_gives_a_clear_message():
    y = Value(1.0)
    for _ in range(50):
        y = y * 1.01
    with pytest.raises(GraphTooLargeError, match="more than 20 values"):
        draw_dot(y, max_nodes=20)
    # 51: the input and 50 products; the number 1.01 is no node of its own
    assert len(value_lines(draw_dot(y, max_nodes=None).source)) == 51


def test_long_sums_are_collapsed():
    xs = [Value(float(i), label=f"x{i}") for i in range(30)]
    total = sum_values(xs)
    source = draw_dot(total, collapse_after=4).source
    assert "... 26 more inputs" in source
    assert [n for n in value_lines(source) if n.startswith("x")] == ["x0", "x1", "x2", "x29"]
    assert len(value_lines(draw_dot(total, collapse_after=None).source)) == 31


def test_an_mlp_graph_is_grouped_by_neuron_and_by_layer():
    model = MLP(2, [3, 3, 1], seed=0)
    out = model([0.5, -0.5])
    source = draw_dot(out, group_by="neuron", params=dict(model.named_parameters())).source
    clusters = re.findall(r"label=<(layers[\w.]+)>", source)
    assert len(clusters) == 3 + 3 + 1 and "layers.0.neurons.0" in clusters
    layers = re.findall(r"label=<(layers[\w.]+)>", draw_dot(out, group_by="layer").source)
    assert layers == ["layers.0", "layers.1", "layers.2"]


HOSTILE = ["a<b>c", "{x|y}", 'say "hi"', "line\nbreak", "nul\x00here", "</script>x",
           "<!--<script>", "Δw₁ 日本", "back\\slash", "a]b[c", "tab\there"]


def test_hostile_labels_draw_correctly_in_dot_and_svg():
    values = [Value(float(i), label=label) for i, label in enumerate(HOSTILE)]
    total = sum_values(values)
    total.label = "&amp; total"
    svg = render_svg(draw_dot(total, collapse_after=None))
    texts = {"".join(t.itertext()) for t in ElementTree.fromstring(svg).iter(
        "{http://www.w3.org/2000/svg}text")}  # parsing proves the SVG well formed
    for label in HOSTILE + ["&amp; total"]:
        assert visible_text(label) in texts, label
    assert "nul\\x00here" in texts and "line\\nbreak" in texts
    assert "<script" not in svg


def test_a_label_must_be_a_string():
    with pytest.raises(TypeError, match=r"Value.label must be a str, got int \(3\)"):
        Value(1.0).label = 3
    with pytest.raises(TypeError, match="label must be a str, got tuple"):
        Value(1.0, label=(Value(2.0),))
    # the second positional argument is micrograd's _children, not a label
    assert Value(1.0, (Value(2.0),)).label == ""


def test_numbers_never_show_a_negative_zero():
    assert format_number(-0.0, ".4f") == "0.0000"
    assert format_number(-1e-9, ".4f") == "0.0000"
    assert format_number(-1e-9, ".4g") == "-1e-09"
    assert format_number(-0.5, ".4f") == "-0.5000"
    assert format_number(float("nan"), ".4f") == "nan"
    x = Value(-0.0, label="x")
    assert "data 0.0000" in draw_dot(x * 1.0).source
    zero = Value(0.0, label="z")
    (negate,) = [s for s in draw_backward(-zero).steps if s.title.startswith("Forward: v1")]
    assert negate.lines == ["v1 = -z = -(0) = 0"]  # negating 0, not a negative zero
    quotient = (zero - zero) / Value(1.0, label="y")
    lines = [line for s in draw_backward(quotient, forward=False).steps for line in s.lines]
    assert any("= -v1/y^2 = -(0)/1^2 = 0" in line for line in lines), lines


# --- the rule text of every primitive ------------------------------------------------------

OPS = every_primitive()


def test_every_primitive_has_its_rule_text():
    for op in PRIMITIVES.values():
        expected = op.arity if op.arity is not None else (3 if op.name == "weighted_sum" else 1)
        assert len(op.slope_text) == expected, op.name
        assert all(isinstance(text, str) and text for text in op.slope_text), op.name


class _Arithmetic(ast.NodeVisitor):
    """Evaluates the worked rule text (our own output: numbers, + - * / ^, a few
    functions and ``a if c else b``) without eval."""

    FUNCTIONS = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh,
                 "sin": math.sin, "cos": math.cos,
                 "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
                 "sign": lambda x: (x > 0) - (x < 0)}
    OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
                 ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
                 ast.Pow: lambda a, b: a ** b}

    def evaluate(self, text):
        return self.visit(ast.parse(text.replace("^", "**"), mode="eval").body)

    def visit_Constant(self, node):
        return float(node.value)

    def visit_BinOp(self, node):
        return self.OPERATORS[type(node.op)](self.visit(node.left), self.visit(node.right))

    def visit_UnaryOp(self, node):
        assert isinstance(node.op, ast.USub)
        return -self.visit(node.operand)

    def visit_Call(self, node):
        return self.FUNCTIONS[node.func.id](*[self.visit(a) for a in node.args])

    def visit_IfExp(self, node):
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def visit_Compare(self, node):
        assert isinstance(node.ops[0], ast.Gt)
        return self.visit(node.left) > self.visit(node.comparators[0])

    def generic_visit(self, node):
        raise AssertionError(f"unexpected {type(node).__name__} in rule text")


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label())
@given(data=st.data())
def test_each_rule_text_computes_the_recorded_slope(op, data):
    """The rule written with numbers, worked out, gives the slope backward() uses."""
    from autograd.viz.graph import VisibleGraph

    args = data.draw(arguments(op))
    node = apply(op, *[Value(x, label=f"x{i}") for i, x in enumerate(args)])
    graph = VisibleGraph.of(node, DrawOptions(number_format=".17g", collapse_after=None))
    for position, slope in enumerate(node.local_derivatives):
        symbolic, *worked = rule_text(graph, node, position)
        assert "{" not in symbolic and "{" not in "".join(worked)
        computed = _Arithmetic().evaluate(worked[0] if worked else symbolic)
        assert computed == pytest.approx(slope, rel=1e-9, abs=1e-12), (symbolic, worked)


def test_rule_texts_read_as_a_person_writes_them():
    o = lecture_neuron()
    steps = draw_backward(o).steps
    lines = [line for step in steps for line in step.lines]
    assert "∂o/∂n = 1 - o^2 = 1 - 0.7071^2 = 0.5,  so n.grad += 0.5 × 1 = 0.5" in lines
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    lines = [line for step in draw_backward(e).steps for line in step.lines]
    assert "∂e/∂a = b = -3,  so a.grad += (-3) × 1 = -3" in lines
    n = weighted_sum([Value(0.5, label="w1")], [Value(2.0, label="x1")], Value(1.0, label="b"))
    n.label = "n"
    lines = [line for step in draw_backward(n).steps for line in step.lines]
    assert "∂n/∂w1 = x1 = 2,  so w1.grad += 2 × 1 = 2" in lines
    assert "∂n/∂b = 1,  so b.grad += 1 × 1 = 1" in lines


# --- the player's steps --------------------------------------------------------------------


def test_the_player_steps_forward_then_backward_without_touching_grads():
    loss, values = micrograd_example()
    player = draw_backward(loss)
    assert all(v.grad == 0.0 for v in values) and loss.grad == 0.0
    phases = [step.phase for step in player.steps]
    # forward: the start and 3 computed values; backward: the seed, 3 pushes; done
    assert phases == ["forward"] * 4 + ["backward"] * 4 + ["done"]
    assert player.steps[1].lines == ["e = a * b = 2 * (-3) = -6"]
    assert [s.phase for s in draw_backward(loss, forward=False).steps] == \
        ["backward"] * 4 + ["done"]


def test_the_last_step_shows_what_backward_gives():
    loss, values = micrograd_example()
    player = draw_backward(loss, number_format=".6g")
    final = player.state(-1).texts
    loss.backward()
    for value in (loss, *values):
        vid = player.graph.ids[value]
        assert final[f"{vid}-grad"] == f"grad {format(value.grad, '.6g')}"


def test_a_second_contribution_is_shown_as_a_sum():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.label = "c"
    player = draw_backward(c, forward=False)
    (index,) = [i for i, s in enumerate(player.steps)
                if any("reached again" in line for line in s.lines)]
    step = player.steps[index]
    assert "a is reached again, so the contributions add up: a.grad = 1 + (-3) = -2" \
        in step.lines
    aid = player.graph.ids[a]
    assert player.state(index).texts[f"{aid}-grad"] == "grad 1 + (-3) = -2"
    assert player.state(index + 1).texts[f"{aid}-grad"] == "grad -2"
    assert player.state(index).states[aid] == "receiving"


def test_a_leaf_with_a_gradient_from_before_shows_the_accumulation():
    x = Value(3.0, label="x")
    y = x * 2.0
    y.label = "y"
    y.backward()  # x.grad = 2
    player = draw_backward(y, forward=False)
    assert any("x.grad = 2 + 2 = 4" in line for s in player.steps for line in s.lines)
    y.backward()
    assert x.grad == 4.0


def test_a_zero_slope_says_why():
    x = Value(-0.5, label="x")
    r = x.relu()
    r.label = "r"
    out = r * Value(-1.0, label="k")
    out.label = "out"
    player = draw_backward(out, forward=False)
    lines = [line for s in player.steps for line in s.lines]
    assert any("∂r/∂x = 1 if x > 0 else 0 = 1 if (-0.5) > 0 else 0 = 0" in line and
               "ReLU is off" in line for line in lines), lines
    edge = f"{player.graph.ids[r]}-a0"
    relu_step = next(i for i, s in enumerate(player.steps) if edge in s.states)
    assert player.state(relu_step).states[edge] == "dead-now"
    # 0 x -1 is -0.0 in floats; no step shows a negative zero
    texts = [t for i in range(len(player)) for t in player.state(i).texts.values()]
    texts += lines
    assert not [t for t in texts if re.search(r"(?<![\w.])-0(\.0*)?(?![\d.e])", t)]


def test_the_player_follows_the_engines_walk(monkeypatch):
    import autograd.viz.steps as steps_module

    calls = []
    walk = steps_module.gradients_by_backward_walk

    def spy(order, seeds, **options):
        calls.append(len(order))
        return walk(order, seeds, **options)

    monkeypatch.setattr(steps_module, "gradients_by_backward_walk", spy)
    loss, _ = micrograd_example()
    draw_backward(loss)
    assert calls == [7]


def test_nodes_keep_their_place_in_every_frame():
    player = draw_backward(lecture_neuron())
    boxes = [re.findall(r'<g id="(v\d+)" class="value[^>]*><rect x="([\d.]+)" y="([\d.]+)"',
                        player.frame_svg(i)) for i in range(len(player))]
    assert len(boxes[0]) == 10 and all(frame == boxes[0] for frame in boxes)


def test_the_page_holds_the_drawing_once_and_is_script_safe():
    values = [Value(float(i), label=label) for i, label in enumerate(HOSTILE)]
    total = sum_values(values)
    total.label = "</script><script>alert(1)</script>"
    page = draw_backward(total, collapse_after=None).html()
    assert page.count("<svg") == 1
    assert page.count("</script>") == 2 and page.count("<script") == 2
    assert "alert(1)" in page  # shown as text, inside JSON (escaped) and SVG (entities)
    assert "http" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", page)


def test_the_player_shows_inline_in_jupyter():
    html = draw_backward(lecture_neuron())._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "&lt;svg" in html and "<script" not in html


def test_save_html_writes_one_offline_file(tmp_path):
    path = draw_backward(lecture_neuron()).save_html(tmp_path / "player.html")
    text = path.read_text(encoding="utf-8")
    assert "<script src" not in text and "<link" not in text
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed into place


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
    monkeypatch.setattr("autograd.viz.render.sysconfig.get_path", lambda name: "/nonexistent")
    monkeypatch.setattr("autograd.viz.render.sys.executable", "/nonexistent/python")
    with pytest.raises(RuntimeError, match="pip install graphviz-pure"):
        find_renderer()


# --- edge cases found by trying to break it ---------------------------------------------


def test_a_box_behind_a_collapsed_sum_still_shows_its_whole_gradient():
    x = Value(1.5, label="x")
    total = sum_values([Value(float(i)) for i in range(7)] +
                       [x * k for k in (2.0, 3.0, 4.0, 5.0, 6.0)] + [x * 100])
    player = draw_backward(total)
    total.backward()
    assert player.state(-1).texts[f"{player.graph.ids[x]}-grad"] == "grad 120" == \
        f"grad {x.grad:g}"


def test_infinities_keep_their_sign_and_padded_zeros_lose_theirs():
    assert format_number(-math.inf, ".4f") == "-inf"
    assert format_number(-0.0, ">8") == "     0.0"
    assert format_number(-1e-9, "+.2f") == "+0.00"
    x, y = Value(0.0, label="x"), Value(-1.0, label="y")
    z = x.sqrt() * y
    player = draw_backward(z)
    z.backward()
    assert x.grad == -math.inf
    assert player.state(-1).texts[f"{player.graph.ids[x]}-grad"] == "grad -inf"


def test_a_zero_slope_times_an_infinite_gradient_is_not_drawn_as_nothing():
    x, y = Value(0.0, label="x"), Value(1.0, label="y")
    out = (x * y).sqrt()
    player = draw_backward(out, forward=False)
    edge = f"{player.graph.ids[out.parents[0]]}-a1"  # y's edge: slope x = 0, upstream inf
    assert player.state(-1).states[edge] == "done"
    assert not any("slope 0" in line for s in player.steps for line in s.lines)


def test_labels_that_look_like_the_pages_own_markers_change_nothing():
    import json

    x = Value(2.0, label="/*SCRIPT*/")
    y = x * Value(3.0, label="<!--DATA-->")
    y.label = "/*STYLE*/ <!--DRAWING-->"
    player = draw_backward(y)
    player.title = "/*SCRIPT*/ <!--TITLE-->"
    page = player.html()
    data = re.search(r'<script type="application/json" id="player-data">(.*?)</script>',
                     page, re.S).group(1)
    assert len(json.loads(data)["steps"]) == len(player)
    script = page.rsplit("<script>", 1)[1].split("</script>")[0]
    from importlib import resources
    assert script.strip() == resources.files("autograd.viz").joinpath(
        "player.js").read_text().strip()


def test_a_short_weighted_sum_is_never_collapsed_into_duplicates():
    n = weighted_sum([Value(2.0, label="w")], [Value(3.0, label="x")], Value(0.5, label="b"))
    source = draw_dot(n, collapse_after=2).source
    assert "more" not in source and len(re.findall(r"-> v\d+_op", source)) == 3
    player = draw_backward(n, collapse_after=2)
    assert sum("w.grad +=" in line for s in player.steps for line in s.lines) == 1


def test_bidirectional_and_zero_width_controls_are_shown_as_escapes():
    assert visible_text("x\u202e1\u200b2\u2066") == "x\\u202e1\\u200b2\\u2066"


def test_group_names_reach_graphviz_as_text():
    x = Value(2.0, label="l.0.n.1\\N\\.w")
    source = draw_dot(x * 2, group_by="neuron").source
    assert "label=<l.0.n.1\\N\\>" in source
    assert "l.0.n.1\\N\\" in render_svg(draw_dot(x * 2, group_by="neuron"))


def test_a_neurons_values_get_the_lectures_names_once_each():
    model = MLP(2, [2], seed=0)
    (n, *_rest) = [model.layers[0].neurons[0]]
    pre = weighted_sum(n.w, [1.0, 2.0], n.b)
    out = pre.tanh() + pre.relu()
    graph = VisibleGraph.of(out, DrawOptions(group_by="neuron"),
                            {p: name for name, p in model.named_parameters()})
    names = [graph.name(v) for v in graph.nodes if not v.is_leaf]
    assert names.count("n") == 1 and names.count("o") == 1


def test_a_leaf_output_with_a_gradient_shows_the_sum_at_the_seed():
    x = Value(3.0, label="x")
    x.grad = 5.0
    player = draw_backward(x, forward=False)
    assert player.state(0).texts["v0-grad"] == "grad 5 + 1 = 6"
    assert player.state(-1).texts["v0-grad"] == "grad 6"


def test_more_options_are_checked_or_taken_as_a_user_means_them():
    np = pytest.importorskip("numpy")
    loss, (a, *_rest) = micrograd_example()
    with pytest.raises(ValueError, match="forward must be True or False; got 'no'"):
        draw_backward(loss, forward="no")
    assert DrawOptions(max_nodes=np.int64(50)).max_nodes == 50
    assert "#fff2cc" in draw_dot(loss, params=a).source  # one Value, not a list
    assert "#f4cccc" in draw_dot(loss, highlight=a).source
    assert '<footer id="legend" aria-label="legend" hidden>' in \
        draw_backward(loss, legend=False).html()


def test_files_are_written_whole_with_the_right_permissions_and_clear_errors(tmp_path):
    import os
    import stat

    player = draw_backward(lecture_neuron())
    with pytest.raises(FileNotFoundError, match=f"cannot write {tmp_path}/missing/p.html"):
        player.save_html(tmp_path / "missing" / "p.html")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        player.save_html(tmp_path)
    private = tmp_path / "private.html"
    private.write_text("old")
    private.chmod(0o600)
    player.save_html(private)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and "<svg" in private.read_text()
    link = tmp_path / "link.html"
    link.symlink_to(private)
    player.save_html(link)
    assert link.is_symlink()
    fresh = player.save_html(tmp_path / "fresh.html")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    assert not list(tmp_path.glob(".*.tmp"))


@settings(max_examples=40)
@given(expr=expressions(), forward=st.booleans(), collapse=st.sampled_from([None, 2, 3]))
def test_on_any_graph_the_player_ends_where_backward_does(expr, forward, collapse):
    """Random graphs over the whole table, shared subexpressions, collapsed or not: the
    last step shows backward()'s gradients, every step keeps its boxes in place, and no
    text holds a negative zero or a placeholder."""
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(expr.inputs)]
    out = expr(*inputs)
    player = draw_backward(out, forward=forward, collapse_after=collapse,
                           number_format=".17g", max_nodes=None)
    out.backward()
    final = player.state(-1).texts
    for value, vid in player.graph.ids.items():
        assert final[f"{vid}-grad"] == f"grad {format_number(value.grad, '.17g')}"
    texts = [t for i in range(len(player)) for t in player.state(i).texts.values()]
    texts += [line for step in player.steps for line in step.lines]
    assert not [t for t in texts if "{" in t or re.search(r"(?<![\w.])-0(\.0*)?(?![\d.e])", t)]


def test_grouped_by_neuron_a_neurons_parameters_are_one_table_in_formula_order():
    model = MLP(2, [3, 1], seed=0)
    out = model([Value(0.5, label="x0"), Value(-1.0, label="x1")])
    source = draw_dot(out, group_by="neuron", params=dict(model.named_parameters())).source
    tables = [line for line in source.splitlines() if "_params [label=" in line]
    assert len(tables) == 3 + 1
    for table in tables:
        assert re.findall(r"<b>([\w.]+)</b>", table) == ["w.0", "w.1", "w.2"][:len(
            re.findall(r"<b>w", table))] + ["b"]
    assert len(re.findall(r"_params:v\d+:e -> v\d+_op", source)) == 3 * 3 + 4


def test_inline_drawing_prints_no_graphviz_font_warning(capfd):
    # The legend's ∂ makes Graphviz warn about font metrics on stderr; Jupyter shows
    # that under every drawing, so the inline display must render quietly.
    x = Value(2.0, label="x")
    bundle = draw_dot(x * x)._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert capfd.readouterr().err == ""
