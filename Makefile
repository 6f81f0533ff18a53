# Hikwatch: two commands for a newcomer (see README):
#   make run    set up .venv, fetch Leaflet, build the postcodes, migrate, serve http://127.0.0.1:5000
#   make test   set up .venv with test tools (and Chromium, GDAL, nginx as root), lint,
#               type-check, run the whole suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app

.PHONY: run test lint format bench screenshots clean postcodes

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

vendor: $(VENV)/.installed
	$(BIN)/python scripts/vendor_assets.py

# London's postcodes from the installed ONS Postcode Directory package into data/
# (skipped when the file is already built from the same package version).
postcodes: $(VENV)/.installed
	$(BIN)/python scripts/build_postcodes.py

run: vendor postcodes
	$(BIN)/flask db upgrade
	$(BIN)/flask exports build --if-stale --base-url http://127.0.0.1:5000/
	$(BIN)/flask setup-check
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-test postcodes
	$(BIN)/python scripts/vendor_assets.py --test
	$(BIN)/python scripts/install_browser.py
	$(BIN)/python scripts/install_ogrinfo.py
	$(BIN)/python scripts/install_nginx.py
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hikwatch models
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@# With TEST_DATABASE_URL (.ci/run sets it when PostgreSQL answers): everything again on
	@# PostgreSQL, browser tests apart (they stay on SQLite).
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== the suite again on PostgreSQL (TEST_DATABASE_URL) =="; \
	  HIKWATCH_SKIP_E2E=1 $(BIN)/python -m pytest --ignore=tests/e2e $(PYTEST_ARGS); \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hikwatch models

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark with its baseline, then a summary table (~6 min; BENCH_ARGS=--quick ~3 min).
bench: vendor postcodes $(VENV)/.installed-test
	$(BIN)/python scripts/install_browser.py
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) static/vendor data/london_postcodes.npz

# PNGs of every main page at phone (390×844) and desktop (1280×800) size, in screenshots/.
screenshots: vendor $(VENV)/.installed-test
	$(BIN)/python scripts/install_browser.py
	$(BIN)/python scripts/screenshots.py
