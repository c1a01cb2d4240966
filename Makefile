# Thin wrappers; see README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := clinic.settings

.PHONY: install run test test-fast lint fmt migrations-check worker beat up down bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"

# Everything on embedded defaults: SQLite, filesystem broker, web + worker + beat.
run: install
	mkdir -p var
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo --if-empty
	DEBUG=$${DEBUG:-true} PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile -p $${PORT:-8000}

# The fault-injection tests stop services and reset Celery's broker connections, so they
# run in a process of their own, after the rest of the suite.
test: install lint migrations-check
	$(BIN)/python -m pytest -m "not faults"
	$(BIN)/python -m pytest -m faults

test-fast:
	$(BIN)/python -m pytest -x -q -m "not faults"
	$(BIN)/python -m pytest -x -q -m faults

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check:
	SECRET_KEY=migrations-check $(BIN)/python manage.py makemigrations --check --dry-run

worker:
	$(BIN)/celery -A clinic worker --loglevel INFO

beat:
	$(BIN)/celery -A clinic beat --loglevel INFO

up:
	docker compose -f docker/compose.yml up --build

down:
	docker compose -f docker/compose.yml down

# The benchmark (issue 7, BENCHMARKS.md): PostgreSQL + wrk; regenerates walkrx_bench's data.
bench: install
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/walkrx_bench} \
	BENCH_PATIENTS=$${BENCH_PATIENTS:-10000} BENCH_DAYS=$${BENCH_DAYS:-180} \
	$(BIN)/python -m bench.run
