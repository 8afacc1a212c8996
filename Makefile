# Two commands on a fresh machine: `make demo` (installs, then trains and draws) and
# `make test`. Both create the virtual environment they need in .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TORCH_STAMP := $(VENV)/.installed-torch

.PHONY: demo test test-fast lint mutate bench notebooks docs-images clean

demo: $(STAMP)
	$(PY) -m nn

test: $(TORCH_STAMP) lint
	$(PY) -m pytest

# Everyday work: the tests not marked slow, no notebooks, stop at the first failure;
# on two processes (pytest-xdist), one per core of these machines.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" -x -q -n 2

# Mutation testing of the core modules ([tool.mutmut] in pyproject.toml): long, about
# 3.5 hours on 2 cores, so not part of CI. One module: make mutate MODULE='nn.losses*'
mutate: $(STAMP)
	$(PY) -m mutmut run $(MODULE)
	$(PY) tests/mutation_report.py

lint: $(STAMP)
	$(PY) -m ruff check autograd nn
	$(PY) -m ruff format --check autograd nn
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) bench/bench_engine.py

docs-images: $(STAMP)
	$(PY) docs/make_images.py

notebooks: $(STAMP)
	$(PY) -m jupyter lab notebooks/

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The tests compare the engine with PyTorch; the demo does not need it.
$(TORCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,torch]'
	touch $(TORCH_STAMP)

clean:
	rm -rf $(VENV) nn-demo-output
