# Sreda: `make demo` and `make test` are all a newcomer needs. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock | cksum | cut -d' ' -f1)
PG_URL ?= postgres://root@127.0.0.1:5432/test

.PHONY: install browser synapse demo serve test test-sqlite test-postgres bench clean

install: $(STAMP)

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium not found: install the 'chromium' package to run the browser tests."; fi; }

# The messenger's tests start a real Matrix homeserver (Synapse) from its own virtualenv, so its
# dependencies never mix with Sreda's.
SYNAPSE_VERSION := 1.163.2
SYNAPSE_STAMP := .synapse/venv/.installed-$(SYNAPSE_VERSION)
synapse: $(SYNAPSE_STAMP)

$(SYNAPSE_STAMP):
	test -x .synapse/venv/bin/python || $(PYTHON) -m venv .synapse/venv
	.synapse/venv/bin/python -m pip install -q "matrix-synapse==$(SYNAPSE_VERSION)"
	rm -f .synapse/venv/.installed-*
	touch $(SYNAPSE_STAMP)

# The demo's chats need a local homeserver; without one (no network for pip) the demo runs without chats.
demo: install
	@$(MAKE) --no-print-directory synapse || echo "Synapse не установился: демо запустится без чатов в мессенджере."
	$(BIN)/python -m sreda demo

test: install browser synapse
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== tests on SQLite"
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# In CI a missing PostgreSQL is a failure; on a laptop without one the run says so and stops there.
test-postgres:
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== tests on PostgreSQL ($(PG_URL))"; \
	  DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is not reachable at $(PG_URL): CI requires it."; exit 1; \
	else echo "== PostgreSQL not reachable at $(PG_URL): PostgreSQL run skipped (CI requires it)"; fi

# Every benchmark runs even when one misses its target; each prints «НЕ ВЫПОЛНЕНО» beside a missed figure.
bench: install synapse
	-$(BIN)/python -m bench roster-import --people 100000
	-$(BIN)/python -m bench roster-import --district
	-$(BIN)/python -m bench roster-safety
	-$(BIN)/python -m bench staff
	-$(BIN)/python -m bench stats
	-$(BIN)/python -m bench library
	-$(BIN)/python -m bench chats
	-$(BIN)/python -m bench joining
	-$(BIN)/python -m bench dpo
	-$(BIN)/python -m bench api

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
