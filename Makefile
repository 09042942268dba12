# Watchlist press: `make pdf` builds every brief in content/ into build/.

# The distribution's Python 3 when it is 3.11 or newer, with venv: Debian builds it with PGO and LTO, and a
# brief builds about a tenth faster than with an unoptimised build such as pyenv's default.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
            && echo /usr/bin/python3 || echo python3)
VENV ?= .venv
OUT ?= build
MAX_SIZE ?= 1MiB
PY := $(VENV)/bin/python
BRIEFS := $(wildcard content/*.md)
PDFS := $(patsubst content/%.md,$(OUT)/%.pdf,$(BRIEFS))
PRINTS := $(patsubst content/%.md,$(OUT)/%-print.pdf,$(BRIEFS))
DEPENDS := build.py $(wildcard templates/*.html) $(wildcard styles/*.css) $(VENV)/.run

.PHONY: help pdf print check watch new html preview docs test bench lint format clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

pdf: $(PDFS) ## Build every content/*.md into build/<stem>.pdf (MAX_SIZE=1MiB budget)

print: $(PRINTS) ## Build the press-ready copies build/<stem>-print.pdf (PDF/X-4, bleed, marks)

check: $(VENV)/.run ## Report every problem in the briefs (path:line: error|warning), write nothing
	$(PY) build.py --check $(BRIEFS)

watch: $(VENV)/.run ## Rebuild the briefs on every save (Ctrl-C stops)
	$(PY) build.py --watch -o $(OUT) --max-size $(MAX_SIZE) $(BRIEFS)

new: $(VENV)/.run ## Start a brief: make new COUNTRY=Kenya DATE=2024-05 RATING=repressed
	@test -n "$(COUNTRY)" -a -n "$(DATE)" -a -n "$(RATING)" || \
	  { echo 'usage: make new COUNTRY=… DATE=YYYY-MM RATING=closed|repressed|obstructed|narrowed|open'; exit 2; }
	$(PY) build.py --new "$(COUNTRY)" --date "$(DATE)" --rating "$(RATING)"

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

bench: $(VENV)/.bench ## Measure against bare WeasyPrint and pandoc; writes build/bench.json
	$(PY) bench/bench.py

lint: $(VENV)/.test ## Lint with ruff
	$(PY) -m ruff check .

format: $(VENV)/.test ## Format with ruff
	$(PY) -m ruff format .

clean: ## Remove build output
	rm -rf $(OUT)

$(VENV)/.run: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check 'pip==26.3'
	$(PY) -m pip install -q --group run
	touch $@

$(VENV)/.test: $(VENV)/.run
	$(PY) -m pip install -q --group test
	touch $@

$(VENV)/.bench: $(VENV)/.test
	$(PY) -m pip install -q --group bench
	touch $@
