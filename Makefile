# The two front-door commands: `make run` and `make test`. Everything else is set-up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench profile demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	mkdir -p $(VENV)/typing && ln -sfn $(CURDIR)/src $(VENV)/typing/frispor
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/frispor serve --demo

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

profile: $(STAMP)
	$(BIN)/python -m benchmarks.profile

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
