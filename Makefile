# `make demo` and `make test` do all set-up on a fresh machine: they create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.cli-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[cli]'
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.cli-installed

# The main job: SimpleConvNet on the embedded MNIST for one epoch (>= 98% test accuracy, well under 3 minutes).
# lr 3e-3 rather than Adam's usual 1e-3: one epoch is all the demo has (98.2-98.4% over seeds 0-2, 98.05-98.15% at 1e-3).
demo: $(VENV)/.cli-installed
	$(PY) -m scratchgrad train --model simple_convnet --dataset mnist --epochs 1 --batch-size 100 --lr 3e-3 --out runs/demo

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check src tests bench examples

test: lint
	$(PY) -m pytest -q

bench: $(VENV)/.dev-installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) runs .pytest_cache
