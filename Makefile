# logikal_connector — developer commands. `make run` and `make test` are the two that matter.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
ODOO_PYTHON ?= /opt/odoo18/venv/bin/python
export ODOO_PYTHON

.PHONY: help test test-fast run lint format bench reliability screenshots clean

help:
	@echo "make run      start PostgreSQL, the LogiKal simulator and Odoo 18 on http://127.0.0.1:8069 (admin/admin)"
	@echo "make test     Odoo-free suite, then the Odoo suite (skipped, and said so, without Odoo 18)"
	@echo "make lint     ruff format check + lint"
	@echo "make bench    benchmarks against the simulator (bench/RESULTS.md)"
	@echo "make reliability  SIGKILL/restart and two-server Force Sync checks on real Odoo servers (docs/reliability.md)"

$(VENV_PY): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $(VENV_PY)

test: $(VENV_PY)
	$(VENV_PY) scripts/run_tests.py --python $(VENV_PY)

test-fast: $(VENV_PY)
	$(VENV_PY) scripts/run_tests.py --python $(VENV_PY) --skip-odoo

run: $(VENV_PY)
	$(VENV_PY) scripts/run_demo.py

lint: $(VENV_PY)
	$(VENV_PY) -m ruff format --check .
	$(VENV_PY) -m ruff check .

format: $(VENV_PY)
	$(VENV_PY) -m ruff format .
	$(VENV_PY) -m ruff check --fix .

bench: $(VENV_PY)
	$(VENV_PY) bench/run_bench.py

reliability: $(VENV_PY)
	$(VENV_PY) scripts/reliability.py

clean:
	rm -rf .run .pytest_cache .ruff_cache
