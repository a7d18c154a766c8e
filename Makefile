# Quỹ — the two commands people need are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-long bench bench-tools lint clean i18n

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

## bench: every benchmark below in turn (BENCHES), each printing its figures beside its anchor
BENCHES := run documents deposits disbursements books charts backup bank exports proofs load nation
bench: $(VENV)/.dev bench-tools
	@set -e; for b in $(BENCHES); do $(BIN)/python -m tests.bench.$$b; done
	$(BIN)/python -m tests.bench.summary --readme

## bench-summary: README's table of benchmark figures, written from what the benchmarks last recorded (bench-out/summary)
.PHONY: bench-summary
bench-summary: $(VENV)/.dev
	$(BIN)/python -m tests.bench.summary --readme

## bench-NAME: one benchmark, tests/bench/NAME.py:
##   bench-books        the beancount export, trial balance and fund statement over 1,000,000 postings, beside beancount's loader
##   bench-backup       quy backup and quy restore over 1,000,000 postings beside sqlite3 .backup/.restore and pg_dump/pg_restore
##   bench-bank         a 100,000-line (~50 MB) bank statement imported on SQLite and PostgreSQL beside Python's csv reading it (QUY_BENCH_BANK_LINES=5000 to try)
##   bench-proofs       the Merkle-sum trees of 1,000,000 gifts, a donor's proof and its check in Chromium, beside pymerkle over the same leaves (QUY_BENCH_GIFTS=100000 to try)
##   bench-exports      the receipts register of 100,000 receipts as XLSX (and CSV) beside openpyxl write-only writing the same rows (QUY_BENCH_EXPORT_ROWS=5000 to try)
##   bench-documents    one receipt on demand and 1,000 receipts as one batch, beside weasyprint alone
##   bench-reliability  `make test` three times in a row in a fresh clone while burners keep every core busy (issue 23)
##   bench-load         gunicorn + wrk posting donations for 30 s on SQLite and PostgreSQL (QUY_LOAD_SECONDS=5 to try)
##   bench-charts       the dashboard (after a new donation, in a new process, summing everything) and the report PDF over 1,000,000 postings
##   bench-nation       a simulated nation on PostgreSQL (34 provinces, 3,300 communes, their schools, 10,000,000 postings by COPY): statements, consolidations, API donations (QUY_NATION_POSTINGS=1000000 to try)
##   bench-run, bench-deposits, bench-disbursements: the import and balances, the month-end accrual, the batches
bench-%: $(VENV)/.dev
	$(BIN)/python -m tests.bench.$*
bench-load bench-nation: bench-tools

## bench-before-after: the benchmarks of this checkout and of REV (an earlier commit, its own worktree and venv), in turn, figures side by side
.PHONY: bench-before-after
REV ?= HEAD~1
bench-before-after: $(VENV)/.dev bench-tools
	$(BIN)/python -m tests.bench.before_after $(REV)

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
