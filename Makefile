# Quỹ — the two commands people need are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test bench lint clean i18n

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

## test: the whole suite on SQLite, and on PostgreSQL when one answers (mandatory under CI=true)
test: $(VENV)/.dev
	$(BIN)/python -m pytest -q

## bench: 100,000-donation import and fund balances over 1,000,000 postings, with anchors
bench: $(VENV)/.dev
	$(BIN)/python -m tests.bench.run

lint: $(VENV)/.dev
	$(BIN)/ruff check ledger books receipts web tests

clean:
	rm -rf $(VENV) instance .pytest_cache

## i18n: refresh the message catalogue from the code and templates, then compile it
i18n: $(VENV)/.dev
	$(BIN)/pybabel extract -F web/babel.cfg -k _ -k gettext --no-location -o web/translations/messages.pot web
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations -l vi --no-location
	$(BIN)/pybabel compile -d web/translations -l vi
