# git-pods: `make demo` and `make test` work on a fresh machine with only Python and git.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SOURCES := $(shell find git_pods schemas man -type f -not -name '*.pyc') pyproject.toml README.md
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help demo test lint typecheck unit bench man clean

help:
	@echo "make demo   create .venv, install git-pods, run it on a throwaway repository"
	@echo "make test   create .venv, install git-pods with test extras, run lint, types and tests"
	@echo "make bench  time the hooks' and commands' costs as ratios to python -c pass"
	@echo "make man    regenerate the man pages from the commands' help"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "hatchling>=1.25"

# A real (non-editable) install: tests run what users get, schemas and man pages included.
$(VENV)/.installed: $(SOURCES) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-build-isolation ".[test]"
	@touch $@

demo: $(VENV)/.installed
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash demo/demo.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check git_pods tests benchmarks
	$(BIN)/ruff format --check git_pods tests

typecheck: $(VENV)/.installed
	$(BIN)/mypy

unit: $(VENV)/.installed
	$(BIN)/pytest -n auto -q

test: lint typecheck unit

bench: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/run.py

man: $(VENV)/.installed
	$(BIN)/python -m git_pods.cli.manpage man/man1

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
