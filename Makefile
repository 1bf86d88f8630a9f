# git-pods: `make demo` and `make test` work on a fresh machine with only Python and git.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SOURCES := $(shell find git_pods schemas man hooks -type f -not -name '*.pyc') pyproject.toml README.md
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
# Then a wheelhouse for pip to install this project from source with no index: the build backend
# ([build-system] requires) and the runtime dependencies, both read from pyproject.toml. The tests
# that run the pre-commit framework on .pre-commit-hooks.yaml point PIP_FIND_LINKS at it, offline.
BUILD_REQUIRES := import sys; toml = __import__("tomllib" if sys.version_info >= (3, 11) else "tomli"); \
	print("\n".join(toml.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))
$(VENV)/.installed: $(SOURCES) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-build-isolation ".[test]"
	$(BIN)/python -c '$(BUILD_REQUIRES)' > $(VENV)/build-requires.txt
	$(BIN)/python -m pip download --quiet --no-build-isolation --only-binary=:all: \
		-d $(VENV)/wheelhouse -r $(VENV)/build-requires.txt .
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
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/promote.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/verify.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/report.py

man: $(VENV)/.installed
	$(BIN)/python -m git_pods.cli.manpage man/man1

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
