# The two quick-start commands are `make demo` and `make test`; both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ASSETS := src/meinekammer/web/static/vendor/kern/kern.min.css
MO := src/meinekammer/locale/de/LC_MESSAGES/django.mo

.PHONY: install demo test lint format messages makemessages assets clean

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(ASSETS): node_modules/.package-lock.json scripts/copy-assets.mjs
	node scripts/copy-assets.mjs

assets: $(ASSETS)

$(MO): $(STAMP) $(wildcard src/meinekammer/locale/*/LC_MESSAGES/django.po src/meinekammer/overrides/locale/*/LC_MESSAGES/django.po)
	cd src/meinekammer && ../../$(BIN)/django-admin compilemessages --ignore=.venv -v 0
	@touch $@

messages: $(MO)

install: $(STAMP) $(ASSETS) $(MO)

demo: install
	DJANGO_SETTINGS_MODULE=meinekammer.settings.dev $(BIN)/meinekammer demo $(DEMO_ARGS)

test: install
	$(BIN)/python scripts/run-tests.py

lint: install
	$(BIN)/ruff check src tests e2e scripts examples bench loadtest
	$(BIN)/ruff format --check src tests e2e scripts examples bench loadtest
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=meinekammer.settings.test $(BIN)/meinekammer makemigrations --check --dry-run
	$(BIN)/python scripts/check-translations.py

format: $(STAMP)
	$(BIN)/ruff check --fix src tests e2e scripts examples bench loadtest
	$(BIN)/ruff format src tests e2e scripts examples bench loadtest

makemessages: $(STAMP)
	cd src/meinekammer && ../../$(BIN)/django-admin makemessages -l de --no-obsolete --add-location=file -v 0

clean:
	rm -rf $(VENV) node_modules var src/meinekammer/web/static/vendor
