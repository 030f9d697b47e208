"""Honest submissions get exactly nbgrader's grades, on the fixture and on a real assignment.

The same submissions are graded twice, in two copies of one course: by ``nbgrader
autograde`` and by ``resistlab grade --jobs 2``. Every grade cell's ``auto_score`` and
``needs_manual_grade``, every answer cell's automatic comment and every notebook's late
penalty must be equal.
"""

from __future__ import annotations

import difflib
import html
import json
import re
import shutil

import nbformat
import pytest
from course.grading.fixture_assignment import (
    CORRECT_HILL,
    NAME,
    WRONG_HILL,
    answer,
    release_copy,
    submit,
)
from helpers import ROOT, autograde

from resistlab.course import Course, answered_release, run_nbgrader
from resistlab.course.grading import GradeOptions, grade_assignment
from resistlab.course.grading.feedback import generate_feedback, hidden_lines
from resistlab.course.grading.kernel import WarmKernels
from resistlab.course.grading.runner import MIN_MEMORY_MB

pytestmark = pytest.mark.slow

REAL = "01-dose-response"
#: Every assignment of the course: honest submissions graded through the sealed tests must
#: score exactly what `nbgrader autograde` gives them.
ASSIGNMENTS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*") if p.is_dir())


def _gradebook(course, assignment):
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                found[(sub.student_id, nb.name, "late")] = nb.late_submission_penalty
                for grade in nb.grades:
                    found[(sub.student_id, grade.name)] = (
                        grade.auto_score,
                        grade.needs_manual_grade,
                    )
                for comment in nb.comments:
                    found[(sub.student_id, "comment", comment.name)] = comment.auto_comment
    return found


def _both(course, assignment):
    """Grade ``course`` with resistlab and a copy of it with nbgrader; return both books."""
    twin = course.parent / "nbgrader-twin"
    shutil.copytree(course, twin)
    # the scrambler's grades are checked under resistlab only (it scrambles only there)
    shutil.rmtree(twin / "submitted" / "scrambler", ignore_errors=True)
    # under the smallest memory limit `grade` accepts: review 56's honest kernels had lost
    # points there (a warm kernel held 1 GB of address space before its first cell)
    options = GradeOptions(jobs=2, memory_mb=MIN_MEMORY_MB, quiet=True)
    run = grade_assignment(Course(course), assignment, options)
    autograde(assignment, root=twin)
    return run, _gradebook(course, assignment), _gradebook(twin, assignment)


def test_fixture_scores_equal_nbgrader(fixture_course):
    course = fixture_course
    fresh = lambda: release_copy(course)  # noqa: E731
    submit(course, "perfect", answer(fresh()))
    submit(course, "blank", fresh())
    submit(course, "partial", answer(fresh(), ic50="ic50 = 2.0\n"))
    submit(course, "wrong", answer(fresh(), hill=WRONG_HILL, ic50="ic50 = 1.0\n"))
    raising = CORRECT_HILL.replace('"""\n', '"""\n    raise ValueError("boom")\n', 1)
    submit(course, "raising", answer(fresh(), hill=raising))
    # a timestamp of its own (a plausible one: a date in the future is flagged for review,
    # tests/course/grading/test_sealed_trust.py)
    stamped = submit(course, "stamped", answer(fresh()))
    (stamped / "timestamp.txt").write_text("2020-01-01 00:00:00.000000 UTC")
    run, ours, theirs = _both(course, NAME)
    assert run.errors == 0 and not any(r.review for r in run.rows)
    assert ours == theirs
    assert {r.student: r.score for r in run.rows} == {
        "perfect": 5,
        "blank": 0,
        "partial": 3,
        "wrong": 0,
        "raising": 2,
        "stamped": 5,
    }


#: Put before every answer cell of the ``scrambler`` submission, whose functions it decorates:
#: each answers as written and then, when the grader called it (from the sealed tests' agent,
#: module ``_rl_sealed``), overwrites every list, array, table, dict or set it was given:
#: numbers and strings changed, a set extended.
SCRAMBLE = """import copy as _rl_copy
import functools as _rl_functools
import sys as _rl_sys

import numpy as _rl_np
import pandas as _rl_pd

_rl_scrambled = globals().setdefault("_rl_scrambled", [])


def _rl_mess(value):
    if isinstance(value, _rl_np.ndarray) and value.flags.writeable:
        if value.dtype == bool:
            _rl_np.logical_not(value, out=value)
        elif value.dtype.kind in "iuf":
            value *= 3
            value += 1
    elif isinstance(value, _rl_pd.DataFrame):
        for column in value.columns:
            if value[column].dtype.kind in "iuf":
                value[column] = value[column] * 3 + 1
            elif value[column].dtype.kind in "OSUT":
                value[column] = value[column].astype(str) + " (scrambled)"
    elif isinstance(value, _rl_pd.Series) and value.dtype.kind in "iuf":
        value[:] = value * 3 + 1
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = _rl_changed(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            value[key] = _rl_changed(item)
    elif isinstance(value, set):
        value.add("scrambled")


def _rl_changed(item):  # a number or string changed; anything else changed in place
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return item * 3 + 1
    if isinstance(item, str):
        return item + " (scrambled)"
    _rl_mess(item)
    return item


def _rl_scrambling(function):
    @_rl_functools.wraps(function)
    def scrambling(*args, **kwargs):
        result = function(*args, **kwargs)
        if _rl_sys._getframe(1).f_globals.get("__name__") == "_rl_sealed":
            result = _rl_copy.deepcopy(result)
            for value in (*args, *kwargs.values()):
                _rl_mess(value)
            _rl_scrambled.append(function.__name__)
        return result

    return scrambling


"""


#: Tests whose exercise asks that the function leave its input alone: the scrambler fails
#: exactly these.
MUST_NOT_CHANGE_INPUT = {"05-epigenetics-and-persisters": ["test_mlh1_calls_values"]}


def _scrambled(nb):
    """The answered notebook ``nb`` with every function of its answer cells decorated by
    :data:`SCRAMBLE`'s ``_rl_scrambling``, and a last cell that prints how often the grader's
    calls were scrambled."""
    import ast

    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            lines = cell.source.splitlines(keepends=True)
            tree = ast.parse(cell.source)
            defs = [n.lineno for n in tree.body if isinstance(n, ast.FunctionDef)]
            for line in sorted(defs, reverse=True):
                lines.insert(line - 1, "@_rl_scrambling\n")
            if defs:
                cell.source = SCRAMBLE + "".join(lines)
    nb.cells.append(nbformat.v4.new_code_cell('print("scrambled:", len(_rl_scrambled))'))
    return nb


def _real_course(make_course, name=REAL, blanked=False):
    """A course with ``name`` released and two submissions: full marks and blank; with
    ``blanked``, one more per answer cell: the full answers with that one left blank, and the
    ``scrambler``: the full answers, each function overwriting what the grader handed it."""
    course = make_course(name)
    run_nbgrader(["generate_assignment", name, "--force"], root=course)
    release_path = course / "release" / name / f"{name}.ipynb"
    source = nbformat.read(course / "notebooks" / name / f"{name}.ipynb", as_version=4)
    release = nbformat.read(release_path, as_version=4)
    submissions = [
        ("full", answered_release(release, source)),
        ("blank", nbformat.read(release_path, as_version=4)),
    ]
    if blanked:
        answered = answered_release(nbformat.read(release_path, as_version=4), source)
        submissions.append(("scrambler", _scrambled(answered)))
        stubs = nbformat.read(release_path, as_version=4)
        for index, cell in enumerate(stubs.cells):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "code":
                nb = answered_release(nbformat.read(release_path, as_version=4), source)
                nb.cells[index].source = cell.source
                submissions.append((f"blank-{meta['grade_id']}", nb))
    for student, nb in submissions:
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
    return course, source


needs_real = pytest.mark.skipif(
    not (ROOT / "notebooks" / REAL).is_dir(), reason=f"{REAL} not written yet"
)


@needs_real
def test_real_assignment_scores_equal_nbgrader(make_course):
    """The source and release copies of a real assignment, graded both ways."""
    course, source = _real_course(make_course)
    run, ours, theirs = _both(course, REAL)
    rows = {r.student: r for r in run.rows}
    assert rows["full"].score == rows["full"].max_score >= 10
    assert rows["blank"].score == 0
    assert not rows["full"].flags and not rows["blank"].flags, [str(f) for f in rows["full"].flags]
    assert ours == theirs

    # Feedback on the real assignment: no line of a hidden test in the visible text.
    pages = generate_feedback(Course(course), REAL, log=lambda *_: None)
    hidden = hidden_lines([c.source for c in source.cells])
    assert len(pages) == 2 and hidden
    for page in pages:
        page_html = page.path.read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page_html))
        assert not [line for line in hidden if line in text], page.student
        assert "BEGIN HIDDEN TESTS" not in text


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_assignment_scores_equal_nbgrader_through_sealed_tests(make_course, name):
    """Round trip of each assignment under `resistlab grade` (sealed tests): the source's
    answers score full marks, the blank copy 0, every blanked answer costs points; and every
    submission gets exactly nbgrader's grades."""
    course, _ = _real_course(make_course, name, blanked=True)
    run, ours, theirs = _both(course, name)
    rows = {r.student: r for r in run.rows}
    assert run.errors == 0
    assert rows["full"].score == rows["full"].max_score > 0, [str(f) for f in rows["full"].flags]
    assert rows["blank"].score == 0
    assert not [f for f in rows["full"].flags if f.severity == "review"], rows["full"].flags
    # A test never reads again what it handed to a student's function, so a function that
    # changes its arguments after answering loses nothing (a constant function that rewrote
    # a test's probes to fit its answer had earned cascade points; an honest one that changed
    # its input in place had been failed)
    scrambler = rows["scrambler"]
    printed = _printed(course, name, "scrambler")
    assert sorted(scrambler.failed) == MUST_NOT_CHANGE_INPUT.get(name, []), printed
    assert re.search(r"scrambled: [1-9]", printed), printed
    blanked = [r for s, r in rows.items() if s.startswith("blank-")]
    assert blanked and all(r.score < rows["full"].score for r in blanked), [
        (r.student, r.score) for r in blanked
    ]
    # the scrambler scrambles only under the sealed tests (nbgrader calls its functions from
    # the notebook's own module): its grades are checked above, not against nbgrader's
    ours, theirs = (
        {k: v for k, v in book.items() if k[0] != "scrambler"} for book in (ours, theirs)
    )
    differ = {key[0] for key, grade in ours.items() if theirs.get(key) != grade}
    assert ours == theirs, {s: (rows[s].score, [str(f) for f in rows[s].flags]) for s in differ}


@needs_real
def test_a_test_hands_the_students_function_no_expected_value(make_course):
    """Review 37 #2: when a student's ratios were not recognised, ``01``'s ``test_verdicts``
    called the student's ``call_resistance`` on the right resistance indices, which a cell
    after the test printed onto the feedback page. The function now sees only probes and the
    student's own ratios."""
    course, _ = _real_course(make_course)
    source = (
        "_true = (float(ri_viability), float(ri_gr))  # the right ratios, from the cells above\n"
        "_seen = []\n\n\n"
        "def call_resistance(fold_change, threshold=2.0):\n"
        "    _seen.append(float(fold_change))\n"
        "    if fold_change >= threshold:\n"
        "        return 'resistant'\n"
        "    if fold_change <= 1.0 / threshold:\n"
        "        return 'sensitised'\n"
        "    return 'no change'\n\n\n"
        "ri_viability, ri_gr = 1.234, 0.777\n"
        "verdict_viability = call_resistance(ri_viability)\n"
        "verdict_gr = call_resistance(ri_gr)\n"
        "less_sensitive_per_division = 'neither'\n"
    )
    _resubmit(
        course,
        REAL,
        "leaker",
        {"answer_resistance_call": source},
        'print("calls:", len(_seen), "right ratios seen:", '
        "any(abs(a - t) <= 1e-3 * t for a in _seen for t in _true))",
    )
    run = grade_assignment(Course(course), REAL, GradeOptions(jobs=2, quiet=True))
    assert run.errors == 0
    printed = _printed(course, REAL, "leaker")
    calls = int(re.search(r"calls: (\d+)", printed).group(1))
    assert calls > 10, printed  # the tests' probes reached it
    assert "right ratios seen: False" in printed, printed


def test_a_tests_setup_table_reaches_the_students_function_as_a_copy(make_course):
    """Review 40 #1: ``15``'s two ``fired_rules`` tests handed the grader's own ``rules``
    (the trusted setup's table) to the student's function: what it dropped or rewrote in
    place stayed there for the next test. They hand a copy; every call sees the whole
    table."""
    name = "15-precision-oncology"
    course, _ = _real_course(make_course, name=name)
    source = (
        "import sys\n\n_shapes = []\n\n\n"
        "def fired_rules(tokens, rules):\n"
        "    grader = sys._getframe(1).f_globals.get('__name__') == '_rl_sealed'\n"
        "    if grader and 'drugs' in rules.columns:  # the course's table, from a test\n"
        "        _shapes.append(rules.shape)\n"
        "        rules.drop(index=list(rules.index[3:]), inplace=True)\n"
        "    return []\n"
    )
    _resubmit(
        course,
        name,
        "mutator",
        {"answer_fired_rules": source},
        'print("shapes:", sorted(set(_shapes)))',
    )
    run = grade_assignment(Course(course), name, GradeOptions(jobs=2, quiet=True))
    assert run.errors == 0
    assert _printed(course, name, "mutator") == "shapes: [(16, 9)]\n"


def _resubmit(course, assignment, student, answers: dict, last: str) -> None:
    """Submit ``full``'s notebook as ``student``, with the answer cells in ``answers``
    replaced and a last cell ``last`` (it prints what the test reads with :func:`_printed`)."""
    path = course / "submitted" / "full" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    replaced = set()
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
            replaced.add(gid)
    assert replaced == set(answers), f"no answer cell {set(answers) - replaced}"
    nb.cells.append(nbformat.v4.new_code_cell(last))
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


def _printed(course, assignment, student) -> str:
    """The stdout of the last cell of ``student``'s autograded notebook."""
    path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
    cell = nbformat.read(path, as_version=4).cells[-1]
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def _widget_state(course, assignment) -> list[dict]:
    """The widget models saved in every autograded notebook of ``assignment``."""
    key = "application/vnd.jupyter.widget-state+json"
    return [
        nbformat.read(path, as_version=4).metadata.get("widgets", {}).get(key, {}).get("state", {})
        for path in sorted((course / "autograded").glob(f"*/{assignment}/*.ipynb"))
    ]


def _widget_models(course, assignment) -> int:
    return sum(len(state) for state in _widget_state(course, assignment))


def _dangling_models(course, assignment) -> list[str]:
    """The models a saved widget refers to (``IPY_MODEL_...``) that its notebook lacks."""
    missing = []
    for state in _widget_state(course, assignment):
        text = json.dumps(state)
        missing += [m for m in re.findall(r"IPY_MODEL_([0-9a-f]+)", text) if m not in state]
    return missing


def _outputs(course, assignment) -> dict:
    """Every code cell's outputs in the autograded notebooks, widget model ids blanked and
    neighbouring chunks of one stream joined: where a print is cut into two chunks depends on
    when the kernel flushes (every 0.2 s), in a fresh kernel as in a forked one."""
    found = {}
    for path in sorted((course / "autograded").glob(f"*/{assignment}/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            outputs = []
            for out in cell.outputs:
                out = {k: v for k, v in out.items() if k != "execution_count"}
                view = out.get("data", {}).get("application/vnd.jupyter.widget-view+json")
                if view:
                    view["model_id"] = "-"
                last = outputs[-1] if outputs else {}
                if out.get("output_type") == last.get("output_type") == "stream" and (
                    out.get("name") == last.get("name")
                ):
                    last["text"] += out["text"]
                    continue
                outputs.append(out)
            found[(path.parts[-3], index)] = outputs
    return found


#: Added to one submission of the warm kernels' test: what the template imports that reads
#: the running shell, as the kernel shows it.
PRELOAD_PROBE = """import pandas as pd

_kernel = get_ipython().kernel
print(
    pd.get_option("display.max_columns"),
    pd.get_option("display.encoding"),
    sorted(t for t in _kernel.comm_manager.targets if t.startswith("jupyter.widget")),
)
print(repr(pd.DataFrame([range(30)])))"""


@needs_real
@pytest.mark.skipif(not WarmKernels.available(), reason="warm kernels need Linux")
def test_warm_kernels_record_the_outputs_of_fresh_ones(make_course):
    """Forked from a template or started from scratch, a kernel records the same outputs
    (text, errors, figures as PNG bytes) for every cell of a real assignment, and for a cell
    added to one submission that shows what the template preloaded as a kernel's shell would
    show it: pandas' display defaults, read from the shell when pandas is imported (a wide
    table's repr), and ipywidgets' comm targets, registered with the kernel."""
    course, _ = _real_course(make_course)
    path = course / "submitted" / "blank" / REAL / f"{REAL}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PRELOAD_PROBE))
    nbformat.write(nb, path)
    cold = course.parent / "cold-twin"
    shutil.copytree(course, cold)
    warm_run = grade_assignment(Course(course), REAL, GradeOptions(jobs=1, quiet=True))
    cold_run = grade_assignment(
        Course(cold), REAL, GradeOptions(jobs=1, quiet=True, warm_kernels=False)
    )
    assert (warm_run.forked_kernels, cold_run.forked_kernels) == (2, 0), warm_run.kernel_notes
    assert [(r.student, r.score, r.flags) for r in warm_run.rows] == [
        (r.student, r.score, r.flags) for r in cold_run.rows
    ]
    warm_out, cold_out = _outputs(course, REAL), _outputs(cold, REAL)
    assert len(warm_out) > 20
    assert any("image/png" in o.get("data", {}) for outs in warm_out.values() for o in outs)
    for key in sorted(cold_out):
        if warm_out.get(key) != cold_out[key]:
            dump = lambda outs: json.dumps(outs, indent=1, sort_keys=True).splitlines()  # noqa: E731
            diff = difflib.unified_diff(
                dump(cold_out[key]), dump(warm_out.get(key)), "cold", "warm"
            )
            pytest.fail(f"cell {key} differs:\n" + "\n".join(list(diff)[:40]))
    assert warm_out.keys() == cold_out.keys()
    # review 75 F2: a widget the template made (the library's shared slider layout) was a
    # model the sliders of every forked kernel referred to and no notebook held
    for folder in (course, cold):
        assert _widget_models(folder, REAL) and not _dangling_models(folder, REAL), folder.name
    probe = warm_out[("blank", len(nb.cells) - 1)]
    text = "".join(o.get("text", "") for o in probe)
    assert "20 UTF-8 ['jupyter.widget', 'jupyter.widget.control']" in text, probe
    assert "..." in text, probe  # (30 columns, 20 shown)


# assignment -> (answer cell, the shortcut, the flags it raises, test cells the shortcut fails)
SHORTCUTS = {
    "03-target-mutations": (
        "answer_fraction_inhibited",
        "from resistlab.binding import fraction_inhibited\n",
        ["library_shortcut(answer_fraction_inhibited: resistlab.binding.fraction_inhibited)"],
        # 03's test asks where the function was defined (its __module__, read in the kernel).
        ["test_fraction_inhibited_values"],
    ),
    "05-epigenetics-and-persisters": (
        "answer_biphasic_kill",
        "import resistlab.persisters as rp\n\nbiphasic_kill = rp.biphasic_kill\n",
        [
            "library_shortcut(answer_biphasic_kill: resistlab.persisters.biphasic_kill)",
            # the fit's cell reaches the module through the library's biphasic_kill, and
            # names surviving_fraction (forbidden there: review 57), the data's column
            "library_shortcut(answer_persister_fit: resistlab.persisters.surviving_fraction)",
        ],
        [],
    ),
}


@pytest.mark.parametrize("name", sorted(SHORTCUTS))
def test_library_shortcut_is_flagged(make_course, name):
    """Issue 10 item 5: an answer cell that only imports the library's implementation of
    the exercise is flagged for review (the forbidden name is declared in the instructor's
    answer cell) and scores what the library earns, less any test that checks the function was
    written in the notebook."""
    gid, code, expected, fails = SHORTCUTS[name]
    course, source = _real_course(make_course, name)
    release = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
    nb = answered_release(release, source)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)
    cell.source = code
    folder = course / "submitted" / "shortcut" / name
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{name}.ipynb")
    run = grade_assignment(Course(course), name, GradeOptions(jobs=2, quiet=True))
    rows = {r.student: r for r in run.rows}
    flags = [str(f) for f in rows["shortcut"].flags]
    assert flags == expected
    assert rows["shortcut"].review and not rows["full"].review
    assert rows["full"].score == rows["full"].max_score
    assert rows["shortcut"].failed == fails
