#!/usr/bin/env bash
# Create (or update) the Python environment a resistlab JupyterHub runs in, as root:
#   deploy/jupyterhub/install-hub-env.sh [ENV_DIR] [PYTHON]
# ENV_DIR defaults to /opt/resistlab/env, PYTHON to /usr/bin/python3. The hub, every user's
# server and every kernel run from this one environment, so it must be readable by all
# users: a system Python (not one under /root) and mode a+rX. It holds resistlab[hub]
# (resistlab, JupyterLab, nbgrader for the exchange, JupyterHub), installed from this
# repository. Uses uv when UV names it (faster), pip otherwise. Idempotent.
set -euo pipefail

env_dir=${1:-/opt/resistlab/env}
python=${2:-/usr/bin/python3}
repo=$(cd "$(dirname "$0")/../.." && pwd)

"$python" -c 'import sys; assert sys.version_info >= (3, 10), "resistlab needs Python >= 3.10"'
if [ -n "${UV:-}" ]; then
    "$UV" venv --quiet --allow-existing --python "$python" "$env_dir"
    "$UV" pip install --quiet --python "$env_dir/bin/python" --compile-bytecode \
        --excludes "$repo/deploy/uv-excludes.txt" --reinstall-package resistlab "$repo[hub]"
    # an environment built before the exclusion still has it
    "$UV" pip uninstall --quiet --python "$env_dir/bin/python" \
        -r "$repo/deploy/uv-excludes.txt" 2>/dev/null || true
else
    [ -x "$env_dir/bin/python" ] || "$python" -m venv "$env_dir"
    "$env_dir/bin/python" -m pip install --quiet --disable-pip-version-check \
        --force-reinstall --no-deps "$repo"
    "$env_dir/bin/python" -m pip install --quiet --disable-pip-version-check "$repo[hub]"
    # what deploy/uv-excludes.txt names (pip has no such option: removed after)
    "$env_dir/bin/python" -m pip uninstall --quiet --yes \
        -r "$repo/deploy/uv-excludes.txt" 2>/dev/null || true
fi

# No "Jupyter news" pop-up over the students' notebooks.
settings="$env_dir/share/jupyter/lab/settings"
mkdir -p "$settings"
echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}' \
    > "$settings/overrides.json"
chmod -R a+rX "$env_dir"
# Every user runs this environment: check that an unprivileged user can.
if ! runuser -u nobody -- "$env_dir/bin/python" -c 'import resistlab, nbgrader' 2>/dev/null; then
    echo "install-hub-env.sh: user 'nobody' cannot run $env_dir/bin/python: build the" \
        "environment from a Python every user can read (not one under /root)" >&2
    exit 1
fi
"$env_dir/bin/python" -c 'import resistlab, nbgrader, jupyterhub; print("hub environment:", "'"$env_dir"'", "resistlab", resistlab.__version__, "nbgrader", nbgrader.__version__, "jupyterhub", jupyterhub.__version__)'
