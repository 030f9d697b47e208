"""The ``resistlab`` instructor command and the course layer under it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import nbformat
import pytest
from helpers import ROOT
from helpers import nbgrader_cell as _cell

from resistlab import course
from resistlab.course import Course, CourseError, cli, strip_notebook


def tiny_notebook():
    """A one-exercise assignment: enough for nbgrader, fast to execute."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        _cell("markdown", "# 01 · Tiny\n", "intro"),
        _cell(
            "code",
            "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n",
            "answer_double",
            solution=True,
            locked=False,
        ),
        _cell(
            "code",
            '_ = double(1)\n### BEGIN HIDDEN TESTS\nassert double(3) == 6, "twice"\n'
            "### END HIDDEN TESTS\n",
            "test_double",
            grade=True,
            points=2,
        ),
    ]
    return nb


@pytest.fixture
def tiny_course(tmp_path):
    root = tmp_path / "course"
    (root / "notebooks" / "01-tiny").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    nbformat.write(tiny_notebook(), root / "notebooks" / "01-tiny" / "01-tiny.ipynb")
    return root


def test_list_shows_points_and_status(tiny_course, capsys):
    """`resistlab list` prints each assignment with its points, tests and status."""
    assert cli.main(["--course", str(tiny_course), "list"]) == 0
    out = capsys.readouterr().out
    assert "01-tiny" in out and "Tiny" in out and "draft" in out
    assert "1 assignment(s), 2 points in all." in out


def test_unknown_assignment_is_a_clear_error(tiny_course, capsys):
    """An unknown name exits 2 and lists the assignments there are."""
    assert cli.main(["--course", str(tiny_course), "release", "99-nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown assignment '99-nope'" in err and "01-tiny" in err


def test_select_by_number(tiny_course):
    """A bare number picks the assignment with that prefix."""
    assert [a.name for a in Course(tiny_course).select(["1"])] == ["01-tiny"]


def test_missing_course_is_a_clear_error(tmp_path, capsys):
    """Outside a course folder the command says what a course folder is."""
    assert cli.main(["--course", str(tmp_path), "list"]) == 2
    assert "nbgrader_config.py and notebooks/" in capsys.readouterr().err


def test_misnamed_notebook_is_reported(tiny_course):
    """A folder whose notebook has another name is an error naming the expected file."""
    nb = tiny_course / "notebooks" / "01-tiny" / "01-tiny.ipynb"
    nb.rename(nb.with_name("other.ipynb"))
    with pytest.raises(CourseError, match=r"01-tiny\.ipynb"):
        Course(tiny_course).assignments()


def test_missing_nbgrader_is_a_clear_error(tiny_course, monkeypatch, capsys):
    """Without nbgrader the command names the extra to install."""
    real = course.importlib.util.find_spec
    monkeypatch.setattr(
        course.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "nbgrader" else real(name, *a),
    )
    assert cli.main(["--course", str(tiny_course), "release"]) == 2
    assert "resistlab[instructor]" in capsys.readouterr().err


@pytest.mark.slow
def test_release_and_validate(tiny_course, capsys):
    """release writes the student copy; validate passes source and blank release."""
    assert cli.main(["--course", str(tiny_course), "release", "01-tiny"]) == 0
    release = tiny_course / "release" / "01-tiny" / "01-tiny.ipynb"
    text = release.read_text()
    assert "NotImplementedError" in text and "double(3)" not in text
    assert cli.main(["--course", str(tiny_course), "validate"]) == 0
    out = capsys.readouterr().out
    assert "source copy passes all its tests: ok" in out
    assert "release copy passes no test: ok" in out
    assert "released" in Course(tiny_course).status(Course(tiny_course).assignments()[0])


@pytest.mark.slow
def test_validate_catches_a_test_the_blank_copy_passes(tiny_course, capsys):
    """A test cell with no visible check lets the blank copy pass: validate fails."""
    path = tiny_course / "notebooks" / "01-tiny" / "01-tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = nb.cells[2].source.replace("_ = double(1)\n", "")
    nbformat.write(nb, path)
    assert cli.main(["--course", str(tiny_course), "validate", "01-tiny"]) == 1
    assert "release copy passes no test: FAILED" in capsys.readouterr().out


def test_strip_is_deterministic_and_idempotent(tmp_path):
    """strip removes outputs and counts; a second strip changes nothing."""
    nb = tiny_notebook()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.cells[1].execution_count = 3
    nb.metadata["widgets"] = {"state": {}}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert strip_notebook(path, check=True) is True
    assert strip_notebook(path) is True
    data = json.loads(path.read_text())
    assert all(c.get("outputs", []) == [] for c in data["cells"])
    assert "widgets" not in data["metadata"]
    assert [c["id"] for c in data["cells"]] == ["intro", "answer_double", "test_double"]
    assert strip_notebook(path) is False


def test_strip_check_exit_status(tmp_path, capsys):
    """`resistlab strip --check` exits 1 when a notebook carries outputs, 0 when clean."""
    nb = tiny_notebook()
    nb.cells[1].execution_count = 1
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert cli.main(["strip", "--check", str(path)]) == 1
    assert cli.main(["strip", str(path)]) == 0
    assert cli.main(["strip", "--check", str(path)]) == 0


def test_console_script_runs():
    """The installed `resistlab` entry point answers --version."""
    proc = subprocess.run(
        [sys.executable, "-m", "resistlab", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.startswith("resistlab ")


def test_the_shipped_course_lists_the_fifteen_assignments_of_the_map(capsys):
    """`resistlab list` on the repository shows every assignment of docs/course-map.md."""
    import re

    mapped = re.findall(
        r"^\| \d\d \| `(\d\d-[a-z-]+)` \|", (ROOT / "docs" / "course-map.md").read_text(), re.M
    )
    assert cli.main(["--course", str(ROOT), "list"]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^(\d\d-[a-z0-9-]+) ", out, flags=re.M)
    assert listed == mapped and len(listed) == 15, out
