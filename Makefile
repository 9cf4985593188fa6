# Two commands do everything on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODE_DIR := tests/interop/node

# uv installs exactly what uv.lock pins. It comes from PyPI into its own small venv, on the
# machine's Python; it never downloads an interpreter and builds .venv on that same Python.
UV_VERSION := 0.13.9
UV_HOME := .cache/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
# The interpreter itself, not a launcher such as a pyenv shim: uv would rebuild .venv on every sync.
export UV_PYTHON := $(shell $(PYTHON) -c 'import sys; print(sys.executable)' 2>/dev/null)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install runtime run test lint unit system-packages node-packages bench bench-scale soak lock clean

$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Runtime only: serving needs no test tool. --inexact keeps the dev tools of an earlier `make install`.
runtime: $(VENV)/.synced-runtime

$(VENV)/.synced-runtime: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --no-dev --inexact --quiet
	touch $@

# Runtime and the dev group (pytest, mypy, ruff, import-linter, schemathesis, playwright, py-spy).
install: $(VENV)/.synced-dev

$(VENV)/.synced-dev: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --quiet
	touch $@ $(VENV)/.synced-runtime

# After editing the dependencies in pyproject.toml: re-pin, then commit uv.lock.
lock: | $(UV)
	$(UV) lock

.env:
	@echo "BETTER_AUTH_SECRET=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))')" > .env
	@echo "Wrote .env with a random development BETTER_AUTH_SECRET"

run: runtime .env
	@$(BIN)/todo-api migrate
	@echo "Token for user 'demo' (valid 24 h):"
	@$(BIN)/todo-api token demo --ttl 86400 --email demo@example.com --name Demo
	@echo "Serving where PORT and HOST say (environment, then .env; default 127.0.0.1:8000); docs at /docs"
	@LOG_FORMAT=$${LOG_FORMAT:-text} $(BIN)/todo-api serve

# PostgreSQL and Chromium for the tests (apt, when missing; CI runs as root), and PgBouncer 1.24
# built from Debian's source: bookworm's 1.18 cannot keep prepared statements in transaction mode.
system-packages:
	@bash scripts/system-packages.sh postgres chromium
	@bash scripts/build-pgbouncer.sh

node-packages: $(NODE_DIR)/node_modules/.installed

$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	# Point node-gyp at the installed Node headers: better-sqlite3 may have to build from source.
	cd $(NODE_DIR) && npm_config_nodedir="$$(dirname "$$(dirname "$$(readlink -f "$$(command -v node)")")")" \
		npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q tests/unit

test: install system-packages node-packages lint client-check
	$(BIN)/pytest -q

bench: install
	@bash scripts/system-packages.sh postgres wrk
	$(BIN)/python -m tests.perf.run

bench-scale: install
	@bash scripts/system-packages.sh postgres
	$(BIN)/python -m tests.perf.scale

soak: install
	@bash scripts/system-packages.sh postgres
	$(BIN)/python -m tests.perf.soak

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache $(NODE_DIR)/node_modules

# The typed TypeScript client: its OpenAPI document and types are generated and committed, so a
# reviewer sees every API change in the diff; `client-check` fails when they are out of date.
CLIENT_DIR := clients/typescript

.PHONY: client client-check

$(CLIENT_DIR)/node_modules/.installed: $(CLIENT_DIR)/package.json $(CLIENT_DIR)/package-lock.json
	cd $(CLIENT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

client: install $(CLIENT_DIR)/node_modules/.installed
	$(BIN)/python scripts/export-openapi.py $(CLIENT_DIR)/openapi.json
	cd $(CLIENT_DIR) && npm run --silent generate

client-check: install $(CLIENT_DIR)/node_modules/.installed
	@fresh="$$(mktemp -d)"; trap 'rm -rf "$$fresh"' EXIT; \
	$(BIN)/python scripts/export-openapi.py "$$fresh/openapi.json" \
	&& (cd $(CLIENT_DIR) && OPENAPI="$$fresh/openapi.json" SCHEMA="$$fresh/schema.ts" npm run --silent generate >/dev/null) \
	&& diff -u $(CLIENT_DIR)/openapi.json "$$fresh/openapi.json" \
	&& diff -u $(CLIENT_DIR)/src/schema.ts "$$fresh/schema.ts" \
	|| { echo "The committed TypeScript client is out of date with the API: run 'make client' and commit it." >&2; exit 1; }
	cd $(CLIENT_DIR) && npm run --silent check
