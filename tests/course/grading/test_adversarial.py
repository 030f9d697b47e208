"""The adversarial suite: one submission per case, each with its exact score and flags.

Every submission is graded in one ``resistlab grade`` run (two workers, sandbox on, a 3 s
cell timeout). For each case the test asserts the exact score in the gradebook, the exact
set of flag codes in the summary (with the detail that names the culprit), and whether the
submission is marked for review.
"""

from __future__ import annotations

import copy
import shutil
import textwrap
from dataclasses import dataclass

import nbformat
import pytest
from course.grading.fixture_assignment import (
    CORRECT_HILL,
    NAME,
    WRONG_HILL,
    answer,
    cell_by_id,
    release_copy,
    submit,
)

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment

pytestmark = pytest.mark.slow


@dataclass
class Case:
    name: str
    score: float
    flags: dict  # flag code -> a substring of its detail ("" for any)
    review: bool


def _loop_hill():
    return CORRECT_HILL.replace('"""\n', '"""\n    while True:\n        pass\n', 1)


def _build(course) -> list[Case]:
    """Write every adversarial submission into ``course`` and return the expectations."""
    cases = []

    def case(name, nb=None, score=0.0, flags=None, review=None, **kw):
        submit(course, name, nb, **kw)
        flags = flags or {}
        if review is None:
            from resistlab.course.grading.flags import FLAG_CODES

            review = any(FLAG_CODES[code][0] == "review" for code in flags)
        cases.append(Case(name, score, flags, review))

    fresh = lambda: release_copy(course)  # noqa: E731

    case("perfect", answer(fresh()), 5)
    case("blank", fresh(), 0)
    case("partial", answer(fresh(), ic50="ic50 = 2.0\n"), 3)
    case("wrong", answer(fresh(), hill=WRONG_HILL, ic50="ic50 = 1.0\n"), 0)
    raising = CORRECT_HILL.replace('"""\n', '"""\n    raise ValueError("boom")\n', 1)
    case("raising", answer(fresh(), hill=raising), 2)
    case("infinite_loop", answer(fresh(), hill=_loop_hill()), 2, {"timeout": "test_hill_values"})
    # ipykernel reinstalls its SIGINT handler before each cell; ignore it inside the call.
    stubborn = "import signal\n\n" + _loop_hill().replace(
        "    while True:", "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:"
    )
    case(
        "interrupt_ignored",
        answer(fresh(), hill=stubborn),
        2,
        {"timeout": "test_hill_values", "unresponsive_kernel": "test_hill_values"},
    )
    # A signal that landed while the audit hook ran had its handler run inside the hook:
    # the grader's interrupt at a time limit then flagged the hook's alarm as changed, and an
    # honest handler of the notebook's as its code run inside the hook (dynamic_code, review)
    ticking = textwrap.dedent(
        """\
        import _thread
        import os
        import signal
        import threading
        import time

        _ticks, _done = [], []
        signal.signal(signal.SIGUSR1, lambda signum, frame: _ticks.append(signum))


        def _tick():
            while not _done:
                _thread.interrupt_main(signal.SIGUSR1)
                time.sleep(0.0005)


        threading.Thread(target=_tick, daemon=True).start()
        for _ in range(3000):
            os.listdir(".")
        _done.append(1)
        ic50 = 3.0 if _ticks else 0.0
        """
    )
    case("signals_while_the_hook_runs", answer(fresh(), ic50=ticking), 5)
    # the interrupt at a cell's time limit, in a loop whose time is mostly the hook's: with
    # the grader's frame that ran the handler at the end of its traceback, IPython's reading
    # of it had been flagged as the grader's frame taken
    listing = "ic50 = 3.0\nimport os\n\nwhile True:\n    os.listdir('.')\n"
    case("loop_in_an_answer_cell", answer(fresh(), ic50=listing), 5, {"timeout": "answer_ic50"})

    nb = answer(fresh(), ic50="ic50 = 2.0\n")
    cell_by_id(nb, "test_ic50").source = "pass\n"
    case("edited_test_cell", nb, 3, {"edited_cell": "test_ic50"})

    nb = answer(fresh(), ic50="ic50 = 2.0\n")
    nb.cells.remove(cell_by_id(nb, "test_ic50"))
    case("deleted_test_cell", nb, 3, {"deleted_cell": "test_ic50"})

    nb = answer(fresh())
    test = cell_by_id(nb, "test_hill_values")
    duplicate = copy.deepcopy(test)
    duplicate["id"] = "pasted-copy"
    nb.cells.insert(nb.cells.index(test), duplicate)
    case("duplicated_cell", nb, 5, {"duplicated_cell": "test_hill_values"})

    nb = answer(fresh())
    cell = cell_by_id(nb, "answer_ic50")
    retyped = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    nb.cells[nb.cells.index(cell)] = retyped
    case("retyped_answer_cell", nb, 5, {"retyped_cell": "answer_ic50"})
    # nbformat 4.4 (no cell ids): OverwriteCells validates the cell it gives back its type
    # against 4.5, which needs an id; the whole notebook had scored 0 (invalid_metadata)
    nb = answer(fresh())
    cell = cell_by_id(nb, "test_ic50")
    nb.cells[nb.cells.index(cell)] = nbformat.v4.new_markdown_cell(
        cell.source, metadata=cell.metadata
    )
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id", None)
    case(
        "retyped_test_cell_without_ids",
        raw=nbformat.writes(nb),
        score=5,
        flags={"retyped_cell": "test_ic50"},
    )

    showtb = "ic50 = 2.0\nget_ipython().showtraceback = lambda *args, **kwargs: None\n"
    case(
        "showtraceback_override",
        answer(fresh(), ic50=showtb),
        3,
        {"hook_override": "showtraceback"},
    )

    always = """\
        class Anything:
            def __eq__(self, other):
                return True

        ic50 = Anything()
        """
    case("always_equal", answer(fresh(), ic50=always), 3, {"always_equal": "Anything.__eq__"})

    # The patch sits in the first answer cell. nbgrader runs the tests in the kernel and gives
    # full marks to these wrong answers; sealed tests compare in the grader: 0, and flagged.
    patched = WRONG_HILL.replace("/ ec50", "* 0.0") + textwrap.dedent("""
        np.isclose = lambda *args, **kwargs: True
        np.allclose = lambda *args, **kwargs: True
        math.isclose = lambda *args, **kwargs: True
        """)
    case(
        "monkeypatched_isclose",
        answer(fresh(), hill=patched, ic50="ic50 = 0.0\n"),
        0,
        {"monkeypatch": "isclose"},
    )

    resistlab_patch = "pharmacology.hill = lambda *args, **kwargs: 0.8\nic50 = 2.0\n"
    case(
        "monkeypatched_resistlab",
        answer(fresh(), ic50=resistlab_patch),
        3,
        {"monkeypatch": "pharmacology.hill"},
    )

    source = course / "notebooks" / NAME / f"{NAME}.ipynb"
    steal = f"""\
        try:
            with open({str(source)!r}) as fh:
                ic50 = 3.0 if "2.0 * 1.5" in fh.read() else 0.0
        except OSError:
            ic50 = 0.0
        """
    case(
        "reads_source_notebook",
        answer(fresh(), ic50=steal),
        3,
        {"file_access": f"notebooks/{NAME}/{NAME}.ipynb"},
    )

    # IPython turns SystemExit into an error output plus a warning on stderr ("To exit: use
    # 'exit'..."), which IgnorePattern removes.
    case(
        "sys_exit",
        answer(fresh(), ic50="ic50 = 3.0\nimport sys\nsys.exit(0)\n"),
        5,
        {"process_exit": "sys.exit", "stderr_filtered": "answer_ic50"},
    )
    case(
        "os_exit",
        answer(fresh(), ic50="import os\nos._exit(1)\nic50 = 3.0\n"),
        3,
        {"process_exit": "os._exit", "kernel_died": "answer_ic50"},
    )

    huge = CORRECT_HILL + "\nfor _i in range(12_000):\n    print('x' * 1000)\n"
    case("huge_output", answer(fresh(), hill=huge), 5, {"output_truncated": "answer_hill"})

    warns = CORRECT_HILL.replace(
        '"""\n', '"""\n    import warnings\n\n    warnings.warn("dose in mg", UserWarning)\n', 1
    )
    case("stderr_warning", answer(fresh(), hill=warns), 5, {"stderr_filtered": "test_hill_values"})
    # pandas 3 deprecations warn as Pandas4Warning (a digit in the name): the pattern had
    # missed it, and a right answer using `inplace=True` scored 0 on nbgrader's stderr rule
    warns4 = CORRECT_HILL.replace(
        '"""\n',
        '"""\n    import warnings\n\n    class Pandas4Warning(FutureWarning):\n        pass\n\n'
        '    warnings.warn("inplace is deprecated", Pandas4Warning)\n',
        1,
    )
    case(
        "stderr_digit_warning",
        answer(fresh(), hill=warns4),
        5,
        {"stderr_filtered": "test_hill_values"},
    )

    case(
        "corrupted_json",
        None,
        0,
        {"corrupted_notebook": f"{NAME}.ipynb"},
        raw='{"cells": [ {"cell_type": "code", ',
    )
    case(
        "renamed_notebook",
        answer(fresh()),
        0,
        {"missing_notebook": f"{NAME}-final.ipynb", "extra_file": f"{NAME}-final.ipynb"},
        filename=f"{NAME}-final.ipynb",
    )
    case(
        "extra_file",
        answer(fresh()),
        5,
        {"extra_file": "notes.txt"},
        extra={"notes.txt": "my notes"},
    )
    # A link to the instructor's notebook would be graded as a perfect answer if followed.
    link = course / "submitted" / "symlink_to_source" / NAME
    link.mkdir(parents=True)
    (link / f"{NAME}.ipynb").symlink_to(source)
    cases.append(
        Case(
            "symlink_to_source",
            0,
            {"corrupted_notebook": "symbolic link", "file_access": "symlink"},
            True,
        )
    )
    hog = "ic50 = 3.0\nblob = bytearray(6 * 2**30)\n"
    # review 29 #4: a MemoryError had cost points with only an info flag: a person looks
    case("memory_hog", answer(fresh(), ic50=hog), 5, {"memory_error": "answer_ic50"}, review=True)
    return cases


@pytest.fixture(scope="module")
def graded(tmp_path_factory, _released_fixture):
    course = tmp_path_factory.mktemp("adversarial") / "course"
    shutil.copytree(_released_fixture, course)
    cases = _build(course)
    run = grade_assignment(Course(course), NAME, GradeOptions(jobs=2, timeout=3, quiet=True))
    return course, {c.name: c for c in cases}, {r.student: r for r in run.rows}, run


CASE_NAMES = [
    "perfect",
    "blank",
    "partial",
    "wrong",
    "raising",
    "infinite_loop",
    "interrupt_ignored",
    "signals_while_the_hook_runs",
    "loop_in_an_answer_cell",
    "edited_test_cell",
    "deleted_test_cell",
    "duplicated_cell",
    "retyped_answer_cell",
    "retyped_test_cell_without_ids",
    "showtraceback_override",
    "always_equal",
    "monkeypatched_isclose",
    "monkeypatched_resistlab",
    "reads_source_notebook",
    "sys_exit",
    "os_exit",
    "huge_output",
    "stderr_warning",
    "stderr_digit_warning",
    "corrupted_json",
    "renamed_notebook",
    "extra_file",
    "memory_hog",
    "symlink_to_source",
]


def test_every_case_is_built(graded):
    _, cases, rows, run = graded
    assert sorted(cases) == sorted(CASE_NAMES)
    assert sorted(rows) == sorted(CASE_NAMES)
    assert run.errors == 0


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case(graded, name):
    """Exact score (gradebook), exact flag codes with their culprit, review mark."""
    from nbgrader.api import Gradebook

    course, cases, rows, _ = graded
    case, row = cases[name], rows[name]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission(NAME, name)
        assert submission.score == pytest.approx(case.score), f"{name}: {row.flags}"
        assert submission.max_score == 5
        marked = any(g.needs_manual_grade for nb in submission.notebooks for g in nb.grades)
    assert row.score == pytest.approx(case.score)
    codes = {flag.code for flag in row.flags}
    assert codes == set(case.flags), f"{name}: got {[str(f) for f in row.flags]}"
    for code, detail in case.flags.items():
        assert any(f.code == code and detail in f.detail for f in row.flags), (
            f"{name}: no {code} flag naming {detail!r} in {[str(f) for f in row.flags]}"
        )
    assert row.review == case.review
    assert marked == case.review, "review flags mark the grades needs_manual_grade, others not"


def test_summary_csv_lists_every_case(graded):
    import csv

    course, _, _, run = graded
    with run.csv_path.open() as fh:
        table = {r["student"]: r for r in csv.DictReader(fh)}
    assert set(table) == set(CASE_NAMES)
    assert table["perfect"]["score"] == "5" and table["perfect"]["review"] == "no"
    assert table["edited_test_cell"]["review"] == "yes"
    assert "edited_cell" in table["edited_test_cell"]["flags"]
    assert run.csv_path == course / "grading" / NAME / "summary.csv"


def test_autograded_copies_are_written(graded):
    course, _, _, _ = graded
    perfect = course / "autograded" / "perfect" / NAME / f"{NAME}.ipynb"
    assert perfect.is_file()
    text = perfect.read_text()
    assert "BEGIN HIDDEN TESTS" in text, "the autograded copy holds the restored tests"
    assert not (course / "autograded" / "corrupted_json" / NAME / f"{NAME}.ipynb").exists()
    # a submission's own files stay in submitted/ (review 36: the live notebook used them)
    assert (course / "submitted" / "extra_file" / NAME / "notes.txt").read_text() == "my notes"
    assert not (course / "autograded" / "extra_file" / NAME / "notes.txt").exists()


def test_an_interrupts_traceback_shows_the_students_code_only(graded):
    """The traceback of the interrupt at a cell's time limit ends in the student's line, not
    in the grader's frame that ran the signal's handler."""
    from resistlab.course.grading.sandbox import TRAMPOLINE

    course, _, _, _ = graded
    path = course / "autograded" / "loop_in_an_answer_cell" / NAME / f"{NAME}.ipynb"
    cell = cell_by_id(nbformat.read(path, as_version=4), "answer_ic50")
    errors = [out for out in cell.outputs if out.output_type == "error"]
    assert errors and errors[0].ename == "KeyboardInterrupt", cell.outputs
    shown = "\n".join(errors[0].traceback)
    assert "os.listdir" in shown, shown
    assert TRAMPOLINE not in shown and "sandbox.py" not in shown, shown
