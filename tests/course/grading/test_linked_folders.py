"""A symbolically linked student or assignment folder in ``submitted/`` is never followed
(ATTACK_REPORT #4 against issue 9).

Followed, ``submitted/mallory/ASSIGNMENT -> submitted/honest/ASSIGNMENT`` graded mallory
with honest's work, and a link to the instructor's ``notebooks/ASSIGNMENT`` graded the
solutions: full marks, no review flag. Such a submission is scored 0 and flagged, like a
symbolically linked notebook file.
"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
from course.grading.fixture_assignment import (
    FORMGRADER_LISTS,
    NAME,
    answer,
    release_copy,
    submit,
)

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment

pytestmark = pytest.mark.slow


def test_linked_submission_folders_score_zero_with_a_review_flag(fixture_course):
    submitted = fixture_course / "submitted"
    honest = submit(fixture_course, "honest", answer(release_copy(fixture_course)))
    (submitted / "mallory").mkdir()
    os.symlink(honest, submitted / "mallory" / NAME)  # the assignment folder is a link
    os.symlink(submitted / "honest", submitted / "eve")  # the student folder is a link
    (submitted / "trudy").mkdir()
    os.symlink(fixture_course / "notebooks" / NAME, submitted / "trudy" / NAME)  # solutions
    relative = submitted / "oscar"
    relative.mkdir()
    os.symlink(os.path.join("..", "honest", NAME), relative / NAME)
    # review 59 C#2: a folder the student controls, its timestamp.txt a FIFO, which
    # Formgrader read through the link (Manage Submissions and the server hung)
    theirs = fixture_course.parent / "peggy-home" / NAME
    theirs.mkdir(parents=True)
    nbformat.write(release_copy(fixture_course), theirs / f"{NAME}.ipynb")
    os.mkfifo(theirs / "timestamp.txt")
    (submitted / "peggy").mkdir()
    os.symlink(theirs, submitted / "peggy" / NAME)
    os.symlink(theirs.parent, submitted / "victor")
    (submitted / ".victor.link").write_text("a name taken")
    run = grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=1, timeout=20, quiet=True),
        log=lambda *a: None,
    )
    rows = {r.student: r for r in run.rows}
    linked = ("mallory", "eve", "trudy", "oscar", "peggy", "victor")
    assert set(rows) == {"honest", *linked}
    assert run.errors == 0
    assert rows["honest"].score == 5.0 and not rows["honest"].review, rows["honest"]
    for student in linked:
        row = rows[student]
        assert row.status == "graded", row
        assert row.score == 0.0, row
        assert row.review, row
        details = [f.detail for f in row.flags if f.code == "file_access"]
        assert any("symbolic link" in d for d in details), row.flags
        autograded = fixture_course / "autograded" / student / NAME / f"{NAME}.ipynb"
        assert not autograded.exists(), autograded
    # the instructor's, honest's and the link targets' folders were not touched
    assert (fixture_course / "notebooks" / NAME / f"{NAME}.ipynb").is_file()
    assert sorted(os.listdir(honest)) == [f"{NAME}.ipynb"]
    assert sorted(os.listdir(theirs)) == [f"{NAME}.ipynb", "timestamp.txt"]
    # the links were moved aside, where neither Formgrader nor the grader looks
    moved = {
        "mallory": submitted / "mallory" / f".{NAME}.link",
        "eve": submitted / ".eve.link",
        "trudy": submitted / "trudy" / f".{NAME}.link",
        "oscar": submitted / "oscar" / f".{NAME}.link",
        "peggy": submitted / "peggy" / f".{NAME}.link",
        "victor": submitted / ".victor.link.1",
    }
    for student, aside in moved.items():
        assert aside.is_symlink(), student
        assert not os.path.lexists(submitted / student / NAME), student
        details = [f.detail for f in rows[student].flags if f.code == "file_access"]
        assert any(f"moved to {aside.name}" in d for d in details), rows[student].flags
    assert (submitted / ".victor.link").read_text() == "a name taken"
    listed = subprocess.run(
        [sys.executable, "-c", FORMGRADER_LISTS, str(fixture_course), NAME],
        capture_output=True, text=True, timeout=120, cwd=fixture_course,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert listed.stdout.strip() == ascii(sorted({"honest", *linked})), listed.stdout
    # graded again: the links are gone from submitted/, their grades stay in the gradebook
    again = grade_assignment(
        Course(fixture_course), NAME, GradeOptions(jobs=1, timeout=20, quiet=True, force=True)
    )
    assert [r.student for r in again.rows] == ["honest"] and again.errors == 0


def test_an_earlier_grade_is_not_kept_through_an_entry_that_is_not_a_folder(fixture_course):
    """Review 8 #5: a 5/5 submission replaced by a FIFO, a file, a link to ``/dev/zero`` or a
    dangling link was skipped as "not a folder", and the 5 stayed in the gradebook."""
    import shutil

    from nbgrader.api import Gradebook

    shapes = {
        "fifo": os.mkfifo,
        "plain": lambda path: open(path, "w").close(),
        "zero": lambda path: os.symlink("/dev/zero", path),
        "dangling": lambda path: os.symlink("/nonexistent", path),
    }
    for student in shapes:
        submit(fixture_course, student, answer(release_copy(fixture_course)))
    options = GradeOptions(jobs=2, timeout=20, quiet=True)
    run = grade_assignment(Course(fixture_course), NAME, options, log=lambda *a: None)
    assert {r.student: r.score for r in run.rows} == dict.fromkeys(shapes, 5.0)
    for student, make in shapes.items():
        folder = fixture_course / "submitted" / student / NAME
        shutil.rmtree(folder)
        make(folder)
    run = grade_assignment(Course(fixture_course), NAME, options, log=lambda *a: None)
    assert {r.student: r.score for r in run.rows} == dict.fromkeys(shapes, 0.0)
    assert all(r.review and r.status == "graded" for r in run.rows), run.rows
    with Gradebook(f"sqlite:///{fixture_course / 'gradebook.db'}") as gb:
        for student in shapes:
            assert gb.find_submission(NAME, student).score == 0.0, student
    for student in shapes:
        assert not (fixture_course / "autograded" / student / NAME / f"{NAME}.ipynb").exists()
