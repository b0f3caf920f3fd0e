# The two commands of the README: `make run` and `make test`. Everything they need is set up here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check -q -c requirements/constraints.txt

.PHONY: run test lint format typecheck check-system bench clean

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --upgrade pip
	$(PIP_INSTALL) -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	./scripts/run-embedded.sh

check-system:
	@./scripts/system-deps.sh

test: $(STAMP) check-system
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/inference.py
	$(BIN)/python bench/governance_overhead.py
	$(BIN)/python bench/watermark_robustness.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
