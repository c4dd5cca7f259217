# The two commands of the quick start: `make demo` and `make test`.
# Each sets up what it needs: a virtual environment with the package and its tools, and the
# system packages the tests use (PostgreSQL, Chromium, Prometheus), installed with apt-get when
# missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_DB := .demo/library.db
EXAMPLE := examples/checkout-outage

.PHONY: demo test lint format fuzz system-packages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# PostgreSQL from Debian: the store's tests start their own server in a temporary folder.
# Chromium from Debian: the report's browser test drives it with Playwright (no browser download).
# Prometheus from Debian: the metrics pull tests build blocks with promtool and serve them with
# their own prometheus on a free loopback port.
system-packages:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing PostgreSQL (Debian package postgresql)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Chromium (Debian package chromium) for the report's browser test"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	fi
	@if [ ! -x /usr/bin/prometheus ] || [ ! -x /usr/bin/promtool ]; then \
		echo "installing Prometheus (Debian package prometheus) for the metrics pull tests"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	fi

# The main job on the bundled example: a folder of evidence in, the postmortem out.
demo: $(STAMP)
	@mkdir -p .demo && rm -f $(DEMO_DB)
	@COLUMNS=120 $(BIN)/retroline --db $(DEMO_DB) investigate $(EXAMPLE) \
		--zone 'payments-db.syslog=Europe/Berlin' -o .demo/report
	@echo
	@COLUMNS=120 $(BIN)/retroline --db $(DEMO_DB) investigate examples/relay-memory-leak \
		-o .demo/relay-report
	@echo
	@COLUMNS=120 $(BIN)/retroline --db $(DEMO_DB) investigate examples/datastore-upgrade \
		--good store-test1 --tz UTC -o .demo/datastore-report
	@echo
	@COLUMNS=120 $(BIN)/retroline --db $(DEMO_DB) investigate examples/watchdog-reboots \
		-o .demo/watchdog-report
	@echo
	@echo "Reports: $$(pwd)/.demo/report/postmortem.html"
	@echo "         $$(pwd)/.demo/relay-report/postmortem.html"
	@echo "         $$(pwd)/.demo/datastore-report/postmortem.html"
	@echo "         $$(pwd)/.demo/watchdog-report/postmortem.html (open them in a browser)"
	@echo "Browse the library: $(BIN)/retroline --db $(DEMO_DB) serve  (then http://127.0.0.1:8765/)"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/ruff format --check src tests benchmarks fuzz
	$(BIN)/mypy src

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks fuzz
	$(BIN)/ruff check --fix src tests benchmarks fuzz

# The tests, with line coverage of the package (its floor is in pyproject.toml).
test: $(STAMP) system-packages lint
	$(BIN)/pytest -n auto --cov=retroline --cov-report=term

# The standing fuzzing check, outside `make test` (it takes half an hour or more): generated
# and mutated inputs through every reader, after every pattern timed on long runs
# (fuzz/patterns.py); exits 1 on any crash, input over 5 s or pattern reported.
fuzz: $(STAMP)
	$(BIN)/python fuzz/patterns.py; found=$$?; \
	$(BIN)/python fuzz/run.py --target all --count 100000 && exit $$found

clean:
	rm -rf $(VENV) .demo .pytest_cache .ruff_cache .mypy_cache .hypothesis test-output
