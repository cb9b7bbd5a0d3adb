# The README's two commands: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck sandbox screenshots package faults bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/promoter demo

sandbox: $(STAMP)
	$(VENV)/bin/promoter sandbox

# The whole suite, headless, inside a private D-Bus session with an unlocked throw-away
# GNOME Keyring when the machine has them (tests/tools/with-keyring.sh says which). pytest's -ra
# (pyproject.toml) names every skipped test and why at the end, e.g. the real configuration
# documents missing from ../shared/fixtures beside the checkout.
test: $(STAMP)
	$(VENV)/bin/ruff check app tests
	$(VENV)/bin/mypy app tests/helpers.py tests/engine_helpers.py tests/conftest.py
	QT_QPA_PLATFORM=offscreen tests/tools/with-keyring.sh $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# The README's pictures of the main screens, rendered offscreen from a real sandbox session.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m app.gui.screenshots docs/screenshots

# The one-folder desktop bundle in dist/promoter/ (PROMOTER_ONEFILE=1 for one file, PROMOTER_DEBUG=1 to debug).
package: $(STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller packaging/promoter.spec
	@du -sh dist/promoter | awk '{print "bundle size: " $$1}'

# The fault matrix through the real command line; writes docs/reliability.md (also run by make test).
faults: $(STAMP)
	tests/tools/with-keyring.sh $(PY) -m tests.faults.matrix --write docs/reliability.md

# The benchmark figures (not part of make test); writes docs/benchmarks.md and docs/benchmarks.json.
bench: $(STAMP) package
	tests/tools/with-keyring.sh $(PY) -m tests.bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check app tests

typecheck: $(STAMP)
	$(VENV)/bin/mypy app tests/helpers.py tests/engine_helpers.py tests/conftest.py

clean:
	rm -rf $(VENV) build dist *.egg-info
