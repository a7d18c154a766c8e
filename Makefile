# Quỹ — the two commands people need are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-long bench bench-load bench-documents bench-tools lint clean i18n

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

## run: install, create instance/quy.sqlite3 with the demo books if empty, serve on http://$(HOST):$(PORT)
run: $(VENV)/.base
	$(BIN)/quy demo --if-empty
	$(BIN)/quy serve --host $(HOST) --port $(PORT)

## test: the whole suite on SQLite, and on PostgreSQL when one answers (mandatory under CI=true), in
## TEST_WORKERS processes (pytest-xdist, a test file to a worker; default 2, 0 for one process)
TEST_WORKERS ?= 2
PYTEST_ARGS  ?=
test: $(VENV)/.dev browser
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## test-long: the money state machine at 10,000 steps per engine and the race tests at 50 rounds
test-long: $(VENV)/.dev
	QUY_LONG=1 QUY_RACE_ROUNDS=50 $(BIN)/python -m pytest -q tests/integration/test_money_machine.py tests/integration/test_races.py

# browser: Debian's chromium for tests/e2e/test_browser.py, poppler-utils for the PDF checks and the DejaVu
# fonts (every Vietnamese letter) the documents embed, when any is missing
.PHONY: browser
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftotext ] || \
	    [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq chromium fonts-dejavu-core fonts-dejavu-extra poppler-utils; \
	  else echo "note: /usr/bin/chromium is missing, browser tests will skip (sudo make browser)" >&2; fi; \
	fi

## bench: 100,000-donation import and balances over 1,000,000 postings, documents, deposits, disbursements, exports, the load benchmark
bench: $(VENV)/.dev bench-tools
	$(BIN)/python -m tests.bench.run
	$(BIN)/python -m tests.bench.documents
	$(BIN)/python -m tests.bench.deposits
	$(BIN)/python -m tests.bench.disbursements
	$(BIN)/python -m tests.bench.books
	$(BIN)/python -m tests.bench.backup
	$(BIN)/python -m tests.bench.bank
	$(BIN)/python -m tests.bench.exports
	$(BIN)/python -m tests.bench.proofs
	$(BIN)/python -m tests.bench.load

## bench-books: the beancount export, trial balance and fund statement over 1,000,000 postings, beside beancount's loader
.PHONY: bench-books
bench-books: $(VENV)/.dev
	$(BIN)/python -m tests.bench.books

## bench-backup: quy backup and quy restore over 1,000,000 postings beside sqlite3 .backup/.restore and pg_dump/pg_restore
.PHONY: bench-backup
bench-backup: $(VENV)/.dev
	$(BIN)/python -m tests.bench.backup

## bench-bank: a 100,000-line (~50 MB) bank statement imported on SQLite and PostgreSQL beside Python's csv reading it (QUY_BENCH_BANK_LINES=5000 to try)
.PHONY: bench-bank
bench-bank: $(VENV)/.dev
	$(BIN)/python -m tests.bench.bank

## bench-proofs: the Merkle-sum trees of 1,000,000 gifts, a donor's proof and its check in Chromium, beside pymerkle over the same leaves (QUY_BENCH_GIFTS=100000 to try)
.PHONY: bench-proofs
bench-proofs: $(VENV)/.dev
	$(BIN)/python -m tests.bench.proofs

## bench-exports: the receipts register of 100,000 receipts as XLSX (and CSV) beside openpyxl write-only writing the same rows (QUY_BENCH_EXPORT_ROWS=5000 to try)
.PHONY: bench-exports
bench-exports: $(VENV)/.dev
	$(BIN)/python -m tests.bench.exports

## bench-documents: one receipt on demand and 1,000 receipts as one batch, beside weasyprint alone
bench-documents: $(VENV)/.dev
	$(BIN)/python -m tests.bench.documents

## bench-reliability: `make test` three times in a row in a fresh clone while burners keep every core busy (issue 23)
.PHONY: bench-reliability
bench-reliability: $(VENV)/.dev
	$(BIN)/python -m tests.bench.reliability

## bench-before-after: the benchmarks of this checkout and of REV (an earlier commit, its own worktree and venv), in turn, figures side by side
.PHONY: bench-before-after
REV ?= HEAD~1
bench-before-after: $(VENV)/.dev bench-tools
	$(BIN)/python -m tests.bench.before_after $(REV)

## bench-load: gunicorn + wrk posting donations for 30 s on SQLite and PostgreSQL (QUY_LOAD_SECONDS=5 to try)
bench-load: $(VENV)/.dev bench-tools
	$(BIN)/python -m tests.bench.load

# wrk drives the load benchmark; installed only when missing and we are root (CI), else left to you
bench-tools:
	@if [ ! -x /usr/bin/wrk ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk; \
	  else echo "wrk is missing: sudo apt-get install wrk" >&2; exit 1; fi; \
	fi

lint: $(VENV)/.dev
	$(BIN)/ruff check ledger books receipts web tests

clean:
	rm -rf $(VENV) instance .pytest_cache

## i18n: refresh the message catalogue from the code and templates, then compile it
i18n: $(VENV)/.dev
	$(BIN)/pybabel extract -F web/babel.cfg -k _ -k gettext --no-location -o web/translations/messages.pot web
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations -l vi
	$(BIN)/pybabel compile -d web/translations -l vi
