"""``resistlab report``: exact counts on a class whose mistakes are known.

The class hands in the fixture assignment (``01-fixture``: ``test_hill_values`` 2 points,
``test_hill_array`` 1, ``test_ic50`` 2). Each kind of student is one knock-out of the grading
round trip or one typical mistake, so every count in the report is known in advance:

======================  =====  ======================================================
student                 score  what fails
======================  =====  ======================================================
full_a, full_b, full_c  5      nothing
late                    5      nothing (handed in after the due date)
wrong_ic50              3      test_ic50 (coaching: "twice the EC50")
wrong_hill_a, _b        2      test_hill_values (HIDDEN_HINT), test_hill_array
blank_a, blank_b        0      every cell (not answered / name not defined)
absent                  –      on the roster, no submission
======================  =====  ======================================================
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime

import numpy as np
import pytest
from course.grading.fixture_assignment import (
    HIDDEN_HINT,
    NAME,
    WRONG_HILL,
    answer,
    release_copy,
    submit,
)
from helpers import autograde

from resistlab.course import Course, CourseError
from resistlab.course.cli import main
from resistlab.course.grading.classreport import (
    NOT_ANSWERED,
    NOT_DEFINED,
    build_course_report,
    build_report,
    classify_failure,
    item_statistics,
    write_report,
)

pytestmark = pytest.mark.slow

SCORES = {
    "full_a": 5, "full_b": 5, "full_c": 5, "late": 5, "wrong_ic50": 3,
    "wrong_hill_a": 2, "wrong_hill_b": 2, "blank_a": 0, "blank_b": 0,
}  # fmt: skip
ELEMENTWISE = "hill() must work element-wise on arrays."
TWICE = "The IC50 is twice the EC50 here; check the factor."


def hand_in(course):
    """Submit the class described in the module docstring; set a due date; add 'absent'."""
    from nbgrader.api import Gradebook

    for s in ("full_a", "full_b", "full_c", "late"):
        folder = submit(course, s, answer(release_copy(course)))
        (folder / "timestamp.txt").write_text(
            "2026-03-02 12:00:00.000000 UTC" if s == "late" else "2026-02-27 09:00:00.000000 UTC"
        )
    submit(course, "wrong_ic50", answer(release_copy(course), ic50="ic50 = 1.5\n"))
    for s in ("wrong_hill_a", "wrong_hill_b"):
        submit(course, s, answer(release_copy(course), hill=WRONG_HILL))
    for s in ("blank_a", "blank_b"):
        submit(course, s, release_copy(course))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(NAME, duedate=datetime(2026, 3, 1, 12, 0))
        for s in [*SCORES, "absent"]:
            gb.update_or_create_student(s)


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """The class, autograded once by nbgrader (module scope: autograding is slow)."""
    from course.grading.fixture_assignment import make_fixture_course

    course = make_fixture_course(tmp_path_factory.mktemp("report") / "course")
    hand_in(course)
    autograde(NAME, root=course)
    return course


def test_scores_and_completion_are_counted_exactly(graded_course):
    """Every score, the completion classes and the late submission match the class."""
    rep = build_report(Course(graded_course), NAME)
    assert rep.graded_by == "nbgrader autograde"
    assert rep.max_score == 5
    assert {s.student: s.score for s in rep.submitted} == SCORES
    assert rep.completion_counts() == {"full": 4, "partial": 3, "blank": 2, "missing": 1}
    assert [s.student for s in rep.students if s.late] == ["late"]
    late = next(s for s in rep.students if s.student == "late")
    assert late.seconds_late == pytest.approx(24 * 3600)
    exercises = {r["exercise"]: r for r in rep.exercise_table()}
    hill = exercises["Exercise 1 — Hill (3 points)"]
    assert (hill["points"], hill["all"], hill["some"], hill["none"]) == (3, 5, 0, 4)
    ic50 = exercises["Exercise 2 — IC50 (2 points)"]
    assert (ic50["points"], ic50["all"], ic50["some"], ic50["none"]) == (2, 6, 0, 3)


def test_item_analysis_matches_independent_statistics(graded_course):
    """Pass rates are exact; r_pb equals numpy's Pearson r of pass vs rest score; D is exact."""
    rep = build_report(Course(graded_course), NAME)
    items = {r["grade_id"]: r for r in rep.item_table()}
    assert items["test_hill_values"]["pass_rate"] == pytest.approx(5 / 9)
    assert items["test_hill_array"]["pass_rate"] == pytest.approx(5 / 9)
    assert items["test_ic50"]["pass_rate"] == pytest.approx(6 / 9)
    # Independent: rest score = total - this cell's points; Pearson r with a 0/1 variable.
    passed_ic50 = [s not in ("wrong_ic50", "blank_a", "blank_b") for s in SCORES]
    rest = [SCORES[s] - 2 * ok for s, ok in zip(SCORES, passed_ic50, strict=True)]
    expected = np.corrcoef(np.array(passed_ic50, float), rest)[0, 1]
    assert items["test_ic50"]["point_biserial"] == pytest.approx(expected, rel=1e-12)
    assert items["test_ic50"]["point_biserial"] == pytest.approx(1 / math.sqrt(10), rel=1e-12)
    # 27 % of 9 -> groups of 2: the top two all pass, the two blanks fail.
    assert items["test_ic50"]["upper_lower"] == 1.0
    assert {r["verdict"] for r in items.values()} == {"ok"}


def test_misconceptions_are_the_coaching_messages_ranked(graded_course):
    """The first failed assertion of each student is counted under its coaching message."""
    rep = build_report(Course(graded_course), NAME)
    rows = {(m["grade_id"], m["message"]): m for m in rep.misconception_table()}
    hint = rows[("test_hill_values", f"{HIDDEN_HINT}; check the exponent.")]
    assert (hint["students"], hint["coaching"]) == (2, True)
    assert hint["share_of_class"] == pytest.approx(2 / 9)
    assert hint["share_of_failures"] == pytest.approx(0.5)
    assert rows[("test_hill_values", NOT_ANSWERED)]["students"] == 2
    assert rows[("test_hill_array", ELEMENTWISE)]["students"] == 2
    assert rows[("test_hill_array", NOT_ANSWERED)]["students"] == 2
    assert rows[("test_ic50", TWICE)]["students"] == 1
    blank = rows[("test_ic50", NOT_DEFINED)]
    assert (blank["students"], blank["rank"], blank["coaching"]) == (2, 1, False)
    assert rows[("test_ic50", TWICE)]["rank"] == 2
    assert len(rows) == 6  # nothing else failed


def test_html_report_shows_the_counts_and_no_student_code(graded_course):
    """The HTML names the messages with their shares, embeds figures, quotes no answer."""
    (path,) = write_report(Course(graded_course), NAME)
    assert path == graded_course / "reports" / NAME / "report.html"
    text = path.read_text()
    assert "22 % (2) — At twice EC50" in text
    assert text.count("<img src='data:image/png;base64,") == 2
    assert "http://" not in text and "https://" not in text
    assert "ec50 = 1.5" not in text.replace("&#x27;", "'") and "ic50 = 1.5" not in text
    assert "Held for review (0)" in text
    assert "no integrity flags were recorded" in text


def test_csv_report_and_formula_injection(graded_course, tmp_path):
    """CSV tables hold the same numbers; a cell that starts like a formula is neutralised."""
    paths = write_report(Course(graded_course), NAME, fmt="csv", out=tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        ["scores.csv", "exercises.csv", "items.csv", "misconceptions.csv", "flags.csv"]
    )
    with (tmp_path / "scores.csv").open() as f:
        scores = {r["student"]: r for r in csv.DictReader(f)}
    assert scores["absent"]["completion"] == "missing"
    assert float(scores["wrong_ic50"]["score"]) == 3.0
    from resistlab.course.grading.classreport import _csv_cell

    assert _csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _csv_cell("-2+3") == "'-2+3"
    assert _csv_cell("plain") == "plain"


def test_course_report_finds_students_at_risk(graded_course):
    """Across assignments: a missing submission and a low latest score put a student at risk."""
    rep = build_course_report(Course(graded_course))
    assert rep.assignments == [NAME]
    risk = {r["student"]: r["reasons"] for r in rep.at_risk()}
    assert risk["absent"] == f"missing: {NAME}"
    assert risk["blank_a"].startswith("latest score 0 %")
    assert "wrong_hill_a" in risk and "wrong_ic50" not in risk and "full_a" not in risk


def test_cli_report(graded_course, capsys):
    """`resistlab report` writes the report; asking for both or neither is a clear error."""
    assert main(["--course", str(graded_course), "report", NAME, "--format", "csv"]) == 0
    assert "misconceptions.csv" in capsys.readouterr().out
    assert main(["--course", str(graded_course), "report", "--course"]) == 0
    assert (graded_course / "reports" / "course" / "report.html").is_file()
    assert main(["--course", str(graded_course), "report"]) == 2
    assert "name one ASSIGNMENT" in capsys.readouterr().err
    assert main(["--course", str(graded_course), "report", "99-nothing"]) == 2
    assert not (graded_course / "reports" / "99-nothing").exists()


def test_report_before_grading_is_a_clear_error(fixture_course):
    """A released but ungraded assignment gets an error that says what to run."""
    with pytest.raises(CourseError, match="resistlab grade 01-fixture"):
        build_report(Course(fixture_course), NAME)


def test_report_after_resistlab_grade_counts_flags(fixture_course):
    """The same report works after `resistlab grade`, with its integrity flags counted."""
    from resistlab.course.grading import GradeOptions, grade_assignment

    submit(fixture_course, "honest", answer(release_copy(fixture_course)))
    submit(
        fixture_course,
        "explorer",
        answer(release_copy(fixture_course), ic50="ic50 = eval('3.0')\n"),
    )
    submit(fixture_course, "blank", release_copy(fixture_course))
    grade_assignment(Course(fixture_course), NAME, GradeOptions(jobs=1, quiet=True))
    rep = build_report(Course(fixture_course), NAME)
    assert rep.graded_by == "resistlab grade"
    assert {s.student: s.score for s in rep.submitted} == {"honest": 5, "explorer": 5, "blank": 0}
    ledger = json.loads((fixture_course / "grading" / NAME / "ledger.json").read_text())
    expected = {}
    for entry in ledger["students"].values():
        for code in {f[0] for f in entry["flags"]}:
            expected[code] = expected.get(code, 0) + 1
    assert {f["code"]: f["submissions"] for f in rep.flag_table()} == expected
    assert expected.get("dynamic_code") == 1
    assert [s.student for s in rep.held_for_review()] == ["explorer"]


def test_item_statistics_edges():
    """Everyone failing, nobody failing, the strongest failing more, and bad lengths."""
    assert item_statistics([True] * 4, [1, 2, 3, 4], [2, 3, 4, 5])["verdict"] == "nobody fails"
    s = item_statistics([False, False, True, True], [9, 8, 1, 0], [9, 8, 2, 1])
    assert s["verdict"] == "the strongest fail more" and s["upper_lower"] == -1.0
    assert math.isnan(item_statistics([], [], [])["pass_rate"])
    with pytest.raises(ValueError, match="one value per student"):
        item_statistics([True], [1, 2], [1])


def test_classify_failure_never_groups_by_student_text():
    """Non-assertion errors are grouped by exception name only, sanitised."""
    out = classify_failure([{"output_type": "error", "ename": "<b>Evil</b>", "evalue": "x"}])
    assert out == "the student's code raised bEvilb"
    assert classify_failure([{"output_type": "error", "ename": "AssertionError", "evalue": ""}])


@pytest.mark.parametrize("ename", ["NameError", "AssertionError"])
def test_what_the_students_code_raised_during_a_test_is_filed_as_such(ename):
    """Review 16 #5: a NameError or AssertionError raised by the student's function while a
    hidden test called it was filed as "the answer was not run" or as the test's own
    assertion. The failed test's error output (as the sealed tests write it) says who raised
    it; a NotImplementedError from there is still the released stub."""
    from resistlab.course.grading.sealed import _error_output, _remote_exception

    def filed(name):
        err = _remote_exception({"type": name, "message": "FORGED coaching"})
        return classify_failure([_error_output(err, "<test>")])

    assert filed(ename) == f"the student's code raised {ename}"
    assert filed("NotImplementedError") == classify_failure(
        [{"output_type": "error", "ename": "NotImplementedError", "evalue": ""}]
    )
    test_own = classify_failure([_error_output(NameError("name 'x' is not defined"), "<t>")])
    assert test_own != "the student's code raised NameError"


@pytest.mark.e2e
def test_html_report_renders_in_chromium(graded_course, browser):
    """Opened in headless Chromium, both figures decode, carry alt text, and nothing is fetched."""
    (path,) = write_report(Course(graded_course), NAME)
    requests = []
    page = browser.new_page()
    try:
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])"
        )
        heading = page.inner_text("h1")
    finally:
        page.close()
    assert heading == f"{NAME}: what the class got wrong"
    assert len(images) == 2
    for complete, width, alt in images:
        assert complete and width > 300, "a figure did not decode"
        assert len(alt) > 40, "a figure has no descriptive alt text"
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
