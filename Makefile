# The few commands people need. Each one builds or refreshes .venv by itself.
#   make run            open the desktop app
#   make test           run every test
#   make test-fast      every module's quick tests, under 90 s (not what tests/conftest.py
#                       lists as SLOW: serve processes, namespaces, benchmarks; no attacks)
#   make test-adversarial  only the attacks on a real serve (tests/adversarial/)
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="a b"]  coverage-guided fuzzing (atheris) of
#                       every decoder of peer input, N s each (tests/fuzz/)
#   make bench [B=NAME] run the benchmarks (all, or one), JSON lines on stdout
#   make interop        p2psocial against js-libp2p (needs node >= 20 and npm: npm ci
#                       into interop/node_modules, exact versions from its lock file)
#   make lint           ruff and mypy
#   make translations   refresh the German .ts from the UI's strings and build its .qm
#   make screenshots    PNGs of the app's main views, under Xvfb, into docs/screenshots/
#   make package        the Linux bundle and the .deb into dist/, smoke-tested
#   make package-test   that, then the .deb in a clean Debian root (root, debootstrap) and
#                       two builds from clean clones compared (packaging/README.md)
# PYTHON picks the interpreter (3.11, 3.12 or 3.13); VENV where to put it, e.g.
#   make test PYTHON=python3.12 VENV=.venv-3.12

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
B ?=
ARGS ?=

.PHONY: run test test-fast test-adversarial fuzz bench interop lint translations screenshots clean
.PHONY: bundle deb package package-check package-test package-repro package-lock

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

# slow and adversarial tests are marked in tests/conftest.py (SLOW) and tests/adversarial/
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "not slow and not adversarial" $(ARGS)

test-adversarial: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m adversarial $(ARGS)

# atheris is an optional extra ([fuzz]): only this target installs it
FUZZ_SECONDS ?= 8
FUZZ_TARGETS ?=
FUZZ_STAMP := $(VENV)/.fuzz-installed

$(FUZZ_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,fuzz]'
	@touch $(FUZZ_STAMP)

fuzz: $(FUZZ_STAMP)
	$(BIN)/python -m tests.fuzz run --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: $(STAMP)
	@$(BIN)/python -m bench $(B)

# tests/test_interop_js.py skips without interop/node_modules; here it must run
INTEROP_STAMP := interop/node_modules/.installed

$(INTEROP_STAMP): interop/package-lock.json
	cd interop && npm ci --no-audit --no-fund --loglevel=error
	@touch $(INTEROP_STAMP)

interop: $(STAMP) $(INTEROP_STAMP)
	P2PSOCIAL_INTEROP=required $(BIN)/python -m pytest -q tests/test_interop_js.py $(ARGS)

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

# --- installers (packaging/README.md) -------------------------------------------------
# A separate environment with the exact pins of packaging/constraints.txt (also for the
# isolated builds of sdists), p2psocial installed into it as a wheel would be (not
# editable), and PyInstaller; builds honour SOURCE_DATE_EPOCH (default: the last
# commit's time) and fix the hash seed, so that two builds of one commit are the same.
PKG_VENV ?= .venv-package
PKG_BIN := $(PKG_VENV)/bin
PKG_STAMP := $(PKG_VENV)/.installed
PKG_BUILD := build/package
BUNDLE := $(PKG_BUILD)/dist/p2psocial
CONSTRAINTS := $(CURDIR)/packaging/constraints.txt
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' p2psocial/__init__.py)
ARCH := $(shell dpkg --print-architecture 2>/dev/null || uname -m)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
# (CFLAGS: sdists compiled here, fastecdsa, carry no debug information, which would hold
# pip's random build directory and so differ from build to build)
PKG_ENV := PIP_CONSTRAINT=$(CONSTRAINTS) PIP_DISABLE_PIP_VERSION_CHECK=1 \
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) PYTHONHASHSEED=0 CFLAGS="$${CFLAGS:-} -g0"

$(PKG_STAMP): pyproject.toml packaging/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "p2psocial needs Python 3.11, 3.12 or 3.13; set PYTHON=...")'
	@test -x $(PKG_BIN)/python || $(PYTHON) -m venv $(PKG_VENV)
	$(PKG_ENV) $(PKG_BIN)/python -m pip install --quiet pip setuptools wheel
	rm -rf build/lib build/bdist.*
	$(PKG_ENV) $(PKG_BIN)/python -m pip install --quiet . pyinstaller pyinstaller-hooks-contrib
	@touch $(PKG_STAMP)

bundle: $(PKG_STAMP)
	rm -rf build/lib build/bdist.* $(PKG_BUILD)/dist $(PKG_BUILD)/work
	$(PKG_ENV) $(PKG_BIN)/python -m pip install --quiet --no-deps --force-reinstall .
	$(PKG_ENV) $(PKG_BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath $(PKG_BUILD)/dist --workpath $(PKG_BUILD)/work packaging/pyinstaller/p2psocial.spec
	@mkdir -p dist
	tar --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 --numeric-owner \
		-C $(PKG_BUILD)/dist -cf - p2psocial | gzip -n > dist/p2psocial-$(VERSION)-linux-$(ARCH).tar.gz

deb: bundle
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) bash packaging/deb/build-deb.sh $(BUNDLE) dist $(PKG_BIN)/python

package-check:
	bash packaging/check-metadata.sh
	bash packaging/smoke-test.sh $(BUNDLE)/p2psocial

package: deb
	@$(MAKE) --no-print-directory package-check
	@echo "built:"; du -sh $(BUNDLE) dist/p2psocial-$(VERSION)-linux-$(ARCH).tar.gz dist/p2psocial_$(VERSION)-1_$(ARCH).deb

package-test: package
	bash packaging/deb/deb-test.sh dist/p2psocial_$(VERSION)-1_$(ARCH).deb
	@$(MAKE) --no-print-directory package-repro

package-repro:
	bash packaging/repro-check.sh

package-lock:
	bash packaging/lock.sh $(PYTHON)

clean:
	rm -rf $(VENV) $(PKG_VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
