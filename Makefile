# Watchlist press: `make pdf` builds every brief in content/ into build/; `make test` tests it.
# On Debian or Ubuntu, as root, either installs what it needs first (system packages, .venv).

# The distribution's Python 3 when it is 3.11 or newer, with venv: Debian builds it with PGO and
# LTO, and a brief builds about a tenth faster than with an unoptimised build such as pyenv's.
# Evaluated where used, after the system packages are installed.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
            && echo /usr/bin/python3 || echo python3)
VENV ?= .venv
OUT ?= build
CONTENT ?= content
MAX_SIZE ?= 1MiB
# Which copy `make pdf`, `html` and `watch` make: screen, print or large (press/config.py, COPIES).
COPY ?= screen
PY := $(VENV)/bin/python
# What the build needs of the system (Pango for WeasyPrint, HarfBuzz's subsetter for fast and
# reproducible font subsets, FOGRA39's data and ArgyllCMS to make the print copy's CMYK profile
# from it), and what the tests need besides (pdftotext, faketime, strace, Ghostscript's plates).
# npm fetches the fonts (fonts/package-lock.json); Debian's is taken only where there is none.
RUN_PACKAGES ?= python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
                icc-profiles-free argyll $(if $(shell command -v npm),,npm)
TEST_PACKAGES ?= poppler-utils faketime strace ghostscript
# The print copy's printing condition: FOGRA39, made once from its published data (press/colour.py).
PROFILE := profiles/FOGRA39-press.icc
FOGRA39 := /usr/share/color/icc/FOGRA39L.ti3
# A value given on the command line or in the environment is taken as it is written: make would
# otherwise run the $(shell …) or $(…) it holds before any quoting could help.
$(foreach v,OUT CONTENT MAX_SIZE COPY VENV PYTHON COUNTRY DATE RATING BRIEF_LANG NEW PRINT_PROFILE FILE,\
  $(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))
export COUNTRY DATE RATING BRIEF_LANG FILE  # `make new` and `make import` read them from there
# `CONTENT=content/` names the same folder as `CONTENT=content`.
override CONTENT := $(patsubst %/,%,$(CONTENT))

# Every brief in CONTENT, however it is named: names come from find, never from a shell line,
# and every value reaches the shell quoted: $(call q,…). Which briefs are out of date, build.py
# decides (--changed: the brief, the files beside it, the press itself), for make and --watch alike.
q = '$(subst ','\'',$(1))'
EVERY = find $(call q,$(CONTENT)) -maxdepth 1 -name '*.md' -print0 | LC_ALL=C sort -z | xargs -0 -r
BUILD = $(call q,$(PY)) build.py -o $(call q,$(OUT))

.PHONY: help pdf print check watch new import html preview docs test fuzz bench lint format catalogs clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

pdf: $(VENV)/.run $(PROFILE) ## Build every content/*.md into build/<stem>.pdf (MAX_SIZE=1MiB; COPY=large…)
	@$(EVERY) $(BUILD) --copy $(call q,$(COPY)) --max-size $(call q,$(MAX_SIZE)) --changed

print: $(VENV)/.run $(PROFILE) ## Build the press-ready copies build/<stem>-print.pdf (PDF/X-4 CMYK; PRINT_PROFILE=…)
	@$(EVERY) $(BUILD) --copy print $(if $(PRINT_PROFILE),--profile $(call q,$(PRINT_PROFILE))) --changed

check: $(VENV)/.run $(PROFILE) ## Report every problem in the briefs (path:line: error|warning), write nothing
	@$(EVERY) $(call q,$(PY)) build.py --check

watch: $(VENV)/.run $(PROFILE) ## Rebuild the briefs on every save (Ctrl-C stops)
	@$(EVERY) $(BUILD) --copy $(call q,$(COPY)) --watch --max-size $(call q,$(MAX_SIZE))

# The values come through the environment, never through the shell line: `make new COUNTRY='…'`.
new: $(VENV)/.run ## Start a brief: make new COUNTRY=Kenya DATE=2024-05 RATING=repressed [BRIEF_LANG=es]
	@test -n "$$COUNTRY" -a -n "$$DATE" -a -n "$$RATING" || \
	  { echo 'usage: make new COUNTRY=… DATE=YYYY-MM RATING=closed|repressed|obstructed|narrowed|open [BRIEF_LANG=es]'; exit 2; }
	$(call q,$(PY)) build.py --new "$$COUNTRY" --date "$$DATE" --rating "$$RATING" \
	  --lang "$${BRIEF_LANG:-en}" --content $(call q,$(CONTENT))

import: $(VENV)/.import ## A brief from Word: make import FILE=brief.docx COUNTRY=Kenya DATE=2024-05 RATING=repressed
	@test -n "$$FILE" -a -n "$$COUNTRY" -a -n "$$DATE" -a -n "$$RATING" || \
	  { echo 'usage: make import FILE=….docx COUNTRY=… DATE=YYYY-MM RATING=closed|repressed|obstructed|narrowed|open [BRIEF_LANG=fr]'; exit 2; }
	$(call q,$(PY)) build.py --import "$$FILE" --country "$$COUNTRY" --date "$$DATE" \
	  --rating "$$RATING" --lang "$${BRIEF_LANG:-en}" --content $(call q,$(CONTENT))

html: $(VENV)/.run $(PROFILE) ## Write build/<stem>.html, the HTML copy, with its screen styles and fonts
	@$(EVERY) $(BUILD) --copy $(call q,$(COPY)) --html --max-size $(call q,$(MAX_SIZE))

preview: $(VENV)/.run $(PROFILE) ## Render every page of every brief to build/preview/*.png
	@$(EVERY) $(BUILD) --preview

docs: preview ## Refresh the README's pictures of the Kazakhstan brief
	cp $(call q,$(OUT)/preview/kazakhstan-2022-03-1.png) docs/cover.png
	cp $(call q,$(OUT)/preview/kazakhstan-2022-03-2.png) docs/inner-page.png

test: $(VENV)/.test ## Run the tests and the linter
	$(call q,$(PY)) -m ruff check .
	$(call q,$(PY)) -m ruff format --check .
	$(call q,$(PY)) -m pytest -n auto --dist loadfile

fuzz: $(VENV)/.test ## Longer fuzzing of the brief grammar: 2000 briefs, each printed twice
	FUZZ_EXAMPLES=2000 FUZZ_PRINT=1 $(call q,$(PY)) -m pytest -q tests/test_fuzz.py

bench: $(VENV)/.bench ## Measure the press against bare WeasyPrint and pandoc; writes build/bench.json
	$(call q,$(PY)) -m bench.bench

lint: $(VENV)/.test ## Lint with ruff
	$(call q,$(PY)) -m ruff check .

format: $(VENV)/.test ## Format with ruff
	$(call q,$(PY)) -m ruff format .

catalogs: $(VENV)/.run ## Gather the layout's strings into locales/ (NEW=xx starts a language)
	$(call q,$(VENV)/bin/pybabel) --quiet extract -F babel.cfg --no-location --sort-output --omit-header -k N_ -o locales/messages.pot .
	$(if $(NEW),$(call q,$(VENV)/bin/pybabel) --quiet init -i locales/messages.pot -d locales -l $(call q,$(NEW)))
	$(call q,$(VENV)/bin/pybabel) --quiet update -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete --omit-header

clean: $(VENV)/.run ## Remove what the press wrote in build/ (OUT=…), and nothing else
	$(call q,$(PY)) build.py --clean -o $(call q,$(OUT))

# Debian packages: installed when missing (as root), or the one command that would install them.
define system-packages
	@missing=$$(for p in $(foreach p,$(1),$(call q,$(p))); do dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null \
	  | grep -q '^ii' || printf '%s ' $$p; done); missing=$${missing% }; \
	if ! command -v dpkg-query >/dev/null; then \
	  echo "make: not Debian or Ubuntu: make sure the system has "$(call q,$(1)); \
	elif [ -n "$$missing" ] && [ "$$(id -u)" != 0 ]; then \
	  echo "make: missing system packages; run: sudo apt-get install $$missing"; exit 2; \
	elif [ -n "$$missing" ]; then \
	  echo "make: installing system packages: $$missing"; log=$$(mktemp); \
	  export DEBIAN_FRONTEND=noninteractive; { apt-get update -qq && \
	  apt-get install -y -qq --no-install-recommends $$missing; } >$$log 2>&1 \
	  || { cat $$log; rm -f $$log; exit 2; }; rm -f $$log; \
	fi
	@mkdir -p $(call q,$(VENV)) && touch $(call q,$@)
endef

$(VENV)/.system-run: Makefile
	$(call system-packages,$(RUN_PACKAGES))

$(VENV)/.system-test: $(VENV)/.system-run Makefile
	$(call system-packages,$(TEST_PACKAGES))

$(VENV)/.run: pyproject.toml $(VENV)/.system-run fonts/node_modules/.package-lock.json
	test -x $(call q,$(PY)) || $(call q,$(PYTHON)) -m venv $(call q,$(VENV))
	$(call q,$(PY)) -m pip install -q --disable-pip-version-check 'pip==26.3'
	$(call q,$(PY)) -m pip install -q --group run
	touch $(call q,$@)

$(PROFILE): | $(VENV)/.run  # order only: a new package list does not remake it
	$(call q,$(PY)) -m press.colour profile $(FOGRA39) $(PROFILE)

# Adobe's Source Serif 4 and Source Sans 3 and Noto Naskh Arabic, from npm, as the lock file pins them.
fonts/node_modules/.package-lock.json: fonts/package-lock.json $(VENV)/.system-run
	cd fonts && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(call q,$@)

$(VENV)/.test: $(VENV)/.run $(PROFILE) $(VENV)/.system-test
	$(call q,$(PY)) -m pip install -q --group test
	touch $(call q,$@)

# Pandoc for `make import` only: `make pdf` stays without it.
$(VENV)/.import: $(VENV)/.run
	$(call q,$(PY)) -m pip install -q --group import
	touch $(call q,$@)

$(VENV)/.bench: $(VENV)/.test
	$(call q,$(PY)) -m pip install -q --group bench
	touch $(call q,$@)
