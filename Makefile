# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint pytest services system-deps format clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

## make demo: create .venv, install, migrate the embedded SQLite database, run the demo
## (a simulated park on the platform, each capability's story, then the API and console).
demo: $(STAMP)
	bash scripts/system-deps.sh demo
	eval "$$(bash scripts/services.sh start-mqtt)" && $(BIN)/chanrong demo

## make test: lint (ruff, mypy, import-linter) and the whole pytest suite on SQLite and PostgreSQL.
test: $(STAMP) system-deps lint pytest

system-deps:
	bash scripts/system-deps.sh

services: system-deps
	@bash scripts/services.sh start

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# Three sessions (the first prints its 30 slowest tests: the suite must stay under 25 minutes
# on 2 cores; work stealing keeps a few long tests from leaving one worker idle at the end). Wildcard MQTT subscribers (marked mqtt) run one at a time, or they would
# count each other's messages on the shared broker. Browser tests run apart: Playwright's sync
# API keeps an event loop running in its worker, which breaks later asyncio-based tests.
pytest: $(STAMP) system-deps
	eval "$$(bash scripts/services.sh start)" && \
	  $(BIN)/python -m pytest -n 2 --dist worksteal -m "not browser and not mqtt" --durations=30 $(PYTEST_ARGS) && \
	  $(BIN)/python -m pytest -m "mqtt" $(PYTEST_ARGS) && \
	  $(BIN)/python -m pytest -n 2 -m browser $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

clean:
	rm -rf var .mypy_cache .ruff_cache build *.egg-info
