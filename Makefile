# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
EMULATOR_PORT ?= 8010
# Matching keys for the local Dodo emulator; never used outside this machine.
DEV_DODO_KEY ?= dev-emulator-key
DEV_DODO_WEBHOOK_KEY ?= whsec_ZGV2LWVtdWxhdG9yLXdlYmhvb2stc2VjcmV0LTEyMzQ=

.PHONY: run test test-all install venv migrate seed lint screenshots clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) requirements.txt requirements-test.txt
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

venv: $(PY)
install: $(VENV)/.installed

migrate: install
	DEBUG=True $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=True $(PY) manage.py seed_demo

## run: install, start the Dodo emulator, migrate, seed, and serve http://$(HOST):$(PORT)
run: install
	@DEBUG=True PYTHON=$(PY) HOST=$(HOST) PORT=$(PORT) EMULATOR_PORT=$(EMULATOR_PORT) \
	  DODO_PAYMENTS_API_KEY=$${DODO_PAYMENTS_API_KEY:-$(DEV_DODO_KEY)} \
	  DODO_PAYMENTS_WEBHOOK_KEY=$${DODO_PAYMENTS_WEBHOOK_KEY:-$(DEV_DODO_WEBHOOK_KEY)} \
	  DODO_PAYMENTS_BASE_URL=$${DODO_PAYMENTS_BASE_URL:-http://127.0.0.1:$(EMULATOR_PORT)} \
	  SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} \
	  bash scripts/run.sh

## test: the whole suite on SQLite, on both cores (browser tests skip without Chromium)
# loadfile keeps each test module on one worker: a module's shared fixtures (the demo
# shop in tests/home/test_seed_demo.py) are built once per run.
PYTEST_WORKERS ?= 2
test: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

## lint: ruff
lint: install
	$(BIN)/ruff check .

## screenshots: regenerate docs/screenshots/ (needs Debian's chromium)
screenshots: install
	SCREENSHOTS=1 $(PY) -m pytest -m browser tests/browser/test_screenshots.py -q

## bench: build 1k/10k/100k products and orders, serve with gunicorn, load with wrk (about
## 10 minutes; installs wrk if missing; not part of `make test`); BENCH_ARGS=--help for options
bench: install
	bash bench/prepare.sh $(BENCH_ARGS)
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
