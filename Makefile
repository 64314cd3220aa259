# The two commands of the README: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := run
PIP_FLAGS := --quiet --disable-pip-version-check

# python3.11 for the app, python3.10 for Rasa 3.6 (its supported range ends at 3.10).
comma := ,
probe = $(shell for c in $(1); do $$c -c 'import sys; sys.exit(sys.version_info[:2] != ($(2)))' 2>/dev/null && { command -v $$c; break; }; done)
PY311 ?= $(call probe,python3.11 $(HOME)/.pyenv/versions/3.11*/bin/python3.11 python3,3$(comma)11)
PY310 ?= $(call probe,python3.10 $(HOME)/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10,3$(comma)10)

.PHONY: run test test-scale setup build check clean

run: setup  ## install what is missing, build what changed, start Rasa + actions + web
	@.venv/bin/legalbot build
	@.venv/bin/legalbot up

test: setup  ## the whole test suite, including the integration tests
	@.venv/bin/legalbot build
	.venv/bin/python -m pytest

test-scale: setup  ## scale-out tests on real PostgreSQL, Redis and nginx (Debian packages)
	@.venv/bin/legalbot build
	.venv/bin/python -m pytest -m scale

setup: .venv/.installed .venv-rasa/.installed

.venv/.installed: requirements.lock pyproject.toml
	@if [ -z "$(PY311)" ]; then echo "legalbot: Python 3.11 not found: install it (e.g. 'pyenv install 3.11') and run again"; exit 1; fi
	@echo "legalbot: installing the app virtualenv (.venv, $(PY311)) ..."
	@[ -x .venv/bin/python ] || $(PY311) -m venv .venv
	@.venv/bin/pip install $(PIP_FLAGS) torch==2.13.0
	@.venv/bin/pip install $(PIP_FLAGS) -r requirements.lock
	@.venv/bin/pip install $(PIP_FLAGS) --no-deps --no-build-isolation -e .
	@touch $@

.venv-rasa/.installed: bot/requirements.lock
	@if [ -z "$(PY310)" ]; then echo "legalbot: Python 3.10 not found (Rasa 3.6 needs it): install it with 'pyenv install 3.10' and run again"; exit 1; fi
	@echo "legalbot: installing Rasa's virtualenv (.venv-rasa, $(PY310)) ..."
	@[ -x .venv-rasa/bin/python ] || $(PY310) -m venv .venv-rasa
	@.venv-rasa/bin/pip install $(PIP_FLAGS) -r bot/requirements.lock
	@touch $@

build: setup  ## check knowledge, build the index and train Rasa when their inputs changed
	@.venv/bin/legalbot build

check: setup
	@.venv/bin/legalbot check

clean:
	rm -rf .venv .venv-rasa data/index data/models data/lexicon
