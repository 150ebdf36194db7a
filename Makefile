# Everyday commands. `make run` and `make test` create the virtual environment themselves.
# Installs are pinned by constraints.txt (exact versions); `make constraints` regenerates it.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# The server's own environment: runtime dependencies only (no pytest, playwright, ruff).
RUNVENV ?= .venv-run
PIP_MIN := pip>=25.1

.PHONY: run chat test test-fast lint typecheck check bench system clean constraints

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade '$(PIP_MIN)'
	$(PY) -m pip install -q -c constraints.txt -e '.[test,train]'  # train: the tree-export tests fit scikit-learn's boosters
	touch $@

$(RUNVENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(RUNVENV)
	$(RUNVENV)/bin/python -m pip install -q --upgrade '$(PIP_MIN)'
	$(RUNVENV)/bin/python -m pip install -q -c constraints.txt -e .  # editable: content is read from this checkout
	touch $@

constraints: $(VENV)/.installed  ## re-pin every installed package after changing pyproject.toml
	(echo "# Exact versions for reproducible installs (runtime and test). Regenerate with \`make constraints\`"; \
	 echo "# after changing pyproject.toml; review the diff (security releases) before committing."; \
	 $(PY) -m pip freeze --exclude-editable) > constraints.txt

system:  ## Debian packages the tests need (Chromium for the web test, PostgreSQL 15 server binaries)
	bash scripts/install-system-deps.sh

run: $(RUNVENV)/.installed  ## serve the bot on its embedded defaults (SQLite, bundled catalogue, no tokens)
	$(RUNVENV)/bin/tthc-bot serve

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
	$(PY) bench/match_bench.py && $(PY) bench/engine_bench.py && $(PY) bench/webhook_bench.py && $(PY) bench/booking_bench.py && $(PY) bench/cluster_bench.py && $(PY) bench/web_guard_bench.py

clean:
	rm -rf $(VENV) $(RUNVENV) data .pytest_cache
