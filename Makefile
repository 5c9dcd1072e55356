# The README's two commands are `make run` and `make test`; both do their own set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# 0.0.0.0 serves the LAN too, so the app can be tried on a phone (make run HOST=0.0.0.0).
HOST ?= 127.0.0.1
CHROMIUM := /usr/bin/chromium
# A failing browser test leaves its Playwright trace and a screenshot here (README). The
# suite runs without tracing (a quarter of its CPU, docs/performance.md); when tests
# fail, only those run again, one at a time, with `--tracing on`, for their traces
# (e2e/conftest.py writes their ids to E2E_FAILED), and the target still fails.
E2E_ARTIFACTS := var/e2e-artifacts
E2E_FAILED := var/e2e-failed.txt
E2E_OPTS := --screenshot only-on-failure --output $(E2E_ARTIFACTS)
E2E_TRACED := --tracing on $(E2E_OPTS)
e2e_rerun_traced = { if [ -s $(E2E_FAILED) ]; then \
	  echo "Running the failed browser tests again with tracing on, for their traces in $(E2E_ARTIFACTS)/:" >&2; \
	  $(BIN)/pytest -q -n 0 $(E2E_TRACED) $(1) @$(E2E_FAILED) || true; fi; exit 1; }

.PHONY: setup run test test-tests test-e2e system test-fast mutation lint e2e browser chromium java bench lighthouse screenshots clean i18n catalogs

setup: $(VENV)/.installed node_modules/.installed static/vendor/htmx.min.js fonts/DejaVuSans-Latin.ttf catalogs

# uv installs the virtualenvs (a fresh clone's set-up took 75 s with pip, 17 s with uv and
# its bootstrap; the same versions, docs/performance.md). It is bootstrapped
# into .venv by pip, so nothing is installed outside the checkout. No bytecode at install:
# each module is compiled when first imported, only what the tests import.
UV := $(BIN)/uv
UV_PIP := UV_LINK_MODE=copy $(UV) pip install --quiet
$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check 'uv>=0.13,<0.14'

$(VENV)/.installed: pyproject.toml | $(UV)
	$(UV_PIP) --python $(BIN)/python -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# htmx is served from the npm package, copied into a git-ignored folder.
static/vendor/htmx.min.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

# The waiver PDF's fonts: DejaVu Sans (its free licence in fonts/LICENSE) from npm's
# dejavu-fonts-ttf, cut to the Latin scripts and punctuation (fontTools' pyftsubset,
# with fpdf2) into a git-ignored folder that the Lambda zip carries. Without the layout
# tables (fpdf2 does no shaping and drops them from every PDF, but reads them first),
# without hinting, with glyph names: each PDF's own subset is then ~3x cheaper to cut.
FONT_UNICODES := U+0020-007E,U+00A0-024F,U+0259,U+02B0-02FF,U+0300-036F,U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-214F,U+2190-2199,U+2212,U+FB00-FB06,U+FFFD
fonts/DejaVuSans-Latin.ttf: node_modules/.installed Makefile | $(VENV)/.installed
	mkdir -p fonts
	for face in DejaVuSans DejaVuSans-Bold; do \
	  $(BIN)/pyftsubset node_modules/dejavu-fonts-ttf/ttf/$$face.ttf --unicodes='$(FONT_UNICODES)' \
	    --layout-features='' --drop-tables+=GSUB,GPOS,GDEF,MATH --no-hinting --glyph-names \
	    --name-IDs='*' --notdef-outline --output-file=fonts/$$face-Latin.ttf 2>/dev/null; done
	cp node_modules/dejavu-fonts-ttf/LICENSE fonts/LICENSE

# `make run`'s self-signed certificate that seals the waiver PDFs (README).
var/signing.p12: | $(VENV)/.installed
	$(BIN)/python -m server.dev.signing_key $@ "$${SCC_OPERATOR_NAME:-Local test operator}"

# The patron's languages (issue 30): each `.po` in the repository is compiled to its
# git-ignored `.mo` here and in the deploy build; `make i18n` extracts the marked strings
# into messages.pot and merges them into every `.po` (then translate what is new).
LOCALES := server/locale
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po))

catalogs: $(MO_FILES)

$(LOCALES)/%/LC_MESSAGES/messages.mo: $(LOCALES)/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -D messages -d $(LOCALES) -l $*

i18n: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs '.* ._ node_modules var mutants build dist' \
	  --no-wrap --sort-by-file --project 'Ship Captain Crew' -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -D messages -i $(LOCALES)/messages.pot -d $(LOCALES)
	$(MAKE) catalogs

var/secret-key: | $(VENV)/.installed
	mkdir -p var
	$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $@

# A Debian package the tests need, installed when its check fails: with apt-get as root,
# else a message naming it. $(call apt_install,check,package,what it is for)
apt_install = @$(1) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(2); \
	  else echo "Install Debian's $(2) (sudo apt-get install $(2)) $(3)" >&2; exit 1; fi; }

# Debian's Chromium for the browser tests (Playwright cannot download its own here): its
# headless shell, the browser Playwright itself runs headless (the full browser's
# headless mode costs ~40 % more CPU for the same tests, docs/performance.md). Lighthouse
# needs the full browser: `make lighthouse` installs `chromium`.
HEADLESS_SHELL := /usr/lib/chromium/chromium-headless-shell
browser:
	$(call apt_install,test -x $(HEADLESS_SHELL),chromium-headless-shell,for the browser tests)

chromium:
	$(call apt_install,test -x $(CHROMIUM),chromium,for Lighthouse)

# A Java runtime for the W3C Nu Html Checker (npm's vnu-jar), which `make test` runs over
# every page and fragment the tests render (tests/nu.py).
java:
	$(call apt_install,command -v java >/dev/null,default-jre-headless,for the Nu Html Checker)

run: setup var/secret-key var/signing.p12
	SCC_SECRET_KEY="$${SCC_SECRET_KEY:-$$(cat var/secret-key)}" PORT=$(PORT) $(BIN)/scc local --host $(HOST)

# checkov has its own virtualenv: it pins a boto3 older than the app's (tools/checkov).
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: tools/checkov/requirements.txt | $(UV)
	test -x $(CHECKOV_VENV)/bin/python || $(UV) venv --quiet $(CHECKOV_VENV)
	$(UV_PIP) --python $(CHECKOV_VENV)/bin/python -r tools/checkov/requirements.txt
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
# tests/ and e2e/ are two runs: Playwright's sync API keeps an event loop running in
# its worker's main thread, which breaks the asyncio.run of any test after it there.
TEST_WORKERS ?= 2

# `make test` (docs/performance.md, "Suite time"): first the system packages (Chromium,
# then Java: apt takes one at a time) beside the installs (the two virtualenvs, npm),
# which mostly wait on downloads; then lint beside tests/ (whose two workers leave part
# of a core idle: lint fits there), each job's output printed whole when it ends; then
# e2e/ alone (its Chromiums keep both cores busy). It fails when any step fails.
test:
	$(MAKE) --no-print-directory -j3 system setup $(CHECKOV_VENV)/.installed
	$(MAKE) --no-print-directory -j2 --output-sync=target lint test-tests
	$(MAKE) --no-print-directory test-e2e

system:
	$(MAKE) --no-print-directory browser
	$(MAKE) --no-print-directory java

test-tests: setup
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile tests

test-e2e: setup browser java
	SCC_E2E_FAILED_IDS=$(E2E_FAILED) $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile e2e $(E2E_OPTS) \
	  || $(call e2e_rerun_traced)

# The unit tests alone (tests/unit/: pure, no dynalite, no app, no browser): seconds.
# --confcutdir keeps tests/conftest.py (the integration fixtures) out of them.
test-fast: setup
	$(BIN)/pytest -q tests/unit --confcutdir=tests/unit

# Mutation testing of the modules `[tool.mutmut] only_mutate` lists in pyproject.toml,
# against the unit tests only; fails when a module kills under 90 % (docs/mutation.md).
# Not part of `make test`. MODULE=money: that module's mutants only. Results are kept in
# mutants/ (git-ignored), so a second run re-tests only what changed.
# MUTATION_CHILDREN=1: one mutant at a time (a machine shared with other work).
MUTATION_CHILDREN ?= 2
mutation: setup
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(if $(MODULE),"*.$(MODULE).*")
	$(BIN)/python tools/mutation_report.py $(if $(MODULE),--module $(MODULE))

# The browser suite alone; BASE_URL points it at a deployed stage, with a captain's
# sign-in there in SCC_E2E_CAPTAIN_EMAIL / SCC_E2E_CAPTAIN_PASSWORD.
e2e: setup browser java
	SCC_E2E_FAILED_IDS=$(E2E_FAILED) $(BIN)/pytest -q e2e $(E2E_OPTS) $(if $(BASE_URL),--base-url $(BASE_URL)) \
	  || $(call e2e_rerun_traced,$(if $(BASE_URL),--base-url $(BASE_URL)))

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

lighthouse: setup chromium $(LIGHTHOUSE_DIR)/node_modules/.installed
	CHROME_PATH=$(CHROMIUM) $(BIN)/python bench/lighthouse.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules static/vendor fonts var mutants $(LIGHTHOUSE_DIR)/node_modules
