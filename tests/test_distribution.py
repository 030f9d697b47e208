"""What a student can install carries nothing instructor-only.

``python -m build`` makes an sdist and, from it, a wheel. Neither may carry the instructor
notebooks (solutions and hidden tests), the tests, or any line that appears only inside a
solution or hidden-test region of an instructor notebook. The wheel also carries the
JupyterLab setting that turns the news pop-up off.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile

import nbformat
import pytest
from helpers import NOTEBOOK_PATHS, ROOT

from resistlab.course.grading.feedback import hidden_lines

pytestmark = pytest.mark.slow


def solution_lines(sources, *, min_length: int = 20) -> set[str]:
    """Distinctive lines found only inside ``### BEGIN SOLUTION`` regions of ``sources``."""
    inside_lines, outside = set(), set()
    for source in sources:
        inside = False
        for line in source.splitlines():
            text = line.strip()
            if "BEGIN SOLUTION" in text:
                inside = True
            elif "END SOLUTION" in text:
                inside = False
            else:
                (inside_lines if inside else outside).add(text)
    return {line for line in inside_lines - outside if len(line) >= min_length}


def instructor_only_lines() -> set[str]:
    """Hidden-test and solution lines of every instructor notebook, less the lines the
    library itself holds (shipping the library is the point of the package)."""
    sources = [c.source for p in NOTEBOOK_PATHS for c in nbformat.read(p, as_version=4).cells]
    library = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.py"))
    lines = hidden_lines(sources) | solution_lines(sources)
    return {line for line in lines if line not in library}


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (sdist,) = out.glob("resistlab-*.tar.gz")
    (wheel,) = out.glob("resistlab-*.whl")
    with tarfile.open(sdist) as tar:
        sdist_files = {
            m.name.split("/", 1)[1]: tar.extractfile(m).read()
            for m in tar.getmembers()
            if m.isfile()
        }
    with zipfile.ZipFile(wheel) as zf:
        wheel_files = {name: zf.read(name) for name in zf.namelist()}
    return {"sdist": sdist_files, "wheel": wheel_files}


@pytest.mark.parametrize("kind", ["sdist", "wheel"])
def test_no_instructor_files(artefacts, kind):
    """No notebook, no instructor source folder, no test file, no course configuration."""
    names = sorted(artefacts[kind])
    bad = [
        n
        for n in names
        if n.endswith(".ipynb")
        or n.startswith(("notebooks/", "tests/", "benchmarks/"))
        or "/tests/" in n
        or n.endswith(("nbgrader_config.py", "conftest.py"))
    ]
    assert names, f"the {kind} is empty"
    assert not bad, f"instructor-only files in the {kind}: {bad[:10]}"


@pytest.mark.parametrize("kind", ["sdist", "wheel"])
def test_no_solution_or_hidden_test_line(artefacts, kind):
    """No line of a solution or hidden test appears in any file of the artefact."""
    lines = instructor_only_lines()
    assert len(lines) > 50, "the instructor notebooks should yield many distinctive lines"
    leaks = []
    for name, data in artefacts[kind].items():
        text = data.decode("utf-8", errors="replace")
        leaks += [(name, line) for line in lines if line in text]
    assert not leaks, f"answer-key lines in the {kind}: {leaks[:5]}"


def test_wheel_switches_the_jupyterlab_news_off(artefacts):
    """The wheel installs a JupyterLab settings override: no news pop-up, no update check."""
    (name,) = [
        n
        for n in artefacts["wheel"]
        if n.endswith(".data/data/share/jupyter/lab/settings/overrides.json")
    ]
    settings = json.loads(artefacts["wheel"][name])
    notification = settings["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false"
    assert notification["checkForUpdates"] is False


def test_sdist_builds_a_working_library(artefacts):
    """The sdist still holds the library and its data (the wheel is built from it)."""
    names = set(artefacts["sdist"])
    assert "src/resistlab/datasets.py" in names
    assert "data/SHA256SUMS" in names
