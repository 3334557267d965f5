# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

DATABASE_URL ?= sqlite:///$(CURDIR)/instance/wsc.sqlite3
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test lint install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Server + scheduler on an embedded SQLite database with the demo organisation
# and the shipped process models, on 127.0.0.1:5000 (simulated clock enabled: demo).
run: $(STAMP)
	mkdir -p instance
	WSC_DATABASE_URL='$(DATABASE_URL)' $(BIN)/wsc migrate
	WSC_DATABASE_URL='$(DATABASE_URL)' $(BIN)/wsc load-demo
	WSC_DATABASE_URL='$(DATABASE_URL)' $(BIN)/wsc load-processes
	WSC_DATABASE_URL='$(DATABASE_URL)' WSC_SIMULATED_CLOCK=1 $(BIN)/wsc serve --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .

# The whole suite, every database test on SQLite and on PostgreSQL.
test: lint
	WSC_TEST_POSTGRES_URL='$(TEST_POSTGRES_URL)' $(BIN)/pytest -q $(PYTEST_ARGS)
