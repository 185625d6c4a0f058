# soxtrail: the two commands a newcomer needs are `make demo` and `make test`.
# Both create their own virtual environment (.venv) and install what they need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck unit bench system-deps docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.base-installed: pyproject.toml scripts/install-opa.sh | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	scripts/install-opa.sh $(BIN)
	touch $@

$(VENV)/.dev-installed: pyproject.toml scripts/install-dev.sh | $(BIN)/python
	scripts/install-dev.sh $(BIN)
	touch $@

## demo: build ./demo-workspace (SQLite, demo data) and run the whole flow on it
demo: $(VENV)/.base-installed
	$(BIN)/soxtrail demo --dir demo-workspace

## test: lint, type-check and run every test (SQLite and PostgreSQL, Rego, browser)
test: $(VENV)/.dev-installed system-deps lint typecheck unit

system-deps:
	scripts/ensure-system-deps.sh

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

unit: $(VENV)/.dev-installed
	$(BIN)/pytest

## bench: measure ingest, ledger, scan-git, gate, period evaluation, report, server and search; write docs/benchmarks.md
bench: $(VENV)/.dev-installed system-deps
	$(BIN)/python -m benchmarks.run

## docs: regenerate the reference pages (CLI, configuration, controls) from the code
docs: $(VENV)/.dev-installed
	$(BIN)/python -m soxtrail.interfaces.docs --write

clean:
	rm -rf $(VENV) demo-workspace .pytest_cache .mypy_cache .ruff_cache
