# Clusterflow's everyday commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CHECKSUM := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# What serving needs, and everything (the test and lint tools too): each installed once per pyproject.toml.
SERVE_STAMP := $(VENV)/.installed-serve-$(CHECKSUM)
STAMP := $(VENV)/.installed-all-$(CHECKSUM)
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs in parallel processes, one per CPU (pytest-xdist); each has its own databases,
# Redis database and broker folder. `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n auto

.DEFAULT_GOAL := help
.PHONY: help install run test lint security bench surge messages check-deploy clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(SERVE_STAMP): pyproject.toml
	@bin/pdf-packages
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@rm -f $(VENV)/.installed-serve-* && touch $@

$(STAMP): $(SERVE_STAMP)
	$(PY) -m pip install --quiet -e '.[test,lint]'
	@rm -f $(VENV)/.installed-all-* && touch $@

install: $(STAMP) ## Create the virtual environment and install Clusterflow with its test and lint tools

run: $(SERVE_STAMP) ## Set up, load the demo and serve on the embedded default (SQLite, file-system task queue, debug on)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-true} bin/run-embedded $(PY) $(HOST) $(PORT)

test: install ## Run the whole test suite (PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff, the layer contracts, mypy, migrations that match the models, and the API's schema
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --urlconf api.v1.schema_urls --validate --fail-on-warn --file /dev/null

security: install ## bandit over the code (accepted findings in .bandit.yaml), pip-audit over the installed packages
	bin/security-scan

check-deploy: install ## Django's deployment checks on production settings
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=clusterflow.example.org $(PY) manage.py check --deploy --fail-level WARNING

messages: install ## Extract the strings to translate and compile the French catalogue
	$(PY) manage.py makemessages -l fr --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

bench: install ## Seed data at scale and measure the pages (one JSON line per measurement)
	$(PY) -m bench $(BENCH_ARGS)

surge: install ## The deadline surge: locust against gunicorn, PostgreSQL, Redis and Celery (exits 1 if a condition fails)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m bench.surge $(SURGE_ARGS)

clean: ## Remove the virtual environment and the embedded database
	rm -rf $(VENV) var
