"""The README's Python examples run, in order, as a reader would paste them."""

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_python_example_in_the_readme_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that save files write them here
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 8
    namespace = {"__name__": "__readme__"}
    for number, block in enumerate(blocks):
        code = compile(block, f"README.md python example {number + 1}", "exec")
        exec(code, namespace)  # safe: the project's own README, not user input
