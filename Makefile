# resistlab — two commands do everything:
#   make lab    set up .venv and open the course in JupyterLab  (PORT=8888 LAB_ARGS=--no-browser)
#   make test   set up .venv with the test tools and run every test
# Needs only python3 (>= 3.10) and make; everything else is installed into .venv.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8888
LAB_ARGS ?=
JOBS   ?= 2
# Jupyter refuses to run as root unless told to (containers, CI machines).
ROOT_ARG := $(if $(filter 0,$(shell id -u)),--allow-root)
BIN    := $(VENV)/bin
# nbgrader runs `alembic` by name: the environment's bin/ goes first on PATH.
export PATH := $(abspath $(BIN)):$(PATH)
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: lab test setup-lab setup-test strip data lint format bench clean help system-deps

help:
	@echo "make lab      open the course in JupyterLab (PORT=$(PORT), LAB_ARGS=...)"
	@echo "make test     install the test tools and run every test"
	@echo "make strip    clear outputs from the source notebooks"
	@echo "make data     rebuild datasets from their generators and the SHA-256 registry"
	@echo "make lint     ruff check and format check"
	@echo "make format   ruff fix and format"
	@echo "make bench    run the benchmarks"

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "resistlab needs Python >= 3.10, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# A stamp per extra set: re-running is instant until pyproject.toml changes.
$(VENV)/.stamp-lab: pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e ".[lab,instructor]"
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e ".[lab,instructor,test]"
	touch $@ $(VENV)/.stamp-lab

# JupyterLab settings for the course: no news pop-up over the notebook.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): | $(BIN)/python
	mkdir -p $(dir $@)
	echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}' > $@

setup-lab: $(VENV)/.stamp-lab $(LAB_SETTINGS)
setup-test: $(VENV)/.stamp-test $(LAB_SETTINGS)

lab: setup-lab
	mkdir -p exchange
	$(BIN)/jupyter lab --port=$(PORT) --ServerApp.root_dir=$(CURDIR) $(ROOT_ARG) $(LAB_ARGS) notebooks

test: setup-test
	$(BIN)/ruff check conftest.py src tests benchmarks data notebooks
	$(BIN)/ruff format --check conftest.py src tests benchmarks data notebooks
	$(BIN)/resistlab strip --check
	$(BIN)/python data/build.py --check
	$(BIN)/pytest -n $(JOBS) --dist loadfile -p no:cacheprovider \
		src tests --nbval-lax --nbval-current-env notebooks

strip: setup-lab
	$(BIN)/resistlab strip

data: setup-lab
	$(BIN)/python data/build.py

lint: setup-test
	$(BIN)/ruff check conftest.py src tests benchmarks data notebooks
	$(BIN)/ruff format --check conftest.py src tests benchmarks data notebooks

format: setup-test
	$(BIN)/ruff check --fix conftest.py src tests benchmarks data notebooks
	$(BIN)/ruff format conftest.py src tests benchmarks data notebooks

bench: setup-test
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_explorers.py
	$(BIN)/python benchmarks/bench_notebooks.py
	$(BIN)/python benchmarks/bench_grading.py

clean:
	rm -rf release submitted autograded feedback solution gradebook.db build dist .pytest_cache .ruff_cache

# Debian packages beyond python3 and make (bubblewrap for the grading sandbox); idempotent.
system-deps:
	.ci/system-deps
