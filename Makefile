# 执法人员培训·考试·证件管理平台 — one command to run, one to test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SYSTEM_PACKAGES := chromium poppler-utils fonts-wqy-microhei gettext
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
REDIS_URL ?= redis://127.0.0.1:6379/15
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test system-deps venv install messages makemessages migrate bench-import clean

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing system packages:$$missing"; \
	    echo "Install them first: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

$(VENV)/.created:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PIP) install -q -e ".[test]"
	touch $@

venv install: $(VENV)/.installed

messages: install
	$(PY) manage.py compilemessages -v0 --ignore=.venv

# Refresh the English catalogue after changing user-facing strings (msgids are the Chinese text).
makemessages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=tests --ignore=scripts --ignore=static_collected --ignore=locale

migrate: install messages
	$(PY) manage.py migrate --noinput -v0

run: system-deps migrate
	$(PY) manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite on SQLite; with CI=true it runs again on PostgreSQL, where the
# PostgreSQL-only tests and the real Celery worker (Redis) tests run too.
test: system-deps install messages
	$(PY) manage.py check -v0 --settings=portal.settings.test
	$(PY) manage.py makemigrations --check --dry-run -v0 --settings=portal.settings.test
	$(PY) -m pytest -q -p no:cacheprovider
	@if [ "$$CI" = "true" ] || [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL + Redis run =="; \
	  TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(PG_URL)} TEST_REDIS_URL=$${TEST_REDIS_URL:-$(REDIS_URL)} \
	    $(PY) -m pytest -q -p no:cacheprovider; \
	fi

bench-import: install
	$(PY) scripts/bench_import.py

clean:
	rm -rf $(VENV) static_collected *.egg-info
