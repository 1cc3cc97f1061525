# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run   – create .venv, install everything, start the whole platform (fupin up)
#   make test  – create .venv if missing, install, run the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e libs/fupin_kit -e libs/fupin_contracts -e libs/fupin_cli \
	-e services/registry -e services/identification -e services/assistance -e services/funds \
	-e services/evaluation -e gateway
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck check demo clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python Makefile requirements-dev.txt $(wildcard libs/*/pyproject.toml services/*/pyproject.toml gateway/pyproject.toml)
	$(BIN)/python -m pip install --quiet $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/fupin up $(ARGS)

demo: install
	$(BIN)/fupin up --demo $(ARGS)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy libs services gateway tests bench

check: lint typecheck test

clean:
	rm -rf $(VENV) .fupin
