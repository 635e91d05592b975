# Community Safety Warehouse: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install system-packages run test bench dev lint clean

# Debian packages the Board's outputs need: Chromium prints the annual update to PDF, poppler-utils
# (pdftoppm, pdftotext) lets the tests look at the PDF. Installed only when missing.
SYSTEM_PACKAGES := chromium poppler-utils

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP) system-packages

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q $$missing || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $$missing; }; \
	fi

## Write the synthetic demo feeds and run the nightly job on them.
run: install
	$(BIN)/csw demo-data
	$(BIN)/csw run

# axe-core (npm) checks the report pages' accessibility in headless Chromium (tests/test_report_pages.py);
# installed into .cache/npm (ignored by git) when missing. npm comes with the Debian package nodejs.
AXE := .cache/npm/node_modules/axe-core/axe.min.js

$(AXE):
	command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -q nodejs npm || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q nodejs npm; }; }
	npm install --no-save --no-audit --no-fund --prefix .cache/npm axe-core@4.10.3

## The whole test suite (CI runs this). Two workers (pytest-xdist), a test file per worker at a time,
## so module fixtures (a module's own nightly runs) are built once; the dbt manifest is parsed first,
## so the workers never parse it at the same time.
test: install $(AXE)
	$(BIN)/python -c "from orchestration.dbt_project import dbt_project; dbt_project()"
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile

## Ingest + validate the real police files against DuckDB's plain copy to Parquet.
bench: install
	$(BIN)/python bench/ingest_benchmark.py

## The Dagster UI on this warehouse home (reads .env written by `csw run`).
dev: install
	$(BIN)/dagster dev

lint: install
	cd dbt_project && ../$(BIN)/sqlfluff lint models --dialect duckdb

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs
