# The one task runner, used by developers and by CI (.ci/run calls `make test`).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= var/demo-corpus
DEMO_CUSTOMERS ?= 60
DEMO_DOCUMENTS ?= 400
PORT ?= 8050
export DO_NOT_TRACK=1
export HF_HUB_OFFLINE=1
export UNSTRUCTURED_DISABLE_NOTICE=1

.PHONY: run test system-deps install services-up services-down doctor demo demo-data serve lint fmt \
        test-unit test-integration test-e2e bench clean

## The two commands of the README
run: system-deps install services-up demo serve          ## everything: install, services, demo corpus (through the queue), cockpit, API, worker

test: system-deps install                                ## the whole test suite (starts the services it needs)
	$(BIN)/pytest tests --headless -p no:cacheprovider $(PYTEST_ARGS)

## Pieces
system-deps:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml constraints.txt scripts/en_core_web_sm_shim/pyproject.toml scripts/fetch_topojson.py
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	$(BIN)/pip install -q --no-deps ./scripts/en_core_web_sm_shim
	$(BIN)/python scripts/fetch_topojson.py
	@touch $(STAMP)

install: $(STAMP)

services-up: install
	$(BIN)/cockpit services up

services-down:
	$(BIN)/cockpit services down

doctor: install
	$(BIN)/cockpit doctor

DEMO_STAMP := $(DEMO_DIR)/.generated-$(DEMO_CUSTOMERS)-$(DEMO_DOCUMENTS)

demo-data: install $(DEMO_STAMP)                          ## the corpus is deterministic: generated once per size

$(DEMO_STAMP): demo/*.py
	$(BIN)/cockpit demo-data --out $(DEMO_DIR) --customers $(DEMO_CUSTOMERS) --documents $(DEMO_DOCUMENTS)
	@touch $(DEMO_STAMP)

demo: demo-data services-up
	$(BIN)/cockpit ingest-customers $(DEMO_DIR)/customers.csv
	$(BIN)/cockpit worker --detach
	$(BIN)/cockpit ingest $(DEMO_DIR)/nord --tenant nord --own-company $(DEMO_DIR)/manifest.json --summary var/runs/demo-nord.json
	$(BIN)/cockpit ingest $(DEMO_DIR)/sued --tenant sued --own-company $(DEMO_DIR)/manifest.json --summary var/runs/demo-sued.json
	$(BIN)/cockpit backfill
	$(BIN)/cockpit seed-views
	$(BIN)/cockpit demo-cases

serve: install
	$(BIN)/cockpit serve --host 127.0.0.1 --port $(PORT)

test-unit: install
	$(BIN)/pytest tests/unit -p no:cacheprovider $(PYTEST_ARGS)

test-integration: install
	$(BIN)/pytest tests/integration -p no:cacheprovider $(PYTEST_ARGS)

test-e2e: install
	$(BIN)/pytest tests/e2e --headless -p no:cacheprovider $(PYTEST_ARGS)

lint: install                                            ## ruff, formatting, types and the layer contracts (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install services-up
	$(BIN)/python bench/retrieval.py --data ../shared/data/scifact --data ../shared/data/xquad-de --data ../shared/data/xquad-en --out bench/results/retrieval.json

clean:
	rm -rf var/demo-corpus var/runs test-artifacts
