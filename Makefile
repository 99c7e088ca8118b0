# geoworks: the two set-up commands.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export GEOWORKS_DATA_DIR ?= instance

.PHONY: run test test-postgis test-clock lint install install-dev bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	$(BIN)/python -m geoworks.web.assets install
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m geoworks.web.assets install
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/geoworks ensure-demo
	$(BIN)/geoworks serve --host 127.0.0.1 --port 5000

# every test of a store runs on the GeoPackage and, when GEOWORKS_TEST_DATABASE_URL names a PostgreSQL/PostGIS
# server, on PostGIS too (skipped with the reason otherwise)
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# the PostGIS tests on a throwaway server (installs PostgreSQL and PostGIS from Debian's packages when missing)
test-postgis:
	.ci/run postgis

# ruff (lint and format) and mypy over the package
lint: install-dev
	$(BIN)/ruff check geoworks tests bench
	$(BIN)/ruff format --check geoworks
	$(BIN)/mypy

# the suite again with the system clock a year ahead and a year back (libfaketime): it must not notice
test-clock: install-dev
	@command -v faketime >/dev/null || { echo "test-clock needs faketime (apt-get install faketime)"; exit 1; }
	for shift in +365d -365d; do echo "clock $$shift"; faketime -f "$$shift" $(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser" $(PYTEST_ARGS) || exit 1; done

bench: install-dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build dist *.egg-info
