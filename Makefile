# Quick start: `make site` builds everything from a fresh clone; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HER2DB := $(VENV)/bin/her2db
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install db site serve test test-deps lint schema bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

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

schema: install
	$(HER2DB) schema

# Debian's chromium for the browser tests (never a browser download), and Debian's postgresql
# for the PostgreSQL tests (they start their own throwaway server from its binaries in
# /usr/lib/postgresql/*/bin; the packaged service is not used).
test-deps: install $(NODE_STAMP)
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

test: lint test-deps
	$(PY) -m pytest -q

bench: install $(NODE_STAMP)
	$(PY) scripts/bench.py

clean:
	rm -rf public site/studies db/her2db.sqlite .pytest_cache
