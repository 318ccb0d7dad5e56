# Quick start: `make site` builds everything from a fresh clone; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HER2DB := $(VENV)/bin/her2db
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install db site serve publish test test-deps lint docs docs-check schema bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Byte-compiled at install, so no command compiles the package on start-up (where the
# environment sets PYTHONDONTWRITEBYTECODE, Python would otherwise compile it on every run).
install: $(STAMP)
	@$(PY) -m compileall -q her2db

db: install
	$(HER2DB) load

# The Query page's SQLite in WebAssembly (sql.js), pinned in package-lock.json; shipped in the site.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

site: db $(NODE_STAMP)
	$(HER2DB) site build

serve: db $(NODE_STAMP)
	$(HER2DB) site serve

# The release procedure (README, "Publishing a release"): validate the curated data, then
# deploy release VERSION with mike to the local gh-pages branch as `latest`, the default version
# (cut first with `her2db release` if db/releases.yaml does not hold it yet). Never pushes.
publish: install $(NODE_STAMP)
	@test -n "$(VERSION)" || { echo "usage: make publish VERSION=YYYY.MM" >&2; exit 2; }
	$(HER2DB) validate
	$(HER2DB) site deploy $(VERSION) --alias latest

schema: install
	$(HER2DB) schema

# Debian's chromium for the browser tests (never a browser download), and Debian's postgresql
# for the PostgreSQL tests (they start their own throwaway server from its binaries in
# /usr/lib/postgresql/*/bin; the packaged service is not used).
# The official CFF 1.2.0 schema, as the cffconvert wheel ships it: downloaded, never installed
# (cffconvert 2.0.0 pins jsonschema<4, which the data package checks cannot use); the citation
# test reads the schema out of the wheel and validates CITATION.cff with jsonschema.
CFF_WHEEL_DIR := $(VENV)/cffconvert
CFF_STAMP := $(CFF_WHEEL_DIR)/.downloaded
$(CFF_STAMP): $(STAMP)
	$(PY) -m pip download --quiet --no-deps --dest $(CFF_WHEEL_DIR) 'cffconvert==2.0.0'
	touch $@

test-deps: install $(NODE_STAMP) $(CFF_STAMP)
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

# ruff and mypy, configured in pyproject.toml; `make test` runs them first.
lint: install
	$(VENV)/bin/ruff check
	$(VENV)/bin/mypy

# The docs generated from the code by cog (her2db/cli/docs.py): the README's command table, the
# site's command reference and its code-layout tables. `make docs` regenerates them; `make test`
# fails when one is out of date.
DOCS := README.md site/reference/cli.md site/reference/code.md

docs: install
	$(VENV)/bin/cog -r $(DOCS)

docs-check: install
	@$(VENV)/bin/cog --check $(DOCS) || { echo "generated docs are out of date: run \`make docs\`" >&2; exit 1; }

test: lint docs-check test-deps
	$(PY) -m pytest -q

bench: install $(NODE_STAMP)
	$(PY) scripts/bench.py

clean:
	rm -rf public site/studies db/her2db.sqlite .pytest_cache
