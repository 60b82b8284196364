# Set-up and everyday targets. `make serve` and `make test` are the two README commands:
# each creates the virtual environment (and a Java runtime for HermiT) when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv java browser virtuoso serve test typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# HermiT (owlready2) needs Java; install a headless JRE from Debian when there is none.
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing a Java runtime for the HermiT reasoner"; \
	  (apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null) || \
	  echo "warning: could not install Java; reasoning checks will report it as missing"; }

# The end-to-end browser test drives Debian's Chromium (never a downloaded browser build).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "installing Chromium for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) || \
	  echo "warning: could not install Chromium; the browser test will fail"; }

# The remote-backend tests run against a real Virtuoso (tests/virtuoso_server.py starts it on
# 127.0.0.1); install Debian's package when virtuoso-t is missing.
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  echo "installing Virtuoso for the remote-backend tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null) || \
	  echo "warning: could not install Virtuoso; the remote-backend tests will fail"; }

serve: $(STAMP)
	$(BIN)/atmp-graph serve $(ARGS)

test: $(STAMP) java browser virtuoso
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP) virtuoso
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
