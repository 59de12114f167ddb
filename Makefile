# Koers: the two commands (README). Only Python 3.11+ is needed; everything else comes from the locks.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?= -n 2
export DEBUG ?= 1

.PHONY: run test messages lock bench load

$(VENV)/.installed: requirements/dev.txt requirements/base.txt
	@$(PYTHON) -c 'import sys; sys.exit("Koers needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(PY) -m pip check
	touch $@

## run: web, worker and beat with the embedded stack (SQLite, file broker) on http://127.0.0.1:$(PORT)/
run: $(VENV)/.installed
	$(PY) scripts/messages.py --compile
	PORT=$(PORT) $(PY) scripts/devstack.py

## test: lint, types, migrations, the Dutch catalogue, then the suite (PostgreSQL when DATABASE_URL says so)
test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/messages.py --check
	$(PY) -m pytest $(PYTEST_ARGS)

## messages: re-extract the Dutch catalogue after adding strings, then translate the new entries
messages: $(VENV)/.installed
	$(PY) scripts/messages.py

## lock: re-resolve both locks from pyproject.toml (one tool: uv)
lock: $(VENV)/.installed
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml -o requirements/base.txt --python-version 3.11 --no-header
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -c requirements/base.txt \
		-o requirements/dev.txt --python-version 3.11 --no-header

## load: 50 API clients and 10 form users for 60 s against gunicorn (BENCHMARKS.md, Load)
load: $(VENV)/.installed
	$(PY) -m bench.mixed_load

## bench: the benchmark suite against PostgreSQL (BENCH_DATABASE_URL); SMOKE=1 for small sizes (CI)
bench: $(VENV)/.installed
	$(PY) -m bench.run $(if $(SMOKE),--smoke)
