"""Plain ``nbgrader autograde`` and ``nbgrader validate`` under the course configuration run
no student code unsandboxed (nbgrader_autograde.py).

Review 34 #4: the hub recipe listed ``nbgrader autograde`` (also Formgrader's *Autograde*
button), which ran an added cell as the instructor: it read the hidden tests and set another
student's manual grades to 0. Under the course's ``nbgrader_config.py`` nbgrader refuses, names
``resistlab grade``, and runs nothing; ``--UnsandboxedAutograde.allowed=True`` (submissions the
instructor trusts) restores nbgrader's behaviour.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import nbformat
import pytest
from course.grading.fixture_assignment import NAME, answer, release_copy, submit
from helpers import autograde

from resistlab.course import run_nbgrader


def _submit_marker(course, tmp_path):
    """A correct submission with a cell that leaves a file where only a run can put it."""
    marker = tmp_path / "student-code-ran"
    nb = answer(release_copy(course))
    nb.cells.insert(1, nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').close()"))
    submit(course, "evil", nb)
    return marker


def test_nbgrader_autograde_refuses_to_run_student_code_unsandboxed(fixture_course, tmp_path):
    marker = _submit_marker(fixture_course, tmp_path)
    done = run_nbgrader(["autograde", NAME], root=fixture_course, check=False)
    log = done.stdout + done.stderr
    assert done.returncode != 0, log[-2000:]
    assert "would run evil's code unsandboxed, as you" in log, log[-2000:]
    assert "resistlab grade ASSIGNMENT" in log
    assert not marker.exists(), "a student's cell ran"
    assert not (fixture_course / "autograded" / "evil" / NAME / f"{NAME}.ipynb").exists()


FORMGRADER_BUTTON = """
import json, sys
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from resistlab.course.grading.runner import load_course_config

course, name = sys.argv[1:]
config = load_course_config(__import__("pathlib").Path(course))
api = NbGraderAPI(CourseDirectory(config=config, root=course), config=config)
print(json.dumps(api.autograde(name, "evil")))
"""


def test_formgraders_autograde_button_refuses_too(fixture_course, tmp_path):
    """Formgrader's *Autograde* button calls ``NbGraderAPI.autograde`` (nbgrader's own app,
    in the server's process, under the course configuration): it fails with the message,
    and nothing of the student's ran."""
    marker = _submit_marker(fixture_course, tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", FORMGRADER_BUTTON, str(fixture_course), NAME],
        cwd=fixture_course,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["success"] is False, result
    assert "would run evil's code unsandboxed" in result.get("log", "") + result.get("error", "")
    assert not marker.exists(), "a student's cell ran"


def test_trusted_submissions_are_graded_by_nbgrader_when_the_instructor_says_so(
    fixture_course, tmp_path
):
    """The control: the same submission, with the instructor's consent, runs and scores."""
    from nbgrader.api import Gradebook

    marker = _submit_marker(fixture_course, tmp_path)
    autograde(NAME, root=fixture_course)
    assert marker.exists()
    with Gradebook(f"sqlite:///{fixture_course / 'gradebook.db'}") as gb:
        assert gb.find_submission(NAME, "evil").score == 5


@pytest.mark.parametrize(
    "folder",
    [
        "submitted/evil/" + NAME,
        # review 37 #3: what zip_collect extracted, and what a student sent to the exchange
        f"downloaded/{NAME}/extracted/evil_attempt_2026-12-01-10-00-00_{NAME}",
        f"exchange/resistlab/inbound/evil+{NAME}+2026-12-01 10:00:00.000000 UTC",
    ],
)
def test_nbgrader_validate_runs_no_students_work(fixture_course, tmp_path, folder):
    """Review 35 #6: the *Validate* button of the live notebook (and ``nbgrader validate``)
    ran a student's notebook in ``autograded/`` as the instructor. The course's kernel
    manager refuses to start a kernel to validate a notebook in the students' folders;
    the instructor's release copy validates as before (the control)."""
    marker = _submit_marker(fixture_course, tmp_path)
    path = fixture_course / folder / f"{NAME}.ipynb"
    if not path.exists():
        path.parent.mkdir(parents=True)
        shutil.copy(fixture_course / "submitted" / "evil" / NAME / f"{NAME}.ipynb", path)
    done = run_nbgrader(["validate", str(path)], root=fixture_course, check=False)
    log = done.stdout + done.stderr
    assert "would run the notebook in" in log and "resistlab grade ASSIGNMENT" in log, log[-2000:]
    assert not marker.exists(), "a student's cell ran"
    release = fixture_course / "release" / NAME / f"{NAME}.ipynb"
    done = run_nbgrader(["validate", str(release)], root=fixture_course, check=False)
    assert "would run" not in done.stdout + done.stderr
    assert "failed" in (done.stdout + done.stderr).lower(), done.stdout[-2000:]  # it ran
