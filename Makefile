# The README's two commands are `make run` and `make test`; both do their own set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# 0.0.0.0 serves the LAN too, so the app can be tried on a phone (make run HOST=0.0.0.0).
HOST ?= 127.0.0.1
CHROMIUM := /usr/bin/chromium
# A failing browser test leaves its Playwright trace and a screenshot here (README).
E2E_ARTIFACTS := var/e2e-artifacts
E2E_OPTS := --tracing retain-on-failure --screenshot only-on-failure --output $(E2E_ARTIFACTS)

.PHONY: setup run test test-fast mutation lint e2e browser java bench lighthouse screenshots clean

setup: $(VENV)/.installed node_modules/.installed static/vendor/htmx.min.js

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# htmx is served from the npm package, copied into a git-ignored folder.
static/vendor/htmx.min.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

var/secret-key: | $(VENV)/.installed
	mkdir -p var
	$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $@

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "Install Debian's chromium (sudo apt-get install chromium) for the browser tests" >&2; exit 1; fi; }

# A Java runtime for the W3C Nu Html Checker (npm's vnu-jar), which `make test` runs over
# every page and fragment the tests render (tests/nu.py).
java:
	@command -v java >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q default-jre-headless; \
	  else echo "Install a Java runtime (sudo apt-get install default-jre-headless) for the Nu Html Checker" >&2; exit 1; fi; }

run: setup var/secret-key
	SCC_SECRET_KEY="$${SCC_SECRET_KEY:-$$(cat var/secret-key)}" PORT=$(PORT) $(BIN)/scc local --host $(HOST)

# checkov has its own virtualenv: it pins a boto3 older than the app's (tools/checkov).
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: tools/checkov/requirements.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/checkov/requirements.txt
	touch $@

# cfn-lint with its informational rules (I...) too; checkov: every finding is fixed or
# skipped in the template with its reason.
lint: setup $(CHECKOV_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint --include-checks I -- infra/template.yaml
	$(CHECKOV_VENV)/bin/checkov --file infra/template.yaml --framework cloudformation \
	  --compact --quiet --skip-download

# pytest-xdist workers: each has its own dynalite, tables and (for e2e/) uvicorn and
# Chromium; a file's tests stay on one worker (module fixtures start once). The Nu Html
# Checker runs once, in the controller, over every worker's pages; each worker checks its
# own AWS calls against AppRole. TEST_WORKERS=0: one process (docs/performance.md).
TEST_WORKERS ?= 2

test: setup browser java lint
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile $(E2E_OPTS)

# The unit tests alone (tests/unit/: pure, no dynalite, no app, no browser): seconds.
# --confcutdir keeps tests/conftest.py (the integration fixtures) out of them.
test-fast: setup
	$(BIN)/pytest -q tests/unit --confcutdir=tests/unit

# Mutation testing of the modules `[tool.mutmut] only_mutate` lists in pyproject.toml,
# against the unit tests only; fails when a module kills under 90 % (docs/mutation.md).
# Not part of `make test`. MODULE=money: that module's mutants only. Results are kept in
# mutants/ (git-ignored), so a second run re-tests only what changed.
mutation: setup
	$(BIN)/mutmut run --max-children 2 $(if $(MODULE),"*.$(MODULE).*")
	$(BIN)/python tools/mutation_report.py $(if $(MODULE),--module $(MODULE))

# The browser suite alone; BASE_URL points it at a deployed stage, with a captain's
# sign-in there in SCC_E2E_CAPTAIN_EMAIL / SCC_E2E_CAPTAIN_PASSWORD.
e2e: setup browser java
	$(BIN)/pytest -q e2e $(E2E_OPTS) $(if $(BASE_URL),--base-url $(BASE_URL))

# PNGs of every page and state, crew, patron and captain, at 390 and 320 px: the browser
# tests marked `screens` run with SCC_SCREENSHOTS set, and their `shoot` calls write them.
screenshots: setup browser java
	rm -rf var/screenshots
	SCC_SCREENSHOTS=var/screenshots $(BIN)/pytest -q e2e -m screens
	@echo "screenshots in var/screenshots/ ($$(ls var/screenshots | wc -l) PNGs)"

# Not part of `make test`: numbers depend on the machine (docs/performance.md).
# QUICK=1: small counts, a smoke run (about a minute on 2 busy cores).
bench: setup
	$(BIN)/python bench/run.py $(if $(QUICK),--quick)

# Lighthouse is ~110 MB, so it has its own pinned package (tools/lighthouse), installed
# only here and never by `npm ci` for the app.
LIGHTHOUSE_DIR := tools/lighthouse
$(LIGHTHOUSE_DIR)/node_modules/.installed: $(LIGHTHOUSE_DIR)/package.json $(LIGHTHOUSE_DIR)/package-lock.json
	npm ci --prefix $(LIGHTHOUSE_DIR) --no-audit --no-fund --loglevel=error
	touch $@

lighthouse: setup browser $(LIGHTHOUSE_DIR)/node_modules/.installed
	CHROME_PATH=$(CHROMIUM) $(BIN)/python bench/lighthouse.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules static/vendor var mutants $(LIGHTHOUSE_DIR)/node_modules
