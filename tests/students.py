"""A class of students for one assignment, graded through nbgrader's real pipeline.

Each assignment has a test module ``tests/class_of_students/test_NN_slug.py`` that lists its
students and calls :func:`grade_class`. A student hands in the release copy with every answer
correct (the instructor's solutions) except the answer cells it rewrites. The claim checked:

- a **correct** student (``fails`` empty) earns full marks, whatever style it writes in;
- a **mistaken** student fails exactly the test cells named in ``fails`` (so it loses exactly
  their points, no cascade), and each of those cells shows the coaching message given there
  on the student's feedback page (a substring of the one line the page shows for that test:
  the exception's name and, for the test's own ``assert``, the first line of its message);
- every graded exercise has at least two correct students and three typical mistakes.

Correct students whose rewritten answer cells do not overlap hand in one notebook together
(:func:`submissions`): every test must pass there too, and it costs one kernel, not one each
(a pack that loses points is handed in again one student at a time, each held to full marks).
A mistaken student always hands in alone, so what it fails is its own mistake's doing.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from helpers import autograde

from resistlab.course import answered_release, run_nbgrader

MIN_CORRECT = 2
PACK = "correct_"  # the names of the packs of correct students
MIN_MISTAKES = 3
NAME = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Student:
    """One student of the class.

    Parameters
    ----------
    name : str
        Student id, lower case letters, digits and underscores.
    answers : dict
        ``answer grade_id -> the whole source of that answer cell`` as the student wrote it
        (no solution markers). Answer cells not named keep the instructor's solution.
    fails : dict
        ``test grade_id -> substring of the coaching message`` for every test cell this
        student must fail. Empty for a correct student.
    why : str
        What the student did, in one line (shown when the claim breaks).
    """

    name: str
    answers: dict[str, str]
    fails: dict[str, str] = field(default_factory=dict)
    why: str = ""

    @property
    def correct(self) -> bool:
        return not self.fails


def solution_source(assignment: str, grade_id: str, root: Path | None = None) -> str:
    """The instructor's answer cell ``grade_id`` without the solution markers."""
    from helpers import ROOT

    nb = _source(assignment, root or ROOT)
    for cell in nb.cells:
        if _meta(cell).get("grade_id") == grade_id:
            return re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", cell.source, flags=re.M)
    raise KeyError(grade_id)


def edited_solution(assignment: str, grade_id: str, *pairs: tuple[str, str]) -> str:
    """The solution of ``grade_id`` with each ``old`` replaced by ``new`` (old must occur)."""
    source = solution_source(assignment, grade_id)
    for old, new in pairs:
        assert old in source, f"{grade_id}: {old!r} not in the solution"
        source = source.replace(old, new)
    return source


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _source(assignment: str, root: Path) -> nbformat.NotebookNode:
    return nbformat.read(root / "notebooks" / assignment / f"{assignment}.ipynb", as_version=4)


def answer_ids(nb) -> list[str]:
    """grade_ids of the answer (solution, not graded) code cells, in notebook order."""
    return [_meta(c)["grade_id"] for c in nb.cells if _meta(c).get("solution")]


def check_coverage(assignment: str, students: list[Student], root: Path) -> None:
    """Every answer cell has MIN_CORRECT correct students and MIN_MISTAKES mistaken ones."""
    nb = _source(assignment, root)
    answers = answer_ids(nb)
    tests = {_meta(c)["grade_id"] for c in nb.cells if _meta(c).get("grade")}
    names = [s.name for s in students]
    assert len(set(names)) == len(names), "student names must be unique"
    problems = []
    for s in students:
        if not NAME.match(s.name):
            problems.append(f"{s.name!r}: names are [a-z0-9_]+")
        if unknown := set(s.answers) - set(answers):
            problems.append(f"{s.name}: rewrites unknown answer cells {sorted(unknown)}")
        if unknown := set(s.fails) - tests:
            problems.append(f"{s.name}: expects unknown test cells {sorted(unknown)}")
        if not s.answers:
            problems.append(f"{s.name}: rewrites no answer cell")
    for gid in answers:
        correct = sum(1 for s in students if gid in s.answers and s.correct)
        wrong = sum(1 for s in students if gid in s.answers and not s.correct)
        if correct < MIN_CORRECT or wrong < MIN_MISTAKES:
            problems.append(
                f"{gid}: {correct} correct and {wrong} mistaken students "
                f"(at least {MIN_CORRECT} and {MIN_MISTAKES} expected)"
            )
    assert not problems, "\n".join(problems)


def _error_text(nb, grade_id: str) -> str:
    """ename: evalue of the error output of a test cell in an autograded notebook."""
    for cell in nb.cells:
        if _meta(cell).get("grade_id") == grade_id:
            return "\n".join(
                f"{o.get('ename', '')}: {o.get('evalue', '')}"
                for o in cell.get("outputs", [])
                if o.get("output_type") == "error"
            )
    return ""


def submissions(students: list[Student]) -> tuple[list[Student], dict[str, list[Student]]]:
    """The notebooks handed in, and the students each pack holds: each mistaken student
    alone, and the correct students packed first-fit into as few notebooks as their answer
    cells allow (no two in one notebook rewrite the same cell), in the order listed.

    >>> a, b = Student("a", {"x": "1"}), Student("b", {"y": "2"})
    >>> c, d = Student("c", {"x": "3"}), Student("d", {"y": "4"}, {"t": "m"})
    >>> handed_in, packs = submissions([a, b, c, d])
    >>> [(s.name, sorted(s.answers)) for s in handed_in]
    [('d', ['y']), ('correct_1', ['x', 'y']), ('correct_2', ['x'])]
    >>> {name: [s.name for s in pack] for name, pack in packs.items()}
    {'correct_1': ['a', 'b'], 'correct_2': ['c']}
    """
    assert not [s.name for s in students if s.name.startswith(PACK)], f"{PACK}* names a pack"
    packs: list[list[Student]] = []
    for student in (s for s in students if s.correct):
        for pack in packs:
            if not any(set(student.answers) & set(other.answers) for other in pack):
                pack.append(student)
                break
        else:
            packs.append([student])
    named = {f"{PACK}{i}": pack for i, pack in enumerate(packs, 1)}
    handed_in = [s for s in students if not s.correct] + [
        Student(
            name,
            {gid: src for s in pack for gid, src in s.answers.items()},
            why="the correct answers of " + ", ".join(s.name for s in pack),
        )
        for name, pack in named.items()
    ]
    return handed_in, named


def _hand_in(course: Path, assignment: str, key, student: Student) -> None:
    nb = copy.deepcopy(key)
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if gid in student.answers:
            cell.source = student.answers[gid]
    folder = course / "submitted" / student.name / assignment
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


def _problems(gb, course: Path, assignment: str, student: Student, hidden: set) -> list[str]:
    """What is wrong with how ``student`` was graded (nothing: an empty list)."""
    from resistlab.course.grading.feedback import redact_notebook

    (notebook,) = gb.find_submission(assignment, student.name).notebooks
    failed = {
        g.name for g in notebook.grades if g.auto_score is not None and g.auto_score < g.max_score
    }
    graded = nbformat.read(
        course / "autograded" / student.name / assignment / f"{assignment}.ipynb", as_version=4
    )
    if failed != set(student.fails):
        detail = "; ".join(f"{g}: {_error_text(graded, g)[:200]}" for g in sorted(failed))
        return [
            f"{student.name} ({student.why}): failed {sorted(failed)}, "
            f"expected {sorted(student.fails)}. Messages: {detail}"
        ]
    page = {row["test"]: row["message"] for row in redact_notebook(copy.deepcopy(graded), hidden)}
    return [
        f"{student.name} ({student.why}): {gid}'s feedback says {page[gid][:300]!r} "
        f"(the error: {_error_text(graded, gid)[:300]!r}), expected the coaching message "
        f"{message!r}"
        for gid, message in student.fails.items()
        if message not in page[gid]
    ]


def grade_class(assignment: str, students: list[Student], course: Path, root: Path) -> None:
    """Release, hand in every student's notebook, autograde with nbgrader, check each claim.

    ``course`` is a throwaway course folder holding the assignment (``make_course``). (That
    the instructor's solutions score full marks is checked by ``test_parity.py``.) A pack of
    correct students that loses points is handed in again one student at a time, and each
    must earn full marks alone: two right answers can still disagree with each other (03's
    ``fi_vectorize`` vectorises over the dose only, and ``t790m_numpy`` hands it an array of
    Km values).
    """
    from nbgrader.api import Gradebook

    from resistlab.course.grading.feedback import hidden_lines

    run_nbgrader(["generate_assignment", assignment, "--force"], root=course)
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    source = _source(assignment, root)
    key = answered_release(copy.deepcopy(release), source)
    hidden = hidden_lines([cell.source for cell in source.cells])
    handed_in, packs = submissions(students)
    problems, alone = [], []
    while handed_in:
        for student in handed_in:
            _hand_in(course, assignment, key, student)
        autograde(assignment, root=course)  # (those graded before are skipped)
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            for student in handed_in:
                found = _problems(gb, course, assignment, student, hidden)
                if found and student.name in packs:
                    alone += packs[student.name]
                else:
                    problems += found
        handed_in, alone = alone, []
    assert not problems, "\n".join(problems)
