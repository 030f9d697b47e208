"""Attacks from a submission on the grader, graded for real: each test asserts the safe outcome.

Each test was written while its hole was open (it failed on that code) and asserts the safe
outcome: the kernel cannot make the grader import the command line, an unprintable result or a
KeyboardInterrupt named by the kernel is a failed test of that student only, and a link to a
folder is flagged.
"""

from __future__ import annotations

import shutil
import sys

import nbformat
import pytest
from course.grading.fixture_assignment import NAME, answer, release_copy, submit

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment

pytestmark = pytest.mark.slow

#: A wrong ``hill`` that, when a sealed test calls it, makes the kernel's agent answer with a
#: "resistlab dataclass" whose class lives in ``resistlab.__main__``: the grader imports that
#: module to rebuild the value, and importing it runs ``sys.exit(main())`` in the grader with
#: the grader's own ``sys.argv`` (under ``resistlab grade`` that is the grade command itself,
#: so every worker starts a nested, unsandboxed grading run of the same class, recursively).
IMPORTS_MAIN = """
def hill(dose, ec50, h):
    import sys

    agent = sys.modules["_rl_sealed"]
    agent._value = lambda obj: {"$": "dc", "cls": "resistlab.__main__:Anything", "v": {}}
    return 0.0
"""


def _errors(course, student):
    nb = nbformat.read(course / "autograded" / student / NAME / f"{NAME}.ipynb", as_version=4)
    return [
        (cell.metadata.get("nbgrader", {}).get("grade_id"), out.get("ename"))
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def test_kernel_cannot_make_the_grader_import_resistlab_main(
    tmp_path, _released_fixture, monkeypatch
):
    """A kernel that names ``resistlab.__main__`` as the class of a value it returns must not
    make the grader import that module: the value is refused (``sealed_reply``), the test
    fails as a wrong answer, and nothing of the command line runs in the grader."""
    course = tmp_path / "course"
    shutil.copytree(_released_fixture, course)
    submit(course, "mallory", answer(release_copy(course), hill=IMPORTS_MAIN, ic50="ic50 = 1.0\n"))
    # Should the hole be open, the nested command line parses this harmless argv and exits.
    monkeypatch.setattr(sys, "argv", ["resistlab", "--help"])
    run = grade_assignment(Course(course), NAME, GradeOptions(jobs=1, timeout=10, quiet=True))
    (row,) = run.rows
    assert run.errors == 0
    assert row.score == 0
    errors = _errors(course, "mallory")
    assert not [e for e in errors if e[1] == "SystemExit"], (
        f"the grader ran resistlab.__main__ (a SystemExit in a test cell): {errors}"
    )
    assert "resistlab.__main__" not in sys.modules
    assert any(f.code == "sealed_reply" for f in row.flags), [str(f) for f in row.flags]


#: A correct ``hill`` except that the value it gives for ``(1, 1, 1)`` cannot be shown: its
#: ``repr`` raises in the kernel (``float`` of it is right).
UNPRINTABLE = """
import numpy as np


class _Unprintable:
    def __repr__(self):
        raise ValueError("no repr")

    def __float__(self):
        return 0.5


def hill(dose, ec50, h):
    if np.ndim(dose) == 0 and float(dose) == 1.0 and ec50 == 1.0:
        return _Unprintable()
    dose = np.asarray(dose, dtype=float)
    return dose**h / (ec50**h + dose**h)
"""


@pytest.fixture
def course_with_visible_result(tmp_path):
    """``01-fixture`` whose first test cell ends with a bare expression (``hill(1.0, 1.0,
    1.0)``, to show the student's value), as an instructor may write a visible test."""
    from course.grading.fixture_assignment import make_fixture_course

    from resistlab.course import run_nbgrader

    course = make_fixture_course(tmp_path / "course", release=False)
    path = course / "notebooks" / NAME / f"{NAME}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_hill_values"
    )
    cell.source = cell.source.rstrip("\n") + "\nhill(1.0, 1.0, 1.0)\n"
    nbformat.write(nb, path)
    run_nbgrader(["generate_assignment", NAME, "--force"], root=course)
    return course


def test_unprintable_result_of_a_visible_test_is_a_failed_test_not_a_grading_error(
    course_with_visible_result,
):
    """A test cell whose last line shows a student's value: a value whose ``repr`` raises in
    the kernel fails that test (as in nbgrader, where the cell errors); the submission is
    graded, not turned into an ``ERROR`` that is charged to the grader and retried forever."""
    course = course_with_visible_result
    submit(course, "mallory", answer(release_copy(course), hill=UNPRINTABLE))
    run = grade_assignment(Course(course), NAME, GradeOptions(jobs=1, timeout=10, quiet=True))
    (row,) = run.rows
    assert (row.status, run.errors) == ("graded", 0), [str(f) for f in row.flags]
    assert row.score == 3.0  # the visible test fails, the two others pass


def test_one_submission_cannot_stop_the_grading_of_the_class(course_with_visible_result):
    """The same visible test, and a value whose ``repr`` raises ``KeyboardInterrupt`` in the
    kernel (sent back to the grader as that built-in type): the run must go on and grade the
    next student, instead of stopping as if the lecturer had pressed Ctrl-C (every rerun
    would stop at the same submission, so the class could never be graded)."""
    course = course_with_visible_result
    interrupting = UNPRINTABLE.replace('raise ValueError("no repr")', "raise KeyboardInterrupt")
    submit(course, "aaron", answer(release_copy(course), hill=interrupting))
    submit(course, "bob", answer(release_copy(course)))
    try:
        run = grade_assignment(Course(course), NAME, GradeOptions(jobs=1, timeout=10, quiet=True))
    except KeyboardInterrupt:
        pytest.fail("one submission stopped the grading run (KeyboardInterrupt in the parent)")
    rows = {r.student: r for r in run.rows}
    assert rows["bob"].status == "graded" and rows["bob"].score == 5.0
    assert rows["aaron"].status == "graded", [str(f) for f in rows["aaron"].flags]


def test_symlink_to_a_folder_is_flagged(tmp_path, _released_fixture):
    """A symbolic link to a folder (here: the course root) in the submission is never followed
    or copied, and, like a link to a file, raises ``file_access`` (docs/grading.md, Flags)."""
    course = tmp_path / "course"
    shutil.copytree(_released_fixture, course)
    folder = submit(course, "linky", answer(release_copy(course)))
    (folder / "notes").symlink_to(course, target_is_directory=True)
    run = grade_assignment(Course(course), NAME, GradeOptions(jobs=1, timeout=10, quiet=True))
    (row,) = run.rows
    assert row.score == 5.0
    assert not (course / "autograded" / "linky" / NAME / "notes").exists()
    assert any(f.code == "file_access" and "notes" in f.detail for f in row.flags), [
        str(f) for f in row.flags
    ]
