# Everyday commands. `make run` and `make test` create the virtual environment themselves.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: run chat test test-fast lint typecheck check bench system clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

system:  ## Debian packages the tests need (Chromium for the web test, PostgreSQL 15 server binaries)
	bash scripts/install-system-deps.sh

run: $(VENV)/.installed  ## serve the bot on its embedded defaults (SQLite, bundled catalogue, no tokens)
	$(BIN)/tthc-bot serve

chat: $(VENV)/.installed  ## chat with the bot in the terminal
	$(BIN)/tthc-bot chat

test: system $(VENV)/.installed  ## the whole test suite
	$(PY) -m pytest -q

test-fast: $(VENV)/.installed  ## the suite without PostgreSQL, Chromium or slow tests: no system packages needed
	$(PY) -m pytest -q -m "not postgres and not browser and not slow"

lint: $(VENV)/.installed  ## ruff rules, ruff format (rewritten parts), mypy (strict on bot/core)
	$(BIN)/ruff check bot tests bench
	$(PY) -m pytest -q tests/test_lint.py
	$(BIN)/mypy

typecheck: $(VENV)/.installed
	$(BIN)/mypy

check: $(VENV)/.installed  ## validate catalogue + flows + config
	$(BIN)/tthc-bot check

bench: $(VENV)/.installed
	$(PY) bench/match_bench.py && $(PY) bench/engine_bench.py && $(PY) bench/webhook_bench.py && $(PY) bench/booking_bench.py && $(PY) bench/cluster_bench.py

clean:
	rm -rf $(VENV) data .pytest_cache
