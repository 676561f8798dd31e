# partyflow: the two commands are `make demo` and `make test` (see README.md).
# Debian's own python3.11 when there is one: the interpreter a Debian server runs (README, "Production
# on a Debian server"), built with profile-guided and link-time optimization and a static libpython;
# a python3.11 built from source without them (pyenv's default) runs partyflow 15-25 % slower
# (bench/README.md, "Timers").
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3.11)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The suite runs on one pytest-xdist worker per core, at most 4 (docs/testing.md); tests that share
# a broker, a sign-on server or a module's browser stay together (xdist_group, tests/conftest.py;
# --dist loadgroup is in pyproject.toml's addopts). `make test PYTEST_ARGS=` runs it in one process.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 4 ] && n=4; echo $$n)
PYTEST_ARGS    ?= -n $(PYTEST_WORKERS)

.PHONY: demo test lint install bench bench-scale bench-province bench-onboarding bench-statistics clean

$(STAMP): pyproject.toml
	sh .ci/ensure-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Install, then collect the static files (hashed, compressed) into var/static/ for whitenoise.
install: $(STAMP)
	$(BIN)/partyflow collectstatic --noinput --verbosity 0

## Install, migrate, deploy BPMN, seed the demo university, serve the API with timers running.
demo: $(STAMP)
	$(BIN)/partyflow demo $(DEMO_ARGS)

## Lint: ruff (rules and format at line length 100) and the import contracts (layers; only engine imports SpiffWorkflow; engine imports no Django; where DRF and Celery may be imported).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## Run the linters, then the test suite: on PostgreSQL when it answers (required under CI=true, with Redis), else SQLite.
test: lint
	sh .ci/ensure-redis && url=$$(sh .ci/database-url) || exit 1; DATABASE_URL="$${DATABASE_URL:-$$url}" $(BIN)/pytest $(PYTEST_ARGS)

## Benchmarks on PostgreSQL (prints a table).
bench: $(STAMP)
	url=$$(CI=true sh .ci/database-url) || exit 1; DATABASE_URL="$${DATABASE_URL:-$$url}" $(BIN)/python -m bench.run $(BENCH_ARGS)

## Deadlines at scale: pgbench reference, timers/s with 2 Celery workers, completions/s through gunicorn, inbox at 1M tasks.
bench-scale: $(STAMP)
	sh .ci/ensure-redis && url=$$(CI=true sh .ci/database-url) || exit 1; DATABASE_URL="$${DATABASE_URL:-$$url}" $(BIN)/python -m bench.scale $(BENCH_ARGS)

## A province's busiest hour: generate a province (50,000 members; BENCH_ARGS="--members 1000000" for the model's), then completions, inbox reads and dashboards (read from a streaming replica the bench starts; BENCH_ARGS="--no-replica" for the primary alone) through gunicorn with 2 Celery workers firing reminders, for 60 s.
bench-province: $(STAMP)
	sh .ci/ensure-redis && url=$$(CI=true sh .ci/database-url) || exit 1; DATABASE_URL="$${DATABASE_URL:-$$url}" $(BIN)/python -m bench.province $(BENCH_ARGS)

## Onboarding at scale: import a generated workbook of 30,000 members, 1,500 organizations, 2,000 ledger rows.
bench-onboarding: $(STAMP)
	url=$$(CI=true sh .ci/database-url) || exit 1; DATABASE_URL="$${DATABASE_URL:-$$url}" $(BIN)/python -m bench.onboarding $(BENCH_ARGS)

## 党内统计 at scale: all tables and checks for 30,000 members, and the computation for 1 M.
bench-statistics: $(STAMP)
	url=$$(CI=true sh .ci/database-url) || exit 1; DATABASE_URL="$${DATABASE_URL:-$$url}" $(BIN)/python -m bench.party_statistics $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
