"""Sealed tests: attacks that forged full marks when the tests ran in the student's kernel.

Every submission below answers the fixture assignment WRONGLY (or not at all) and adds one
attack from issue 9 (items 3-5): patched comparisons, an error-swallowing AST transformer, a
``pre_run_cell`` callback, a patch-and-restore thread, reading the expected value from
``In[-1]``, an IPython startup file or a ``pandas.py`` in the submission, printing the tests
from ``In``. When the tests ran in the kernel each of them scored more than it deserved;
with the tests sealed in the grader each must score exactly what its answers deserve. One
``resistlab grade`` run (two workers, sandbox on, 10 s cell timeout) grades them all.
"""

from __future__ import annotations

import base64
import html
import re
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
    release_copy,
    submit,
)

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment
from resistlab.course.grading.feedback import generate_feedback, hidden_lines
from resistlab.course.grading.flags import FLAG_CODES

pytestmark = pytest.mark.slow

PATCH = """
import math
import numpy as np

def _yes(*args, **kwargs):
    return True
"""


@dataclass
class Case:
    name: str
    score: float
    flags: dict  # flag code -> substring of its detail ("" for any)


def _build(course) -> list[Case]:
    cases = []

    def case(name, nb=None, score=0.0, flags=None, **kw):
        for rel in kw.get("extra", {}):
            (course / "submitted" / name / NAME / rel).parent.mkdir(parents=True, exist_ok=True)
        submit(course, name, nb, **kw)
        cases.append(Case(name, score, flags or {}))

    fresh = lambda: release_copy(course)  # noqa: E731
    wrong = lambda **kw: answer(fresh(), hill=WRONG_HILL, ic50="ic50 = 1.0\n", **kw)  # noqa: E731

    case("wrong", wrong(), 0)
    case("perfect", answer(fresh()), 5)

    # Item 3: comparison functions patched through sys.modules, __module__ spoofed.
    aliased = WRONG_HILL + textwrap.dedent("""
        import sys

        _m = sys.modules["math"]
        _n = sys.modules["numpy"]

        def _yes(*args, **kwargs):
            return True

        _yes.__module__ = "math"
        _yes.__qualname__ = "isclose"
        setattr(_m, "isclose", _yes)
        setattr(_n, "isclose", _yes)
        setattr(_n, "allclose", _yes)
        """)
    case(
        "patched_via_sys_modules",
        answer(fresh(), hill=aliased, ic50="ic50 = 1.0\n"),
        0,
        {"monkeypatch": "setattr(math"},
    )

    # Item 3: an AST transformer that wraps every later cell in try/except: pass.
    swallow = WRONG_HILL + textwrap.dedent("""
        import ast

        class _Swallow(ast.NodeTransformer):
            def visit_Module(self, node):
                handler = ast.ExceptHandler(type=None, name=None, body=[ast.Pass()])
                wrapped = ast.Try(body=node.body, handlers=[handler], orelse=[], finalbody=[])
                return ast.fix_missing_locations(ast.Module(body=[wrapped], type_ignores=[]))

        get_ipython().ast_transformers.append(_Swallow())
        """)
    case(
        "ast_transformer",
        answer(fresh(), hill=swallow, ic50="ic50 = 1.0\n"),
        0,
        {"hook_override": "get_ipython()"},
    )

    # Item 3: patch before every cell, restore after it (nothing left for a probe to see).
    callback = (
        WRONG_HILL
        + PATCH
        + textwrap.dedent("""
        _saved = (math.isclose, np.isclose, np.allclose)

        def _before(info):
            math.isclose = np.isclose = np.allclose = _yes

        def _after(result):
            math.isclose, np.isclose, np.allclose = _saved

        get_ipython().events.register("pre_run_cell", _before)
        get_ipython().events.register("post_run_cell", _after)
        """)
    )
    case(
        "pre_run_cell_callback",
        answer(fresh(), hill=callback, ic50="ic50 = 1.0\n"),
        0,
        {"hook_override": "get_ipython()", "monkeypatch": "math.isclose"},
    )

    # Item 3: a thread that keeps patching while the tests run.
    thread = (
        WRONG_HILL
        + PATCH
        + textwrap.dedent("""
        import threading
        import time

        def _flip():
            end = time.monotonic() + 60
            while time.monotonic() < end:
                math.isclose = np.isclose = np.allclose = _yes
                time.sleep(0.0005)

        threading.Thread(target=_flip, daemon=True).start()
        """)
    )
    case(
        "patching_thread",
        answer(fresh(), hill=thread, ic50="ic50 = 1.0\n"),
        0,
        {"monkeypatch": "math.isclose"},
    )

    # Item 3: answers that read the running test's expected literal from In[-1].
    reader = textwrap.dedent("""
        import re

        def _expected(pattern):
            found = re.findall(pattern, get_ipython().user_ns["In"][-1])
            return float(found[0]) if found else 0.0

        def hill(dose, ec50, h):
            return _expected(r"\\)\\),\\s*([0-9.]+)")
        """)
    ic50_reader = textwrap.dedent("""
        class _Ic50:
            def __float__(self):
                return _expected(r"float\\(ic50\\),\\s*([0-9.]+)")

        ic50 = _Ic50()
        """)
    case(
        "reads_in",
        answer(fresh(), hill=reader, ic50=ic50_reader),
        0,
        {"hook_override": "get_ipython()"},
    )

    # Item 4: an IPython startup file in the submission defines the answer and patches.
    startup = "ic50 = 3.0\n" + PATCH + "math.isclose = np.isclose = np.allclose = _yes\n"
    case(
        "ipython_startup_file",
        answer(fresh(), hill=WRONG_HILL, ic50="pass\n"),
        0,
        {"kernel_config": ".ipython/profile_default/startup/00-answers.py"},
        extra={".ipython/profile_default/startup/00-answers.py": startup},
    )

    # Review 34 #3: the kernel writes a startup file and a kernel config into its own
    # IPYTHONDIR, then stops itself: the restarted kernel ran them (code no cell holds)
    def writes_then_exits(writer, probe):
        """A wrong answer whose added cells write a file, stop the kernel, then probe."""
        nb = answer(fresh(), hill=WRONG_HILL, ic50="pass\n")
        for source in (writer, "import os\nos._exit(0)", probe):
            nb.cells.append(nbformat.v4.new_code_cell(source))
        return nb

    case(
        "startup_file_written_by_kernel",
        writes_then_exits(STARTUP_WRITER, STARTUP_PROBE),
        0,
        {"kernel_died": "", "process_exit": "os._exit"},
    )

    # Review 35 #2, #3: a submitted ipykernel_launcher.py was the kernel's entry point
    # (the working folder was put first on sys.path by hand), and one a kernel wrote before
    # stopping itself was the restarted kernel's
    case(
        "launcher_in_working_folder",
        writes_then_exits(LAUNCHER_WRITER, LAUNCHER_PROBE),
        0,
        {"extra_file": "ipykernel_launcher.py", "kernel_died": "", "process_exit": "os._exit"},
        extra={"ipykernel_launcher.py": launcher("submitted")},
    )

    # Review 35 #5: a Vega chart JupyterLab renders live in the untrusted live notebook
    # (it read the hidden tests through the instructor's server)
    charted = answer(fresh())
    charted.cells.append(nbformat.v4.new_code_cell(VEGA_CHART))
    case("vega_chart", charted, 5, {"output_dropped": "application/vnd.vega.v5+json"})

    # Item 4: a pandas.py beside the notebook; the answer takes its value from it.
    shadow = "SHADOW = 3.0\n" + PATCH + "math.isclose = np.isclose = np.allclose = _yes\n"
    case(
        "pandas_beside_notebook",
        answer(
            fresh(),
            hill=WRONG_HILL,
            ic50='import pandas\n\nic50 = getattr(pandas, "SHADOW", 0.0)\n',
        ),
        0,
        {"extra_file": "pandas.py"},
        extra={"pandas.py": shadow},
    )

    # Review 45 F2: code written to a file at run time (base64, so the scan reads nothing of
    # it) and imported, and another file run with %run, had raised no flag at all; the
    # answers are right, so the score stays full
    payload = base64.b64encode(b"import numpy as np\nnp.isclose = lambda *a, **k: True\n")
    written = answer(fresh())
    written.cells.append(
        nbformat.v4.new_code_cell(
            "import base64, os, sys\n"
            f"open('helper_mod.py', 'w').write(base64.b64decode({payload!r}).decode())\n"
            "open('helper_run.py', 'w').write('X = 1\\n')\n"
            "sys.path.insert(0, os.getcwd())\n"
            "import helper_mod\n"
        )
    )
    written.cells.append(nbformat.v4.new_code_cell("%run helper_run.py"))
    case(
        "imports_a_file_it_wrote",
        written,
        5,
        {
            "dynamic_code": "helper_mod.py, a Python file",
            "magic": "%run",
            # the run-time check sees what the file left patched
            "monkeypatch": "numpy.isclose replaced (at the notebook's end)",
        },
    )

    def added(*sources):  # the right answers, and cells added after them
        nb = answer(fresh())
        nb.cells.extend(nbformat.v4.new_code_cell(source) for source in sources)
        return nb

    def pyc(stem, text):  # a .pyc compiled under os's file name, its source then removed
        return (
            "import os, pkgutil, py_compile, runpy, sys\n"
            f"open('{stem}_src.py', 'w').write({text!r})\n"
            f"py_compile.compile('{stem}_src.py', cfile='{stem}.pyc', dfile=os.__file__)\n"
            f"os.remove('{stem}_src.py')\n"
        )

    # Review 49 (B): a .pyc the notebook compiled under another file's name, its source then
    # removed, ran unflagged (the file its code names is gone, and not the kernel's)
    compiled = added(
        pyc("helper_pyc", "X = 1\n") + "sys.path.insert(0, os.getcwd())\nimport helper_pyc\n"
    )
    case("imports_a_pyc_it_wrote", compiled, 5, {"dynamic_code": "helper_pyc.pyc, a Python file"})
    # Review 50 (B) #1: hidden text run as an IPython macro (the prefilter puts the text in
    # the place of the cell that names the macro)
    macro = added(
        f"_c = bytes.fromhex({b'X_MACRO = 1'.hex()!r}).decode()\n%macro -q _m _c\n", "_m"
    )
    case("runs_a_macro", macro, 5, {"dynamic_code": "ran code given as text", "magic": "%macro"})
    # Review 50 (B) #2: an .ipy file the notebook wrote, run with %run (its cells are run
    # from inside the cell that runs it)
    ipy = added("open('helper_cells.ipy', 'w').write('Y_IPY = 2\\n')\n%run helper_cells.ipy\n")
    case("runs_an_ipy_file", ipy, 5, {"dynamic_code": "ran code given as text", "magic": "%run"})
    # the body of a cell's own cell magic, which IPython runs as a cell from inside it, is
    # that cell's text: no flag beyond the magic's
    captured = added("%%capture\nprint('quiet')\n")
    case("captures_its_output", captured, 5, {"magic": "%capture"})
    # Review 50 (B) #3: a .pyc compiled under another file's name, run through runpy, and
    # code read from it run by runpy's own runner
    runpy_pyc = added(
        pyc("c_run", "Z_PYC = 3\n") + "getattr(runpy, 'run_' + 'path')('c_run.pyc')\n"
    )
    case("runs_a_pyc_through_runpy", runpy_pyc, 5, {"dynamic_code": "c_run.pyc, a Python file"})
    read_pyc = added(
        pyc("d_run", "W_PYC = 4\n") + "with open('d_run.pyc', 'rb') as _fh:\n"
        "    getattr(runpy, '_run_' + 'code')(pkgutil.read_code(_fh), {})\n"
    )
    case("runs_pyc_code_through_runpy", read_pyc, 5, {"dynamic_code": "ran code given as text"})
    # Review 49 (B): a profile function stored in threading's hook under a built name runs in
    # every thread threading starts; threading, not the student's code, installs it there
    profiled = added(
        "import threading\n"
        "getattr(threading, 'set' + 'profile')(lambda *args: None)\n"
        "_t = threading.Thread(target=len, args=((),))\n_t.start()\n_t.join()\n"
    )
    case("profile_in_a_thread", profiled, 5, {"hook_override": "in a thread"})
    # Review 51 (B) #1: text (read from a file, so the scan sees none of it) run by exec
    # handed over as a value (a thread's target, an executor's or a finalizer's callable),
    # by timeit in an executor's thread, or by IPython's ex and %time called through built
    # names, had raised no flag
    text = f"bytes.fromhex({b'X_TEXT = 1'.hex()!r}).decode()"
    handed = "import builtins, sys\n_e = vars(builtins)['ex' + 'ec']\n"
    shell = "_sh = getattr(vars(sys)['display' + 'hook'], 'sh' + 'ell')\n"
    threaded = added(
        handed + "import threading\n"
        f"_t = threading.Thread(target=_e, args=({text}, {{}}))\n_t.start()\n_t.join()\n"
    )
    case("execs_in_a_thread", threaded, 5, {"dynamic_code": "ran code given as text"})
    pooled = added(
        "import timeit\nfrom concurrent.futures import ThreadPoolExecutor\n"
        "with ThreadPoolExecutor(1) as _pool:\n"
        f"    _pool.submit(getattr(timeit, 'time' + 'it'), {text}, number=1).result()\n"
    )
    case("times_text_in_an_executor", pooled, 5, {"dynamic_code": "ran code given as text"})
    finalized = added(
        handed + "import weakref\nclass _O: pass\n"
        f"_o = _O()\nweakref.finalize(_o, _e, {text}, {{}})\ndel _o\n"
    )
    case("execs_in_a_finalizer", finalized, 5, {"dynamic_code": "ran code given as text"})
    # (review 57: 'display' + 'hook' spells a hook's name: hook_override besides)
    through_shell = {"dynamic_code": "ran code given as text", "hook_override": "'displayhook'"}
    through_ex = added(handed + shell + f"getattr(_sh, 'e' + 'x')({text})\n")
    case("execs_through_the_shell", through_ex, 5, through_shell)
    through_time = added(
        handed + shell + f"getattr(_sh, 'run_line_' + 'magic')('ti' + 'me', {text})\n"
    )
    case("times_text_through_the_shell", through_time, 5, through_shell)
    # Review 52 (B) #1: exec, and the shell's run_cell, started by _thread itself (no Python
    # frame calls them) ran a file's text unflagged
    raw_thread = added(
        handed + "import _thread, time\n"
        f"_thread.start_new_thread(_e, ({text}, {{}}))\ntime.sleep(1)\n"
    )
    case("execs_in_a_raw_thread", raw_thread, 5, {"dynamic_code": "ran code given as text"})
    raw_cell = added(
        handed + shell + "import _thread, time\n"
        f"_thread.start_new_thread(getattr(_sh, 'run_' + 'cell'), ({text},))\ntime.sleep(1)\n"
    )
    case("runs_a_cell_in_a_raw_thread", raw_cell, 5, through_shell)
    # Review 53 (B) #1: logging.config.fileConfig evaluates its handlers' arguments: a file
    # the notebook wrote had patched numpy through it, unflagged
    ini = "[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n[logger_root]\n"
    ini += "handlers=h\n[handler_h]\nclass=StreamHandler\nargs=(__import__('sys').stdout,)\n"
    written = f"bytes.fromhex({ini.encode().hex()!r}).decode()"
    configured = added(
        "import logging.config\n"
        f"with open('log.ini', 'w') as _fh:\n    _fh.write({written})\n"
        "logging.config.fileConfig('log.ini')\n"
    )
    case("evals_a_logging_file", configured, 5, {"dynamic_code": "ran code given as text"})
    # the lines a cell's own %time and %timeit run are that cell's text: no flag of their own
    timed = added("%time _y = sum(range(10))\n%timeit -n1 -r1 sum(range(10))\n")
    case("times_its_own_lines", timed, 5, {})

    # Review 55 (B): native code the notebook wrote (here a copy of a standard extension
    # module) ran unflagged, loaded with ctypes or imported; its constructor runs as it loads,
    # before any audit could see what it does, so the load itself is reported
    copied = (
        "import _bisect, os, shutil, sys\nos.makedirs('ext', exist_ok=True)\n"
        "_so = shutil.copy(_bisect.__file__, 'ext/' + os.path.basename(_bisect.__file__))\n"
    )
    dlopened = added(copied + "import ctypes\nctypes.CDLL('./' + _so)\n")
    case("loads_a_library_it_wrote", dlopened, 5, {"dynamic_code": "native code from ext/_bisect"})
    imported = added(
        copied + "sys.path.insert(0, os.getcwd())\nimport ext._bisect\n"
        "assert ext._bisect.__file__.startswith(os.getcwd()), ext._bisect.__file__\n"
    )
    case("imports_an_extension_it_wrote", imported, 5, {"dynamic_code": "native code from ext/"})
    # cffi's own loader raises no audit event: importing it is reported
    through_cffi = added(copied + "import cffi\ncffi.FFI().dlopen('./' + _so)\n")
    case("loads_a_library_through_cffi", through_cffi, 5, {"dynamic_code": "imported cffi"})

    # Review 46 (B): the agent was installed with the first test, after the student's cells
    # above it, so a module a cell ran first under the agent's name passed for the agent
    early = answer(fresh())
    early.cells.insert(
        0, nbformat.v4.new_code_cell("import sys\nprint('AGENT', '_rl_sealed' in sys.modules)")
    )
    case("agent_before_any_cell", early, 5, {})

    # Item 5: print the tests from In, reversed and base64-encoded; raise them as a message.
    leak = textwrap.dedent("""
        import base64

        def hill(dose, ec50, h):
            text = "\\n".join(get_ipython().user_ns["In"])
            print(text[::-1])
            print(base64.b64encode(text.encode()).decode())
            raise ValueError(base64.b64encode(text.encode()).decode())
        """)
    case("prints_tests", answer(fresh(), hill=leak), 2, {"hook_override": "get_ipython()"})

    # Issue 10 item 6: nbgrader's own files are not extra; issue 16 item 7: re-imports.
    case(
        "nbgrader_files",
        answer(fresh()),
        5,
        {},
        extra={"submission_secret.txt": "0123abcd", "timestamp.txt": "2026-01-01 00:00:00"},
    )
    reimport = "import math\nimport numpy as np\nimport pandas as pd\n\n" + CORRECT_HILL
    case("reimports", answer(fresh(), hill=reimport), 5, {})
    # Review 2 #6: log every request the grader sends (a pre_run_cell hook), print them at the end.
    logger = answer(
        fresh(),
        hill=CORRECT_HILL
        + textwrap.dedent("""
        _requests = []
        get_ipython().events.register("pre_run_cell", lambda info: _requests.append(info.raw_cell))
        """),
    )
    logger.cells.append(nbformat.v4.new_code_cell("print('\\n'.join(_requests))"))
    case("logs_requests", logger, 5, {"hook_override": "get_ipython()"})
    # Review 15 #2: a lone surrogate in the message of an exception raised while a hidden
    # test calls the student's function had made the notebook unwritable (an ERROR that kept
    # the earlier grade): the test fails, nothing else.
    raises = (
        "    if np.ndim(dose) == 0 and dose == 3.0:\n"
        '        raise ValueError("bad \\udcff value")\n'
    )
    surrogate = CORRECT_HILL.replace("    dose = np.asarray", raises + "    dose = np.asarray")
    case("surrogate_in_exception", answer(fresh(), hill=surrogate), 3)
    # Review 15 #3: an error output the kernel forges while a test calls the student's code
    # had failed the test and read as its coaching message (feedback, class report)
    forged = CORRECT_HILL.replace("    dose = np.asarray", FORGE_ERROR + "    dose = np.asarray")
    case("forges_test_error", answer(fresh(), hill=forged), 5)
    # Review 39 #1, #2: a result the kernel sends while a test calls the student's code
    # (sys.displayhook) was read by nbgrader as the test's partial credit: full marks for
    # wrong answers; a number above the cell's points made the submission an ERROR that kept
    # its earlier grade; a thread of the student's did it with no call at all
    says = WRONG_HILL.replace(
        "    return", "    import sys\n\n    sys.displayhook(SAY)\n    return"
    )
    for name, say in (("forges_partial_credit", '"ok"'), ("forges_credit_above_points", "100")):
        case(name, answer(fresh(), hill=f"SAY = {say}\n\n\n{says}", ic50=SAYS_IC50), 0)
    case(
        "results_from_a_thread",
        answer(fresh(), hill=WRONG_HILL + RESULTS_THREAD, ic50="ic50 = 1.0\n"),
        0,
    )
    return cases


#: an IC50 whose conversion to float shows a result (the test converts it in the kernel)
SAYS_IC50 = """
import sys


class _Says:
    def __float__(self):
        sys.displayhook(SAY)
        return 1.0


ic50 = _Says()
"""

#: a thread that shows a result every 20 ms, whatever cell or request is running
RESULTS_THREAD = """
import sys
import threading
import time


def _beat():
    while True:
        sys.displayhook("ok")
        time.sleep(0.02)


threading.Thread(target=_beat, daemon=True).start()
"""


STARTUP_WRITER = """
import os

profile = os.path.join(os.environ["IPYTHONDIR"], "profile_default")
os.makedirs(os.path.join(profile, "startup"), exist_ok=True)
with open(os.path.join(profile, "startup", "00-answers.py"), "w") as f:
    f.write("STARTUP_RAN = 1\\n")
with open(os.path.join(profile, "ipython_kernel_config.py"), "w") as f:
    f.write("c.InteractiveShellApp.exec_lines = ['CONFIG_RAN = 1']\\n")
"""


VEGA_CHART = """
from IPython.display import display

spec = {"data": [{"name": "t", "url": "data.json"}], "marks": []}
display({"application/vnd.vega.v5+json": spec, "text/plain": "a chart"}, raw=True)
display({"application/vnd.vegalite.v4+json": spec}, raw=True)
"""


def launcher(how: str) -> str:
    """An ``ipykernel_launcher.py`` that marks the kernel, then starts ipykernel's."""
    return (
        f"import os\nos.environ['RL_LAUNCHER'] = {how!r}\n"
        "from ipykernel import kernelapp\nkernelapp.launch_new_instance()\n"
    )


LAUNCHER_WRITER = (
    f"with open('ipykernel_launcher.py', 'w') as f:\n    f.write({launcher('written')!r})"
)
LAUNCHER_PROBE = "import os\nprint('launcher:', os.environ.get('RL_LAUNCHER'))"

STARTUP_PROBE = "print('ran:', sorted({'STARTUP_RAN', 'CONFIG_RAN'} & set(globals())))"

FORGE_ERROR = """    if np.ndim(dose) == 0 and dose == 3.0:
        import sys

        out = sys.stdout
        text = "FORGED " + "coaching: the autograder is wrong, ask for a regrade"
        content = {"ename": "AssertionError", "evalue": text, "traceback": []}
        out.session.send(out.pub_thread, "error", content, parent=out.parent_header)
"""
#: what the forged error says (built at run time: the student's source does not hold it)
FORGED_COACHING = "FORGED coaching: the autograder is wrong, ask for a regrade"


CASE_NAMES = [
    "wrong",
    "perfect",
    "patched_via_sys_modules",
    "ast_transformer",
    "pre_run_cell_callback",
    "patching_thread",
    "reads_in",
    "ipython_startup_file",
    "startup_file_written_by_kernel",
    "launcher_in_working_folder",
    "vega_chart",
    "pandas_beside_notebook",
    "imports_a_file_it_wrote",
    "imports_a_pyc_it_wrote",
    "profile_in_a_thread",
    "execs_in_a_thread",
    "times_text_in_an_executor",
    "execs_in_a_finalizer",
    "execs_through_the_shell",
    "times_text_through_the_shell",
    "evals_a_logging_file",
    "times_its_own_lines",
    "loads_a_library_it_wrote",
    "imports_an_extension_it_wrote",
    "loads_a_library_through_cffi",
    "execs_in_a_raw_thread",
    "runs_a_cell_in_a_raw_thread",
    "runs_a_macro",
    "captures_its_output",
    "runs_an_ipy_file",
    "runs_a_pyc_through_runpy",
    "runs_pyc_code_through_runpy",
    "agent_before_any_cell",
    "prints_tests",
    "nbgrader_files",
    "reimports",
    "logs_requests",
    "surrogate_in_exception",
    "forges_test_error",
    "forges_partial_credit",
    "forges_credit_above_points",
    "results_from_a_thread",
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, _released_fixture):
    course = tmp_path_factory.mktemp("sealed") / "course"
    shutil.copytree(_released_fixture, course)
    cases = _build(course)
    run = grade_assignment(Course(course), NAME, GradeOptions(jobs=2, timeout=10, quiet=True))
    return course, {c.name: c for c in cases}, {r.student: r for r in run.rows}, run


def test_every_case_is_built(graded):
    _, cases, rows, run = graded
    assert sorted(cases) == sorted(CASE_NAMES) == sorted(rows)
    assert run.errors == 0


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case(graded, name):
    """Exact score (gradebook), exact flag codes naming the culprit, review mark."""
    from nbgrader.api import Gradebook

    course, cases, rows, _ = graded
    case, row = cases[name], rows[name]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_submission(NAME, name).score == pytest.approx(case.score), (
            f"{name}: {[str(f) for f in row.flags]}"
        )
    codes = {flag.code for flag in row.flags}
    assert codes == set(case.flags), f"{name}: got {[str(f) for f in row.flags]}"
    for code, detail in case.flags.items():
        assert any(f.code == code and detail in f.detail for f in row.flags), (
            f"{name}: no {code} flag naming {detail!r} in {[str(f) for f in row.flags]}"
        )
    assert row.review == any(FLAG_CODES[c][0] == "review" for c in case.flags)


def test_the_agent_is_the_first_module_of_its_name_in_the_kernel(graded):
    """The grader's agent is in the kernel before the notebook's first cell runs."""
    course = graded[0]
    path = course / "autograded" / "agent_before_any_cell" / NAME / f"{NAME}.ipynb"
    text = "".join(o.get("text", "") for o in nbformat.read(path, as_version=4).cells[0].outputs)
    assert "AGENT True" in text, text


def _decoded(text: str) -> str:
    """``text``, reversed, and every base64 token in either decoded."""
    parts = [text, text[::-1]]
    for source in (text, text[::-1]):
        for token in re.findall(r"[A-Za-z0-9+/=]{16,}", source):
            try:
                parts.append(base64.b64decode(token + "=" * (-len(token) % 4)).decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
    return "\n".join(parts)


def test_hidden_tests_never_reach_the_kernel_or_the_feedback(graded):
    """The hidden tests are in no output of the autograded notebook, in no form (plain,
    reversed, base64), and the feedback shows no text the student's code produced."""
    course, _, _, _ = graded
    source = nbformat.read(course / "notebooks" / NAME / f"{NAME}.ipynb", as_version=4)
    hidden = hidden_lines([c.source for c in source.cells])
    assert hidden
    nb = nbformat.read(course / "autograded" / "prints_tests" / NAME / f"{NAME}.ipynb", 4)
    outputs = "\n".join(
        str(o.get("text", "")) + str(o.get("evalue", "")) + "\n".join(o.get("traceback", []))
        for c in nb.cells
        for o in c.get("outputs", [])
    )
    assert "def hill" in _decoded(outputs), "control: the student's cells were printed"
    assert not [line for line in hidden if line in _decoded(outputs)]
    pages = generate_feedback(Course(course), NAME, ["prints_tests"], log=lambda *_: None)
    text = html.unescape(re.sub(r"<[^>]+>", "", pages[0].path.read_text()))
    assert not [line for line in hidden if line in _decoded(text)]
    # the student's ValueError message (base64 of In) is not the test's message
    assert "ValueError" in text
    assert not re.search(r"ValueError: [A-Za-z0-9+/=]{16,}", text)


def test_names_a_hidden_test_binds_are_never_requested(graded):
    """The grader asks the kernel only for names the student may define: never for the
    variables a hidden test binds itself (they named the hidden test's structure)."""
    course, _, _, _ = graded
    nb = nbformat.read(course / "autograded" / "logs_requests" / NAME / f"{NAME}.ipynb", 4)
    log = _decoded("".join(str(o.get("text", "")) for o in nb.cells[-1].get("outputs", [])))
    assert '"hill"' in log, f"control: the requests were not logged: {log[:300]}"
    assert "_doses_fresh" not in log and "_hill_fresh" not in log, log


def test_a_restarted_kernel_runs_no_startup_file_an_earlier_kernel_wrote(graded):
    """Review 34 #3: a kernel wrote an IPython startup file and a kernel config into its
    IPYTHONDIR and stopped itself; the restarted kernel had run both before answering the
    grader. Every kernel start now gets fresh configuration folders."""
    course, _, _, _ = graded
    nb = nbformat.read(
        course / "autograded" / "startup_file_written_by_kernel" / NAME / f"{NAME}.ipynb", 4
    )
    printed = "".join(str(o.get("text", "")) for o in nb.cells[-1].get("outputs", []))
    assert printed == "ran: []\n", printed
    assert "os._exit" in nb.cells[-2].source  # control: the kernel was stopped there
    assert any(o.get("output_type") == "error" for o in nb.cells[-2].get("outputs", []))


def test_no_launcher_from_the_working_folder_starts_a_kernel(graded):
    """Review 35 #2: neither the submitted ``ipykernel_launcher.py`` nor the one the first
    kernel wrote before stopping itself started a kernel of the notebook."""
    course, _, _, _ = graded
    nb = nbformat.read(
        course / "autograded" / "launcher_in_working_folder" / NAME / f"{NAME}.ipynb", 4
    )
    printed = "".join(str(o.get("text", "")) for o in nb.cells[-1].get("outputs", []))
    assert printed == "launcher: None\n", printed
    assert any(o.get("output_type") == "error" for o in nb.cells[-2].get("outputs", []))


def test_outputs_jupyterlab_renders_live_are_not_kept(graded):
    """Review 35 #5: the autograded notebook keeps no Vega or Vega-Lite output (JupyterLab
    renders them in an untrusted notebook, loading files from the instructor's server); an
    output left with nothing says what it held."""
    course, _, _, _ = graded
    nb = nbformat.read(course / "autograded" / "vega_chart" / NAME / f"{NAME}.ipynb", 4)
    shown = [dict(o.get("data", {})) for o in nb.cells[-1].get("outputs", [])]
    assert shown == [
        {"text/plain": "a chart"},
        {"text/plain": "[application/vnd.vegalite.v4+json: not kept by the grader]"},
    ], shown


def test_what_the_students_code_sends_during_a_test_never_speaks_for_it(graded):
    """Review 15 #2, #3: the surrogate is written as ``?`` in the failed test's traceback
    (for the instructor) and both students get a page; the forged error is in no output, no
    page and no class report."""
    from resistlab.course.grading.classreport import assignment_html, build_report

    course, _, _, _ = graded
    students = ["surrogate_in_exception", "forges_test_error"]
    cells = {}
    for student in students:
        nb = nbformat.read(course / "autograded" / student / NAME / f"{NAME}.ipynb", 4)
        cells[student] = {
            c.metadata["nbgrader"]["grade_id"]: c
            for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")
        }
    (error,) = cells["surrogate_in_exception"]["test_hill_values"].outputs
    assert error.ename == "ValueError" and "bad ? value" in error.traceback[-1], error
    assert FORGED_COACHING not in str(cells["forges_test_error"])
    pages = generate_feedback(Course(course), NAME, students, log=lambda *_: None)
    assert sorted(page.student for page in pages) == sorted(students)
    assert not any(FORGED_COACHING in page.path.read_text() for page in pages)
    report = build_report(Course(course), NAME)
    assert FORGED_COACHING not in repr(report) + assignment_html(report)


def test_a_result_the_students_code_shows_during_a_test_is_kept_as_a_display(graded):
    """Review 39 #1: what ``sys.displayhook`` showed while the tests called the student's
    code stays visible to the student, as a display, never as the test cell's result."""
    course, _, _, _ = graded
    nb = nbformat.read(course / "autograded" / "forges_partial_credit" / NAME / f"{NAME}.ipynb", 4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    kinds = [[o.output_type for o in c.outputs] for c in tests]
    assert all("execute_result" not in k for k in kinds), kinds
    shown = [o for c in tests for o in c.outputs if o.output_type == "display_data"]
    assert shown and {o.data["text/plain"] for o in shown} == {"'ok'"}, kinds
    assert all(k and k[-1] == "error" for k in kinds), kinds  # every test failed


def test_a_test_cells_text_is_cut_however_large_a_students_values_made_it():
    """Review 26 #2: ``02``'s test interpolates the student's ``ld_summary`` index into its
    ``assert`` message; an index of 48 MB strings put the message, twice (value and
    traceback), into the autograded notebook (336 MB, past the 32 MiB a notebook may hold)
    and its feedback page took 126 s and 3.5 GB. Every text of a test cell's output keeps
    at most ``MAX_TEST_TEXT`` characters, and says how many it lost."""
    from nbformat import NotebookNode

    from resistlab.course.grading.sealed import MAX_TEST_TEXT, _writable

    huge = "'" * (4 * 1024 * 1024) + '"'
    output = NotebookNode(
        output_type="error",
        ename="AssertionError",
        evalue=f"index {huge}",
        traceback=["  line 3: assert ok, msg", f"AssertionError (raised by the test): {huge}"],
    )
    _writable(output)
    assert output.evalue.startswith("index ''") and len(output.evalue) < MAX_TEST_TEXT + 64
    assert output.evalue.endswith(f"({len(huge) + 6 - MAX_TEST_TEXT} characters not kept)")
    assert output.traceback[0] == "  line 3: assert ok, msg"  # short text is kept whole
    assert len(output.traceback[1]) < MAX_TEST_TEXT + 64
    stream = NotebookNode(output_type="stream", name="stdout", text="x" * 100)
    _writable(stream)
    assert stream.text == "x" * 100


def test_a_handle_refuses_every_comparison():
    """Review 72 A: a handle (an object that stays in the kernel) had compared by identity, so
    ``answer != "indeterminate"`` held for any object a student returned; every comparison
    now raises ``TypeError``, as the docs say, and a handle still hashes by identity."""
    import operator

    from resistlab.course.grading.sealed import Remote

    handle = Remote(None, 1, "Answer")
    for compare in (operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge):
        with pytest.raises(TypeError, match="cannot compare an object of the submission"):
            compare(handle, "indeterminate")
    with pytest.raises(TypeError):
        "indeterminate" in [handle]  # noqa: B015
    assert hash(handle) == object.__hash__(handle)


def test_the_kernels_reply_is_read_only_as_one_string_literal():
    """Review 72 A: the reply's text was handed to ``ast.literal_eval`` whole, which builds
    sets and dicts: a set literal of integers of one hash held the grader minutes. Only one
    string literal, as IPython shows a ``str``, is read; anything else is refused unbuilt."""
    from resistlab.course.grading.sealed import _one_string

    for text in ("'a'", '"b\\"c"', repr("x'y\"z\\\n\x00é")):
        assert _one_string(text) == eval(text)
    crowded = "{" + ", ".join(str(k * (2**61 - 1)) for k in range(1, 20_001)) + "}"
    for text in (crowded, f"'a', {crowded}", "'a' 'b'", "'''a'''", "b'a'", "'a'+'b'", "", "'"):
        with pytest.raises(ValueError, match="not one string literal"):
            _one_string(text)
