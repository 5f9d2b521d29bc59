# SCORE Platform — `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
VENDOR := static/vendor
# Production-like values for `check --deploy` (no real secret: a throwaway of deploy strength).
PROD_CHECK_ENV := DEBUG=0 ALLOWED_HOSTS=score.example.org \
	DATABASE_URL=postgres://score@db.example.org:5432/score \
	SECRET_KEY=check-deploy-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')

.PHONY: run test install static messages migrate seed worker beat lint format bench bench-aggregation run-prod clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The source maps the minified files name go along: collectstatic's manifest needs them.
$(VENDOR)/.built: node_modules/.installed Makefile
	mkdir -p $(VENDOR)
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map $(VENDOR)/
	touch $@

static: $(VENDOR)/.built

# The catalogues compile with GNU gettext's msgfmt where installed, in pure Python otherwise.
messages: install
	@if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
		if command -v msgfmt >/dev/null; then DEBUG=1 $(PY) manage.py compilemessages --verbosity 0; \
		else DEBUG=1 $(PY) manage.py compilecatalogues --verbosity 0; fi; \
	fi

.env:
	cp .env.example .env

migrate: install .env
	$(PY) manage.py migrate --verbosity 0

# The demo's months are relative to today, so its KPI results, summaries and 24-month trends
# are rebuilt at every start (about 9 s at the demo size): the dashboards open with figures.
seed: migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py recompute_kpis --full --history

run: install static messages .env migrate seed
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install static messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run --verbosity 0
	$(PROD_CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(BIN)/pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A score_platform worker --loglevel=INFO --concurrency=2

beat: install
	$(BIN)/celery -A score_platform beat --loglevel=INFO

# Production settings locally (gunicorn + whitenoise, DEBUG off) for a smoke test.
PROD_LOCAL_ENV := DEBUG=0 ALLOWED_HOSTS=localhost,127.0.0.1 SECURE_SSL_REDIRECT=0 \
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/db.sqlite3} \
	SECRET_KEY=$${SECRET_KEY:-run-prod-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')}

run-prod: install static messages .env migrate seed
	$(PROD_LOCAL_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(PROD_LOCAL_ENV) $(BIN)/gunicorn score_platform.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile -

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks (not part of `make test`): profile L in PostgreSQL, see bench/ and docs/benchmarks.md.
bench: install static
	$(PY) bench/run.py $(BENCH_ARGS)

bench-aggregation:
	$(PY) bench/aggregation/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles db.sqlite3 test_db.sqlite3*
