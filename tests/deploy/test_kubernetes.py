"""The hub on Kubernetes: what can be checked without a cluster is checked here.

* ``deploy/kubernetes/values.yaml``, merged over the Zero to JupyterHub chart's defaults as
  ``helm install`` merges it, is valid against the chart's values schema (tests/data/z2jh);
* the image's package list pins every version, with the hub's JupyterHub major version;
* the image's final stage copies no instructor file (only the wheel, the student edition, the
  pinned requirements and the role configurations, all of which exist);
* (e2e) the image's Python layer installs from the package index into a fresh environment and
  imports.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

import pytest
import yaml
from helpers import ROOT

DEPLOY = ROOT / "deploy" / "kubernetes"
Z2JH = ROOT / "tests" / "data" / "z2jh"


def merged(defaults: dict, values: dict) -> dict:
    """Helm's merge of user values over chart defaults: maps merge, everything else replaces."""
    out = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def chart_errors(values: dict) -> list[str]:
    import jsonschema

    schema = json.loads((Z2JH / "values.schema.json").read_text())
    defaults = yaml.safe_load((Z2JH / "values.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(merged(defaults, values))
    ]


def test_values_file_is_valid_for_the_chart():
    """Our values, merged over the chart's defaults, satisfy the chart's schema."""
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    assert chart_errors(values) == []
    assert values["singleuser"]["storage"]["extraVolumeMounts"][0]["mountPath"] == (
        "/srv/nbgrader/exchange"
    )
    assert "pre_spawn_hook" in values["hub"]["extraConfig"]["resistlab-roles"]


def test_schema_check_can_fail():
    """A misspelt key and a wrong type are caught (the check is not vacuous)."""
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    values["singleuser"]["memmory"] = {"limit": "1G"}
    values["cull"]["timeout"] = "an hour"
    errors = chart_errors(values)
    assert any("memmory" in e for e in errors), errors
    assert any(e.startswith("cull.timeout") for e in errors), errors


def test_hook_in_values_compiles():
    """The Python the hub runs from extraConfig is valid Python."""
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    for name, code in values["hub"]["extraConfig"].items():
        compile(code, f"extraConfig.{name}", "exec")


def _requirements(path) -> list[str]:
    """The lines of a requirements file that name a package (no blank line, no comment)."""
    return [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and ln[0] != "#"]


def test_image_pins_every_package():
    """requirements.txt pins every library dependency exactly; JupyterHub 5 as in the chart."""
    lines = _requirements(DEPLOY / "requirements.txt")
    loose = [ln for ln in lines if not re.match(r"^[A-Za-z0-9_.\-\[\]]+==[\w.]+$", ln)]
    assert not loose, f"unpinned lines: {loose}"
    pins = dict(ln.split("==") for ln in lines)
    assert pins["jupyterhub"].startswith("5."), "the chart's hub is JupyterHub 5.x"
    from importlib.metadata import requires

    core = [
        re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0]
        for dep in requires("resistlab") or []
        if "extra ==" not in dep
    ]
    assert "numpy" in core, core
    for needed in ("nbgrader", "jupyterlab", *core):
        assert needed.lower() in pins, f"{needed} missing from the image"


def test_image_leaves_out_what_every_environment_leaves_out():
    """The image removes what deploy/uv-excludes.txt names, as the Makefile's environments do
    (pip installs it as a dependency, so it must not be pinned and is uninstalled after)."""
    excluded = [name.lower() for name in _requirements(ROOT / "deploy" / "uv-excludes.txt")]
    pinned = (DEPLOY / "requirements.txt").read_text().lower()
    assert excluded and not [name for name in excluded if f"\n{name}==" in pinned]
    final = (DEPLOY / "Dockerfile").read_text().rsplit("\nFROM ", 1)[1]
    assert "COPY deploy/uv-excludes.txt /tmp/excludes.txt" in final
    assert "pip uninstall -y -r /tmp/excludes.txt" in final


def test_image_final_stage_copies_no_instructor_file():
    """Only the wheel, the student edition, the pins and the role folders reach the image."""
    text = (DEPLOY / "Dockerfile").read_text()
    final = text.rsplit("\nFROM ", 1)[1]
    copies = re.findall(r"^COPY\s+(.*)$", final, flags=re.M)
    sources = []
    for line in copies:
        parts = line.split()
        if parts[0].startswith("--from="):
            assert parts[1] in ("/dist", "/student-edition"), line
        else:
            sources.append(parts[0])
    assert sources, "the final stage copies nothing from the repository?"
    for src in sources:
        assert not src.startswith(("notebooks", "tests", ".")), src
        assert (ROOT / src).exists(), f"the Dockerfile copies {src}, which does not exist"


@pytest.mark.e2e
@pytest.mark.slow
def test_image_python_layer_installs(tmp_path):
    """The pinned requirements and the wheel install into a fresh environment and import."""
    uv = ROOT / ".venv" / "bin" / "uv"
    env_dir = tmp_path / "image-env"
    subprocess.run([str(uv), "venv", "-q", "--python", sys.executable, str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next((tmp_path / "dist").glob("resistlab-*.whl"))
    subprocess.run(
        [str(uv), "pip", "install", "-q", "--python", str(py), "-r",
         str(DEPLOY / "requirements.txt"), "--excludes", str(ROOT / "deploy/uv-excludes.txt")],
        check=True,
    )  # fmt: skip
    subprocess.run(
        [str(uv), "pip", "install", "-q", "--python", str(py), "--no-deps", str(wheel)],
        check=True,
    )
    out = subprocess.run(
        [str(py), "-c", "import resistlab, nbgrader, jupyterhub, jupyterlab, psycopg; "
         "print(resistlab.__version__, jupyterhub.__version__)"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert out.stdout.split()[1].startswith("5.")
    check = subprocess.run([str(uv), "pip", "check", "--python", str(py)], capture_output=True,
                           text=True)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
