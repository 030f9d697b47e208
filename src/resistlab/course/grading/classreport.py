"""``resistlab report``: what the class got wrong, for the lecturer.

After grading (``resistlab grade`` or ``nbgrader autograde``, either one), this module reads
nbgrader's gradebook and the autograded notebooks and tells the lecturer which ideas the class
has not understood yet:

**Scores**
    the distribution of total scores, each exercise's share of students with no, some or all
    of its points, completion (blank, partial, full) and late submissions.
**Item analysis**
    for every graded test cell its *difficulty* (pass rate :math:`p`) and two *discrimination*
    indices against the rest of the score: the point-biserial correlation

    .. math:: r_{pb} = \\frac{\\bar{R}_1 - \\bar{R}_0}{s_R}\\sqrt{p(1-p)}

    between passing the cell (1/0) and the rest score :math:`R` (total minus this cell's
    points, so a cell does not correlate with itself), and the upper–lower index
    :math:`D = p_{upper} - p_{lower}` over the top and bottom 27 % of the class by total score
    (Kelley 1939). A cell that everyone fails, that nobody fails, or that the strongest students
    fail more often than the weakest (:math:`D < 0`) is marked for the lecturer's attention;
    :math:`D < 0.2` is "poor" discrimination in Ebel & Frisbie's (1991) classic bands.
**Misconceptions**
    for every test cell, the message of the assertion that failed first, counted over the
    class and ranked. The course's assertions carry coaching messages that name one likely
    mistake, so the count reads as "42 % divided by the time-zero count instead of the
    untreated control". Failures that carry no coaching message are grouped by kind (not
    answered, a name not defined, an error raised by the student's code).
**Integrity**
    the flags ``resistlab grade`` recorded (by kind) and the submissions held for review.
**Across assignments** (:func:`build_course_report`)
    each student's trajectory and the students at risk: a missing submission, a latest score
    below 50 %, or a latest score 20 points or more below the student's own earlier mean.

The report is an instructor artefact: it names students and quotes the tests' coaching
messages (which the student feedback pages also show) but never shows a student's code or
outputs. It is written under the course root (``reports/``, ignored by git).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from resistlab.course import Course, CourseError

__all__ = [
    "AssignmentReport",
    "CourseReport",
    "GradedCell",
    "StudentResult",
    "build_course_report",
    "build_report",
    "classify_failure",
    "item_statistics",
    "write_report",
]

#: Fraction of the class in each of the upper and lower groups of the discrimination index.
UPPER_LOWER_FRACTION = 0.27
#: Discrimination below this is "poor" (Ebel & Frisbie 1991).
POOR_DISCRIMINATION = 0.2
#: A latest score below this share of the maximum puts a student at risk.
AT_RISK_SCORE = 0.5
#: A latest score this far (in points of percent) below the student's earlier mean is a fall.
AT_RISK_DROP = 20.0

# Okabe & Ito (2008) colour-blind-safe palette.
_BLUE, _ORANGE, _GREEN, _VERMILION, _GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#999999"

NOT_ANSWERED = "not answered (the answer cell still raises NotImplementedError)"
NOT_DEFINED = (
    "a name the test needs is not defined (NameError): the answer was not run or not written"
)
NO_MESSAGE = "an assertion without a coaching message failed"
NO_OUTPUT = "scored below the maximum without an error output (manual grade or kernel failure)"


# --- data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradedCell:
    """One graded test cell of the assignment."""

    grade_id: str
    notebook: str
    max_score: float
    exercise: str  # the exercise heading that precedes the cell in the source notebook


@dataclass
class StudentResult:
    """One student's result on one assignment."""

    student: str
    submitted: bool
    score: float = 0.0
    max_score: float = 0.0
    late_penalty: float = 0.0
    seconds_late: float = 0.0
    needs_manual_grade: bool = False
    #: grade_id -> points earned
    points: dict[str, float] = field(default_factory=dict)
    #: grade_id -> what made the cell fail (None when it passed)
    failures: dict[str, str | None] = field(default_factory=dict)
    #: (code, detail) pairs recorded by ``resistlab grade``
    flags: list[tuple[str, str]] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0

    @property
    def completion(self) -> str:
        """``missing``, ``blank`` (no point), ``partial`` or ``full``."""
        if not self.submitted:
            return "missing"
        if self.score <= 0:
            return "blank"
        if self.score >= self.max_score - 1e-9:
            return "full"
        return "partial"

    @property
    def late(self) -> bool:
        return self.submitted and self.seconds_late > 0


@dataclass
class AssignmentReport:
    """Everything the report says about one assignment (see the module docstring)."""

    assignment: str
    tests: list[GradedCell]
    students: list[StudentResult]
    graded_by: str  # "resistlab grade", "nbgrader autograde" or both
    source: str | None = None  # course-relative path of the source notebook

    @property
    def submitted(self) -> list[StudentResult]:
        return [s for s in self.students if s.submitted]

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    def completion_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("full", "partial", "blank", "missing"), 0)
        for s in self.students:
            counts[s.completion] += 1
        return counts

    def exercises(self) -> list[str]:
        return list(dict.fromkeys(t.exercise for t in self.tests))

    def exercise_table(self) -> list[dict]:
        """Per exercise: its points and how many students earned none, some or all of them."""
        rows = []
        subs = self.submitted
        for exercise in self.exercises():
            cells = [t for t in self.tests if t.exercise == exercise]
            top = sum(t.max_score for t in cells)
            earned = [sum(s.points.get(t.grade_id, 0.0) for t in cells) for s in subs]
            rows.append(
                {
                    "exercise": exercise,
                    "points": top,
                    "mean_fraction": (sum(earned) / (top * len(subs))) if subs and top else 0.0,
                    "none": sum(e <= 0 for e in earned),
                    "some": sum(0 < e < top - 1e-9 for e in earned),
                    "all": sum(e >= top - 1e-9 for e in earned),
                }
            )
        return rows

    def item_table(self) -> list[dict]:
        """Per test cell: difficulty, discrimination, verdict (see :func:`item_statistics`)."""
        subs = self.submitted
        totals = [s.score for s in subs]
        rows = []
        for t in self.tests:
            earned = [s.points.get(t.grade_id, 0.0) for s in subs]
            stats = item_statistics(
                [e >= t.max_score - 1e-9 for e in earned],
                [tot - e for tot, e in zip(totals, earned, strict=True)],
                totals,
            )
            rows.append(
                {"grade_id": t.grade_id, "exercise": t.exercise, "points": t.max_score, **stats}
            )
        return rows

    def misconception_table(self) -> list[dict]:
        """Per test cell, each distinct first failure with its count, most frequent first."""
        n = len(self.submitted)
        rows = []
        for t in self.tests:
            counts: dict[str, int] = {}
            for s in self.submitted:
                reason = s.failures.get(t.grade_id)
                if reason is not None:
                    counts[reason] = counts.get(reason, 0) + 1
            failing = sum(counts.values())
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            for rank, (message, count) in enumerate(ranked, start=1):
                rows.append(
                    {
                        "grade_id": t.grade_id,
                        "exercise": t.exercise,
                        "rank": rank,
                        "message": message,
                        "students": count,
                        "share_of_class": count / n if n else 0.0,
                        "share_of_failures": count / failing if failing else 0.0,
                        "coaching": message
                        not in (NOT_ANSWERED, NOT_DEFINED, NO_MESSAGE, NO_OUTPUT)
                        and not message.startswith("the student's code raised"),
                    }
                )
        return rows

    def flag_table(self) -> list[dict]:
        """Per flag code: severity, meaning and the number of submissions carrying it."""
        from .flags import FLAG_CODES

        counts: dict[str, set[str]] = {}
        for s in self.submitted:
            for code, _detail in s.flags:
                counts.setdefault(code, set()).add(s.student)
        return [
            {
                "code": code,
                "severity": FLAG_CODES.get(code, ("review", ""))[0],
                "meaning": FLAG_CODES.get(code, ("", "an unknown flag"))[1],
                "submissions": len(students),
            }
            for code, students in sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ]

    def held_for_review(self) -> list[StudentResult]:
        from .flags import FLAG_CODES

        return [
            s
            for s in self.submitted
            if s.needs_manual_grade
            or any(FLAG_CODES.get(code, ("review",))[0] == "review" for code, _ in s.flags)
        ]


# --- statistics --------------------------------------------------------------------------------


def item_statistics(passed, rest, totals) -> dict:
    """Difficulty and discrimination of one test cell.

    Parameters
    ----------
    passed : sequence of bool
        Whether each student earned the cell's full points.
    rest : sequence of float
        Each student's score on the rest of the assignment (total minus this cell).
    totals : sequence of float
        Each student's total score (ranks the upper and lower groups).

    Returns
    -------
    dict
        ``pass_rate`` p; ``point_biserial`` r_pb = (mean R | pass − mean R | fail)/s_R ·
        √(p(1 − p)) with the population s.d. of R (``nan`` when everyone passes, everyone
        fails or R is constant); ``upper_lower`` D = p_upper − p_lower over the top and
        bottom 27 % by total (ties broken by position); ``verdict``.

    Examples
    --------
    >>> s = item_statistics([True, True, False, False], [3, 4, 1, 0], [5, 6, 1, 0])
    >>> s["pass_rate"], round(s["point_biserial"], 3), s["upper_lower"]
    (0.5, 0.949, 1.0)
    >>> item_statistics([False, False], [1, 2], [1, 2])["verdict"]
    'everyone fails'
    """
    n = len(passed)
    if n == 0:
        return {
            "pass_rate": math.nan,
            "point_biserial": math.nan,
            "upper_lower": math.nan,
            "verdict": "no submissions",
        }
    if not (len(rest) == len(totals) == n):
        raise ValueError(
            f"passed, rest and totals must have one value per student; got lengths "
            f"{n}, {len(rest)} and {len(totals)}"
        )
    p = sum(passed) / n
    mean_r = sum(rest) / n
    sd_r = math.sqrt(sum((r - mean_r) ** 2 for r in rest) / n)
    if 0 < p < 1 and sd_r > 0:
        m1 = sum(r for r, ok in zip(rest, passed, strict=True) if ok) / sum(passed)
        m0 = sum(r for r, ok in zip(rest, passed, strict=True) if not ok) / (n - sum(passed))
        r_pb = (m1 - m0) / sd_r * math.sqrt(p * (1 - p))
    else:
        r_pb = math.nan
    k = max(1, round(UPPER_LOWER_FRACTION * n))
    order = sorted(range(n), key=lambda i: -totals[i])
    if 2 * k <= n:
        upper = sum(passed[i] for i in order[:k]) / k
        lower = sum(passed[i] for i in order[-k:]) / k
        d = upper - lower
    else:
        d = math.nan
    if p == 0:
        verdict = "everyone fails"
    elif p == 1:
        verdict = "nobody fails"
    elif (not math.isnan(d) and d < 0) or (math.isnan(d) and r_pb < 0):
        verdict = "the strongest fail more"
    elif not math.isnan(d) and d < POOR_DISCRIMINATION:
        verdict = "poor discrimination"
    else:
        verdict = "ok"
    return {"pass_rate": p, "point_biserial": r_pb, "upper_lower": d, "verdict": verdict}


def classify_failure(outputs) -> str | None:
    """What made a graded test cell fail, from its outputs; ``None`` when nothing failed.

    The first error output decides: an ``AssertionError`` of the test with a message is the
    coaching message (whitespace collapsed, at most 300 characters); anything else is grouped
    by kind, never by text the student's code produced. An exception the student's code
    raised while the test called it (its traceback says so) is that, whatever its class; a
    ``NotImplementedError`` is the released stub, not answered.

    Examples
    --------
    >>> classify_failure([{"output_type": "error", "ename": "AssertionError",
    ...                    "evalue": "Use the  MEAN of\\n the controls."}])
    'Use the MEAN of the controls.'
    >>> classify_failure([{"output_type": "error", "ename": "ZeroDivisionError", "evalue": "x"}])
    "the student's code raised ZeroDivisionError"
    >>> classify_failure([{"output_type": "stream", "name": "stdout", "text": "ok"}]) is None
    True
    >>> classify_failure([{"output_type": "error", "ename": "NameError", "evalue": "",
    ...                    "traceback": ["NameError (raised by the submitted code): x"]}])
    "the student's code raised NameError"
    """
    from .sealed import RAISED_BY_SUBMISSION

    for out in outputs or []:
        if out.get("output_type") != "error":
            continue
        ename = str(out.get("ename", ""))
        evalue = " ".join(str(out.get("evalue", "")).split())
        lines = out.get("traceback")
        student = isinstance(lines, list) and any(
            isinstance(line, str) and f"({RAISED_BY_SUBMISSION})" in line for line in lines
        )
        name = re.sub(r"[^A-Za-z0-9_.]", "", ename)[:60] or "an exception"
        raised = f"the student's code raised {name}"
        if student and ename != "NotImplementedError":
            return raised
        if ename == "AssertionError":
            return evalue[:300] if evalue else NO_MESSAGE
        if ename == "NotImplementedError":
            return NOT_ANSWERED
        if ename == "NameError":
            return NOT_DEFINED
        return raised
    return None


# --- reading the gradebook and the autograded notebooks ---------------------------------------


def _coursedir(course: Course):
    from nbgrader.coursedir import CourseDirectory

    from .runner import load_course_config

    coursedir = CourseDirectory(config=load_course_config(course.root))
    coursedir.root = str(course.root)
    return coursedir


def _exercise_of_cells(path: Path) -> dict[str, str]:
    """grade_id -> the last ``## Exercise`` heading above it in the source notebook."""
    if not path.is_file():
        return {}
    nb = json.loads(path.read_text(encoding="utf-8"))
    current, out = "", {}
    for cell in nb.get("cells", []):
        text = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            for line in text.splitlines():
                if line.startswith("## "):
                    current = line[3:].strip()
        meta = (cell.get("metadata", {}) or {}).get("nbgrader") or {}
        if meta.get("grade") and meta.get("grade_id"):
            out[meta["grade_id"]] = current
    return out


def _ledger_flags(course: Course, assignment: str) -> dict[str, list[tuple[str, str]]]:
    path = course.root / "grading" / assignment / "ledger.json"
    if not path.is_file():
        return {}
    try:
        students = json.loads(path.read_text(encoding="utf-8")).get("students", {})
    except (OSError, ValueError):
        return {}
    return {
        student: [(str(f[0]), str(f[1]) if len(f) > 1 else "") for f in entry.get("flags", [])]
        for student, entry in students.items()
    }


def _seconds_late(timestamp, duedate, extension) -> float:
    if timestamp is None or duedate is None:
        return 0.0
    due = duedate + extension if extension is not None else duedate
    return max(0.0, (timestamp - due).total_seconds())


def build_report(course: Course, assignment: str) -> AssignmentReport:
    """Read the gradebook and autograded notebooks of ``assignment`` into a report.

    Raises :class:`~resistlab.course.CourseError` when the assignment is not in the gradebook
    or nothing has been graded yet.
    """
    from nbgrader.api import (
        Assignment,
        Grade,
        Gradebook,
        GradeCell,
        MissingEntry,
        Notebook,
        Student,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    coursedir = _coursedir(course)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry as err:
            raise CourseError(
                f"{assignment} is not in the gradebook; release it (`resistlab release "
                f"{assignment}`) and grade it (`resistlab grade {assignment}`) first."
            ) from err
        cells = [
            (nb.name, c.name, float(c.max_score))
            for nb in record.notebooks
            for c in nb.grade_cells
            if c.cell_type == "code" or c.max_score
        ]
        duedate = record.duedate
        roster = [s.id for s in gb.students]
        subs = (
            gb.db.query(
                SubmittedAssignment.id,
                Student.id,
                SubmittedAssignment.timestamp,
                SubmittedAssignment.extension,
            )
            .join(Student, SubmittedAssignment.student_id == Student.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .filter(Assignment.name == assignment)
            .all()
        )
        grades = (
            gb.db.query(
                Student.id,
                Notebook.name,
                GradeCell.name,
                Grade.auto_score,
                Grade.manual_score,
                Grade.extra_credit,
                Grade.needs_manual_grade,
            )
            .select_from(Grade)
            .join(GradeCell, Grade.cell_id == GradeCell.id)
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .join(Student, SubmittedAssignment.student_id == Student.id)
            .filter(Assignment.name == assignment)
            .all()
        )
        penalties = dict(
            gb.db.query(Student.id, SubmittedNotebook.late_submission_penalty)
            .select_from(SubmittedNotebook)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .join(Student, SubmittedAssignment.student_id == Student.id)
            .filter(Assignment.name == assignment)
            .all()
        )

    source = course.source_dir / assignment / f"{assignment}.ipynb"
    exercise_of = {}
    for nb_name in {nb for nb, _, _ in cells}:
        exercise_of.update(_exercise_of_cells(course.source_dir / assignment / f"{nb_name}.ipynb"))
    tests = [GradedCell(gid, nb, mx, exercise_of.get(gid) or gid) for nb, gid, mx in cells]
    ledger = _ledger_flags(course, assignment)

    results: dict[str, StudentResult] = {}
    for _sid, student, timestamp, extension in subs:
        results[student] = StudentResult(
            student,
            True,
            max_score=sum(t.max_score for t in tests),
            seconds_late=_seconds_late(timestamp, duedate, extension),
            late_penalty=float(penalties.get(student) or 0.0),
            flags=ledger.get(student, []),
        )
    for student, _nb, gid, auto, manual, extra, manual_needed in grades:
        r = results[student]
        earned = (manual if manual is not None else auto) or 0.0
        r.points[gid] = float(earned) + float(extra or 0.0)
        r.needs_manual_grade |= bool(manual_needed)
    for r in results.values():
        r.score = max(0.0, sum(r.points.values()) - r.late_penalty)

    # What failed, from the autograded notebooks (the gradebook knows only the points).
    for r in results.values():
        folder = Path(coursedir.format_path(coursedir.autograded_directory, r.student, assignment))
        outputs: dict[str, list] = {}
        for nb_name in {t.notebook for t in tests}:
            path = folder / f"{nb_name}.ipynb"
            try:
                if path.is_symlink() or not path.is_file():
                    continue
                nb = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for cell in nb.get("cells", []):
                meta = (cell.get("metadata", {}) or {}).get("nbgrader") or {}
                if meta.get("grade") and meta.get("grade_id"):
                    outputs[meta["grade_id"]] = cell.get("outputs", [])
        for t in tests:
            if r.points.get(t.grade_id, 0.0) >= t.max_score - 1e-9:
                r.failures[t.grade_id] = None
            else:
                r.failures[t.grade_id] = classify_failure(outputs.get(t.grade_id)) or NO_OUTPUT

    for student in roster:
        results.setdefault(
            student, StudentResult(student, False, max_score=sum(t.max_score for t in tests))
        )
    if not subs:
        raise CourseError(
            f"no graded submission of {assignment} in the gradebook; run "
            f"`resistlab grade {assignment}` (or `nbgrader autograde {assignment}`) first."
        )
    by_ledger = sum(1 for r in results.values() if r.submitted and r.student in ledger)
    submitted = sum(1 for r in results.values() if r.submitted)
    graded_by = (
        "resistlab grade"
        if by_ledger == submitted
        else "nbgrader autograde"
        if by_ledger == 0
        else "resistlab grade and nbgrader autograde"
    )
    return AssignmentReport(
        assignment,
        tests,
        [results[s] for s in sorted(results)],
        graded_by,
        source=str(source.relative_to(course.root)) if source.is_file() else None,
    )


# --- across assignments ------------------------------------------------------------------------


@dataclass
class CourseReport:
    """Every graded assignment, each student's trajectory and the students at risk."""

    assignments: list[str]
    #: student -> assignment -> fraction of the maximum (None: no submission)
    fractions: dict[str, dict[str, float | None]]

    def at_risk(self) -> list[dict]:
        """Students for the lecturer's attention, with every reason that applies."""
        rows = []
        for student in sorted(self.fractions):
            series = [self.fractions[student].get(a) for a in self.assignments]
            reasons = []
            missing = [a for a, f in zip(self.assignments, series, strict=True) if f is None]
            if missing:
                reasons.append("missing: " + ", ".join(missing))
            done = [f for f in series if f is not None]
            if done and series[-1] is not None:
                latest = series[-1]
                if latest < AT_RISK_SCORE:
                    reasons.append(
                        f"latest score {100 * latest:.0f} % (below {100 * AT_RISK_SCORE:.0f} %)"
                    )
                if len(done) >= 2:
                    earlier = sum(done[:-1]) / (len(done) - 1)
                    if 100 * (earlier - latest) >= AT_RISK_DROP:
                        reasons.append(
                            f"falling: {100 * latest:.0f} % after a mean of {100 * earlier:.0f} %"
                        )
            if reasons:
                rows.append({"student": student, "reasons": "; ".join(reasons)})
        return rows


def build_course_report(course: Course) -> CourseReport:
    """Every assignment in the gradebook with at least one graded submission."""
    from nbgrader.api import Gradebook

    coursedir = _coursedir(course)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        names = sorted(a.name for a in gb.assignments)
        roster = [s.id for s in gb.students]
    assignments, fractions = [], {s: {} for s in roster}
    for name in names:
        try:
            rep = build_report(course, name)
        except CourseError:
            continue  # released but not graded yet
        assignments.append(name)
        for s in rep.students:
            fractions.setdefault(s.student, {})[name] = s.fraction if s.submitted else None
    if not assignments:
        raise CourseError("no graded assignment in the gradebook; run `resistlab grade` first.")
    return CourseReport(assignments, fractions)


# --- figures -----------------------------------------------------------------------------------


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width=6.4, height=3.2):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def plot_score_histogram(report: AssignmentReport, ax=None):
    """Histogram of total scores as a percentage of the maximum (submitted students)."""
    if ax is None:
        ax = _figure().subplots()
    values = [100 * s.fraction for s in report.submitted]
    ax.hist(values, bins=[i * 10 for i in range(11)], color=_BLUE, edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (% of the maximum)")
    ax.set_ylabel("students")
    ax.set_title(f"{report.assignment}: total scores (n = {len(values)})")
    return ax


def plot_exercise_scores(report: AssignmentReport, ax=None):
    """Stacked bars: share of students with none, some or all of each exercise's points."""
    table = report.exercise_table()
    if ax is None:
        ax = _figure(6.4, 1.3 + 0.45 * max(1, len(table))).subplots()
    n = max(1, len(report.submitted))
    labels = [_short(row["exercise"], 48) for row in table]
    y = list(range(len(table)))[::-1]
    left = [0.0] * len(table)
    for key, colour, name in (
        ("all", _GREEN, "all points"),
        ("some", _ORANGE, "some"),
        ("none", _VERMILION, "none"),
    ):
        widths = [100 * row[key] / n for row in table]
        ax.barh(y, widths, left=left, color=colour, label=name)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of submitted students")
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=3, fontsize="small", frameon=False
    )
    ax.set_title("Points per exercise")
    return ax


def plot_trajectories(report: CourseReport, ax=None, *, highlight=()):
    """Class median and interquartile range per assignment, with highlighted students."""
    import numpy as np

    if ax is None:
        ax = _figure(6.4, 3.4).subplots()
    x = np.arange(len(report.assignments))
    cols = [
        [f for f in (report.fractions[s].get(a) for s in report.fractions) if f is not None]
        for a in report.assignments
    ]
    q = np.array([np.percentile(c, [25, 50, 75]) if c else [np.nan] * 3 for c in cols]) * 100
    ax.fill_between(x, q[:, 0], q[:, 2], color=_BLUE, alpha=0.2, label="middle 50 % of the class")
    ax.plot(x, q[:, 1], color=_BLUE, lw=2, marker="o", label="class median")
    for student in list(highlight)[:12]:
        ys = [report.fractions[student].get(a) for a in report.assignments]
        ax.plot(
            x,
            [np.nan if v is None else 100 * v for v in ys],
            color=_VERMILION,
            lw=1,
            alpha=0.7,
            marker=".",
        )
    if highlight:
        ax.plot([], [], color=_VERMILION, lw=1, label="students at risk")
    ax.set_xticks(x, [a.split("-", 1)[0] for a in report.assignments])
    ax.set_ylim(0, 105)
    ax.set_xlabel("assignment")
    ax.set_ylabel("score (% of the maximum)")
    ax.legend(loc="lower left", fontsize="small")
    return ax


# --- output ------------------------------------------------------------------------------------


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _csv_cell(value):
    """Text through the summary's :func:`~resistlab.course.grading.report.csv_cell` (no formula, no
    control character); numbers stay numbers (a negative r_pb is no formula), NaN is empty."""
    from .report import csv_cell

    if isinstance(value, str):
        return csv_cell(value)
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value


def _write_csv(path: Path, rows: list[dict], columns: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8", errors="backslashreplace") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for row in rows:
            w.writerow([_csv_cell(row.get(c)) for c in columns])
    return path


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f} %"


def _num(x: float, digits=2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _points(x: float) -> str:
    return f"{x:g} point" + ("" if x == 1 else "s")


def _anchor(text: str) -> str:
    return "ex-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:72rem;margin:1.5rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0 1.2rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.n{text-align:right}
.attention{background:#fff3cd}.muted{color:#666}img{max-width:100%}
caption{text-align:left;font-weight:600;padding:.2rem 0}
"""


def _table(columns, rows, *, caption="", row_class=None) -> str:
    head = "".join(f"<th scope='col'>{html.escape(c)}</th>" for c in columns)
    body = []
    for i, row in enumerate(rows):
        cls = f" class='{row_class(i)}'" if row_class and row_class(i) else ""
        cells = "".join(
            f"<td class='n'>{cell}</td>" if isinstance(cell, _Num) else f"<td>{cell}</td>"
            for cell in row
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Num(str):
    """A table cell to align right."""


def _img(data: str, alt: str) -> str:
    return f"<img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}'>"


def _page(title: str, body: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='muted'>Instructor report, made {stamp}. "
        "It names students: do not share it with the class.</p>"
        f"{body}</body></html>"
    )


def assignment_html(report: AssignmentReport) -> str:
    """The HTML report of one assignment (self-contained: figures embedded, no external URL)."""
    e = html.escape
    subs = report.submitted
    counts = report.completion_counts()
    late = [s for s in subs if s.late]
    parts = [
        f"<p>Graded by <b>{e(report.graded_by)}</b>. {len(subs)} submission(s) of "
        f"{len(report.students)} student(s) on the roster; maximum {report.max_score:g} points."
        + (f" Source notebook: <code>{e(report.source)}</code>." if report.source else "")
        + "</p>",
        "<h2 id='scores'>Scores</h2>",
    ]
    mean = sum(s.fraction for s in subs) / len(subs) if subs else math.nan
    parts.append(
        _table(
            ["full marks", "partial", "blank (0 points)", "missing", "late", "mean score"],
            [
                [
                    _Num(counts["full"]),
                    _Num(counts["partial"]),
                    _Num(counts["blank"]),
                    _Num(counts["missing"]),
                    _Num(len(late)),
                    _Num(_pct(mean)),
                ]
            ],
            caption="Completion",
        )
    )
    values = sorted(round(100 * s.fraction) for s in subs)
    parts.append(
        _img(
            _png(plot_score_histogram(report).figure),
            f"Histogram of total scores of {len(subs)} submissions in 10-point bins; "
            f"median {values[len(values) // 2] if values else 0} % of the maximum, "
            f"{counts['full']} with full marks and {counts['blank']} with none.",
        )
    )
    ex_rows = report.exercise_table()
    alt = "; ".join(
        f"{row['exercise']}: {row['all']} all, {row['some']} some, {row['none']} no points"
        for row in ex_rows
    )
    parts.append(
        _img(
            _png(plot_exercise_scores(report).figure),
            f"Stacked bars per exercise, share of students with all, some or no points. {alt}.",
        )
    )
    parts.append(
        _table(
            ["exercise", "points", "mean", "all points", "some", "none"],
            [
                [
                    f"<a href='#{_anchor(r['exercise'])}'>{e(r['exercise'])}</a>",
                    _Num(f"{r['points']:g}"),
                    _Num(_pct(r["mean_fraction"])),
                    _Num(r["all"]),
                    _Num(r["some"]),
                    _Num(r["none"]),
                ]
                for r in ex_rows
            ],
            caption="Per exercise",
        )
    )
    if late:
        parts.append(
            "<p>Late: "
            + ", ".join(
                f"{e(s.student)} ({s.seconds_late / 3600:.1f} h, penalty {s.late_penalty:g})"
                for s in late
            )
            + "</p>"
        )

    items = report.item_table()
    parts.append("<h2 id='items'>Item analysis</h2>")
    parts.append(
        "<p>Pass rate = share of submissions with the cell's full points. r<sub>pb</sub>: "
        "point-biserial correlation of passing with the rest of the score. D: pass rate of the "
        "top 27 % minus the bottom 27 % by total score. Highlighted: a cell everyone fails, "
        "nobody fails, the strongest fail more (D &lt; 0), or poor discrimination "
        "(D &lt; 0.2).</p>"
    )
    parts.append(
        _table(
            ["test cell", "exercise", "points", "pass rate", "r_pb", "D", "verdict"],
            [
                [
                    f"<code>{e(r['grade_id'])}</code>",
                    f"<a href='#{_anchor(r['exercise'])}'>{e(r['exercise'])}</a>",
                    _Num(f"{r['points']:g}"),
                    _Num(_pct(r["pass_rate"])),
                    _Num(_num(r["point_biserial"])),
                    _Num(_num(r["upper_lower"])),
                    e(r["verdict"]),
                ]
                for r in items
            ],
            row_class=lambda i: "attention" if items[i]["verdict"] != "ok" else "",
        )
    )

    parts.append("<h2 id='misconceptions'>Misconceptions</h2>")
    parts.append(
        "<p>For each exercise and test cell, what failed first, most frequent first, as a share "
        "of the submitted class. Coaching messages name one likely mistake each.</p>"
    )
    mis = report.misconception_table()
    top = sorted((m for m in mis if m["coaching"]), key=lambda m: -m["students"])[:10]
    if top:
        parts.append(
            "<p><b>Most common mistakes:</b></p><ol>"
            + "".join(
                f"<li>{_pct(m['share_of_class'])} ({m['students']}) — {e(m['message'])} "
                f"<span class='muted'>(<a href='#{_anchor(m['exercise'])}'>"
                f"{e(m['exercise'])}</a>, <code>{e(m['grade_id'])}</code>)</span></li>"
                for m in top
            )
            + "</ol>"
        )
    for exercise in report.exercises():
        parts.append(f"<h3 id='{_anchor(exercise)}'>{e(exercise)}</h3>")
        for t in (t for t in report.tests if t.exercise == exercise):
            rows = [m for m in mis if m["grade_id"] == t.grade_id]
            if not rows:
                parts.append(
                    f"<p><code>{e(t.grade_id)}</code> ({_points(t.max_score)}): "
                    "every submission passed.</p>"
                )
                continue
            parts.append(
                _table(
                    ["rank", "what failed first", "students", "of the class", "of failures"],
                    [
                        [
                            _Num(m["rank"]),
                            e(m["message"]),
                            _Num(m["students"]),
                            _Num(_pct(m["share_of_class"])),
                            _Num(_pct(m["share_of_failures"])),
                        ]
                        for m in rows
                    ],
                    caption=f"{t.grade_id} ({_points(t.max_score)})",
                )
            )

    parts.append("<h2 id='integrity'>Integrity</h2>")
    flags = report.flag_table()
    held = report.held_for_review()
    if flags:
        parts.append(
            _table(
                ["flag", "severity", "meaning", "submissions"],
                [
                    [
                        f"<code>{e(f['code'])}</code>",
                        e(f["severity"]),
                        e(f["meaning"]),
                        _Num(f["submissions"]),
                    ]
                    for f in flags
                ],
            )
        )
    elif report.graded_by == "nbgrader autograde":
        parts.append(
            "<p>Graded by nbgrader autograde: no integrity flags were recorded "
            "(`resistlab grade` records them).</p>"
        )
    else:
        parts.append("<p>No flags.</p>")
    parts.append(
        f"<p>Held for review ({len(held)}): "
        + (", ".join(e(s.student) for s in held) if held else "none")
        + "</p>"
    )
    return _page(f"{report.assignment}: what the class got wrong", "".join(parts))


def course_html(report: CourseReport) -> str:
    """The HTML report across assignments: trajectories and students at risk."""
    e = html.escape
    risk = report.at_risk()
    fig = plot_trajectories(report, highlight=[r["student"] for r in risk]).figure
    parts = [
        f"<p>{len(report.fractions)} students, {len(report.assignments)} graded assignments.</p>",
        _img(
            _png(fig),
            "Class median score and interquartile range per assignment, "
            f"with {min(12, len(risk))} students at risk drawn as lines.",
        ),
        "<h2 id='at-risk'>Students at risk</h2>",
        f"<p>A missing submission, a latest score below {100 * AT_RISK_SCORE:.0f} %, or a "
        f"latest score {AT_RISK_DROP:.0f} points or more below the student's earlier mean.</p>",
        _table(["student", "why"], [[e(r["student"]), e(r["reasons"])] for r in risk])
        if risk
        else "<p>None.</p>",
        "<h2 id='trajectories'>Every student</h2>",
        _table(
            ["student", *report.assignments],
            [
                [e(s)]
                + [
                    _Num(
                        "missing"
                        if report.fractions[s].get(a) is None
                        else _pct(report.fractions[s][a])
                    )
                    for a in report.assignments
                ]
                for s in sorted(report.fractions)
            ],
        ),
    ]
    return _page("The course: trajectories and students at risk", "".join(parts))


def write_report(
    course: Course, assignment: str | None, *, fmt: str = "html", out: Path | None = None
) -> list[Path]:
    """Build and write the report of ``assignment`` (or of the whole course when ``None``).

    Files go to ``out`` (default ``reports/ASSIGNMENT/`` or ``reports/course/`` in the course
    root): ``report.html``, or with ``fmt="csv"`` the tables as CSV files. Returns the paths.
    """
    if fmt not in ("html", "csv"):
        raise CourseError(f"unknown report format {fmt!r}; expected 'html' or 'csv'")
    out = Path(out) if out else course.root / "reports" / (assignment or "course")
    rep = build_course_report(course) if assignment is None else build_report(course, assignment)
    out.mkdir(parents=True, exist_ok=True)
    if assignment is None:
        if fmt == "html":
            path = out / "report.html"
            path.write_text(course_html(rep), encoding="utf-8", errors="backslashreplace")
            return [path]
        rows = [
            {"student": s, **{a: rep.fractions[s].get(a) for a in rep.assignments}}
            for s in sorted(rep.fractions)
        ]
        return [
            _write_csv(out / "trajectories.csv", rows, ["student", *rep.assignments]),
            _write_csv(out / "at_risk.csv", rep.at_risk(), ["student", "reasons"]),
        ]
    if fmt == "html":
        path = out / "report.html"
        path.write_text(assignment_html(rep), encoding="utf-8", errors="backslashreplace")
        return [path]
    held = {s.student for s in rep.held_for_review()}
    scores = [
        {
            "student": s.student,
            "submitted": s.submitted,
            "score": s.score,
            "max_score": s.max_score,
            "fraction": s.fraction,
            "completion": s.completion,
            "late": s.late,
            "seconds_late": s.seconds_late,
            "late_penalty": s.late_penalty,
            "held_for_review": s.student in held,
            "flags": " ".join(sorted({c for c, _ in s.flags})),
        }
        for s in rep.students
    ]
    return [
        _write_csv(out / "scores.csv", scores, list(scores[0]) if scores else ["student"]),
        _write_csv(
            out / "exercises.csv",
            rep.exercise_table(),
            ["exercise", "points", "mean_fraction", "all", "some", "none"],
        ),
        _write_csv(
            out / "items.csv",
            rep.item_table(),
            [
                "grade_id",
                "exercise",
                "points",
                "pass_rate",
                "point_biserial",
                "upper_lower",
                "verdict",
            ],
        ),
        _write_csv(
            out / "misconceptions.csv",
            rep.misconception_table(),
            [
                "grade_id",
                "exercise",
                "rank",
                "message",
                "students",
                "share_of_class",
                "share_of_failures",
                "coaching",
            ],
        ),
        _write_csv(
            out / "flags.csv", rep.flag_table(), ["code", "severity", "meaning", "submissions"]
        ),
    ]
