# git-pods: `make demo` and `make test` work on a fresh machine with only Python and git.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SOURCES := $(shell find git_pods schemas man hooks -type f -not -name '*.pyc') pyproject.toml README.md
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# The test and lint tools at exact versions (`make pins` moves them, as a commit); runtime
# dependencies are not pinned there, so every run tests the newest releases the registry serves.
CONSTRAINTS := .ci/constraints.txt
EXTRA_CONSTRAINTS ?=
PIP_INSTALL = $(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) $(if $(EXTRA_CONSTRAINTS),-c $(EXTRA_CONSTRAINTS))
# Line and branch coverage of git_pods, the installed executables and hooks included.
COVERAGE ?= --cov --cov-report=term:skip-covered

.PHONY: help demo test test-matrix pins lint typecheck unit bench man clean

help:
	@echo "make demo   create .venv, install git-pods, run it on a throwaway repository"
	@echo "make test   create .venv, install git-pods with test extras, run lint, types and tests"
	@echo "make test-matrix  the tests on every Python >= 3.10 here, and on the oldest at the lowest dependencies"
	@echo "make pins   move the test tools' pins in $(CONSTRAINTS) to the newest releases"
	@echo "make bench  time the hooks' and commands' costs as ratios to python -c pass"
	@echo "make man    regenerate the man pages from the commands' help"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip hatchling

# A real (non-editable) install: tests run what users get, schemas and man pages included.
# Then a wheelhouse for pip to install this project from source with no index: the build backend
# ([build-system] requires) and the runtime dependencies, both read from pyproject.toml. The tests
# that run the pre-commit framework on .pre-commit-hooks.yaml point PIP_FIND_LINKS at it, offline.
BUILD_REQUIRES := import sys; toml = __import__("tomllib" if sys.version_info >= (3, 11) else "tomli"); \
	print("\n".join(toml.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))
$(VENV)/.installed: $(SOURCES) $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) --no-build-isolation ".[test]"
	$(BIN)/python -c '$(BUILD_REQUIRES)' > $(VENV)/build-requires.txt
	$(BIN)/python -m pip download --quiet --no-build-isolation --only-binary=:all: \
		-c $(CONSTRAINTS) $(if $(EXTRA_CONSTRAINTS),-c $(EXTRA_CONSTRAINTS)) \
		-d $(VENV)/wheelhouse -r $(VENV)/build-requires.txt .
	@touch $@

demo: $(VENV)/.installed
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash demo/demo.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check git_pods tests benchmarks .ci
	$(BIN)/ruff format --check git_pods tests .ci

typecheck: $(VENV)/.installed
	$(BIN)/mypy

unit: $(VENV)/.installed
	$(BIN)/pytest -n auto -q $(COVERAGE)

test: lint typecheck unit

test-matrix:
	$(PYTHON) .ci/matrix.py

pins:
	$(PYTHON) .ci/pins.py

bench: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/run.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/promote.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/verify.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/report.py

man: $(VENV)/.installed
	$(BIN)/python -m git_pods.cli.manpage man/man1

clean:
	rm -rf $(VENV) .venv-matrix build dist .pytest_cache .mypy_cache .ruff_cache
