"""The run-time check of patches (``runtime_watch``): what a notebook leaves changed in the
watched modules and the kernel's hooks is flagged at its end, whatever shape the patch took.

Reviews 56-59 each found shapes of ``monkeypatch`` and ``hook_override`` the source scan did
not follow (names built at run time above all). The scan still reads the source; this check
reads the result, in a real sandboxed kernel, and an honest notebook that imports pandas,
pyplot and SciPy and draws a figure gets neither flag.
"""

from __future__ import annotations

import math

import nbformat
import pytest
from course.grading.fixture_assignment import NAME, answer, release_copy, submit

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment, runtime_watch
from resistlab.course.grading.kernel import _patched_flags

#: Names built at run time, which the scan cannot read.
BUILT = "def built(*codes):\n    return ''.join(map(chr, codes))\n"

CELLS = {
    "honest": (
        "import pandas as pd\nimport matplotlib.pyplot as plt\nimport scipy.stats as st\n"
        "frame = pd.DataFrame({'dose': [1.0, 2.0], 'effect': [0.1, 0.4]})\n"
        "fig, ax = plt.subplots()\nax.plot(frame.dose, frame.effect)\n"
        "st.linregress(frame.dose, frame.effect).slope\n"
    ),
    # numpy's namespace reached by a name the scan cannot build
    "numpy_dict": BUILT + "getattr(np, built(95, 95, 100, 105, 99, 116, 95, 95))["
    "'isclose'] = lambda *a, **k: True\n",
    # the shell's handler of errors, through names built at run time
    "custom_exc": BUILT + "import sys\nshell = getattr(sys.modules[built(95, 95, 109, 97, 105, "
    "110, 95, 95)], built(103, 101, 116, 95, 105, 112, 121, 116, 104, 111, 110))()\n"
    "getattr(shell, built(115, 101, 116, 95, 99, 117, 115, 116, 111, 109, 95, 101, 120, 99))("
    "(ZeroDivisionError,), lambda *a, **k: None)\n",
    # a method of a class pandas exports, imported after the check started
    "pandas_class": BUILT + "import pandas as pd\nsetattr(pd.DataFrame, built(101, 113, 117, "
    "97, 108, 115), lambda self, other: True)\n",
    # review 61: a method of a class the library defines (resistlab exports none at its top
    # level), and a callable object in a method's place
    "library_method": BUILT + "setattr(pharmacology.HillFit, built(112, 114, 101, 100, 105, 99, "
    "116), lambda self, dose: 0.0)\n",
    "callable_object": BUILT + "import pandas as pd\nclass _Always:\n    def __call__(self, *a):\n"
    "        return True\nsetattr(pd.DataFrame, built(101, 113, 117, 97, 108, 115), _Always())\n",
    # review 62: a function's code swapped in place, and a method replaced by the library's
    # own objects (no function of the notebook's in its place)
    "code_swap": BUILT + "setattr(max([np.full], key=id), built(95, 95, 99, 111, 100, 101, 95, "
    "95), (lambda shape, fill_value, dtype=None, order='C', *, device=None, like=None: "
    "'patched').__code__)\n",
    "partial_method": BUILT + "import functools, operator\nimport pandas as pd\nsetattr("
    "pd.DataFrame, built(101, 113, 117, 97, 108, 115), functools.partialmethod("
    "operator.is_not))\n",
    # review 64: the function a pandas wrapper calls, set through its closure cell, and
    # numpy made of a module class of the notebook's
    "closure_cell": BUILT + "import pandas.testing as pt\ncells = getattr(pt.assert_frame_equal, "
    "built(95, 95, 99, 108, 111, 115, 117, 114, 101, 95, 95))\nsetattr(cells[0], built(99, 101, "
    "108, 108, 95, 99, 111, 110, 116, 101, 110, 116, 115), lambda *a, **k: None)\n",
    "module_class": BUILT + "import types\nclass _Module(types.ModuleType):\n    pass\n"
    "setattr(np, built(95, 95, 99, 108, 97, 115, 115, 95, 95), _Module)\n",
    # review 66 B#3: a property and a classmethod replaced (neither is callable): counts.empty
    # made True, and from_dict made the library's own from_records
    "property": BUILT + "import operator\nfrom pandas.core import generic\nsetattr("
    "generic.NDFrame, built(101, 109, 112, 116, 121), property(operator.truth))\n",
    "classmethod": BUILT + "import pandas as pd\nsetattr(pd.DataFrame, built(102, 114, 111, "
    "109, 95, 100, 105, 99, 116), vars(pd.DataFrame)['from_records'])\n",
    # an AST transformer put on the shell's list reached by built names
    "transformer": BUILT + "import sys\nshell = getattr(sys.modules[built(95, 95, 109, 97, 105, "
    "110, 95, 95)], built(103, 101, 116, 95, 105, 112, 121, 116, 104, 111, 110))()\n"
    "getattr(shell, built(97, 115, 116, 95, 116, 114, 97, 110, 115, 102, 111, 114, 109, 101, "
    "114, 115)).append(__import__('ast').NodeTransformer())\n",
}

EXPECTED = {
    "numpy_dict": ("monkeypatch", "numpy.isclose replaced (at the notebook's end)"),
    "custom_exc": (
        "hook_override",
        "the shell's custom exception handlers changed (at the notebook's end)",
    ),
    "pandas_class": (
        "monkeypatch",
        "pandas.DataFrame.equals defined by the notebook (at the notebook's end)",
    ),
    "library_method": (
        "monkeypatch",
        "resistlab.pharmacology.HillFit.predict defined by the notebook (at the notebook's end)",
    ),
    "callable_object": (
        "monkeypatch",
        "pandas.DataFrame.equals defined by the notebook (at the notebook's end)",
    ),
    "transformer": (
        "hook_override",
        "the shell's ast_transformers changed (at the notebook's end)",
    ),
    "code_swap": (
        "monkeypatch",
        "numpy.full changed in place (its code or defaults) (at the notebook's end)",
    ),
    "partial_method": (
        "monkeypatch",
        "pandas.DataFrame.equals replaced (at the notebook's end)",
    ),
    "module_class": ("monkeypatch", "numpy made of another class (at the notebook's end)"),
    "property": (
        "monkeypatch",
        "pandas.core.generic.NDFrame.empty replaced (at the notebook's end)",
    ),
    "classmethod": ("monkeypatch", "pandas.DataFrame.from_dict replaced (at the notebook's end)"),
}


@pytest.mark.slow
def test_patches_left_at_the_end_are_flagged_and_an_honest_notebook_is_not(fixture_course):
    for student, code in CELLS.items():
        nb = answer(release_copy(fixture_course))
        nb.cells.append(nbformat.v4.new_code_cell(code))
        submit(fixture_course, student, nb)
    run = grade_assignment(
        Course(fixture_course), NAME, GradeOptions(jobs=2, timeout=30, quiet=True)
    )
    rows = {r.student: r for r in run.rows}
    assert run.errors == 0, rows
    at_end = {
        student: {(f.code, f.detail) for f in row.flags if "(at the notebook's end)" in f.detail}
        for student, row in rows.items()
    }
    assert at_end["honest"] == set(), rows["honest"].flags
    assert not any(f.code in ("monkeypatch", "hook_override") for f in rows["honest"].flags)
    for student, flag in EXPECTED.items():
        assert flag in at_end[student], (student, rows[student].flags)
        assert rows[student].score == 5.0, rows[student]  # the tests ran in the grader
    assert any(
        code == "monkeypatch"
        and detail.endswith(
            ".assert_frame_equal changed in place (what its closure calls) (at the notebook's end)"
        )
        for code, detail in at_end["closure_cell"]
    ), rows["closure_cell"].flags


def test_the_check_compares_functions_and_sees_what_is_put_back():
    """In this process (no IPython): a library function replaced or deleted is reported, one
    put back is not, and a value that is not a function (``math.pi``) is not compared."""
    sqrt, pi = math.sqrt, math.pi
    runtime_watch.watch()
    try:
        assert runtime_watch.changed() == []
        math.sqrt = abs
        del math.floor
        math.pi = 3.0
        assert runtime_watch.changed() == [
            "monkeypatch: math.floor deleted",
            "monkeypatch: math.sqrt replaced",
        ]
    finally:
        math.sqrt, math.pi = sqrt, pi
        math.floor = runtime_watch._start["modules"]["math"]["floor"]
    assert runtime_watch.changed() == []


@pytest.mark.parametrize(
    "text, flags",
    [
        ("[]", []),
        (
            "['monkeypatch: numpy.isclose replaced']",
            [("monkeypatch", "numpy.isclose replaced (at the notebook's end)")],
        ),
        ("['score: 5']", [("hook_override", "answered something else")]),
        ("42", [("hook_override", "answered something else")]),
        ("[" * 5000 + "]" * 5000, [("hook_override", "answered something else")]),
        (None, [("hook_override", "answered something else")]),
    ],
)
def test_an_answer_that_is_not_a_list_of_findings_is_itself_flagged(text, flags):
    data = {} if text is None else {"text/plain": text}
    reply = {"content": {"user_expressions": {"patched": {"status": "ok", "data": data}}}}
    found = [(f.code, f.detail) for f in _patched_flags(reply)]
    assert len(found) == len(flags)
    for (code, detail), (want_code, want) in zip(found, flags, strict=True):
        assert code == want_code and want in detail, found


def test_the_check_sees_a_module_s_class_a_closure_and_a_metaclass_s_method():
    """Review 64 B#2, B#3: numpy made of a module class with a property in ``isclose``'s place,
    the function a decorator's wrapper calls set through its closure cell (and so the kernel's
    own wrappers' reporter), and a method of a class with a metaclass of its own (pandas'
    ``FrameApply.apply``, an ``ABCMeta`` class) had passed the check. In this process, on
    the first such function and class of the watched modules; each put back is not reported."""
    import types

    import pandas  # noqa: F401 (watched: its classes with metaclasses)

    runtime_watch.watch()
    start = runtime_watch._start
    cell = next(c for *_, cells in start["functions"] for c, _ in cells)
    where = next(w for w, *_, cells in start["functions"] if any(c is cell for c, _ in cells))
    cls_where, cls, attributes = next(
        (w, c, a)
        for w, c, a in start["classes"]
        if type(c) is not type and any(isinstance(v, types.FunctionType) for v in a.values())
    )
    key = next(k for k, v in attributes.items() if isinstance(v, types.FunctionType))

    class Module(types.ModuleType):
        pass

    held = cell.cell_contents
    try:
        math.__class__ = Module
        cell.cell_contents = abs
        setattr(cls, key, lambda *a, **k: None)
        assert runtime_watch.changed() == [
            f"monkeypatch: {cls_where}.{key} replaced",
            f"monkeypatch: {where} changed in place (what its closure calls)",
            "monkeypatch: math made of another class",
        ]
    finally:
        math.__class__ = types.ModuleType
        cell.cell_contents = held
        setattr(cls, key, attributes[key])
    assert runtime_watch.changed() == []
