"""Write results into nbgrader's gradebook and the autograded folder (parent process only).

The scoring is nbgrader's: :func:`nbgrader.utils.determine_grade` on every graded cell of the
executed notebook, the ``needs_manual_grade`` rule and "No response." comment of
``SaveAutoGrades``, the late penalty of ``AssignLatePenalties`` (with the course's plugin),
and a zero for every grade of a notebook that is missing, as ``nbgrader autograde`` does. One
process writes, one transaction per submission: a crash leaves the gradebook with whole
submissions only.

Flags never change a score. With ``mark_review=True`` a submission with a *review* flag has
its graded cells marked ``needs_manual_grade`` (formgrader then lists it for a person).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import InvalidEntry
from nbgrader.preprocessors import AssignLatePenalties
from sqlalchemy.exc import IntegrityError, OperationalError, SAWarning

from .flags import needs_review

__all__ = ["GradeRow", "record_submission", "write_autograded"]


@dataclass
class GradeRow:
    """One line of the summary: a student's result on the assignment."""

    student: str
    score: float | None
    max_score: float
    late_penalty: float = 0.0
    failed: list[str] = field(default_factory=list)
    flags: list = field(default_factory=list)
    seconds: float = 0.0
    status: str = "graded"  # graded, skipped (unchanged) or error

    @property
    def review(self) -> bool:
        return needs_review(self.flags)


def _write_atomic(path: Path, text: str, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


#: The files nbgrader writes into a submission (``timestamp.txt`` at submission,
#: ``submission_secret.txt`` through the exchange), which its ``generate_feedback`` copies
#: from ``autograded/`` and its ``release_feedback`` needs: never reported as unexpected,
#: never copied to the kernel, read by name by the resume ledger.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


def write_autograded(dest: Path, result, *, submitted: Path, source: Path, ignore, mode=0o444):
    """Write the executed notebooks, as ``nbgrader autograde`` does, and nothing else of
    the submission's.

    What an earlier grading wrote there is removed first (as nbgrader does: a submitted file
    had outlived the resubmission that no longer held it, and a file turned folder had kept
    the submission an ``ERROR``). The submission's own files stay in ``submitted/`` (the
    grader ran the notebook with them): nbgrader copies them beside the autograded notebook,
    where the instructor's JupyterLab, opening it from Formgrader's live link, used them as
    the instructor (a submitted ``ipykernel_launcher.py`` ran, a ``matplotlibrc`` configured
    the instructor's plots, a ``.vl.json`` chart read the hidden tests when opened). Only
    nbgrader's :data:`NBGRADER_FILES` are copied, when each is a file of at most 1,000 bytes,
    then the instructor's non-notebook files. A notebook scored zero (missing, unreadable)
    has no autograded copy.
    """
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.is_dir():
        shutil.rmtree(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in NBGRADER_FILES:  # generate_feedback copies them on, release_feedback reads them
        path, target = submitted / name, dest / name
        if not path.is_symlink() and path.is_file() and path.stat().st_size <= 1000:
            shutil.copyfile(path, target)
    if source.is_dir():
        for path in utils.find_all_files(str(source), [*ignore, "*.ipynb"]):
            target = dest / os.path.relpath(path, source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target.unlink()
            shutil.copy(path, target)
    for name, nb in result.notebooks.items():
        _write_atomic(dest / f"{name}.ipynb", nbformat.writes(nb), mode)


def _score_notebook(gb, nb, nb_name, assignment, student):
    """Exactly SaveAutoGrades._add_score / _add_comment for every cell; a graded cell the
    executed notebook lacks scores 0 (an earlier grading's score never survives)."""
    scored = set()
    for cell in nb.cells:
        if utils.is_grade(cell):
            scored.add(cell.metadata.nbgrader["grade_id"])
            grade = gb.find_grade(cell.metadata.nbgrader["grade_id"], nb_name, assignment, student)
            grade.auto_score, _ = utils.determine_grade(cell)
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        if utils.is_solution(cell) or utils.is_task(cell):
            comment = gb.find_comment(
                cell.metadata.nbgrader["grade_id"], nb_name, assignment, student
            )
            unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
            comment.auto_comment = (
                "No response." if unchanged and not utils.is_task(cell) else None
            )
    from nbgrader.api import GradeCell

    for grade in gb.find_submission_notebook(nb_name, assignment, student).grades:
        if isinstance(grade.cell, GradeCell) and grade.name not in scored:
            grade.auto_score = 0
            grade.needs_manual_grade = True


def _late_penalty(gb, config, nb_name, assignment, student, submission):
    """Exactly AssignLatePenalties.preprocess, with the course's late-penalty plugin."""
    assign = AssignLatePenalties(config=config)
    assign.init_plugin()
    notebook = gb.find_submission_notebook(nb_name, assignment, student)
    notebook.late_submission_penalty = None
    if submission.assignment.duedate is None:  # nothing is late (review 66: an extension
        return  # granted without a due date made nbgrader's None + extension raise)
    if submission.total_seconds_late > 0:
        penalty = assign.plugin_inst.late_submission_penalty(
            student, notebook.score, submission.total_seconds_late
        )
        if penalty is not None:
            notebook.late_submission_penalty = assign._check_late_penalty(notebook, penalty)


_NBGRADER_DB_LOG = logging.getLogger("tornado.application")  # nbgrader.api's app_log


@contextlib.contextmanager
def _quiet(logger):
    """Silence ``logger`` for the block: nbgrader logs a full traceback for every failed write,
    and a write that is retried is not an error; one that fails for good is raised and reported."""
    disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = disabled


def record_submission(
    gb, result, *, assignment, snapshot, config, timestamp, mark_review=True, retries=5
) -> GradeRow:
    """Score ``result`` into the open gradebook ``gb`` (one transaction) and return its row."""
    for attempt in range(retries):
        try:
            with warnings.catch_warnings(), _quiet(_NBGRADER_DB_LOG):
                warnings.simplefilter("ignore", SAWarning)  # nbgrader's api.py trips SQLAlchemy 2
                return _record(gb, result, assignment, snapshot, config, timestamp, mark_review)
        except (OperationalError, IntegrityError, InvalidEntry):
            # "database is locked" while formgrader writes; or another grader (another
            # assignment, same database) created the same student a moment earlier
            gb.db.rollback()
            if attempt == retries - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def _record(gb, result, assignment, snapshot, config, timestamp, mark_review) -> GradeRow:
    student = result.student
    gb.update_or_create_student(student)
    if timestamp:
        submission = gb.update_or_create_submission(assignment, student, timestamp=timestamp)
    else:
        submission = gb.update_or_create_submission(assignment, student)
    for nb_name in result.zeroed:
        for grade in gb.find_submission_notebook(nb_name, assignment, student).grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
    for nb_name, nb in result.notebooks.items():
        _score_notebook(gb, nb, nb_name, assignment, student)
    gb.db.flush()
    for nb_name in snapshot.notebooks:
        _late_penalty(gb, config, nb_name, assignment, student, submission)
    if mark_review and needs_review(result.flags):
        for nb_name in snapshot.notebooks:
            for grade in gb.find_submission_notebook(nb_name, assignment, student).grades:
                grade.needs_manual_grade = True
    gb.db.commit()
    submission = gb.find_submission(assignment, student)
    failed = sorted(
        grade.name
        for notebook in submission.notebooks
        for grade in notebook.grades
        if grade.max_score and (grade.score or 0) < grade.max_score
    )
    return GradeRow(
        student=student,
        score=float(submission.score),
        max_score=float(submission.max_score),
        late_penalty=float(submission.late_submission_penalty or 0),
        failed=failed,
        flags=list(result.flags),
        seconds=result.seconds,
    )
