# The few commands people need. Each one builds or refreshes .venv by itself.
#   make run            open the desktop app
#   make test           run every test
#   make bench [B=NAME] run the benchmarks (all, or one), JSON lines on stdout
#   make lint           ruff and mypy
#   make translations   refresh the German .ts from the UI's strings and build its .qm
#   make screenshots    PNGs of the app's main views, under Xvfb, into docs/screenshots/
# PYTHON picks the interpreter (3.11, 3.12 or 3.13); VENV where to put it, e.g.
#   make test PYTHON=python3.12 VENV=.venv-3.12

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
B ?=
ARGS ?=

.PHONY: run test bench lint translations screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "p2psocial needs Python 3.11, 3.12 or 3.13; set PYTHON=...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/p2psocial $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(ARGS)

bench: $(STAMP)
	@$(BIN)/python -m bench $(B)

lint: $(STAMP)
	$(BIN)/ruff check p2psocial tests bench
	$(BIN)/mypy

TS := p2psocial/ui/translations/p2psocial_de.ts

translations: $(STAMP)
	$(BIN)/pyside6-lupdate -locations none -no-obsolete -source-language en \
		-target-language de p2psocial/ui/*.py -ts $(TS)
	$(BIN)/pyside6-lrelease $(TS) -qm $(TS:.ts=.qm)

screenshots: $(STAMP)
	xvfb-run --auto-servernum --server-args="-screen 0 1280x1024x24" \
		$(BIN)/python -m bench.screenshots $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
