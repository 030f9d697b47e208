"""Never lose a grade: resume after an interruption, regrade only what changed, --force.

The interruption is real: ``resistlab grade`` runs in its own process group, receives
SIGINT (Ctrl-C) while a submission is executing, and the next run grades only what was not
recorded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from course.grading.fixture_assignment import NAME, answer, release_copy, submit
from helpers import start_as_in_a_terminal

from resistlab.course import Course, nbgrader_env
from resistlab.course.grading import GradeOptions, grade_assignment

pytestmark = pytest.mark.slow

SLOW_IC50 = "import time\n\ntime.sleep(15)\nic50 = 3.0\n"  # long enough for a loaded machine


def _ledger(course):
    path = course / "grading" / NAME / "ledger.json"
    return json.loads(path.read_text())["students"] if path.is_file() else {}


def _scores(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student_id: s.score for s in gb.assignment_submissions(NAME)}


def test_interrupted_run_resumes_with_only_the_rest(fixture_course):
    course = fixture_course
    submit(course, "a_quick", answer(release_copy(course)))
    submit(course, "b_quick", answer(release_copy(course), ic50="ic50 = 2.0\n"))
    submit(course, "c_slow", answer(release_copy(course), ic50=SLOW_IC50))
    cmd = [
        sys.executable,
        "-m",
        "resistlab",
        "--course",
        str(course),
        "grade",
        NAME,
        "--jobs",
        "1",
        "--timeout",
        "30",
    ]
    proc = start_as_in_a_terminal(
        cmd,
        env=nbgrader_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while set(_ledger(course)) != {"a_quick", "b_quick"}:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the quick submissions were never recorded"
        time.sleep(0.2)
    time.sleep(1.0)  # c_slow is now sleeping in its kernel
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "interrupted: 2 of 3" in err
    assert set(_ledger(course)) == {"a_quick", "b_quick"}
    assert _scores(course) == {"a_quick": 5, "b_quick": 3}

    run = grade_assignment(Course(course), NAME, GradeOptions(jobs=1, timeout=30, quiet=True))
    assert (run.graded, run.skipped) == (1, 2)
    assert {r.student: r.status for r in run.rows} == {
        "a_quick": "skipped",
        "b_quick": "skipped",
        "c_slow": "graded",
    }
    assert _scores(course) == {"a_quick": 5, "b_quick": 3, "c_slow": 5}


def test_only_changed_submissions_are_regraded(fixture_course):
    course = fixture_course
    submit(course, "alice", answer(release_copy(course)))
    submit(course, "bob", answer(release_copy(course), ic50="ic50 = 2.0\n"))
    options = GradeOptions(jobs=2, timeout=10, quiet=True)
    first = grade_assignment(Course(course), NAME, options)
    assert (first.graded, first.skipped) == (2, 0)
    graded_at = _ledger(course)["alice"]["graded_at"]

    again = grade_assignment(Course(course), NAME, options)
    assert (again.graded, again.skipped) == (0, 2), "nothing changed, nothing regraded"
    assert {r.student: r.score for r in again.rows} == {"alice": 5, "bob": 3}

    submit(course, "bob", answer(release_copy(course)))  # bob resubmits a better answer
    third = grade_assignment(Course(course), NAME, options)
    assert {r.student: r.status for r in third.rows} == {"alice": "skipped", "bob": "graded"}
    assert _scores(course) == {"alice": 5, "bob": 5}
    assert _ledger(course)["alice"]["graded_at"] == graded_at

    forced = grade_assignment(
        Course(course), NAME, GradeOptions(jobs=2, timeout=10, quiet=True, force=True)
    )
    assert (forced.graded, forced.skipped) == (2, 0)
    # review 63: a grade made with other options (--sandbox off) had been kept, "unchanged",
    # by a later --sandbox require run; the ledger records the options and the version
    off = GradeOptions(jobs=2, timeout=10, quiet=True, sandbox="off")
    unsandboxed = grade_assignment(Course(course), NAME, off)
    assert (unsandboxed.graded, unsandboxed.skipped) == (2, 0)
    back = grade_assignment(Course(course), NAME, options)
    assert (back.graded, back.skipped) == (2, 0)
    assert json.loads(_ledger(course)["alice"]["grading"])["sandbox"] == "auto"


def test_a_grade_is_kept_only_with_its_gradebook_entry_notebook_and_settings(
    fixture_course, monkeypatch
):
    """Review 64 C: a grade was kept, "unchanged", whatever the gradebook held (a new one, or
    the student removed from it: feedback then failed for them), with its autograded
    notebook deleted, and under another cell time limit (from the course's configuration),
    due date or ``--no-mark-review``; review 65 C: after a student's extension, or a change to
    a file of the instructor's that every kernel gets. Each of those now regrades what it
    concerns."""
    from nbgrader.api import Gradebook

    course = fixture_course
    submit(course, "alice", answer(release_copy(course)))
    submit(course, "bob", answer(release_copy(course), ic50="ic50 = 2.0\n"))
    options = GradeOptions(jobs=2, timeout=10, quiet=True)

    def graded(**changed):
        run = grade_assignment(Course(course), NAME, GradeOptions(**{**vars(options), **changed}))
        return sorted(r.student for r in run.rows if r.status == "graded")

    assert graded() == ["alice", "bob"]
    assert graded() == []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.remove_submission(NAME, "bob")
    assert graded() == ["bob"]
    (course / "autograded" / "alice" / NAME / f"{NAME}.ipynb").unlink()
    assert graded() == ["alice"]
    assert graded(mark_review=False) == ["alice", "bob"]
    monkeypatch.setenv("RESISTLAB_CELL_TIMEOUT", "37")  # read by nbgrader_config.py
    assert graded(mark_review=False) == ["alice", "bob"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(NAME, duedate="2026-01-01 00:00:00")
    assert graded(mark_review=False) == ["alice", "bob"]
    assert graded(mark_review=False) == []
    # review 65 C: one student's extension, and a file of the instructor's that grading
    # copies to every kernel, changed after grading
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.grant_extension(NAME, "bob", days=400)
    assert graded(mark_review=False) == ["bob"]
    (course / "notebooks" / NAME / "doses.csv").write_text("dose\n1.0\n")
    assert graded(mark_review=False) == ["alice", "bob"]
    assert graded(mark_review=False) == []


def test_an_extension_without_a_due_date_changes_nothing(fixture_course, capsys):
    """Review 66 C: an extension granted on an assignment with no due date made the student an
    ``ERROR`` on every run (nbgrader adds the extension to the due date, ``None``). Nothing is
    late without a due date: the student is graded as before, and the instructor is told."""
    from nbgrader.api import Gradebook

    course = fixture_course
    stamp = {"timestamp.txt": "2026-12-01 10:00:00 UTC"}
    submit(course, "alice", answer(release_copy(course)), extra=stamp)
    options = GradeOptions(jobs=1, timeout=10, quiet=True)
    assert grade_assignment(Course(course), NAME, options).graded == 1
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_assignment(NAME).duedate is None
        gb.grant_extension(NAME, "alice", days=3)
    capsys.readouterr()
    again = grade_assignment(Course(course), NAME, options)
    assert [(r.student, r.status, r.score) for r in again.rows] == [("alice", "graded", 5)]
    assert "has no due date, so the extensions granted to alice change nothing" in (
        capsys.readouterr().err
    )


def test_one_student_only(fixture_course):
    course = fixture_course
    submit(course, "alice", answer(release_copy(course)))
    submit(course, "bob", release_copy(course))
    run = grade_assignment(
        Course(course), NAME, GradeOptions(jobs=1, timeout=10, quiet=True, students=["bob"])
    )
    assert [r.student for r in run.rows] == ["bob"]
    assert _scores(course) == {"bob": 0}


def test_a_regrade_stopped_while_its_files_are_replaced_is_graded_again(
    fixture_course, monkeypatch
):
    """Review 60 C#2: a ``--force`` regrade stopped (Ctrl-C) after the earlier autograded
    files were removed and before the new ones were recorded left the ledger saying
    "graded": the next plain run reported the student unchanged, with no autograded notebook
    (feedback then removed their page). The entry is dropped before the files are replaced,
    so the next run grades the submission again."""
    from resistlab.course.grading import gradebook, runner

    course = fixture_course
    submit(course, "alice", answer(release_copy(course)))
    options = GradeOptions(jobs=1, timeout=10, quiet=True)
    assert grade_assignment(Course(course), NAME, options).graded == 1
    notebook = course / "autograded" / "alice" / NAME / f"{NAME}.ipynb"
    assert notebook.is_file()

    def stopped(dest, *args, **kwargs):  # Ctrl-C once the earlier files are gone and the
        gradebook.shutil.rmtree(dest)  # folder is made again (the reviewer's 60 MB cell kept
        dest.mkdir()  # the notebook's writing open 0.7 s)
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(runner, "write_autograded", stopped)
        forced = GradeOptions(jobs=1, timeout=10, quiet=True, force=True)
        with pytest.raises(KeyboardInterrupt):
            grade_assignment(Course(course), NAME, forced)
    assert notebook.parent.is_dir() and not notebook.exists()
    again = grade_assignment(Course(course), NAME, options)
    assert (again.graded, again.skipped) == (1, 0), again.rows
    assert notebook.is_file() and again.rows[0].score == 5
