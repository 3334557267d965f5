# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

DATABASE_URL ?= sqlite:///$(CURDIR)/instance/wsc.sqlite3
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

NPM ?= npm
VENDOR := api/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed
BPMN_JS := node_modules/bpmn-js

.PHONY: run test lint install assets browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The pages' front-end assets: bpmn-js (viewer and modeler) installed from package-lock.json
# and copied into api/static/vendor, so no page fetches anything from the internet.
$(VENDOR_STAMP): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/bpmn-js
	cp $(BPMN_JS)/dist/bpmn-navigated-viewer.production.min.js \
	   $(BPMN_JS)/dist/bpmn-modeler.production.min.js $(BPMN_JS)/LICENSE $(VENDOR)/bpmn-js/
	cp -r $(BPMN_JS)/dist/assets $(VENDOR)/bpmn-js/assets
	touch $(VENDOR_STAMP)

assets: $(VENDOR_STAMP)

# The browser tests drive Debian's chromium (never a downloaded browser); a CJK font makes
# their screenshots readable.
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	fc-list :lang=zh | grep -q . || (apt-get update && apt-get install -y fonts-wqy-microhei)

# Server + scheduler on an embedded SQLite database with the demo organisation
# and the shipped process models, on 127.0.0.1:5000 (simulated clock enabled: demo).
run: $(STAMP) $(VENDOR_STAMP)
	mkdir -p instance
	WSC_DATABASE_URL='$(DATABASE_URL)' $(BIN)/wsc migrate
	WSC_DATABASE_URL='$(DATABASE_URL)' $(BIN)/wsc load-demo
	WSC_DATABASE_URL='$(DATABASE_URL)' $(BIN)/wsc load-processes
	WSC_DATABASE_URL='$(DATABASE_URL)' WSC_SIMULATED_CLOCK=1 $(BIN)/wsc serve --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .

# The whole suite, every database test on SQLite and on PostgreSQL.
test: lint assets browser
	WSC_TEST_POSTGRES_URL='$(TEST_POSTGRES_URL)' $(BIN)/pytest -q $(PYTEST_ARGS)
