"""The wheel carries the code and every data file, and works from the wheel alone."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest
from helpers import ROOT

from resistlab import datasets

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("resistlab-*.whl")
    return path


def test_wheel_contains_every_data_file_and_datasheet(wheel):
    """Every CSV, datasheet and the checksum registry are inside resistlab/data."""
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"resistlab/data/{name}" for name in datasets.registry()}
    expected.add("resistlab/data/SHA256SUMS")
    missing = expected - names
    assert not missing, f"missing from the wheel: {sorted(missing)}"
    assert "resistlab/course/cli.py" in names and "resistlab/widgets/_base.py" in names


def test_installed_wheel_loads_data_from_inside_the_package(wheel, tmp_path):
    """Unpacked alone, the wheel finds and verifies its data without the source tree."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import resistlab.datasets as d; p = d.data_dir(); "
        "assert 'site' in str(p), p; "
        "print(len([d.load(n) for n in d.list_datasets()]))"
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(datasets.list_datasets())


def test_the_environment_leaves_out_the_iri_grammars():
    """`make` builds the environment without rfc3987-syntax (deploy/uv-excludes.txt): with it,
    every process that imports nbformat's validator compiled ~40 grammars first (~3 s)."""
    code = "import sys, jsonschema._format; print([m for m in sys.modules if 'rfc3987' in m])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
