# logikal_connector — developer commands. `make run` and `make test` are the two that matter.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
ODOO_PYTHON ?= /opt/odoo18/venv/bin/python
export ODOO_PYTHON
ADDONS := $(sort $(patsubst %/__manifest__.py,%,$(wildcard logikal_connector*/__manifest__.py)))
PO_FILES := $(wildcard $(addsuffix /i18n/*.po,$(ADDONS)) $(addsuffix /i18n/*.pot,$(ADDONS)))
# make test-odoo-fast K=parts_list  /  ARGS="logikal_connector/tests/test_sync.py -x"
K ?=
ARGS ?=

.PHONY: help test test-fast test-odoo-fast odoo-setup run lint lint-ruff lint-odoo readme pot format bench \
	reliability screenshots clean

help:
	@echo "make run        PostgreSQL, the LogiKal simulator and Odoo 18 on http://127.0.0.1:8069 (admin/admin)"
	@echo "make test       Odoo-free suite, then the Odoo suite (Odoo 18 is set up in .cache/odoo18/ when missing)"
	@echo "make test-fast  Odoo-free suite only"
	@echo "make test-odoo-fast [K=expr] [ARGS='file.py -x']  Odoo tests with pytest-odoo, database kept"
	@echo "make odoo-setup find Odoo 18 or set it up in .cache/odoo18/ (ODOO_SRC=dir|archive|git repo)"
	@echo "make lint       ruff, pylint-odoo (OCA mandatory checks), OCA module/po hooks, README drift"
	@echo "make readme     README.rst + static/description/index.html of each addon from its readme/"
	@echo "make pot        i18n/<addon>.pot of each addon, exported from a database with them installed"
	@echo "make bench      benchmarks against the simulator (bench/RESULTS.md)"
	@echo "make reliability  SIGKILL/restart and two-server Force Sync checks on real Odoo servers"

$(VENV_PY): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $(VENV_PY)

test: $(VENV_PY)
	$(VENV_PY) scripts/run_tests.py --python $(VENV_PY)

test-fast: $(VENV_PY)
	$(VENV_PY) scripts/run_tests.py --python $(VENV_PY) --skip-odoo

test-odoo-fast:
	$(PYTHON) scripts/odoo_pytest.py $(if $(K),-k "$(K)") $(ARGS)

odoo-setup:
	$(PYTHON) scripts/odoo_setup.py

# The demo needs no .venv: the scripts and the simulator are standard library only.
run:
	$(PYTHON) scripts/run_demo.py

lint: lint-ruff lint-odoo

lint-ruff: $(VENV_PY)
	$(VENV_PY) -m ruff format --check .
	$(VENV_PY) -m ruff check .

# What OCA's pre-commit runs on an addon (also wired in .pre-commit-config.yaml); every step runs, and
# the target fails when one of them does.
lint-odoo: $(VENV_PY)
	@status=0; \
	$(VENV_PY) -m pylint --rcfile=.pylintrc-mandatory $(ADDONS) || status=1; \
	$(VENV)/bin/oca-checks-odoo-module --no-verbose $(ADDONS) || status=1; \
	$(if $(PO_FILES),$(VENV)/bin/oca-checks-po --no-verbose --disable=po-pretty-format $(PO_FILES) || status=1;) \
	$(VENV_PY) scripts/gen_readme.py --check || status=1; \
	exit $$status

readme: $(VENV_PY)
	$(VENV_PY) scripts/gen_readme.py

pot:
	$(PYTHON) scripts/export_pot.py

format: $(VENV_PY)
	$(VENV_PY) -m ruff format .
	$(VENV_PY) -m ruff check --fix .

bench: $(VENV_PY)
	$(VENV_PY) bench/run_bench.py

reliability: $(VENV_PY)
	$(VENV_PY) scripts/reliability.py

clean:
	rm -rf .run .pytest_cache .ruff_cache

# .cache/ (Odoo set up by `make odoo-setup`, the pytest-odoo venv) is kept by `make clean`: it is slow to redo.
distclean: clean
	rm -rf .cache $(VENV)
