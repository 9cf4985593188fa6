# Two commands do everything on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
NODE_DIR := tests/interop/node

.PHONY: install run test lint unit system-packages node-packages bench bench-scale soak clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

.env:
	@echo "BETTER_AUTH_SECRET=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))')" > .env
	@echo "Wrote .env with a random development BETTER_AUTH_SECRET"

run: install .env
	@$(BIN)/todo-api migrate
	@echo "Token for user 'demo' (valid 24 h):"
	@$(BIN)/todo-api token demo --ttl 86400 --email demo@example.com --name Demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (docs: http://127.0.0.1:$(PORT)/docs)"
	@PORT=$(PORT) LOG_FORMAT=$${LOG_FORMAT:-text} $(BIN)/todo-api serve

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

test: install system-packages node-packages lint
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
