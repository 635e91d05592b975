# Community Safety Warehouse: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install system-packages run test test-fast bench bench-scale dev lint clean

# Debian packages the Board's outputs need: Chromium prints the annual update to PDF, poppler-utils
# (pdftoppm, pdftotext) lets the tests look at the PDF. Installed only when missing.
SYSTEM_PACKAGES := chromium poppler-utils

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP) system-packages

# The dbt manifest the Dagster definitions are built from, prepared the dagster-dbt way: `dagster-dbt
# project prepare-and-package` runs the parse of the DbtProject in orchestration/dbt_project.py (with
# the shipped settings as --vars). Remade when a file it is parsed from is newer; `run`, `test` and
# `dev` depend on it. (`dagster dev` also re-parses at every code load: DbtProject.prepare_if_dev.)
MANIFEST   := dbt_project/target/manifest.json
DBT_INPUTS := $(shell find dbt_project/models dbt_project/seeds dbt_project/macros dbt_project/tests -type f -not -path '*/__pycache__/*') dbt_project/dbt_project.yml

.PHONY: manifest
manifest: $(MANIFEST)

$(MANIFEST): $(DBT_INPUTS) | $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" PYTHONPATH="$(CURDIR)" $(BIN)/dagster-dbt project prepare-and-package --file orchestration/dbt_project.py
	touch $(MANIFEST)

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q $$missing || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $$missing; }; \
	fi

## Write the synthetic demo feeds and run the nightly job on them.
run: install manifest
	$(BIN)/csw demo-data
	$(BIN)/csw run

# axe-core (npm) checks the report pages' accessibility in headless Chromium (tests/test_report_pages.py);
# installed into .cache/npm (ignored by git) when missing. npm comes with the Debian package nodejs.
AXE := .cache/npm/node_modules/axe-core/axe.min.js

$(AXE):
	command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -q nodejs npm || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q nodejs npm; }; }
	npm install --no-save --no-audit --no-fund --prefix .cache/npm axe-core@4.10.3

## The whole test suite (CI runs this), on one pytest-xdist worker per core (-n auto: two here). The
## dbt manifest is parsed first, so the workers never parse it at the same time. The two demo nights
## the end-to-end tests read are built once per session, not per worker (tests/conftest.py: a file
## lock in the workers' shared temporary directory). --dist loadfile: a test file per worker at a
## time, so a module's own fixtures (reports built from the night, a small dbt build, an extra night
## on a copy) are built once; `load`/`worksteal` would split a module over both workers and build them
## twice. --no-loadscope-reorder keeps the file order conftest sets: the two nights started at the
## same time on the two workers, then the longest files first, so both workers finish together.
## The tests' homes go on tmpfs (/dev/shm) where there is one: a night commits its DuckDB file and
## Dagster's SQLite event log hundreds of times, and on tmpfs no commit waits for the disk (about 13% of
## a night measured here). Only the newest session's folders are kept (tmp_path_retention_count).
TEST_TMP := $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp})

test: install $(AXE)
	$(MAKE) --no-print-directory manifest
	TMPDIR=$(TEST_TMP) $(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist loadfile --no-loadscope-reorder

## The tests that need no nightly build, no dbt and no sqlfluff (-m "not night and not lint"): about a
## minute on two cores (--dist loadfile again: a module's fixtures, e.g. the full-scale demo files, once).
test-fast: install manifest
	TMPDIR=$(TEST_TMP) $(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist loadfile -m "not night and not lint"

## Ingest + validate the real police files against DuckDB's plain copy to Parquet; time the demo data.
bench: install
	$(BIN)/python bench/ingest_benchmark.py
	$(BIN)/python bench/demo_data_benchmark.py

## The national-scale benchmark (not a test): the national demo (43 forces x 10 years, ~60 million
## police.uk rows) in a fresh home outside the repository, the full night from empty, one new month
## for every force and the incremental night; wall time and peak memory of each into bench/scale.md.
## BENCH_SCALE_ARGS for a smaller or bounded run, e.g. "--forces 5 --years 2 --memory-limit 6GB".
BENCH_SCALE_ARGS ?=
bench-scale: install manifest
	$(BIN)/python bench/scale_benchmark.py $(BENCH_SCALE_ARGS)

## The Dagster UI on this warehouse home (reads .env written by `csw run`).
dev: install manifest
	$(BIN)/dagster dev

lint: install
	cd dbt_project && ../$(BIN)/sqlfluff lint models --dialect duckdb

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs
