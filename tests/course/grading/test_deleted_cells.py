"""A deleted or renamed test cell is re-added and scored on the student's code (ATTACK_REPORT
#3 against issue 9).

nbgrader's ``OverwriteCells.add_missing_grade_cells`` inserts a missing test after the cell
just before it in the instructor's notebook, and fails (``KeyError``) when that cell is not a
graded or solution cell of the submission. One deleted test then made the submission an
``ERROR`` on every run, the run exit 1, and an earlier grade stay in the gradebook.
"""

from __future__ import annotations

import pytest
from course.grading.fixture_assignment import NAME, answer, cell_by_id, release_copy, submit
from nbgrader.api import Gradebook

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment

pytestmark = pytest.mark.slow


def _grade(course, *students, force=False):
    return grade_assignment(
        Course(course),
        NAME,
        GradeOptions(jobs=1, timeout=20, quiet=True, students=list(students), force=force),
        log=lambda *a: None,
    )


def _gradebook_score(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return float(gb.find_submission(NAME, student).score)


def _without(nb, *grade_ids):
    for gid in grade_ids:
        nb.cells.remove(cell_by_id(nb, gid))
    return nb


def test_deleted_and_renamed_tests_are_readded_scored_and_flagged(fixture_course):
    """Each case deletes a test whose preceding instructor cell the submission no longer has
    as a graded cell: it is graded (never ``ERROR``), the re-added test runs on the student's
    code, and the submission is flagged for review."""
    fresh = lambda: answer(release_copy(fixture_course))  # noqa: E731
    # answer and test of exercise 2 deleted: hill still earns its 3 points, ic50 0
    nb = _without(fresh(), "answer_ic50", "test_ic50")
    submit(fixture_course, "deleted_answer_and_test", nb)
    # the answer renamed with a Cyrillic O (it runs as an added cell) and its test deleted:
    # the re-added test runs after the student's renamed answer, which is correct
    nb = _without(fresh(), "test_ic50")
    cell_by_id(nb, "answer_ic50").metadata["nbgrader"]["grade_id"] = "answer_ic5\u041e"
    submit(fixture_course, "homoglyph_answer_deleted_test", nb)
    # every graded and answer cell deleted: the re-added tests fail (nothing defined)
    everything = ("answer_hill", "test_hill_values", "test_hill_array", "answer_ic50", "test_ic50")
    submit(fixture_course, "deleted_everything", _without(fresh(), *everything))
    run = _grade(
        fixture_course,
        "deleted_answer_and_test",
        "homoglyph_answer_deleted_test",
        "deleted_everything",
    )
    rows = {r.student: r for r in run.rows}
    errors = {s: [str(f) for f in r.flags] for s, r in rows.items() if r.status != "graded"}
    assert errors == {}, errors
    assert run.errors == 0
    expected = {
        "deleted_answer_and_test": 3.0,
        "homoglyph_answer_deleted_test": 5.0,
        "deleted_everything": 0.0,
    }
    assert {s: r.score for s, r in rows.items()} == expected
    for student, row in rows.items():
        assert row.review, (student, row.flags)
        assert "deleted_cell" in {f.code for f in row.flags}, (student, row.flags)
        assert _gradebook_score(fixture_course, student) == expected[student]


def test_a_resubmission_with_a_deleted_test_replaces_the_earlier_grade(fixture_course):
    """A student graded 5/5 who resubmits a blank notebook with one test deleted gets 0 in
    the gradebook, not the earlier 5."""
    submit(fixture_course, "regress", answer(release_copy(fixture_course)))
    first = _grade(fixture_course, "regress")
    assert first.rows[0].score == 5.0
    assert _gradebook_score(fixture_course, "regress") == 5.0
    blank = _without(release_copy(fixture_course), "answer_ic50", "test_ic50")
    submit(fixture_course, "regress", blank)
    second = _grade(fixture_course, "regress")
    row = second.rows[0]
    assert row.status == "graded", row
    assert row.score == 0.0, row
    assert _gradebook_score(fixture_course, "regress") == 0.0
