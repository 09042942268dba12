# Watchlist press: `make pdf` builds every brief in content/ into build/; `make test` tests it.
# On Debian or Ubuntu, as root, either installs what it needs first (system packages, .venv).

# The distribution's Python 3 when it is 3.11 or newer, with venv: Debian builds it with PGO and
# LTO, and a brief builds about a tenth faster than with an unoptimised build such as pyenv's.
# Evaluated where used, after the system packages are installed.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
            && echo /usr/bin/python3 || echo python3)
VENV ?= .venv
OUT ?= build
MAX_SIZE ?= 1MiB
BRIEF_LANG ?= en
PY := $(VENV)/bin/python
# What the build needs of the system (Pango for WeasyPrint, HarfBuzz's subsetter for fast and
# reproducible font subsets), and what the tests need besides (pdftotext, faketime, strace).
# npm fetches the fonts (fonts/package-lock.json); Debian's is taken only where there is none.
RUN_PACKAGES ?= python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
                $(if $(shell command -v npm),,npm)
TEST_PACKAGES ?= poppler-utils faketime strace
BRIEFS := $(wildcard content/*.md)
PDFS := $(patsubst content/%.md,$(OUT)/%.pdf,$(BRIEFS))
PRINTS := $(patsubst content/%.md,$(OUT)/%-print.pdf,$(BRIEFS))
DEPENDS := build.py $(wildcard press/*.py) $(wildcard templates/*.html) $(wildcard styles/*.css) \
           $(VENV)/.run fonts/node_modules/.package-lock.json

.PHONY: help pdf print check watch new html preview docs test bench lint format catalogs clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

pdf: $(PDFS) ## Build every content/*.md into build/<stem>.pdf (MAX_SIZE=1MiB budget)

print: $(PRINTS) ## Build the press-ready copies build/<stem>-print.pdf (PDF/X-4, bleed, marks)

check: $(VENV)/.run ## Report every problem in the briefs (path:line: error|warning), write nothing
	$(PY) build.py --check $(BRIEFS)

watch: $(VENV)/.run ## Rebuild the briefs on every save (Ctrl-C stops)
	$(PY) build.py --watch -o $(OUT) --max-size $(MAX_SIZE) $(BRIEFS)

new: $(VENV)/.run ## Start a brief: make new COUNTRY=Kenya DATE=2024-05 RATING=repressed [BRIEF_LANG=es]
	@test -n "$(COUNTRY)" -a -n "$(DATE)" -a -n "$(RATING)" || \
	  { echo 'usage: make new COUNTRY=… DATE=YYYY-MM RATING=closed|repressed|obstructed|narrowed|open [BRIEF_LANG=es]'; exit 2; }
	$(PY) build.py --new "$(COUNTRY)" --date "$(DATE)" --rating "$(RATING)" --lang "$(BRIEF_LANG)"

html: $(VENV)/.run ## Write build/<stem>.html, the HTML copy, with its screen styles and fonts
	$(PY) build.py --html -o $(OUT) --max-size $(MAX_SIZE)

preview: $(VENV)/.run ## Render every page of every brief to build/preview/*.png
	$(PY) build.py --preview -o $(OUT)

docs: preview ## Refresh the README's pictures of the Kazakhstan brief
	cp $(OUT)/preview/kazakhstan-2022-03-1.png docs/cover.png
	cp $(OUT)/preview/kazakhstan-2022-03-2.png docs/inner-page.png

$(OUT)/%-print.pdf: content/%.md $(DEPENDS)
	$(PY) build.py --print $< -o $(OUT)

$(OUT)/%.pdf: content/%.md $(DEPENDS)
	$(PY) build.py $< -o $(OUT) --max-size $(MAX_SIZE)

test: $(VENV)/.test ## Run the tests and the linter
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

bench: $(VENV)/.bench ## Measure the press against bare WeasyPrint and pandoc; writes build/bench.json
	$(PY) bench/bench.py

lint: $(VENV)/.test ## Lint with ruff
	$(PY) -m ruff check .

format: $(VENV)/.test ## Format with ruff
	$(PY) -m ruff format .

catalogs: $(VENV)/.run ## Gather the layout's strings into locales/ (NEW=xx starts a language)
	$(VENV)/bin/pybabel --quiet extract -F babel.cfg --no-location --sort-output --omit-header -k N_ -o locales/messages.pot .
	$(if $(NEW),$(VENV)/bin/pybabel --quiet init -i locales/messages.pot -d locales -l $(NEW))
	$(VENV)/bin/pybabel --quiet update -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete --omit-header

clean: ## Remove build output
	rm -rf $(OUT)

# Debian packages: installed when missing (as root), or the one command that would install them.
define system-packages
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null \
	  | grep -q '^ii' || printf '%s ' $$p; done); missing=$${missing% }; \
	if ! command -v dpkg-query >/dev/null; then \
	  echo "make: not Debian or Ubuntu: make sure the system has $(1)"; \
	elif [ -n "$$missing" ] && [ "$$(id -u)" != 0 ]; then \
	  echo "make: missing system packages; run: sudo apt-get install $$missing"; exit 2; \
	elif [ -n "$$missing" ]; then \
	  echo "make: installing system packages: $$missing"; log=$$(mktemp); \
	  export DEBIAN_FRONTEND=noninteractive; { apt-get update -qq && \
	  apt-get install -y -qq --no-install-recommends $$missing; } >$$log 2>&1 \
	  || { cat $$log; rm -f $$log; exit 2; }; rm -f $$log; \
	fi
	@mkdir -p $(VENV) && touch $@
endef

$(VENV)/.system-run:
	$(call system-packages,$(RUN_PACKAGES))

$(VENV)/.system-test: $(VENV)/.system-run
	$(call system-packages,$(TEST_PACKAGES))

$(VENV)/.run: pyproject.toml $(VENV)/.system-run fonts/node_modules/.package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check 'pip==26.3'
	$(PY) -m pip install -q --group run
	touch $@

# Adobe's Source Serif 4 and Source Sans 3, from their npm packages, as the lock file pins them.
fonts/node_modules/.package-lock.json: fonts/package-lock.json $(VENV)/.system-run
	cd fonts && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.test: $(VENV)/.run $(VENV)/.system-test
	$(PY) -m pip install -q --group test
	touch $@

$(VENV)/.bench: $(VENV)/.test
	$(PY) -m pip install -q --group bench
	touch $@
