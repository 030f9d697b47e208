# resistlab — two commands do everything:
#   make lab    set up .venv and open the course in JupyterLab  (PORT=8888 LAB_ARGS=--no-browser)
#   make test   set up .venv with the test tools and run every test
#   make e2e    the browser tests (headless Debian chromium; installs it with apt-get as root)
# Needs only python3 (>= 3.10) and make; everything else is installed into .venv.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8888
LAB_ARGS ?=
JOBS   ?= 2
# The JupyterHub test's hub runs from its own environment, readable by every user.
HUB_ENV ?= /opt/resistlab-hub-test
HUB_PYTHON ?= /usr/bin/python3
# Jupyter refuses to run as root unless told to (containers, CI machines).
ROOT_ARG := $(if $(filter 0,$(shell id -u)),--allow-root)
BIN    := $(VENV)/bin
# nbgrader runs `alembic` by name: the environment's bin/ goes first on PATH.
export PATH := $(abspath $(BIN)):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# Tests and benchmarks draw off-screen; `make lab` must not inherit this, or the kernels it
# starts draw nothing inline.
HEADLESS := MPLBACKEND=Agg

.PHONY: lab test e2e site setup-lab setup-test setup-e2e setup-site strip data lint format bench clean help system-deps

help:
	@echo "make lab      open the course in JupyterLab (PORT=$(PORT), LAB_ARGS=...)"
	@echo "make test     install the test tools and run every test"
	@echo "make e2e      end-to-end tests: browser, site, PostgreSQL, JupyterHub (root installs what they need)"
	@echo "make site     the static website of the student edition -> build/site/html"
	@echo "make strip    clear outputs from the source notebooks"
	@echo "make data     rebuild datasets from their generators and the SHA-256 registry"
	@echo "make lint     ruff check and format check"
	@echo "make format   ruff fix and format"
	@echo "make bench    run the benchmarks"

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "resistlab needs Python >= 3.10, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# Every install leaves out what deploy/uv-excludes.txt names (a 3 s import in every Jupyter
# process, never used), first removing it from an environment built before the exclusion.
UV_INSTALL := $(BIN)/uv pip uninstall --python $(BIN)/python --quiet -r deploy/uv-excludes.txt; \
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode \
	--excludes deploy/uv-excludes.txt

# A stamp per extra set: re-running is instant until pyproject.toml (or the excludes) changes.
$(VENV)/.stamp-lab: pyproject.toml deploy/uv-excludes.txt | $(BIN)/python
	$(UV_INSTALL) -e ".[lab,instructor]"
	touch $@

$(VENV)/.stamp-test: pyproject.toml deploy/uv-excludes.txt | $(BIN)/python
	$(UV_INSTALL) -e ".[lab,instructor,test]"
	touch $@ $(VENV)/.stamp-lab

# JupyterLab settings for the course: no news pop-up over the notebook.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): | $(BIN)/python
	mkdir -p $(dir $@)
	echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}' > $@

# The instructor's server configuration of the hub (its Content-Security-Policy: a notebook's
# markup loads no image or media from another host) serves `make lab` too.
SERVER_CONFIG := $(VENV)/etc/jupyter/jupyter_server_config.json
$(SERVER_CONFIG): deploy/jupyterhub/instructor/jupyter_server_config.json | $(BIN)/python
	mkdir -p $(dir $@)
	cp $< $@

setup-lab: $(VENV)/.stamp-lab $(LAB_SETTINGS) $(SERVER_CONFIG)
setup-test: system-deps $(VENV)/.stamp-test $(LAB_SETTINGS) $(SERVER_CONFIG)

# Serve the course root (release/, submitted/, autograded/, feedback/ and Formgrader's
# previews live there) and open the file browser on notebooks/.
lab: setup-lab
	mkdir -p exchange
	env -u MPLBACKEND $(BIN)/jupyter lab --port=$(PORT) --ServerApp.root_dir=$(CURDIR) \
		--LabApp.default_url=/lab/tree/notebooks $(ROOT_ARG) $(LAB_ARGS)

test: setup-test
	$(BIN)/ruff check conftest.py src tests benchmarks data notebooks
	$(BIN)/ruff format --check conftest.py src tests benchmarks data notebooks
	$(BIN)/resistlab strip --check
	$(BIN)/python data/build.py --check
	$(HEADLESS) $(BIN)/pytest -n $(JOBS) --dist loadfile -p no:cacheprovider -m "not e2e" \
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
	$(HEADLESS) $(BIN)/python benchmarks/bench_import.py
	$(HEADLESS) $(BIN)/python benchmarks/bench_explorers.py
	$(HEADLESS) $(BIN)/python benchmarks/bench_notebooks.py
	$(HEADLESS) $(BIN)/python benchmarks/bench_grading.py

# Browser tests: Debian's chromium driven by Playwright (from PyPI; its own browser download
# is never used). As root, apt-get installs what is missing; re-running installs nothing.
E2E_DEBS := chromium fonts-dejavu-core fonts-liberation
setup-e2e: $(VENV)/.stamp-e2e $(LAB_SETTINGS) $(SERVER_CONFIG)
	@missing=$$(for p in $(E2E_DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
		else echo "make e2e needs the Debian packages: $$missing (run as root, or apt-get install them)"; exit 1; fi; \
	fi

$(VENV)/.stamp-e2e: pyproject.toml deploy/uv-excludes.txt | $(BIN)/python
	$(UV_INSTALL) -e ".[lab,instructor,test,e2e,site]"
	touch $@ $(VENV)/.stamp-site $(VENV)/.stamp-test $(VENV)/.stamp-lab

$(VENV)/.stamp-site: pyproject.toml deploy/uv-excludes.txt | $(BIN)/python
	$(UV_INSTALL) -e ".[lab,instructor,site]"
	touch $@

setup-site: $(VENV)/.stamp-site $(LAB_SETTINGS)

# Everything end to end: the browser tests, the website, the PostgreSQL gradebook, the image
# and chart checks, then the JupyterHub round trip (its servers must not inherit MPLBACKEND).
e2e: setup-e2e site
	bash deploy/jupyterhub/install-test-deps.sh
	bash .ci/apt-install.sh postgresql
	UV=$(abspath $(BIN)/uv) bash deploy/jupyterhub/install-hub-env.sh $(HUB_ENV) $(HUB_PYTHON)
	RESISTLAB_E2E=1 $(HEADLESS) $(BIN)/pytest -n 0 -p no:cacheprovider -m e2e tests \
		--ignore=tests/e2e/test_hub.py
	env -u MPLBACKEND RESISTLAB_E2E=require RESISTLAB_HUB_ENV=$(HUB_ENV) \
		$(BIN)/pytest -p no:cacheprovider -n 0 -m e2e tests/e2e/test_hub.py

site: setup-site
	$(HEADLESS) $(BIN)/python docs/site/build.py --out build/site

clean:
	rm -rf release submitted autograded feedback solution gradebook.db build dist .pytest_cache .ruff_cache

# JupyterHub round trip (deploy/jupyterhub, docs/jupyterhub.md): a hub on 127.0.0.1, an
# instructor and two students as Linux users, headless Chromium. Needs root on Debian.
.PHONY: e2e-hub
e2e-hub: setup-e2e
	bash deploy/jupyterhub/install-test-deps.sh
	UV=$(abspath $(BIN)/uv) bash deploy/jupyterhub/install-hub-env.sh $(HUB_ENV) $(HUB_PYTHON)
	env -u MPLBACKEND RESISTLAB_E2E=require RESISTLAB_HUB_ENV=$(HUB_ENV) \
		$(BIN)/pytest -p no:cacheprovider -n 0 -m e2e -v tests/e2e/test_hub.py

# Debian packages beyond python3 and make: bubblewrap for the grading sandbox, uidmap
# (newuidmap) for kernels' own uids under a grader that is not root (docs/grading.md).
# Idempotent; as root (or with sudo) it installs what is missing.
system-deps:
	bash .ci/apt-install.sh bubblewrap uidmap
