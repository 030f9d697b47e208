"""Sealed tests: what the grader trusts, and for how long (issue 9, follow-up).

One small assignment, ``01-trust``, graded for real by ``resistlab grade`` (one worker, so
every submission goes through the same worker process, in order, 10 s cell timeout):

* its setup makes a random generator that a test passes to the student's ``draw``;
* a read-only instructor cell *after* the first answer defines a helper and data that the
  hidden test of ``total`` uses;
* the test of ``n_steps`` loops ``n_steps`` times in the grader; the test of ``seq`` reads
  ``len(seq)`` items one by one.

Each submission below attacks one of these; each test asserts the score every submission
deserves and the flag that names what happened.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time

import nbformat
import pytest
from helpers import ROOT
from helpers import nbgrader_cell as _cell

from resistlab.course import Course, run_nbgrader
from resistlab.course.grading import GradeOptions, grade_assignment

pytestmark = pytest.mark.slow

NAME = "01-trust"

SETUP = "import numpy as np\n\nrng = np.random.default_rng(7)\n"
DRAW = "def draw(generator):\n    return float(generator.random())\n"
HELPER = (
    "def _expected_total(values):\n    return float(sum(values))\n\n"
    "TARGET_VALUES = [1.0, 2.0, 3.0]\n"
)
TOTAL = "def total(values):\n    return float(np.sum(values))\n"
STEPS = "n_steps = 3\n"
SEQ = "seq = [0, 1, 2]\n"


def _notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    solution = lambda text: f"### BEGIN SOLUTION\n{text}### END SOLUTION\n"  # noqa: E731
    nb.cells = [
        _cell("markdown", "# 01 · Trust\n", "intro"),
        _cell("code", SETUP, "setup"),
        _cell("code", solution(DRAW), "answer_draw", solution=True, locked=False),
        _cell(
            "code",
            """\
            _first = float(draw(rng))
            ### BEGIN HIDDEN TESTS
            assert np.isclose(_first, np.random.default_rng(7).random()), "draw one number"
            ### END HIDDEN TESTS
            """,
            "test_draw",
            grade=True,
            points=1,
        ),
        _cell("code", HELPER, "helpers"),
        _cell("code", solution(TOTAL), "answer_total", solution=True, locked=False),
        _cell(
            "code",
            """\
            _check = float(total([1.0]))
            ### BEGIN HIDDEN TESTS
            assert np.isclose(float(total(TARGET_VALUES)), _expected_total(TARGET_VALUES)), (
                "add up every value"
            )
            ### END HIDDEN TESTS
            """,
            "test_total",
            grade=True,
            points=2,
        ),
        _cell("code", solution(STEPS), "answer_steps", solution=True, locked=False),
        _cell(
            "code",
            """\
            _count = 0
            for _k in range(int(n_steps)):
                _count += 1
            assert _count == 3, "three steps"
            """,
            "test_steps",
            grade=True,
            points=1,
        ),
        _cell("code", solution(SEQ), "answer_seq", solution=True, locked=False),
        _cell(
            "code",
            """\
            _items = []
            for _i in range(len(seq)):
                _items.append(seq[_i])
            assert _items == [0, 1, 2], "three items, in order"
            """,
            "test_seq",
            grade=True,
            points=1,
        ),
    ]
    return nb


#: A careless ``draw``: it draws 1000 numbers before the one it returns (a wrong answer, and
#: it advances the generator the test passed, in the grader too).
GREEDY = "def draw(generator):\n    generator.random(1000)\n    return float(generator.random())\n"
#: A sequence that claims 10**9 items, each answered by the kernel on its own: the test's loop
#: in the grader makes one request per item.
LAZY = """
class _Lazy:
    def __len__(self):
        return 10**9

    def __getitem__(self, index):
        return index


seq = _Lazy()
"""
#: A wrong ``total`` that redefines the instructor's helper and data to agree with it.
REPLACES_HELPER = (
    "def total(values):\n    return 0.0\n\n"
    "def _expected_total(values):\n    return 0.0\n\nTARGET_VALUES = []\n"
)
#: ``total`` makes the kernel's agent answer every later request with an array whose header
#: declares 2**30 float64 (8 GiB) and carries 8 bytes.
FORGES_ARRAY = """
def total(values):
    import base64, io, sys
    from numpy.lib import format as npy_format

    buffer = io.BytesIO()
    npy_format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": (2**30,)}
    )
    text = base64.b64encode(buffer.getvalue() + bytes(8)).decode("ascii")
    sys.modules["_rl_sealed"]._value = lambda obj: {"$": "npy", "v": text}
    return 0.0
"""


def _answers(nb, **sources):
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        key = gid.removeprefix("answer_")
        if gid.startswith("answer_"):
            defaults = {"draw": DRAW, "total": TOTAL, "steps": STEPS, "seq": SEQ}
            cell.source = sources.get(key, defaults[key])
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("trust") / "course"
    (course / "notebooks" / NAME).mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    nbformat.write(_notebook(), course / "notebooks" / NAME / f"{NAME}.ipynb")
    run_nbgrader(["generate_assignment", NAME, "--force"], root=course)
    release = course / "release" / NAME / f"{NAME}.ipynb"
    hour_ago = (dt.datetime.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    submissions = {
        "a_greedy": ({"draw": GREEDY}, "2099-01-01 00:00:00.000000"),
        "b_honest": ({}, hour_ago),
        "c_helper": ({"total": REPLACES_HELPER}, hour_ago),
        "d_slow": ({"steps": "n_steps = 10**12\n"}, hour_ago),
        "e_forged": ({"total": FORGES_ARRAY}, hour_ago),
        "f_lazy": ({"seq": LAZY}, hour_ago),
        "g_moved": ({"total": REPLACES_HELPER}, hour_ago),
        "h_moved_up": ({}, hour_ago),
        "i_test_on_top": ({}, hour_ago),
    }
    for student, (sources, stamp) in submissions.items():
        folder = course / "submitted" / student / NAME
        folder.mkdir(parents=True)
        nb = _answers(nbformat.read(release, as_version=4), **sources)
        names = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
        if student == "g_moved":  # the instructor's helpers cell, moved below every test
            nb.cells.append(nb.cells.pop(names.index("helpers")))
        if student == "h_moved_up":  # honest, the helpers cell moved above the first test
            nb.cells.insert(names.index("setup") + 1, nb.cells.pop(names.index("helpers")))
        if student == "i_test_on_top":  # honest, a test moved above everything
            nb.cells.insert(0, nb.cells.pop(names.index("test_total")))
        nbformat.write(nb, folder / release.name)
        (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
    started = time.monotonic()
    run = grade_assignment(Course(course), NAME, GradeOptions(jobs=1, timeout=10, quiet=True))
    return course, {r.student: r for r in run.rows}, run, time.monotonic() - started


def _scores(course, student) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(NAME, NAME, student)
        return {g.name: g.score for g in sub.grades}


def _flags(row, code):
    return [f.detail for f in row.flags if f.code == code]


def test_run_has_no_errors(graded):
    _, rows, run, _ = graded
    assert run.errors == 0 and sorted(rows) == [
        "a_greedy",
        "b_honest",
        "c_helper",
        "d_slow",
        "e_forged",
        "f_lazy",
        "g_moved",
        "h_moved_up",
        "i_test_on_top",
    ]


def test_a_submission_cannot_change_the_next_ones_setup_objects(graded):
    """``a_greedy`` draws 1000 numbers from the setup's generator (the grader's copy advances
    with the kernel's); ``b_honest``, graded next by the same worker, still gets a generator
    in its seeded state: full marks."""
    course, _, _, _ = graded
    assert _scores(course, "a_greedy")["test_draw"] == 0
    assert _scores(course, "b_honest") == {
        "test_draw": 1,
        "test_total": 2,
        "test_steps": 1,
        "test_seq": 1,
    }


def test_instructor_helpers_after_an_answer_come_from_the_grader(graded):
    """``c_helper`` redefines the instructor's ``_expected_total`` and ``TARGET_VALUES`` (from
    a read-only cell after the first answer) to agree with its wrong ``total``: the hidden
    test uses the instructor's, and fails."""
    course, _, _, _ = graded
    assert _scores(course, "c_helper") == {
        "test_draw": 1,
        "test_total": 0,
        "test_steps": 1,
        "test_seq": 1,
    }


def test_an_instructor_cell_moved_below_the_tests_still_comes_from_the_grader(graded):
    """Review 38 #4: ``g_moved`` is ``c_helper`` with the read-only helpers cell moved below
    every test (nbgrader keeps a submission's cell order): the test had read the student's
    helper and data, as the grader runs the instructor's cell where the kernel reaches it.
    It now runs before the first test that stands after it in the instructor's notebook."""
    course, _, _, _ = graded
    assert _scores(course, "g_moved") == _scores(course, "c_helper")


def test_an_instructor_cell_or_a_test_moved_above_the_first_test_is_graded_as_nbgrader_would(
    graded,
):
    """Review 41 #1: an honest submission with the helpers cell moved above the first test
    (``h_moved_up``), or with a test moved above every cell (``i_test_on_top``), scored 0 as
    ``corrupted_notebook`` (``KeyError: 'execution'``: the grader's run of the instructor's
    cell was the notebook's first request to the kernel). Full marks, and under nbgrader's
    rule the moved test alone fails (it runs before the function it calls is defined)."""
    course, rows, _, _ = graded
    full = {"test_draw": 1, "test_total": 2, "test_steps": 1, "test_seq": 1}
    assert _scores(course, "h_moved_up") == full
    assert _scores(course, "i_test_on_top") == {**full, "test_total": 0}
    for student in ("h_moved_up", "i_test_on_top"):
        assert not _flags(rows[student], "corrupted_notebook"), rows[student].flags


def test_a_test_looping_in_the_grader_is_stopped_at_the_cell_time_limit(graded):
    """``n_steps = 10**12`` makes the test loop in the grader: it is stopped after the cell's
    time limit (10 s), fails, and is flagged; the rest of the submission is graded."""
    course, rows, _, _ = graded
    assert _scores(course, "d_slow") == {
        "test_draw": 1,
        "test_total": 2,
        "test_steps": 0,
        "test_seq": 1,
    }
    assert any("test_steps" in d and "grader" in d for d in _flags(rows["d_slow"], "timeout"))
    assert rows["d_slow"].seconds < 60


def test_a_loop_of_requests_is_stopped_at_the_cell_time_limit(graded):
    """``seq`` claims 10**9 items and the test reads them one request at a time: no request
    starts after the cell's time limit, so the test fails after about 10 s, flagged."""
    course, rows, _, _ = graded
    assert _scores(course, "f_lazy") == {
        "test_draw": 1,
        "test_total": 2,
        "test_steps": 1,
        "test_seq": 0,
    }
    assert any("test_seq" in d and "grader" in d for d in _flags(rows["f_lazy"], "timeout"))
    assert rows["f_lazy"].seconds < 60


def test_a_forged_array_scores_zero_with_a_review_flag(graded):
    """An array whose header declares 8 GiB and carries 8 bytes is refused before
    allocation: the tests reading it score 0, ``sealed_reply`` names why, no error."""
    course, rows, _, _ = graded
    assert _scores(course, "e_forged") == {
        "test_draw": 1,
        "test_total": 0,
        "test_steps": 0,
        "test_seq": 0,
    }
    details = _flags(rows["e_forged"], "sealed_reply")
    assert any("were sent" in d for d in details), details
    assert rows["e_forged"].review


def test_implausible_timestamp_is_flagged(graded):
    """A ``timestamp.txt`` later than the moment it reached ``submitted/`` is impossible:
    ``a_greedy``'s (2099) is flagged for review; an ordinary one is not."""
    _, rows, _, _ = graded
    assert any("2099" in d for d in _flags(rows["a_greedy"], "implausible_timestamp"))
    assert not _flags(rows["b_honest"], "implausible_timestamp")
