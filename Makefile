# Two commands from a fresh clone:  make reports   (the main job)   and   make test.
# Both create the environment on first use (python3 -m venv .venv + pinned install) and reuse it.
# With the conda environment from environment.yml active (conda activate vbsp-evidence),
# that environment is used instead of .venv.

SHELL := /bin/bash
PYTHON_SYSTEM ?= python3
VENV := .venv
CONDA_ENV_NAME := vbsp-evidence
SEED ?= 20211231
SAMPLE_DIR := data/sample
DATA_DIR ?= $(SAMPLE_DIR)
COUNTRY_DIR := data/country
NATIONAL_DATA ?= $(COUNTRY_DIR)
WORKERS ?= 2
LANG_REPORT ?= vi

ifeq ($(CONDA_DEFAULT_ENV),$(CONDA_ENV_NAME))
  PY := python
  ENV_STAMP := .conda-env-ok
else
  PY := $(VENV)/bin/python
  ENV_STAMP := $(VENV)/.installed
endif

.PHONY: env test data country reports national lab bench montecarlo clean help

help:
	@echo "make reports   build every report on the embedded synthetic sample (creates the env on first use)"
	@echo "make test      run the tests (unit, integration, notebooks)"
	@echo "make data      write the synthetic sample to $(SAMPLE_DIR)"
	@echo "make national  the national job (brief, province and ~700 district reports) on the synthetic"
	@echo "               country ($(COUNTRY_DIR), generated on first use) or NATIONAL_DATA=DIR [SCHEDULER=tcp://...]"
	@echo "make lab       JupyterLab on the notebooks with the project's kernel"
	@echo "make bench     benchmarks (generation, reports)"
	@echo "make clean     delete generated data and reports"

env: $(ENV_STAMP)

$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(VENV)/bin/python || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c requirements.lock -e '.[test]'
	@touch $@

.conda-env-ok: pyproject.toml
	python -m pip install --quiet --no-deps -e .
	@touch $@

$(SAMPLE_DIR)/.complete: $(ENV_STAMP) $(wildcard src/analysis/data/synthetic/*.py)
	$(PY) -m analysis synth --out $(SAMPLE_DIR) --seed $(SEED)

data: $(SAMPLE_DIR)/.complete

$(COUNTRY_DIR)/.complete: $(ENV_STAMP)
	$(PY) -m analysis synth --country --out $(COUNTRY_DIR) --seed $(SEED)

country: $(COUNTRY_DIR)/.complete

# A user's DATA_DIR is only read; the sample is generated only when it is the one used.
REPORT_DEPS := $(ENV_STAMP)
ifeq ($(DATA_DIR),$(SAMPLE_DIR))
  REPORT_DEPS += $(SAMPLE_DIR)/.complete
endif

# ruff (settings in pyproject.toml), then unit, integration and notebook tests in one pytest run: tests/ (including the papermill
# end-to-end tests and the nbval reference notebook tests/nbval/key_results.ipynb, whose marked
# cells' outputs are compared) and every report notebook under notebooks/ executed by nbval.
test: $(ENV_STAMP) data
	$(PY) -m ruff check src tests tools benchmarks
	$(PY) -m pytest --nbval-lax --nbval-sanitize-with tests/nbval/sanitize.cfg tests notebooks

reports: $(REPORT_DEPS)
	$(PY) -m analysis report --data $(DATA_DIR) --lang $(LANG_REPORT)

# The national job: prepare by province on Dask (local cluster of WORKERS, or SCHEDULER=address), then the
# national brief, a report per province before and since 1 July 2025 and one per former district.
NATIONAL_DEPS := $(ENV_STAMP)
ifeq ($(NATIONAL_DATA),$(COUNTRY_DIR))
  NATIONAL_DEPS += $(COUNTRY_DIR)/.complete
endif

national: $(NATIONAL_DEPS)
	$(PY) -m analysis report --run config/runs/national.yml --data $(NATIONAL_DATA) --lang $(LANG_REPORT) \
		--workers $(WORKERS) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

lab: $(ENV_STAMP)
	@test -x .venv-lab/bin/jupyter || ($(PYTHON_SYSTEM) -m venv .venv-lab && .venv-lab/bin/python -m pip install --quiet -c requirements.lock 'jupyterlab==4.6.6')
	$(PY) -m ipykernel install --prefix .venv-lab --name python3 --display-name "Python 3 (VBSP project .venv)"
	.venv-lab/bin/jupyter lab --notebook-dir=notebooks $$(test "$$(id -u)" = 0 && echo --allow-root)

bench: $(ENV_STAMP)
	$(PY) benchmarks/bench_synth.py
	$(PY) benchmarks/bench_reports.py

montecarlo: $(ENV_STAMP)
	$(PY) -m analysis montecarlo --design models --reps 500 --gate-out
	$(PY) -m analysis montecarlo --design directive --reps 500 --gate-out
	$(PY) -m analysis montecarlo --design reform --reps 500 --gate-out
	$(PY) -m analysis montecarlo --design national --reps 500 --gate-out

clean:
	rm -rf $(SAMPLE_DIR) $(COUNTRY_DIR) data/sample-country data/processed data/interim reports/*/ reports/.shared-cache benchmarks/out
