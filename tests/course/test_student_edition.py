"""The student edition carries the release copies and datasheets, and no solution or hidden
test line of any instructor notebook."""

from __future__ import annotations

import json

import nbformat
import pytest
from helpers import NOTEBOOK_PATHS

from resistlab.course import Course, CourseError, cli
from resistlab.course.grading.feedback import hidden_lines
from resistlab.course.student_edition import find_leaks, instructor_only_lines, solution_lines
from resistlab.datasets import list_datasets

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    import shutil

    from helpers import ROOT

    base = tmp_path_factory.mktemp("edition")
    course = base / "course"
    (course / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for path in NOTEBOOK_PATHS:
        shutil.copytree(path.parent, course / "notebooks" / path.parent.name)
    out = base / "student-edition"
    assert cli.main(["--course", str(course), "student-edition", str(out)]) == 0
    return Course(course), out


def test_layout(edition):
    """One release notebook per assignment, every datasheet, a README and requirements."""
    course, out = edition
    names = [a.name for a in course.assignments()]
    assert sorted(p.parent.name for p in out.glob("notebooks/*/*.ipynb")) == names
    assert sorted(p.stem for p in out.glob("datasheets/*.md")) == list_datasets()
    readme = (out / "README.md").read_text()
    assert all(name in readme for name in names)
    assert "resistlab[lab]==" in (out / "requirements.txt").read_text()


def test_no_solution_and_no_hidden_test_reaches_the_edition(edition):
    """No line found only in a solution or hidden-test region is in any file; no marker."""
    course, out = edition
    sources = [c.source for p in NOTEBOOK_PATHS for c in nbformat.read(p, as_version=4).cells]
    lines = instructor_only_lines(course)
    assert len(lines) > 50
    assert len(lines & hidden_lines(sources)) > 20 and len(lines & solution_lines(sources)) > 20
    texts = {p: p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()}
    leaked = [(p.name, ln) for p, text in texts.items() for ln in lines if ln in text]
    assert not leaked, f"instructor-only lines in the student edition: {leaked[:5]}"
    for path, text in texts.items():
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path
    for nb_path in out.glob("notebooks/*/*.ipynb"):
        nb = json.loads(nb_path.read_text())
        answers = [
            c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")
        ]
        stubs = ("NotImplementedError", "YOUR ANSWER HERE")
        assert answers
        assert all(any(s in "".join(c["source"]) for s in stubs) for c in answers)


def test_a_leak_stops_the_build(edition, tmp_path, monkeypatch):
    """If any file of the edition carried a hidden line, the build fails and writes nothing."""
    from resistlab.course import student_edition

    course, _ = edition
    line = sorted(
        hidden_lines(c.source for c in nbformat.read(NOTEBOOK_PATHS[0], as_version=4).cells)
    )[0]
    monkeypatch.setattr(student_edition, "_readme", lambda assignments: f"# x\n{line}\n")
    out = tmp_path / "leaky"
    with pytest.raises(CourseError, match="instructor-only line"):
        student_edition.build_student_edition(course, out, log=lambda _m: None)
    assert not out.exists()
    assert find_leaks(tmp_path, instructor_only_lines(course)) == []


def test_refuses_a_folder_that_is_not_an_edition(edition, tmp_path):
    """An existing folder with other files is left alone."""
    course, _ = edition
    (tmp_path / "notes.txt").write_text("mine")
    assert cli.main(["--course", str(course.root), "student-edition", str(tmp_path)]) == 2
    assert (tmp_path / "notes.txt").read_text() == "mine"
