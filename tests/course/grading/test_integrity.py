"""The integrity checks on their own (no kernel): structure, scan, shortcuts, audit, flags."""

from __future__ import annotations

import copy
import textwrap

import nbformat
import pytest
from course.grading.fixture_assignment import CORRECT_HILL, answer, cell_by_id, fixture_notebook

from resistlab.course.grading.flags import Flag, format_flags, needs_review
from resistlab.course.grading.integrity import (
    audit_flags,
    call_flags,
    code_flags,
    forbidden_names,
    import_aliases,
    names_used_by_tests,
    output_flags,
    shortcut_flags,
    structure_flags,
)
from resistlab.course.grading.sandbox import cell_name

SETUP = "import math\n\nimport numpy as np\nfrom resistlab import pharmacology\n"
TESTS = [
    "assert math.isclose(float(hill(3.0, 1.5, 2.0)), 0.8)",
    "assert np.isclose(float(ic50), 3.0)",
]


def _release_cells(nb):
    cells = []
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        cells.append(
            {
                "grade_id": meta["grade_id"],
                "cell_type": cell.cell_type,
                "source": cell.source,
                "locked": meta["locked"],
                "grade": meta["grade"],
                "solution": meta["solution"],
                "points": meta.get("points", 0),
            }
        )
    return cells


@pytest.fixture
def release():
    return fixture_notebook()


def _codes(flags):
    return sorted({f.code for f in flags})


def test_untouched_and_answered_notebooks_raise_nothing(release):
    cells = _release_cells(release)
    assert structure_flags(copy.deepcopy(release), cells) == []
    assert structure_flags(answer(copy.deepcopy(release)), cells) == []


def test_structure_changes_are_flagged(release):
    cells = _release_cells(release)
    nb = copy.deepcopy(release)
    cell_by_id(nb, "test_ic50").source += "\npass"
    assert [str(f) for f in structure_flags(nb, cells)] == ["edited_cell(test_ic50)"]

    nb = copy.deepcopy(release)
    nb.cells.remove(cell_by_id(nb, "test_ic50"))
    assert [str(f) for f in structure_flags(nb, cells)] == ["deleted_cell(test_ic50)"]

    nb = copy.deepcopy(release)
    nb.cells.append(copy.deepcopy(cell_by_id(nb, "answer_hill")))
    assert [str(f) for f in structure_flags(nb, cells)] == ["duplicated_cell(answer_hill)"]

    nb = copy.deepcopy(release)
    cell = cell_by_id(nb, "answer_ic50")
    nb.cells[nb.cells.index(cell)] = nbformat.v4.new_markdown_cell(
        cell.source, metadata=cell.metadata
    )
    assert [str(f) for f in structure_flags(nb, cells)] == [
        "retyped_cell(answer_ic50: code->markdown)"
    ]

    nb = copy.deepcopy(release)
    cell_by_id(nb, "test_ic50").metadata.nbgrader["points"] = 20
    assert [str(f) for f in structure_flags(nb, cells)] == ["edited_cell(test_ic50 (metadata))"]


def _scan(code: str):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(code))])
    aliases = import_aliases([SETUP])
    return code_flags(
        nb, student_cells=[0], aliases=aliases, test_names=names_used_by_tests(TESTS, aliases)
    )


@pytest.mark.parametrize(
    "code",
    [
        CORRECT_HILL,
        "ic50 = 2.0 * 1.5\nvalues = [float(v) for v in np.linspace(0, 1, 5)]\n",
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n",
        "def model(x):\n    return math.exp(-x)\n\nresult = max(model(1.0), 0.1)\n",
        "import pandas as pd\ntable = pd.DataFrame({'dose': [1, 2]})\nlabel = str(table.shape)\n",
        "import pandas as pd\npd.options.display.max_rows = 10\n",
        "class Clone:\n    def __init__(self):\n        self.events = []\n",
        # review 22 #6: the usual tip to show every expression's value
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.ast_node_interactivity = 'all'\n",
        # review 24 #2: IPython's display helpers, however imported
        "from IPython import display\ndisplay.clear_output(wait=True)\n",
        "from IPython.core.display import HTML\nHTML('<b>x</b>')\n",
        "from unittest import mock\nwith mock.patch('os.getcwd', lambda: '/'):\n    pass\n",
        # review 56: a module's namespace read, an object's own changed, a class written out
        "names = sorted(k for k in vars(np) if k.startswith('is'))\nf = vars(np)['isclose']\n",
        "import math\nn = len(math.__dict__)\nok = 'isclose' in vars(math)\n",
        "class Fit:\n    def __init__(self, **kw):\n        self.__dict__.update(kw)\n",
        "from dataclasses import dataclass\n\n@dataclass\nclass P:\n    a: float\n\n"
        "row = vars(P(1.0))\n",
        "Point = type('Point', (), {'x': 0.0, 'scale': lambda s, k: s.x * k})\n",
        "kind = type(np.float64(1.0)).__name__\n",
        "class C:\n    pass\nc = C()\nsetattr(c, 'label', 'parental')\n",
        # review 57: a frozen dataclass sets its own fields; a module looked up by name
        "from dataclasses import dataclass\n\n@dataclass(frozen=True)\nclass P:\n    a: float\n"
        "    def __post_init__(self):\n        object.__setattr__(self, 'a', float(self.a))\n",
        "import sys\nhave_scipy = 'scipy' in sys.modules\nm = sys.modules.get('math')\n",
        "Pair = type(np.float64(1.0))\nx = Pair(2.0)\n",
        # review 58: an option set, an object's own attribute, a mock's patch
        "import pandas as pd\npd.options.display.precision = 3\n",
        "class Fit:\n    pass\nfit = Fit()\nfit.label = 'parental'\n"
        "name = fit.__class__.__name__\n",
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.title.set_text('x')\n",
        "kinds = list(map(type, [1, 2.0]))\n",
    ],
)
def test_honest_code_is_not_flagged(code):
    assert _scan(code) == []


def test_a_cell_too_long_to_scan_is_flagged_not_parsed():
    """Review 8 #1: one line of ``a;a;a;…`` (2 MB) took 1.8 GB to parse in the grader. A cell
    longer than the scan reads is flagged for a person and never parsed (here the scan runs
    in 64 MiB: 400 KB of it would take over 300 MB to parse); one just under is scanned."""
    from resistlab.course.grading.integrity import MAX_SCAN_CHARS
    from resistlab.course.grading.memory import memory_bound

    with memory_bound(64 * 2**20):
        flags = _scan("a;" * 200_000)
    assert [(f.code, f.detail) for f in flags] == [
        ("dynamic_code", "cell 0: 390 KiB of code, too long for the scan")
    ]
    under = "exec('1')\n" + "#" * (MAX_SCAN_CHARS - 20) + "\n"
    assert _codes(_scan(under)) == ["dynamic_code"] and "exec" in str(_scan(under))


def test_the_scan_reads_at_most_its_total_of_a_notebook():
    """Review 9 #5: twenty cells just under the per-cell limit kept a worker scanning for more
    than 300 s. The scan reads at most MAX_SCAN_TOTAL characters of a notebook, in order: the
    cells past it are flagged for a person and never parsed (a patch in one of them is not
    found by the scan, but named); the cells before it are scanned as always."""
    from resistlab.course.grading.integrity import MAX_SCAN_CHARS, MAX_SCAN_TOTAL

    filler = "#" * (MAX_SCAN_CHARS - 100) + "\n"
    count = MAX_SCAN_TOTAL // len(filler) + 1
    cells = ["import math\nmath.isclose = lambda *a, **k: True\n"]
    cells += [filler] * count + ["x = 1\n", "np.isclose = None\n"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    aliases = import_aliases([SETUP])
    test_names = names_used_by_tests(TESTS, aliases)
    flags = code_flags(
        nb, student_cells=list(range(len(cells))), aliases=aliases, test_names=test_names
    )
    late = [
        f"cell {i}: past the {MAX_SCAN_TOTAL // 1024} KiB of code the scan reads"
        for i in (count, count + 1, count + 2)
    ]
    assert [(f.code, f.detail) for f in flags if f.code == "dynamic_code"] == [
        ("dynamic_code", late[0]),
        ("dynamic_code", late[1]),
        ("dynamic_code", late[2]),
    ]
    assert [f.detail for f in flags if f.code == "monkeypatch"] == ["cell 0: math.isclose"], flags


@pytest.mark.parametrize(
    "code, code_flag, detail",
    [
        ("get_ipython().showtraceback = lambda *a: None", "hook_override", "showtraceback"),
        ("import sys\nsys.excepthook = print", "hook_override", "sys.excepthook"),
        (
            "ip = get_ipython()\nip.input_transformers_post.append(f)",
            "hook_override",
            "get_ipython",
        ),
        ("import sys\nsys.settrace(None)", "hook_override", "sys.settrace"),
        ("from IPython import display, get_ipython\n", "hook_override", "import IPython"),
        (  # the same import, the shell taken from it
            "from IPython.core.interactiveshell import InteractiveShell\n"
            "InteractiveShell.ast_node_interactivity = 'all'\nsh = InteractiveShell.instance()\n",
            "hook_override",
            "import IPython.core.interactiveshell",
        ),
        ("np.isclose = lambda *a, **k: True", "monkeypatch", "numpy.isclose"),
        ("import numpy\nnumpy.testing.assert_allclose = print", "monkeypatch", "assert_allclose"),
        ("math.isclose = lambda *a, **k: True", "monkeypatch", "math.isclose"),
        ("setattr(np, 'allclose', lambda *a: True)", "monkeypatch", "setattr(numpy"),
        ("import builtins\nbuiltins.float = lambda x: 3.0", "monkeypatch", "builtins.float"),
        ("float = lambda x: 3.0", "monkeypatch", "rebinds float"),
        ("def float(x):\n    return 3.0", "monkeypatch", "rebinds float"),
        ("import fake as np", "monkeypatch", "rebinds np"),
        ("pharmacology.hill = lambda *a: 0.5", "monkeypatch", "resistlab.pharmacology.hill"),
        # review 11 #5: through a module bound by plain assignment, chains included
        ("import numpy as v0\nv1 = v0\nv1.isclose = v0.allclose", "monkeypatch", "isclose"),
        ("q0 = np\nq2 = q1\nq1 = q0\nq2.isclose = None", "monkeypatch", "numpy.isclose"),
        # review 12 #5: through the binding forms the scan did not follow
        ("_q = _r = np\n_r.isclose = None", "monkeypatch", "numpy.isclose"),
        ("_a, _b = 1, np\n_b.isclose = None", "monkeypatch", "numpy.isclose"),
        ("for _m in [np]:\n    _m.isclose = None", "monkeypatch", "numpy.isclose"),
        ("if (_w := math):\n    _w.isclose = None", "monkeypatch", "math.isclose"),
        ("getattr(np, 'testing').assert_allclose = print", "monkeypatch", "assert_allclose"),
        ("__builtins__['abs'] = max", "monkeypatch", "__builtins__"),
        # review 53: unittest.mock's patchers set the attribute they name
        (
            "from unittest import mock\nmock.patch('numpy.isclose', new=max).start()",
            "monkeypatch",
            "unittest.mock.patch(numpy.isclose)",
        ),
        (
            "from unittest.mock import patch\npatch.object(np, 'isclose', max).start()",
            "monkeypatch",
            "unittest.mock.patch.object(numpy)",
        ),
        (
            "import unittest.mock as m\nm.patch.dict('sys.modules', {'x': 1}).start()",
            "monkeypatch",
            "unittest.mock.patch.dict(sys.modules)",
        ),
        (
            "from unittest import mock\nmock.patch('nump' + 'y.isclose', max).start()",
            "monkeypatch",
            "unittest.mock.patch(...)",
        ),
        ("class A:\n    def __eq__(self, o):\n        return True", "always_equal", "A.__eq__"),
        # review 53: the method named as text
        ("A = type('A', (), {'__eq__': lambda s, o: True})", "always_equal", "'__eq__'"),
        ("class A: pass\nsetattr(A, '__ne__', lambda s, o: False)", "always_equal", "'__ne__'"),
        ("class A:\n    locals()['__eq__'] = lambda s, o: True", "always_equal", "'__eq__'"),
        ("class B(float):\n    __ne__ = lambda s, o: False", "always_equal", "B.__ne__"),
        ("import sys\nsys.exit(0)", "process_exit", "sys.exit"),
        ("import os\nos._exit(1)", "process_exit", "os._exit"),
        ("from os import _exit\n_exit(1)", "process_exit", "os._exit"),
        ("raise SystemExit", "process_exit", "SystemExit"),
        ("exec('x = 1')", "dynamic_code", "exec"),
        ("mod = __import__('os')", "dynamic_code", "__import__"),
        # the kernel's wrapper of a forbidden function, and what its record of calls reads
        ("f = hill.__closure__[0].cell_contents", "dynamic_code", "__closure__"),
        ("import gc\nfs = gc.get_referents(hill)", "dynamic_code", "gc.get_referents"),
        ("g.__code__ = g.__code__.replace(co_filename='x')", "dynamic_code", "__code__"),
        ("import types\nf = types.FunctionType(c, {})", "dynamic_code", "types.FunctionType"),
        # review 16 #1: a private copy of the library module, made by its own loader
        ("B.__spec__.loader.exec_module(m)", "dynamic_code", "__spec__"),
        ("import types\nm = types.ModuleType('x')", "dynamic_code", "types.ModuleType"),
        ("B.__loader__.exec_module(m)", "dynamic_code", "exec_module"),
        ("open('/home/grader/course/notebooks/01/01.ipynb').read()", "file_access", ".ipynb"),
        ("open('../../gradebook.db')", "file_access", "gradebook"),
        ("import socket", "network", "socket"),
        ("import urllib.request", "network", "urllib"),
        ("import subprocess\nsubprocess.run(['ls'])", "subprocess", "subprocess.run"),
        ("!ls", "subprocess", "shell"),
        ("%load_ext something", "magic", "load_ext"),
        # review 18 #2: the code a magic runs is scanned too (it had hidden all of these)
        ("%time exec('_z = 1')", "dynamic_code", "exec"),
        ("%%time\nimport socket\n", "network", "socket"),
        ("x = 1\n%time np.isclose = np.isclose", "monkeypatch", "numpy.isclose"),
        ("%time g.__code__ = g.__code__.replace(co_filename='x')", "dynamic_code", "__code__"),
        ("%%timeit -n 1 -r 1\nclass A:\n    def __eq__(s, o): return True\n", "always_equal", ""),
        ("%%capture out\n%time open('/etc/hostname')\n", "file_access", "/etc/hostname"),
        ("%%timeit -n1 import socket\nf()\n", "network", "socket"),
        ("y = %timeit -o -n 3 exec('1')", "dynamic_code", "exec"),
        # review 21 #2: exec and compile reached with built names
        ("import builtins\nrun = getattr(builtins, 'ex' + 'ec')", "dynamic_code", "builtins"),
        # review 47 B#1: the standard library's runners of text read from a file
        ("import timeit\ntimeit.timeit(src, number=1)", "dynamic_code", "timeit.timeit"),
        ("from timeit import Timer\nTimer(src).timeit(1)", "dynamic_code", "timeit.Timer"),
        ("import code\ncode.InteractiveInterpreter(g).runsource(src)", "dynamic_code", "code."),
        ("import profile\nprofile.Profile().runctx(src, g, {})", "dynamic_code", "profile."),
        ("import cProfile as c\nc.run(src)", "dynamic_code", "cProfile.run"),
        ("import trace\ntrace.Trace(count=0).runctx(src, g, {})", "dynamic_code", "trace.Trace"),
        ("import doctest\ndoctest.testfile('p.txt', False)", "dynamic_code", "doctest.testfile"),
        ("import site, os\nsite.addsitedir(os.getcwd())", "dynamic_code", "site.addsitedir"),
        ("import ctypes\nctypes.pythonapi.PyRun_SimpleString(b'1')", "dynamic_code", "pythonapi"),
        ("import pdb\npdb.run(src)", "dynamic_code", "pdb.run"),
        # review 48 A#1: the C API under another loader's name
        ("import ctypes\nctypes.PyDLL(None).PyRun_SimpleString(b'1')", "dynamic_code", "PyDLL"),
        ("from ctypes import PyDLL\napi = PyDLL(None)", "dynamic_code", "ctypes.PyDLL"),
        ("import ctypes\napi = ctypes.pydll.LoadLibrary(None)", "dynamic_code", "pydll"),
        # review 47 B#2: the shell reached without get_ipython()
        ("import sys\nsh = sys.displayhook.shell", "hook_override", ".shell"),
        ("import IPython\nsh = IPython.get_ipython()", "hook_override", "get_ipython"),
        # review 56: a watched module's namespace changed, setattr handed on, a class whose
        # method names are built, the shell reached through the builtins' namespace
        (
            "import numpy\nvars(numpy).update({'isclose': lambda *a, **k: True})",
            "monkeypatch",
            "vars(numpy) changed",
        ),
        (
            "import operator\nfor _mod in (np, math):\n"
            "    operator.setitem(vars(_mod), 'isclose', f)",
            "monkeypatch",
            "vars(",
        ),
        ("import builtins\nvars(builtins).update(abs=lambda x: 0)", "monkeypatch", "builtins"),
        (
            "import functools\nfunctools.partial(setattr, np)('isclose', f)",
            "monkeypatch",
            "setattr",
        ),
        ("_args = [np, 'isclose', f]\nsetattr(*_args)", "monkeypatch", "setattr(*...)"),
        (
            "A = type('A', (), {'__e' + 'q__': lambda s, o: True})",
            "always_equal",
            "namespace built at run time",
        ),
        (
            "import sys\nvars(sys).update(excepthook=lambda *a: None, displayhook=lambda v: None)",
            "hook_override",
            "vars(sys)",
        ),
        (
            "import builtins\n_sh = vars(builtins)['get_' + 'ipython']()\n"
            "setattr(*[_sh, 'show' + 'traceback', f])",
            "hook_override",
            "vars(builtins)['get_ipython']",
        ),
        (
            "import builtins\n_k = input()\n_sh = builtins.__dict__[_k]()",
            "hook_override",
            "[a name built at run time]",
        ),
        ("import builtins\n_sh = getattr(builtins, 'get_' + 'ipython')()", "hook_override", ""),
        ("import numpy\n_ns = numpy.__dict__\n_ns['isclose'] = f", "monkeypatch", "numpy"),
        ("list(map(setattr, [np], ['isclose'], [f]))", "monkeypatch", "setattr handed on"),
        ("import operator\noperator.setitem(m.__dict__, 'isclose', f)", "monkeypatch", "place"),
        ("vars(np).pop('isclose')", "monkeypatch", "vars(numpy)"),
        ("math.__dict__ |= {'isclose': f}", "monkeypatch", "vars(math)"),
        ("import operator\noperator.delitem(vars(math), 'isclose')", "monkeypatch", "math"),
        ("obj.__dict__.setdefault('isclose', f)", "monkeypatch", "changed in place"),
        ("import types\nA = types.new_class('A', (), {}, f)", "always_equal", "new_class"),
        ("A = type('A', (), dict(ns))", "always_equal", "namespace built at run time"),
        # review 57 B F2: an equality method set after the class body, a class made by a
        # metaclass or make_dataclass from a namespace given as a value, mock.ANY
        ("class Always:\n    pass\nAlways.__eq__ = lambda s, o: True", "always_equal", "__eq__"),
        ("A1 = type.__new__(type, 'A1', (), ns)", "always_equal", "type.__new__"),
        ("import abc\nA2 = abc.ABCMeta('A2', (), dict(ns))", "always_equal", "metaclass"),
        ("A3 = type(B)('A3', (), dict(ns))", "always_equal", "metaclass"),
        (
            "import dataclasses\nA = dataclasses.make_dataclass('A', [], namespace=dict(ns))",
            "always_equal",
            "make_dataclass",
        ),
        ("import enum\nclass E(enum.Enum):\n    X = 1\nE.__ne__ = f", "always_equal", "__ne__"),
        ("import unittest.mock\nclass A(type(unittest.mock.ANY)): pass", "always_equal", "ANY"),
        ("from unittest.mock import ANY\nx = ANY", "always_equal", "ANY"),
        # review 57 B F3: a watched module patched through its own setter, its namespace
        # taken by __getattribute__, a copy of sys.modules, a function's globals
        ("import numpy\nnumpy.__setattr__('isclose', f)", "monkeypatch", "__setattr__"),
        ("ns = numpy.__getattribute__('__dict__')\nns['allclose'] = f", "monkeypatch", ""),
        ("getattr(numpy, '__dict__').update(isclose=len)", "monkeypatch", "'__dict__'"),
        ("import sys\nm = dict(sys.modules)['math']\nm.isclose = f", "monkeypatch", "copied"),
        ("import sys\nsys.modules.copy()['numpy'].isclose = f", "monkeypatch", "copied"),
        ("import sys\nlist(sys.modules.values())[3].isclose = f", "monkeypatch", "copied"),
        ("g.__globals__['assert_almost_equal'] = f", "monkeypatch", "__globals__"),
        ("import builtins\nbuiltins.__dict__['setattr'](numpy, 'isclose', f)", "monkeypatch", ""),
        ("(lambda m: m.__setattr__('isclose', len))(np)", "monkeypatch", "__setattr__"),
        (
            "import operator\noperator.methodcaller('__setattr__', 'isclose', len)(np)",
            "monkeypatch",
            "",
        ),
        # review 57 B F4: the shell reached through sys.modules, its hooks changed in place,
        # their names written as text
        (
            "import sys\nsh = sys.modules['IPython.core.interactiveshell'].InteractiveShell"
            ".instance()",
            "hook_override",
            "sys.modules['IPython",
        ),
        ("sh.events.register('post_run_cell', f)", "hook_override", "events.register"),
        ("sh.ast_transformers.append(Quiet())", "hook_override", "ast_transformers"),
        ("import sys\nsys.__setattr__('excepthook', f)", "hook_override", "'excepthook'"),
        ("import builtins\nip = dict(vars(builtins)).get('get_ipython')()", "hook_override", ""),
        ("import sys\nk = sys.modules['ipykernel.kernelapp']", "hook_override", "ipykernel"),
        ("import sys\nsys.modules['__main__'].__dict__['get_ipython']()", "hook_override", ""),
        ("import sys\nobject.__setattr__(sys, 'displayhook', f)", "hook_override", "displayhook"),
        ("import sys\nsys.__dict__.get('settrace')(None)", "hook_override", "'settrace'"),
        ("import sys\nm = sys.modules[input()]", "hook_override", "built at run time"),
        # review 58 B: through another module's name for numpy, a class taken with type() or
        # __class__, mocks and CPython's ALWAYS_EQ, __main__ and the shell's module reached
        # with sys.modules.get or import, frames and their namespaces
        ("import matplotlib.pyplot as plt\nplt.np.allclose = f", "monkeypatch", "library"),
        ("df = pd.DataFrame()\ntype(df).equals = lambda s, o: True", "monkeypatch", ".equals"),
        ("s = pd.Series([1])\ns.__class__.round = f", "monkeypatch", ".round"),
        ("from unittest.mock import _ANY\nclass A(_ANY): pass", "always_equal", "_ANY"),
        ("from unittest.mock import MagicMock\nm = MagicMock()", "always_equal", "MagicMock"),
        ("from test.support import ALWAYS_EQ", "always_equal", "test.support"),
        (
            "import abc\nclass A(abc.ABC):\n    @classmethod\n    def __subclasshook__(c, o):"
            "\n        return True",
            "always_equal",
            "__subclasshook__",
        ),
        ("class B:\n    __class__ = property(lambda s: float)", "always_equal", "__class__"),
        ("import sys\nm = sys.modules.get('__main__')", "hook_override", "'__main__'"),
        ("import sys\nm = sys.modules.get('IPython.core.interactiveshell')", "hook_override", ""),
        ("import __main__", "hook_override", "__main__"),
        ("import sys\nsh = sys._getframe().f_back.f_locals.get('self')", "dynamic_code", ""),
        ("import sys\nsys._getframe().f_builtins['round'] = f", "dynamic_code", "f_builtins"),
        ("import inspect\nfr = inspect.currentframe()", "dynamic_code", "currentframe"),
        # review 59 B: a module made a wrapper, type handed on, the shell among subclasses
        ("import functools\nfunctools.update_wrapper(np, f)", "monkeypatch", "wrapper"),
        ("import functools\nfunctools.wraps(f)(np)", "monkeypatch", "wrapper"),
        ("A = type.__call__(type, 'A', (), ns)", "always_equal", "type.__call__"),
        ("import functools\nmk = functools.partial(type, 'A')", "always_equal", "partial"),
        ("As = list(map(type, ['A'], [()], [ns]))", "always_equal", "map"),
        (
            "import traitlets\nc = traitlets.config.SingletonConfigurable.__subclasses__()",
            "hook_override",
            "__subclasses__",
        ),
        ("sh = C._instance", "hook_override", "_instance"),
        # names written of constants: the text they spell is read
        ("getattr(np, '__set' + 'attr__')('isclose', f)", "monkeypatch", "'__setattr__'"),
        ("getattr(sys, f'{\"except\"}hook')", "hook_override", "'excepthook'"),
        ("setattr(A, '__e' + 'q__', f)", "always_equal", "'__eq__'"),
    ],
)
def test_suspicious_code_is_flagged(code, code_flag, detail):
    flags = _scan(code)
    assert any(f.code == code_flag and detail in f.detail for f in flags), [str(f) for f in flags]


def test_cells_that_do_not_parse_are_skipped():
    assert _scan("def broken(:\n    pass") == []


@pytest.mark.parametrize(
    "code",
    [
        "import numpy as np\nimport math\nimport pandas as pd\n",
        "import math\n\nvalue = math.log(2)\n",
        "from resistlab import pharmacology\n",
    ],
)
def test_reimporting_the_same_module_is_not_a_patch(code):
    """Issue 16 item 7: `import numpy as np` again binds np to what the setup bound it to."""
    assert _scan(code) == []


def test_module_fetched_by_name_and_patched_is_flagged():
    """`sys.modules["math"]` under another name, patched with setattr (issue 9 item 3)."""
    code = "import sys\n_m = sys.modules['math']\nsetattr(_m, 'isclose', print)\n"
    assert any(f.code == "monkeypatch" and "setattr(math" in f.detail for f in _scan(code))


SOURCE_CELLS = [
    {"name": "setup", "source": "from resistlab import binding\n"},
    {
        "name": "answer_fraction",
        "source": "# grader: forbid resistlab.binding.fraction_inhibited\n"
        "def fraction_inhibited(c, k):\n    ### BEGIN SOLUTION\n    return c / (c + k)\n",
    },
    {"name": "answer_other", "source": "x = 1\n"},
]


def test_forbidden_names_are_read_from_the_instructors_answer_cells():
    assert forbidden_names(SOURCE_CELLS) == {
        "answer_fraction": ["resistlab.binding.fraction_inhibited"]
    }


@pytest.mark.parametrize(
    "code, gid, flagged",
    [
        ("from resistlab.binding import fraction_inhibited\n", "answer_fraction", True),
        (
            "import resistlab.binding as b\nfraction_inhibited = b.fraction_inhibited\n",
            "answer_fraction",
            True,
        ),
        (
            "from resistlab import binding\nf = binding.fraction_inhibited\n",
            "answer_fraction",
            True,
        ),
        ("from resistlab.binding import fraction_inhibited as f\n", None, True),  # added cell
        ("def fraction_inhibited(c, k):\n    return c / (c + k)\n", "answer_fraction", False),
        # imported in another answer cell, to be called in the declaring one: the setup does
        # not import it, so it is the shortcut wherever the student writes it
        ("from resistlab.binding import fraction_inhibited\n", "answer_other", True),
        ("x = fraction_inhibited\n", "answer_other", False),  # the student's own function
        # review 11 #4: through a module bound by plain assignment
        (
            "from resistlab import binding as _p\n_q = _p\n"
            "fraction_inhibited = _q.fraction_inhibited\n",
            "answer_fraction",
            True,
        ),
        (
            "import resistlab as _r\n_q = _r\nf = _q.binding.fraction_inhibited\n",
            "answer_fraction",
            True,
        ),
    ],
)
def test_library_shortcuts_are_flagged(code, gid, flagged):
    """Issue 10 item 5: an answer that imports the function its exercise asks for."""
    cell = nbformat.v4.new_code_cell(code)
    if gid:
        cell.metadata["nbgrader"] = {"grade_id": gid, "solution": True}
    nb = nbformat.v4.new_notebook(cells=[cell])
    flags = shortcut_flags(nb, [0], SOURCE_CELLS)
    assert bool(flags) == flagged, flags
    assert all(f.code == "library_shortcut" and "fraction_inhibited" in f.detail for f in flags)
    assert all(f.severity == "review" for f in flags)


#: Review 12 #1: a forbidden function reached through bindings the scan did not follow
#: earned full marks unflagged. Each is one answer cell; ``_p`` is the library module.
_P = "from resistlab import binding as _p\n"
REACHED = {
    "star import": "from resistlab.binding import *\nf = fraction_inhibited\n",
    "several targets": _P + "_q = _r = _p\nf = _r.fraction_inhibited\n",
    "unpacking": _P + "_a, _b = 1, _p\nf = _b.fraction_inhibited\n",
    "unpacking a list": _P + "_l = [_p]\n(_a,) = _l\nf = _a.fraction_inhibited\n",
    "walrus": _P + "if (_w := _p):\n    f = _w.fraction_inhibited\n",
    "annotated": _P + "_x: object = _p\nf = _x.fraction_inhibited\n",
    "for target": _P + "for _m in (_p,):\n    f = _m.fraction_inhibited\n",
    "with target": _P
    + "import contextlib\nwith contextlib.nullcontext(_p) as _m:\n    f = _m.fraction_inhibited\n",
    "comprehension": _P + "f = [_m.fraction_inhibited for _m in [_p]][0]\n",
    "match target": _P + "match [_p]:\n    case [_m]:\n        f = _m.fraction_inhibited\n",
    "default argument": _P + "def f(c, k, _m=_p):\n    return _m.fraction_inhibited(c, k)\n",
    "container": _P + "f = {'m': _p}['m'].fraction_inhibited\n",
    "conditional": _P + "f = (_p if True else None).fraction_inhibited\n",
    "getattr constant": _P + "f = getattr(_p, 'fraction_inhibited')\n",
    "attrgetter": _P + "import operator\nf = operator.attrgetter('fraction_inhibited')(_p)\n",
    "attrgetter path": "import operator, resistlab\n"
    "f = operator.attrgetter('binding.fraction_inhibited')(resistlab)\n",
    "class attribute": _P + "class K:\n    m = _p\nf = K.m.fraction_inhibited\n",
    "vars": _P + "f = vars(_p)['fraction_inhibited']\n",
    "module dict": _P + "f = _p.__dict__.get('fraction_inhibited')\n",
    "globals": _P + "f = globals()['_p'].fraction_inhibited\n",
    "sys.modules": "import sys\nf = sys.modules['resistlab.binding'].fraction_inhibited\n",
    "import_module": "import importlib\n"
    "f = importlib.import_module('resistlab.binding').fraction_inhibited\n",
    "lambda": _P + "f = (lambda: _p)().fraction_inhibited\n",
    "through a call": _P + "import functools\nf = functools.partial(_p.fraction_inhibited)\n",
    # what a function the student wrote returns, and its parameters at a call
    "returned": _P + "def _m():\n    return _p\n\nf = _m().fraction_inhibited\n",
    "returned lambda": _P + "_m = lambda: _p\nf = _m().fraction_inhibited\n",
    "method": _P
    + "class K:\n    def m(self):\n        return _p\n\nf = K.m(None).fraction_inhibited\n",
    "parameter": _P + "def _get(m, n):\n    return getattr(m, n)\n\nf = _get(_p, 'x')\n",
    "keyword parameter": _P
    + "def _get(m=None):\n    return m.fraction_inhibited\n\nf = _get(m=_p)\n",
    # a name computed at run time, on the module that holds the function
    "computed getattr": _P + "f = getattr(_p, 'fraction_' + 'inhibited')\n",
    "computed vars key": _P + "_k = 'fraction_' + 'inhibited'\nf = vars(_p)[_k]\n",
    "namespace values": _P + "f = [v for v in vars(_p).values() if callable(v)][3]\n",
    "getmembers": _P
    + "import inspect\nf = dict(inspect.getmembers(_p))['fraction_' + 'inhibited']\n",
    # review 13 #1: ordinary Python that resolves a constant name or a module's namespace
    "function globals": "from resistlab.binding import classify_resistance as _c\n"
    "f = _c.__globals__['fraction_inhibited']\n",
    "pickle": "import pickle\nf = pickle.loads(b'cresistlab.binding\\nfraction_inhibited\\n.')\n",
    "pydoc": "import pydoc\nf = pydoc.locate('resistlab.binding.fraction_inhibited')\n",
    "pkgutil": "import pkgutil\n"
    "f = pkgutil.resolve_name('resistlab.binding:fraction_inhibited')\n",
    "match class pattern": "import types, resistlab.binding as _b\nmatch _b:\n"
    "    case types.ModuleType(fraction_inhibited=f):\n        pass\n",
    "match mapping pattern": _P
    + "match vars(_p):\n    case {'fraction_inhibited': f}:\n        pass\n",
    "getmodule": "import inspect\nfrom resistlab.binding import classify_resistance as _c\n"
    "f = inspect.getmodule(_c).fraction_inhibited\n",
    "formatter": _P + "import string\n"
    "f = string.Formatter().get_field('0.fraction_inhibited', [_p], {})[0]\n",
    "itemgetter": _P
    + "import operator\nf = operator.itemgetter('fraction_inhibited')(vars(_p))\n",
    "reduce": _P + "import functools\nf = functools.reduce(getattr, ['fraction_inhibited'], _p)\n",
    "sys.modules computed": "import sys\nfrom resistlab.binding import classify_resistance as _c\n"
    "f = sys.modules[_c.__module__].fraction_inhibited\n",
    # review 14 #1: stored into a container by a statement or a method, raised and caught,
    # or resolved from a string naming the module
    "item assignment": _P + "_l = [None]\n_l[0] = _p\nf = _l[0].fraction_inhibited\n",
    "append": _P + "_l = []\n_l.append(_p)\nf = _l[0].fraction_inhibited\n",
    "augmented": _P + "_l = []\n_l += [_p]\nf = _l[0].fraction_inhibited\n",
    "update": _P + "_d = {}\n_d.update(m=_p)\nf = _d['m'].fraction_inhibited\n",
    "setdefault": _P + "_d = {}\n_d.setdefault('m', _p)\nf = _d['m'].fraction_inhibited\n",
    "except as": _P + "try:\n    raise LookupError(_p)\nexcept LookupError as _e:\n"
    "    f = _e.args[0].fraction_inhibited\n",
    "pydoc module": "import pydoc\nf = pydoc.locate('resistlab.binding').fraction_inhibited\n",
    "pkgutil module": "import pkgutil\n"
    "f = pkgutil.resolve_name('resistlab.binding').fraction_inhibited\n",
    "globals stored": "from resistlab.binding import classify_resistance as _c\n"
    "_ns = [None]\n_ns[0] = _c.__globals__\nf = _ns[0]['fraction_inhibited']\n",
    "computed on the package": "import resistlab\n"
    "f = getattr(resistlab, 'bind' + 'ing').fraction_inhibited\n",
}


@pytest.mark.parametrize("how", sorted(REACHED))
def test_a_forbidden_function_is_found_however_it_is_bound(how):
    """Review 12 #1: every binding form Python has leads the scan to the library function."""
    cell = nbformat.v4.new_code_cell(REACHED[how])
    cell.metadata["nbgrader"] = {"grade_id": "answer_fraction", "solution": True}
    flags = _declared_only(
        shortcut_flags(nbformat.v4.new_notebook(cells=[cell]), [0], SOURCE_CELLS)
    )
    assert [f.detail for f in flags] == ["answer_fraction: resistlab.binding.fraction_inhibited"]


def _declared_only(flags):
    """The flags of declared names: SOURCE_CELLS's setup is not locked, so every other library
    function the cell reaches is one the setup does not import (a rule of its own, checked on
    the real notebooks in test_shortcuts.py)."""
    return [f for f in flags if not f.detail.endswith("(not imported by the setup)")]


def _cells(*cells):
    nb = nbformat.v4.new_notebook()
    for gid, code in cells:
        cell = nbformat.v4.new_code_cell(code)
        if gid:
            cell.metadata["nbgrader"] = {"grade_id": gid, "solution": True}
        nb.cells.append(cell)
    return nb


def test_an_alias_bound_in_another_cell_is_followed():
    """Review 12 #1: the module bound to a name in one cell, the function taken in another."""
    nb = _cells(
        ("answer_other", "from resistlab import binding as _p\n_q = [_p]\n"),
        (
            "answer_fraction",
            "def fraction_inhibited(c, k):\n    return _q[0].fraction_inhibited(c, k)\n",
        ),
    )
    flags = shortcut_flags(nb, [0, 1], SOURCE_CELLS)
    assert [f.detail for f in flags] == ["answer_fraction: resistlab.binding.fraction_inhibited"]


def test_a_cell_nested_too_deeply_is_flagged_and_the_next_cell_still_read():
    """An expression too deep to follow is a flag for a person, not the end of the scan."""
    nb = _cells(
        ("answer_other", "x = y" + ".b" * 900 + "\n"),
        ("answer_fraction", "from resistlab.binding import fraction_inhibited\n"),
    )
    assert [str(f) for f in shortcut_flags(nb, [0, 1], SOURCE_CELLS)] == [
        "dynamic_code(answer_other: nested too deeply for the scan)",
        "library_shortcut(answer_fraction: resistlab.binding.fraction_inhibited)",
    ]


def test_a_function_the_setup_imports_leads_to_its_module():
    """Review 13 #1: 01's setup imports ``fit_hill``; its ``__globals__`` hold ``hill``."""
    cells = [
        {
            "name": "setup",
            "cell_type": "code",
            "locked": True,
            "source": "from resistlab.pharmacology import fit_hill\n",
        },
        {"name": "answer_hill", "source": "# grader: forbid resistlab.pharmacology.hill\n"},
    ]
    nb = _cells(
        (
            "answer_hill",
            "def hill(dose, e0, emax, ec50, h):\n"
            "    return fit_hill.__globals__['hill'](dose, e0, emax, ec50, h)\n",
        )
    )
    assert [f.detail for f in shortcut_flags(nb, [0], cells)] == [
        "answer_hill: resistlab.pharmacology.hill"
    ]


def test_the_same_function_under_another_library_module_is_found():
    """``resistlab.widgets.survival`` imports ``kaplan_meier`` too: the same object."""
    cells = [
        {
            "name": "answer_km",
            "source": "# grader: forbid resistlab.survival.kaplan_meier\n",
        }
    ]
    nb = _cells(("answer_km", "from resistlab.widgets.survival import kaplan_meier as km\n"))
    assert [f.detail for f in shortcut_flags(nb, [0], cells)] == [
        "answer_km: resistlab.survival.kaplan_meier"
    ]


@pytest.mark.parametrize(
    "code",
    [
        # a column or key of the same name is data, not the library's function
        "import pandas as pd\n_df = pd.DataFrame({'fraction_inhibited': [0.5]})\n"
        "y = _df['fraction_inhibited'] + _df.fraction_inhibited\n",
        # the student's own function, reached through their own names
        "def fraction_inhibited(c, k):\n    return c / (c + k)\n_f = [fraction_inhibited][0]\n",
        # another function of the same module is not the forbidden one
        _P + "y = _p.ic50_fold_shift\n",
        # a name computed on the student's own objects or on another library module
        "import pandas as pd\n_df = pd.DataFrame({'a': [1]})\n"
        "y = [getattr(_df, c) for c in _df.columns]\n",
        "from resistlab import datasets\ny = getattr(datasets, 'lo' + 'ad')\n",
        # a string naming the function, in a cell that reaches no module holding it
        "from resistlab import datasets\nimport pandas as pd\n"
        "y = pd.DataFrame({'fraction_inhibited': [0.5]})['fraction_inhibited']\n",
        # a function the student wrote that returns data from the module
        _P + "def _occupancy(c):\n    return _p.ic50_fold_shift(c, 1.0)\n\ny = _occupancy(2.0)\n",
        # a function of the same name in another library module is another function
        "from resistlab.efflux import fold_resistance\n",
    ],
)
def test_look_alikes_are_not_shortcuts(code):
    cell = nbformat.v4.new_code_cell(code)
    cell.metadata["nbgrader"] = {"grade_id": "answer_fraction", "solution": True}
    nb = nbformat.v4.new_notebook(cells=[cell])
    cells = [
        *SOURCE_CELLS,
        {"name": "answer_fr", "source": "# grader: forbid resistlab.binding.fold_resistance\n"},
    ]
    assert _declared_only(shortcut_flags(nb, [0], cells)) == []


SETUP_IMPORTS_IT = [
    {
        "name": "setup",
        "cell_type": "code",
        "locked": True,
        "source": "from resistlab.survival import kaplan_meier\n",
    },
    {
        "name": "answer_km",
        "cell_type": "code",
        "locked": False,
        "source": "# grader: forbid resistlab.survival.kaplan_meier\n"
        "def km_estimator(time, event):\n    ### BEGIN SOLUTION\n    pass\n",
    },
]


@pytest.mark.parametrize(
    "code, flagged",
    [
        ("def km_estimator(time, event):\n    return kaplan_meier(time, event)\n", True),
        ("def km_estimator(time, event):\n    return time\n", False),
        (
            "def kaplan_meier(t, e):\n    return t\n\n"
            "def km_estimator(time, event):\n    return kaplan_meier(time, event)\n",
            False,
        ),
    ],
)
def test_shortcut_through_the_setup_import_is_flagged(code, flagged):
    """A bare call of a forbidden function that the setup cell imports is a shortcut too;
    a function of the same name that the student defines is not."""
    cell = nbformat.v4.new_code_cell(code)
    cell.metadata["nbgrader"] = {"grade_id": "answer_km", "solution": True}
    nb = nbformat.v4.new_notebook(cells=[cell])
    flags = shortcut_flags(nb, [0], SETUP_IMPORTS_IT)
    assert bool(flags) == flagged, flags


def test_audit_events_become_flags():
    events = [
        ("open", "/course/gradebook.db"),
        ("socket.connect", "('10.0.0.1', 80)"),
        ("socket.__new__", "AF_INET6"),  # review 56: refused, the attempt recorded
        ("native.load", "lib.so"),  # review 55
        ("native.loader", "cffi"),
        ("subprocess.Popen", "'uname'"),
        ("subprocess.Popen", "'curl'"),
        ("os.kill", "1"),
        ("sys.addaudithook", ""),
        ("audit.garbled", "xx"),
        ("call", "resistlab.binding.fraction_inhibited 123.py"),  # read by call_flags
        ("gc.get_referents", ""),
        ("code.__new__", ""),
        ("compile", "under a library file name"),
        ("cpython.PyInterpreterState_New", ""),  # review 47 A#3
        ("ctypes.dlsym", "PyRun_SimpleString"),  # review 48 A#1
        ("ctypes.dlsym", "socket"),  # review 57 A#4
        ("ctypes.dlsym", "syscall"),
        ("exec.text", ""),  # review 48 B#1
        ("sys.settrace", ""),
        ("compile", "of text"),  # review 49 A#1
        ("sys.setprofile", "in a thread, from threading's hook"),  # review 49 B#2
        ("audit.unread", "compile"),  # review 65 B#2
    ]
    assert [str(f) for f in audit_flags(events)] == [
        "file_access(open /course/gradebook.db)",
        "network(('10.0.0.1', 80))",
        "network(an AF_INET6 socket (refused))",
        "dynamic_code(loaded native code from lib.so, which no audit sees run)",
        "dynamic_code(imported cffi, a loader of native code no audit sees)",
        "subprocess('curl')",
        "process_exit(os.kill 1)",
        "hook_override(sys.addaudithook)",
        "hook_override(audit log tampered with)",
        "dynamic_code(gc.get_referents (while the notebook ran))",
        "dynamic_code(code.__new__ (while the notebook ran))",
        "dynamic_code(compile under a library file name (while the notebook ran))",
        "dynamic_code(a sub-interpreter, which no audit hook watches)",
        "dynamic_code(the interpreter's C API through ctypes: PyRun_SimpleString)",
        "network(libc's socket through ctypes)",
        "dynamic_code(a system call by number through ctypes)",
        "dynamic_code(ran code given as text (while the notebook ran))",
        "hook_override(sys.settrace)",
        "dynamic_code(compile of text (while the notebook ran))",
        "hook_override(sys.setprofile (in a thread, from threading's hook))",
        "hook_override(the audit hook could not read compile)",
    ]


def _km_setup():
    """The locked setup cell of SETUP_IMPORTS_IT."""
    setup = nbformat.v4.new_code_cell("from resistlab.survival import kaplan_meier\n")
    setup.metadata["nbgrader"] = {"grade_id": "setup", "locked": True}
    return setup


def test_calls_the_kernel_reports_count_where_the_calling_code_was_written():
    """The kernel's record of calls (``sandbox._watch_calls``) is read with the scan's
    rules: a call counts in the cell whose code made it, where that cell forbids the name."""
    km = "resistlab.survival.kaplan_meier"
    nb = _cells(
        ("answer_km", "def km_estimator(t, e):\n    return K().m()(t, e)\n"),
        ("answer_other", "x = kaplan_meier(t, e)\n"),
        (None, "y = 1\n"),
    )
    nb.cells.insert(0, _km_setup())
    place = [cell_name(cell.source) for cell in nb.cells]

    def flags(*calls, flagged=()):
        return [str(f) for f in call_flags(calls, nb, [1, 2, 3], SETUP_IMPORTS_IT, flagged)]

    assert flags((km, place[1])) == [f"library_shortcut(answer_km: {km} (called))"]
    assert flags((km, place[3])) == [f"library_shortcut(cell 3: {km} (called))"]  # added
    assert flags((km, place[1]), (km, place[3])) == [
        f"library_shortcut(answer_km: {km} (called))"  # once per name
    ]
    assert flags((km, place[0])) == []  # the setup's own call
    assert flags((km, place[2])) == []  # an answer where the setup's import is allowed
    assert flags((km, place[1]), flagged={km}) == []  # the scan has flagged it already
    assert flags((km, "test"), (km, "?")) == []  # the setup imports it: a test may call it
    assert flags(("resistlab.pk.auc_trapezoid", place[1])) == []  # not forbidden here
    fraction = "resistlab.binding.fraction_inhibited"
    nb = _cells(("answer_fraction", "fraction_inhibited = K().m()\n"))
    assert [str(f) for f in call_flags([(fraction, "test")], nb, [0], SOURCE_CELLS)] == [
        f"library_shortcut(a hidden test: {fraction} (called))"
    ]
    assert [str(f) for f in call_flags([(fraction, "?")], nb, [0], SOURCE_CELLS)] == [
        f"library_shortcut(code run outside the cells: {fraction} (called))"
    ]
    copy = [str(f) for f in call_flags([(km, "copy")], nb, [0], SETUP_IMPORTS_IT)]
    assert copy == [f"library_shortcut(a copy of its module: {km} (called))"]


def test_a_helper_computed_inside_a_flagged_forbidden_function_is_not_flagged_again():
    """Review 56: ``hill``'s helper ``_occupancy`` is declared with it, so ``HillFit.predict``
    computing ``hill`` reports both; the kernel marks the helper's call as made inside
    ``hill``'s (``+in:``), and only ``hill`` is flagged. Outside a flagged call the helper
    is flagged on its own."""
    hill, helper = "resistlab.pharmacology.hill", "resistlab.pharmacology._occupancy"
    source = [
        {
            "name": "answer_hill",
            "cell_type": "code",
            "locked": False,
            "source": f"# grader: forbid {hill}\n# grader: forbid {helper}\n",
        }
    ]
    nb = _cells(("answer_hill", "y = HillFit(1, 0, 1, 1).predict(2.0)\n"))
    place = cell_name(nb.cells[0].source)

    def flags(*calls):
        return [str(f) for f in call_flags(calls, nb, [0], source)]

    via = f"via:pharmacology.HillFit.predict:{place}"
    assert flags((hill, via), (helper, f"{via}+in:{hill}")) == [
        f"library_shortcut(answer_hill: {hill} (called by pharmacology.HillFit.predict))"
    ]
    assert flags((helper, f"via:pharmacology.HillFit.predict:{place}")) == [
        f"library_shortcut(answer_hill: {helper} (called by pharmacology.HillFit.predict))"
    ]


def test_a_call_the_library_makes_for_a_cell_counts_only_where_the_name_is_forbidden():
    """Review 17 #4: ``HillFit(...).predict`` is ``hill``, computed by the library's own code,
    so the call was the library's business and went unreported. The kernel now names the
    library function the student's code called (``via:ENTRY:PLACE``): it counts where the
    cell, or the running test's exercise, forbids the name, never elsewhere (a test or a
    thread using the library is the library's business). More places than the kernel
    records (``!``) is flagged too: a student could fill the record with harmless places."""
    km = "resistlab.survival.kaplan_meier"
    nb = _cells(
        ("answer_km", "def km_estimator(t, e):\n    return Fit(t, e).curve()\n"),
        ("answer_other", "x = Fit(t, e).curve()\n"),
    )
    nb.cells.insert(0, _km_setup())
    place = [cell_name(cell.source) for cell in nb.cells]

    def flags(*calls):
        return [str(f) for f in call_flags(calls, nb, [1, 2], SETUP_IMPORTS_IT)]

    assert flags((km, f"via:Fit.curve:{place[1]}")) == [
        f"library_shortcut(answer_km: {km} (called by Fit.curve))"
    ]
    assert flags((km, f"via:Fit.curve:{place[2]}")) == []  # allowed there
    assert flags((km, f"via:Fit.curve:{place[0]}")) == []  # the setup
    # review 19 #1: a figure or an explorer drawn in the cell, or any helper in a cell the
    # student added, is not the answer
    assert flags((km, f"via:plotting.survival.plot_km:{place[1]}")) == []
    assert flags((km, f"via:widgets.survival.explore_km:{place[1]}")) == []
    added = cell_name("km_fit.curve()\n")
    nb.cells.append(nbformat.v4.new_code_cell("km_fit.curve()\n"))
    assert [str(f) for f in call_flags([(km, f"via:Fit.curve:{added}")], nb, [1, 2, 3],
                                       SETUP_IMPORTS_IT)] == []  # fmt: skip
    # review 20 #3: a helper written in an added cell, called while the declaring cell runs
    laundered = [(km, f"via:Fit.curve:{added}+{place[1]}")]
    assert [str(f) for f in call_flags(laundered, nb, [1, 2, 3], SETUP_IMPORTS_IT)] == [
        f"library_shortcut(answer_km: {km} (called by Fit.curve))"
    ]
    nb.cells.pop()
    # review 20 #2: an explorer's state function returns numbers: it is not a plot
    assert flags((km, f"via:widgets.survival.trial_state:{place[1]}")) == [
        f"library_shortcut(answer_km: {km} (called by widgets.survival.trial_state))"
    ]
    # computed inside a forbidden function the kernel or the scan flagged already
    outer = "resistlab.survival.trial_power"
    assert (
        call_flags(
            [(km, f"via:survival.trial_power:{place[1]}")], nb, [1, 2], SETUP_IMPORTS_IT, {outer}
        )
        == []
    )
    fraction = "resistlab.binding.fraction_inhibited"  # a name the setup does not import
    nb = _cells(("answer_fraction", "fraction_inhibited = Fit().curve\n"))
    for place in ("via:Fit.curve:test", "via:Fit.curve:?", "via:run_kernel:?"):
        assert call_flags([(fraction, place)], nb, [0], SOURCE_CELLS) == [], place
    # a name the setup does not import is forbidden in every answer when the student calls
    # it; through the library, only where it is declared (02's estimate_m_mle computes
    # estimate_m_p0, which another answer declares)
    nb = _cells(("answer_fraction", "f = 1\n"), ("answer_other", "x = Fit().curve()\n"))
    other = cell_name(nb.cells[1].source)
    assert [str(f) for f in call_flags([(fraction, other)], nb, [0, 1], SOURCE_CELLS)] == [
        f"library_shortcut(answer_other: {fraction} (called))"
    ]
    assert call_flags([(fraction, f"via:Fit.curve:{other}")], nb, [0, 1], SOURCE_CELLS) == []
    assert [str(f) for f in call_flags([(fraction, "!")], nb, [0], SOURCE_CELLS)] == [
        f"library_shortcut(more places than the kernel records: {fraction} (called))"
    ]


def test_a_forbidden_function_run_before_its_exercise_was_graded_is_flagged():
    """Review 21 #1, review 22 #1-#5: a library helper that calls the forbidden function
    (09's ``hierarchy_state`` computes ``time_to_relapse``), run where the call is allowed
    (an earlier exercise's answer, a cell the student added, even one after the answer, or
    a test of another exercise) stored numbers the answer cell only copied, through names,
    ``_``, ``os.environ`` or ``sys.last_value``: full marks, no flag. Whatever carries the
    value, the call ran before the exercise that forbids the name was graded: that is the
    shortcut. After its tests, and for a plot, it is exploration; a thread the answer cell
    started counts in that cell."""
    fraction = "resistlab.binding.fraction_inhibited"
    state = "via:widgets.binding.occupancy_state"
    # answer_other 0, test_other 1, added 2, answer 3, added 4 (after the answer), test 5,
    # added 6 (after the tests)
    nb = _cells(
        ("answer_other", "x = occupancy_state(1)\n"),
        (None, "occupancy_state(2)\n"),
        ("answer_fraction", "f1 = _\n"),
        (None, "f1 = occupancy_state(3)\n"),
        (None, "occupancy_state(4)\n"),
    )
    for index, gid, code in ((1, "test_other", "assert x"), (5, "test_fraction", "assert f1")):
        test = nbformat.v4.new_code_cell(code)
        test.metadata["nbgrader"] = {"grade_id": gid, "grade": True, "points": 1}
        nb.cells.insert(index, test)
    place = [cell_name(cell.source) for cell in nb.cells]

    def flags(*calls):
        found = call_flags(calls, nb, [0, 2, 3, 4, 6], SOURCE_CELLS)
        return [str(f) for f in found]

    copied = (
        f"library_shortcut(answer_fraction: {fraction} (called by widgets.binding.occupancy_state"
    )
    for index, there in ((0, "answer_other"), (2, "cell 2"), (4, "cell 4")):
        assert flags((fraction, f"{state}:{place[index]}")) == [
            f"{copied} in {there}, before it was graded))"
        ]
    # a student's function, written in the other answer, computing it during that one's test
    assert flags((fraction, f"{state}:{place[0]}@test_other")) == [
        f"{copied} during test_other, before it was graded))"
    ]
    # the earliest is named, once
    assert flags((fraction, f"{state}:{place[4]}"), (fraction, f"{state}:{place[2]}")) == [
        f"{copied} in cell 2, before it was graded))"
    ]
    # a thread the answer cell started and waited on (no cell on its stack); one that ran
    # while an instructor's cell did (here test_other), before the answer was graded
    assert flags((fraction, f"{state}:?+{place[3]}")) == [f"{copied}))"]
    assert flags((fraction, f"{state}:?+{place[1]}")) == [
        f"{copied} in a thread, before it was graded))"
    ]
    # after the exercise's tests, in the setup, for a plot, or inside a forbidden function
    # flagged already (04's bypass_output computes fractional_inhibition): not this one
    assert flags((fraction, f"{state}:{place[6]}")) == []
    assert flags((fraction, "via:plotting.binding.plot_occupancy:" + place[2])) == []
    outer = "resistlab.binding.fold_resistance"
    found = call_flags(
        [(fraction, f"via:binding.fold_resistance:{place[2]}")],
        nb,
        [0, 2, 3, 4, 6],
        SOURCE_CELLS,
        {outer},
    )
    assert found == []
    nb.cells.insert(0, nbformat.v4.new_code_cell("from resistlab.widgets import occupancy_state"))
    setup = cell_name(nb.cells[0].source)
    assert call_flags([(fraction, f"{state}:{setup}")], nb, [1, 3, 4, 5, 7], SOURCE_CELLS) == []


def test_a_call_under_an_instructors_cell_with_no_student_code_on_the_stack_counts():
    """Review 23 #4: a ``weakref.finalize`` callback the student left, fired when the
    instructor's check cell rebinds a name, ran the forbidden function with only builtins
    and that cell on the stack: counted nowhere, full marks. The instructor's cells name
    what they call; a call under one that does not, before the exercise was graded, is the
    student's. It names them through its own imports: a check cell calling the student's
    function of the same name (``03``'s ``fraction_inhibited``) does not call the library's,
    and code of no cell on the way (``+made``) is the student's under any cell."""
    fraction = "resistlab.binding.fraction_inhibited"
    nb = _cells(
        ("answer_other", "def fraction_inhibited(a, b):\n    return a / (a + b)\n"),
        ("check_other", "_r_s = 2.0\nprint(fraction_inhibited(1.0, 2.0))\n"),
        (
            "figure",
            "from resistlab.binding import fraction_inhibited as fi\n"
            "y = fi(1.0, 2.0)\nz = float(y)\n",
        ),
        ("answer_fraction", "f1 = 0.5\n"),
        ("check_fraction", "_r_s = 3.0\n"),
    )
    for index in (1, 2, 4):  # the instructor's read-only cells
        nb.cells[index].metadata["nbgrader"] = {
            "grade_id": nb.cells[index].metadata["nbgrader"]["grade_id"],
            "locked": True,
        }
    test = nbformat.v4.new_code_cell("assert f1")
    test.metadata["nbgrader"] = {"grade_id": "test_fraction", "grade": True, "points": 1}
    nb.cells.insert(4, test)  # answer_other 0, check 1, figure 2, answer 3, test 4, check 5
    place = [cell_name(cell.source) for cell in nb.cells]

    def flags(*calls):
        return [str(f) for f in call_flags(calls, nb, [0, 3], SOURCE_CELLS)]

    assert flags((fraction, place[1])) == [
        f"library_shortcut(answer_fraction: {fraction} (called under check_other,"
        " before it was graded))"
    ]
    state = "via:widgets.binding.occupancy_state"
    assert flags((fraction, f"{state}:{place[1]}")) == [
        f"library_shortcut(answer_fraction: {fraction} (called by widgets.binding.occupancy_state"
        " under check_other, before it was graded))"
    ]
    assert flags((fraction, place[2])) == []  # the cell calls it itself
    assert flags((fraction, f"{place[2]}+made")) == [  # a .pyc's function ran on the way
        f"library_shortcut(answer_fraction: {fraction} (called by code of no cell and no"
        " installed module under figure, before it was graded))"
    ]
    # review 24 #1: a student's function run as the library's, named like what the cell
    # calls (float), is not the cell's own call
    assert flags((fraction, f"via:plotting.float:{place[1]}")) == [
        f"library_shortcut(answer_fraction: {fraction} (called by plotting.float under"
        " check_other, before it was graded))"
    ]
    assert flags((fraction, place[5])) == []  # after the exercise was graded


def test_a_call_made_while_a_test_runs_counts_against_that_tests_exercise():
    """Review 16 #3: in 04 the setup imports the forbidden function, so another answer cell
    may use it; a helper written there and bound as the forbidding cell's answer earned full
    marks unflagged. A call made while a hidden test runs (``PLACE@TEST``) counts where the
    test's exercise (the answer cell above it) forbids the name, wherever the calling code
    was written; a test of the other exercise may still reach the name."""
    km = "resistlab.survival.kaplan_meier"
    nb = _cells(
        ("answer_other", "def _helper(t, e):\n    return kaplan_meier(t, e)\n"),
        ("answer_km", "km_estimator = _helper\n"),
    )
    for gid, after in (("test_other", 1), ("test_km", 3)):
        test = nbformat.v4.new_code_cell("assert True")
        test.metadata["nbgrader"] = {"grade_id": gid, "grade": True, "points": 1}
        nb.cells.insert(after, test)
    nb.cells.insert(0, _km_setup())  # setup, answer_other, test_other, answer_km, test_km
    helper = cell_name(nb.cells[1].source)

    def flags(place):
        return [str(f) for f in call_flags([(km, place)], nb, [1, 3], SETUP_IMPORTS_IT)]

    assert flags(f"{helper}@test_km") == [
        f"library_shortcut(answer_km (by test_km): {km} (called))"
    ]
    assert flags(f"{helper}@test_other") == []  # its own exercise allows it
    assert flags(helper) == []  # called while its own cell ran, where the setup allows it


def test_output_flags():
    """An exit and running out of memory show in the outputs: a ``MemoryError``, or an import
    whose library could not be mapped under the address-space limit (review 56)."""
    unmapped = ".../pandas/_libs/internals.so: failed to map segment from shared object"
    cells = [nbformat.v4.new_code_cell("x") for _ in range(4)]
    cells[0].outputs = [
        nbformat.v4.new_output("error", ename="SystemExit", evalue="0", traceback=[]),
        nbformat.v4.new_output("error", ename="MemoryError", evalue="", traceback=[]),
    ]
    cells[1].outputs = [nbformat.v4.new_output("error", ename="ImportError", evalue=unmapped)]
    cells[2].outputs = [
        nbformat.v4.new_output("error", ename="OSError", evalue="[Errno 12] Cannot allocate")
    ]
    cells[3].outputs = [nbformat.v4.new_output("error", ename="ImportError", evalue="No numpy")]
    nb = nbformat.v4.new_notebook(cells=cells)
    assert [str(f) for f in output_flags(nb)] == [
        "process_exit(cell 0: SystemExit)",
        "memory_error(cell 0)",
        "memory_error(cell 1)",
        "memory_error(cell 2)",
    ]


def test_flags():
    with pytest.raises(ValueError, match="unknown flag code"):
        Flag("nope")
    assert needs_review([Flag("edited_cell", "t")]) and not needs_review([Flag("timeout", "t")])
    flags = [Flag("timeout", "a"), Flag("edited_cell", "t1"), Flag("edited_cell", "t2")]
    assert format_flags(flags) == "edited_cell(t1, t2) timeout(a)"


def test_the_scan_imports_only_the_librarys_science_modules():
    """A dotted name in a submission decides what the scan imports in the grader: only the
    library's science modules, never the course platform or a private module."""
    from resistlab.course.grading.integrity import _library_object
    from resistlab.survival import kaplan_meier

    assert _library_object("resistlab.widgets.survival.kaplan_meier") is kaplan_meier
    assert _library_object("resistlab.course.cli.main") is None
    assert _library_object("resistlab.__main__.kaplan_meier") is None
    assert _library_object("numpy.isclose") is None
