"""The README's Python examples run, in order, as a reader would paste them."""

import re

import pytest

from autograd import custom
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"

# Every example of the README, end to end: `make test` runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow


def test_every_python_example_in_the_readme_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that save files write them here
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 8
    namespace = {"__name__": "__readme__"}
    defined_before = set(custom._DEFINED)
    try:
        for number, block in enumerate(blocks):
            code = compile(block, f"README.md python example {number + 1}", "exec")
            exec(code, namespace)  # safe: the project's own README, not user input
    finally:  # an op the README declares must not stay in the table for other tests
        for name in set(custom._DEFINED) - defined_before:
            custom.undefine_primitive(name)


def test_the_readme_pictures_are_drawn_by_the_docs_script(tmp_path):
    import importlib.util

    script = README.parent / "docs" / "make_images.py"
    spec = importlib.util.spec_from_file_location("make_images", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(["--output", str(tmp_path)])
    names = sorted(path.name for path in written)
    assert names == ["graph.svg", "player_step.svg", "training.gif"]
    text = README.read_text()
    for name in names:
        assert f"(docs/{name})" in text and (README.parent / "docs" / name).exists(), name
    step = (tmp_path / "player_step.svg").read_text()
    assert "1 - o^2" in step and "0.5" in step  # the chain rule through tanh, with numbers
