"""Hollow students: every array they hand to a test holds nothing, and no test may pass on it.

NumPy broadcasts an array of shape ``(0, n)`` against any ``(n,)`` array (and ``(0,)`` against
a scalar), and ``np.allclose``, ``np.all`` or ``np.isclose(...).all()`` of an empty result is
``True``: a test that compares a student's array with expected values without checking its
shape (or length) first is passed by an answer that holds nothing (review 56).

A hollow student keeps the instructor's solutions, but before each graded test cell a cell of
its own replaces every function the answer cells define by a wrapper whose array results
(``ndim >= 1``, also inside a returned tuple, list or dict) become ``np.empty((0,) + shape)``,
and every array the answer cells bind (also inside a tuple, list or dict) by
``np.empty((0,) + shape)`` (a pandas table or series by its first 0 rows, whose ``to_numpy()``
broadcasts alike); after the test cell another cell puts the originals back (so the
later answers compute as normal) and prints how many empty arrays the wrappers handed out and
which arrays were emptied. Every test cell that still passes must have received no emptied
value and read no emptied array (a name the test binds itself is its own), unless it is listed
in ``GUARDED``: it checks the shape and grades the student's other answers on the course's
values instead. The second student also skews its functions' float results, so a test that
checks an answer differing from the stated one by another path is walked down that path too.
Both are handed in together and graded by nbgrader once per assignment.
"""

from __future__ import annotations

import ast
import copy
import json

import nbformat
import pytest
from helpers import NOTEBOOK_PATHS, ROOT, autograde
from IPython.core.inputtransformer2 import TransformerManager

from resistlab.course import answered_release, run_nbgrader

# the hollow students, and whether their functions' float results are skewed too (x 1.5 +
# 0.25): a test that takes another path for an answer that differs from the stated one (05's
# test_persister_fractions checks a fit for consistency with the student's own biphasic_kill)
# is then walked down that path as well
STUDENTS = {"hollow": False, "hollow_skewed": True}

# Tests that take an emptied array yet rightly pass: they check its shape and then grade the
# student's other answers (computed from the real one) against the course's own values.
GUARDED = {
    ("02-evolution-of-resistance", "test_ld_verdict"): (
        "ld_summary counts only with a vmr per experiment; min_vmr is then checked against the "
        "course data's smallest ratio"
    ),
    ("04-gene-amplification", "test_panel_counts"): (
        "call_met counts only when its calls have the probes' shape; the counts are then "
        "checked against the rule's"
    ),
    ("05-epigenetics-and-persisters", "test_mlh1_cohort_counts"): (
        "mlh1_calls counts only with one row per probe sample; the counts are then checked "
        "against the rule's"
    ),
    ("05-epigenetics-and-persisters", "test_hdaci_fold_reduction"): (
        "a fit of the student's own biphasic_kill counts only when it gives one value per time "
        "point; the ratio is then checked against the course data's fractions (review 56)"
    ),
    ("11-drug-combinations", "test_calls"): (
        "scores count only as three rows; the labels are then checked on the right scores"
    ),
    ("11-drug-combinations", "test_models_agree"): (
        "scores count only as three rows; the agreement is then checked on the right scores"
    ),
    ("14-adaptive-therapy", "test_cohort_medians"): (
        "outcomes count only as 12 rows; the medians are then checked on the right outcomes"
    ),
    ("14-adaptive-therapy", "test_decision_winners"): (
        "gains count only as 8 or 9 values; the winners are then checked on the right gains"
    ),
    ("15-precision-oncology", "test_threshold_decision"): (
        "cv_probability counts only with one value per patient; the threshold is then checked "
        "on the statement's probabilities"
    ),
}
MARK = "HOLLOW-REPORT "

PRE = """\
import functools as _hollow_functools

import numpy as _hollow_np

_hollow_count = [0]
_hollow_saved = {{}}
_hollow_emptied = []


def _hollow_empty(value):
    if isinstance(value, _hollow_np.ndarray) and value.ndim >= 1:
        _hollow_count[0] += 1
        return _hollow_np.empty((0,) + value.shape, dtype=value.dtype)
    if type(value).__name__ in ("DataFrame", "Series") and len(value):
        _hollow_count[0] += 1
        return value.iloc[:0]
    if type(value) in (tuple, list):
        return type(value)(_hollow_empty(v) for v in value)
    if type(value) is dict:
        return {{k: _hollow_empty(v) for k, v in value.items()}}
    return value


def _hollow_skew(value):
    if {skew!r} and isinstance(value, (float, _hollow_np.floating)):
        return value * 1.5 + 0.25
    return value


def _hollow_wrap(function):
    @_hollow_functools.wraps(function)
    def hollow(*args, **kwargs):
        return _hollow_skew(_hollow_empty(function(*args, **kwargs)))

    return hollow


for _hollow_name in {functions!r}:
    if callable(globals().get(_hollow_name)):
        _hollow_saved[_hollow_name] = globals()[_hollow_name]
        globals()[_hollow_name] = _hollow_wrap(_hollow_saved[_hollow_name])
for _hollow_name in {arrays!r}:
    if _hollow_name in globals() and _hollow_name not in _hollow_saved:
        _hollow_count[0] = 0
        _hollow_value = _hollow_empty(globals()[_hollow_name])
        if _hollow_count[0]:
            _hollow_saved[_hollow_name] = globals()[_hollow_name]
            globals()[_hollow_name] = _hollow_value
            _hollow_emptied.append(_hollow_name)
_hollow_count[0] = 0
"""

POST = """\
import json as _hollow_json

globals().update(_hollow_saved)
print({mark!r} + _hollow_json.dumps(
    {{"test": {test!r}, "count": _hollow_count[0], "emptied": _hollow_emptied}}
))
"""


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


class _Bound(ast.NodeVisitor):
    """Names a cell binds at the top level (not inside its functions or classes)."""

    def __init__(self):
        self.functions: list[str] = []
        self.names: list[str] = []

    def visit_FunctionDef(self, node):
        self.functions.append(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.names.append(node.name)

    def visit_Lambda(self, node):
        pass

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            self.names.append(node.id)


def bound_names(source: str) -> tuple[list[str], list[str]]:
    """``(functions, other names)`` an answer cell binds at its top level.

    >>> bound_names("def f(x):\\n    y = 1\\n    return x\\na, (b, c) = 1, (2, 3)\\ng = lambda: 0")
    (['f'], ['a', 'b', 'c', 'g'])
    """
    visitor = _Bound()
    visitor.visit(ast.parse(TransformerManager().transform_cell(source)))
    return visitor.functions, visitor.names


def _code(source: str) -> str:
    return "\n".join(ln for ln in source.splitlines() if "### " not in ln)


def names_read(source: str) -> set[str]:
    """The names ``source`` reads and never binds itself (anywhere, functions included).

    >>> sorted(names_read("for _p in fits:\\n    check(_p, data)\\ndef g(q):\\n    return q"))
    ['check', 'data', 'fits']
    """
    tree = ast.parse(TransformerManager().transform_cell(source))
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, (ast.Store, ast.Del)) else read).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
    return read - bound


def hollow_submission(key, source, skew: bool):
    """The answered release ``key`` with the hollowing and restoring cells around each test."""
    functions, arrays, cells = [], [], []
    answers = {_meta(c)["grade_id"]: c.source for c in source.cells if _meta(c).get("solution")}
    for cell in key.cells:
        meta = _meta(cell)
        if meta.get("grade") and cell.cell_type == "code":
            pre = PRE.format(functions=functions, arrays=arrays, skew=skew)
            post = POST.format(mark=MARK, test=meta["grade_id"])
            cells += [nbformat.v4.new_code_cell(pre), cell, nbformat.v4.new_code_cell(post)]
            continue
        cells.append(cell)
        if meta.get("grade_id") in answers:
            f, names = bound_names(_code(answers[meta["grade_id"]]))
            functions += [n for n in f if n not in functions]
            arrays += [n for n in names if n not in arrays and n not in functions]
    nb = copy.deepcopy(key)
    nb.cells = cells
    return nb


def _reports(graded) -> dict[str, dict]:
    found = {}
    for cell in graded.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            for line in text.splitlines():
                if line.startswith(MARK):
                    report = json.loads(line[len(MARK) :])
                    found[report["test"]] = report
    return found


def _holes(gb, course, assignment, student, tests) -> list[str]:
    (notebook,) = gb.find_submission(assignment, student).notebooks
    passed = {
        g.name for g in notebook.grades if g.auto_score is not None and g.auto_score >= g.max_score
    }
    points = {g.name: g.max_score for g in notebook.grades}
    graded = nbformat.read(
        course / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4
    )
    reports = _reports(graded)
    assert set(reports) == set(tests), (
        f"{student}: no report of {sorted(set(tests) - set(reports))}"
    )
    holes, guarded = [], set()
    for gid in sorted(passed):
        report = reports[gid]
        named = sorted(set(report["emptied"]) & names_read(tests[gid]))
        why = []
        if report["count"]:
            why.append(f"took {report['count']} empty array(s) from the answers' functions")
        if named:
            why.append(f"reads the emptied array(s) {', '.join(named)}")
        if why and (assignment, gid) in GUARDED:
            guarded.add(gid)
        elif why:
            holes.append(f"{student}: {gid} ({points[gid]:g} pts) passes, " + " and ".join(why))
    stale = {gid for a, gid in GUARDED if a == assignment} - guarded
    holes += [f"{student}: {gid} is in GUARDED but takes no emptied array" for gid in stale]
    return holes


@pytest.mark.slow
@pytest.mark.parametrize(
    "assignment", [pytest.param(p.parent.name, id=p.parent.name) for p in NOTEBOOK_PATHS]
)
def test_no_test_passes_an_answer_that_holds_nothing(assignment, make_course):
    from nbgrader.api import Gradebook

    course = make_course(assignment)
    run_nbgrader(["generate_assignment", assignment, "--force"], root=course)
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    source = nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", as_version=4)
    key = answered_release(copy.deepcopy(release), source)
    for student, skew in STUDENTS.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(hollow_submission(key, source, skew), folder / f"{assignment}.ipynb")
    autograde(assignment, root=course)
    tests = {_meta(c)["grade_id"]: _code(c.source) for c in source.cells if _meta(c).get("grade")}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        holes = [h for s in STUDENTS for h in _holes(gb, course, assignment, s, tests)]
    assert not holes, f"{assignment}: tests passed by answers that hold nothing:\n" + "\n".join(
        holes
    )
