"""Sealed tests: test cells run in the grader; the student's kernel only answers for its names.

nbgrader runs a test cell in the student's kernel, so the hidden tests, their expected
values and the comparisons all live in the process the student's code controls: a patched
``math.isclose``, an AST transformer that swallows errors, a callback that reads the test
from ``In`` all turn a wrong answer into full marks. Here a test (grade) cell never enters
the kernel:

1. the cell runs in a *trusted namespace* in the grader: the instructor's setup cells
   (from the gradebook, never from the submission) executed again for every submission,
   the instructor's later read-only cells that define names the tests read
   (:func:`instructor_cells`), plus the test cell's own imports;
2. every other name the cell uses (found statically with :mod:`symtable`) is looked up in the
   kernel when the cell reads it: data (numbers, strings, lists, dicts, NumPy arrays, pandas
   tables, resistlab's result dataclasses) comes back *by value* in the format of
   :mod:`~resistlab.course.grading.sealed_agent` (JSON, ``.npy`` without pickle, size-capped);
   functions and other objects come back as a :class:`Remote` handle;
3. calling a handle sends the arguments (fresh test inputs, by value) to the kernel, runs the
   student's function there, and brings the result back by value; an argument the function
   changed in place is changed in the grader too (so "does not modify its input" tests
   work);
4. an exception raised by the student's code comes back as its (built-in) type name and
   message and is raised again in the grader as that type, so ``try/except ValueError`` in a
   test behaves as in the kernel; comparisons, ``assert`` and every expected value stay in
   the grader.

Requests run in the kernel with ``store_history=False`` (never in ``In``/``Out``); output the
student's code prints while a test calls it is recorded in the test cell, as nbgrader would
record it (so ``IgnorePattern`` and the stderr rule of nbgrader's ``determine_grade`` apply
unchanged). The error recorded for a failed test keeps a message only when it is the
instructor's ``assert`` (or a ``NameError``); text produced by the student's code never
becomes a test's message.

The test's own code in the grader shares the cell's time limit (cut to the submission's
budget): an alarm signal interrupts it there (:func:`_time_limit`).

What cannot be sealed: an operator (``+``, ``==``, ``<``, ``in``) applied to an object that is
not data (a handle) raises ``TypeError`` in the grader, so the test fails; a value referenced
only inside a comprehension or lambda of the test is fetched when the cell starts; a trusted
function or lambda cannot be passed to the student's code (``TypeError``).
"""

from __future__ import annotations

import ast
import asyncio
import base64
import builtins
import contextlib
import io
import json
import linecache
import signal
import symtable
import threading
import time
import traceback
import warnings
from pathlib import Path
from typing import ClassVar

from nbformat import NotebookNode

from . import runtime_watch
from . import sealed_agent as agent
from .flags import Flag
from .integrity import forbidden_names

__all__ = ["Remote", "SealedTests", "free_names", "setup_sources"]

#: What the grader installs in the kernel, as one module (``_rl_sealed``, the name the audit
#: hook knows the grader's code by): the agent that answers the tests, and the run-time
#: check of what the notebook leaves patched (its ``from __future__`` line dropped: it may
#: only open a module).
_AGENT_SOURCE = "\n\n".join(
    (
        Path(agent.__file__).read_text(encoding="utf-8"),
        Path(runtime_watch.__file__)
        .read_text(encoding="utf-8")
        .replace("from __future__ import annotations\n", ""),
    )
)
_REPLY = "__import__('sys').modules['_rl_sealed'].reply"
#: Installs the agent before the notebook's first cell (and after each restart), imports
#: the modules of the watched library functions, which the kernel then wraps
#: (:func:`runtime_watch.preload`), and records what the notebook starts with
#: (:func:`runtime_watch.watch`).
_INSTALL = (
    "__import__('sys').modules.__setitem__('_rl_sealed', (lambda m: (exec(compile({src!r}, "
    "'_rl_sealed', 'exec'), m.__dict__), m.preload({modules!r}), m.watch(), m)[3])("
    "__import__('types').ModuleType('_rl_sealed')))"
)
#: Seconds the kernel has to install the agent (within the submission's time budget): the
#: grader's own work, not held to a cell's time limit (a kernel slowed past a limit of 3 s,
#: on a loaded machine, was interrupted while installing it, and the agent installed again
#: was flagged as text the notebook compiled).
INSTALL_SECONDS = 60
#: How a failed test's traceback names an exception the student's code raised (the class
#: report reads it: a NameError or AssertionError from there is not the test's own).
RAISED_BY_SUBMISSION = "raised by the submitted code"
#: Exceptions whose message the feedback may show: raised by the test's own code.
_SHOWN = (AssertionError, NameError)


class SealedProtocolError(RuntimeError):
    """The kernel's answer to a request was missing or malformed."""


class _Fatal(BaseException):
    """The kernel died or stopped answering: stop the cell (not catchable by tests)."""


def _python(source: str) -> str:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def free_names(code: str) -> tuple[set[str], set[str]]:
    """Names a cell reads without defining them: ``(at top level, inside nested scopes)``.

    A name the cell binds at top level (an assignment, a ``def``, an import) is not in the
    nested set: a comprehension or function of the cell reads the cell's own value, so the
    kernel is never asked for it (it would learn the names of a hidden test's variables).

    Examples
    --------
    >>> top, nested = free_names("import math\\nx = f(2)\\nassert all(g(v) for v in y)")
    >>> sorted(top), sorted(nested)
    (['all', 'f', 'y'], ['g'])
    >>> top, nested = free_names("w = {k: f(k) for k in ks}\\nassert all(w[k] for k in ks)")
    >>> sorted(top), sorted(nested)
    (['all', 'ks'], ['f'])
    """
    table = symtable.symtable(code, "<cell>", "exec")
    top, nested = set(), set()
    imported = {s.get_name() for s in table.get_symbols() if s.is_imported()}
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}

    def walk(scope):
        for child in scope.get_children():
            for sym in child.get_symbols():
                if sym.is_referenced() and sym.is_global():
                    nested.add(sym.get_name())
            walk(child)

    for sym in table.get_symbols():
        if sym.is_referenced() and not sym.is_imported():
            top.add(sym.get_name())
    walk(table)
    return top - imported, nested - bound


def setup_sources(snap) -> list[str]:
    """The instructor's setup: locked, ungraded code cells before the first answer cell."""
    sources = []
    for cell in snap.source_cells:
        if cell["name"] in snap.solution_cells:
            break
        if cell["locked"] and cell["cell_type"] == "code" and cell["name"] not in snap.grade_cells:
            sources.append(cell["source"])
    return sources


def _bound_names(code: str) -> set[str]:
    """Names a cell binds at top level (assignments, ``def``, ``class``, imports)."""
    table = symtable.symtable(code, "<cell>", "exec")
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}


def instructor_cells(snap) -> dict[str, tuple[str, set[str]]]:
    """The instructor's read-only code cells after the first answer cell whose names the
    tests need: ``{grade_id: (source, names)}``.

    A cell is kept when it binds a name that a later test cell (or a later kept cell) reads
    and that no answer cell of the instructor's source binds; ``names`` are those
    instructor-defined names. The sealed runner runs these cells in the grader too, so a
    test reads the instructor's helper or data, never a student's replacement.
    """
    cells = list(snap.source_cells)
    first = next((i for i, c in enumerate(cells) if c["name"] in snap.solution_cells), None)
    if first is None:
        return {}

    def parsed(source):
        """(names read and not bound by the cell itself, names bound)"""
        try:
            code = _python(source)
            top, nested = free_names(code)
            bound = _bound_names(code)
            return (top | nested) - bound, bound
        except SyntaxError:
            return set(), set()

    answers: set[str] = set()
    for cell in cells:
        if cell["name"] in snap.solution_cells and cell["cell_type"] == "code":
            answers |= parsed(cell["source"])[1]
    tests, candidates = [], []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        if cell["name"] in snap.grade_cells and cell["name"] not in snap.solution_cells:
            tests.append((index, parsed(cell["source"])[0]))
        elif index > first and cell["locked"] and cell["name"] not in snap.solution_cells:
            reads, binds = parsed(cell["source"])
            candidates.append((index, cell, reads, binds - answers))
    kept: dict[int, tuple] = {}
    changed = True
    while changed:
        changed = False
        for index, cell, reads, binds in candidates:
            if index in kept or not binds:
                continue
            needed = set().union(*(r for i, r in tests if i > index))
            needed = needed.union(*(k[2] for i, k in kept.items() if i > index))
            if binds & needed:
                kept[index] = (cell, binds, reads)
                changed = True
    return {cell["name"]: (cell["source"], names) for cell, names, _ in kept.values()}


def _setup_imports(sources: list[str]) -> list[str]:
    """The modules the setup imports (imported ahead, in the background, by :meth:`prepare`)."""
    modules = []
    for source in sources:
        try:
            tree = ast.parse(_python(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                modules += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.append(node.module)
    return modules


# --- remote objects ----------------------------------------------------------------------------


def _remote_exception(info: dict) -> BaseException:
    """The exception the student's code raised, as a built-in type (message kept as data)."""
    name = str(info.get("type", "Exception"))
    cls = getattr(builtins, name, None)
    # Only ordinary exceptions: a SystemExit or KeyboardInterrupt named by the kernel must not
    # stop the grader (it would look like the lecturer's Ctrl-C).
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = Exception
    message = str(info.get("message", ""))
    for base in cls.__mro__:
        try:
            err = base(message)
            break
        except TypeError:
            continue
    err.__rl_remote__ = True
    return err


#: Attributes of a handle answered by the object in the kernel, though every class has them.
_DESCRIPTIVE = frozenset({"__module__", "__name__", "__qualname__", "__doc__"})


def _one_string(text: str) -> str:
    r"""The ``str`` that ``text``, the kernel's reply as IPython shows it (``repr``), spells;
    checked to be one string literal before anything is built from it (review 72 A: a reply
    whose text was a set literal of integers of one hash had held the grader in
    ``ast.literal_eval``): one quote at each end, and none inside but escaped ones.

    >>> _one_string("'a\\'b'")
    "a'b"
    >>> _one_string("'a', {1, 2}")
    Traceback (most recent call last):
    ...
    ValueError: the reply is not one string literal
    """
    quote = text[:1]
    inner = text[1:-1].replace("\\\\", "").replace("\\" + quote, "")
    if quote not in ("'", '"') or text[-1:] != quote or len(text) < 2 or quote in inner:
        raise ValueError("the reply is not one string literal")
    if "\n" in inner or "\r" in inner:
        raise ValueError("the reply is not one string literal")
    return ast.literal_eval(text)


class Remote:
    """An object that stays in the kernel: attributes, items, calls and conversions are sent
    there and come back as data; comparisons and arithmetic are not supported (``TypeError``)."""

    __slots__ = ("_rl_id", "_rl_session", "_rl_type")

    def __init__(self, session, ident: int, type_name: str):
        object.__setattr__(self, "_rl_session", session)
        object.__setattr__(self, "_rl_id", ident)
        object.__setattr__(self, "_rl_type", type_name)

    def _rl_ref(self):
        return {"$": "handle", "id": self._rl_id}

    def __getattribute__(self, name):
        # A test may ask where a student's function comes from (``__module__``) or what it is
        # called: these describe the object in the kernel, not this handle.
        if name in _DESCRIPTIVE:
            session = object.__getattribute__(self, "_rl_session")
            ref = object.__getattribute__(self, "_rl_ref")()
            return session.request({"op": "getattr", "target": ref, "name": name})
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._rl_session.request({"op": "getattr", "target": self._rl_ref(), "name": name})

    def __setattr__(self, name, value):
        raise TypeError("a sealed test cannot change an object of the submission")

    def __call__(self, *args, **kwargs):
        return self._rl_session.call(self, args, kwargs)

    def __getitem__(self, key):
        return self._rl_session.request(
            {"op": "getitem", "target": self._rl_ref(), "key": self._rl_session.send(key)}
        )

    def _convert(self, kind):
        return self._rl_session.request({"op": "convert", "target": self._rl_ref(), "kind": kind})

    def __len__(self):
        return int(self._convert("len"))

    def __iter__(self):
        return iter(self._convert("iter"))

    def __float__(self):
        return float(self._convert("float"))

    def __int__(self):
        return int(self._convert("int"))

    def __index__(self):
        return int(self._convert("index"))

    def __bool__(self):
        return bool(self._convert("bool"))

    def __str__(self):
        return str(self._convert("str"))

    def __repr__(self):
        return str(self._convert("repr"))

    def _rl_compared(self, other):
        raise TypeError(
            "a sealed test cannot compare an object of the submission, which stays in the "
            "kernel: convert it first (float(x), str(x), list(x))"
        )

    # review 72 A: with none of these, ``==`` and ``!=`` had compared identity (False, True):
    # ``assert answer != "wrong"`` passed for any object. A handle still hashes by identity
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _rl_compared
    __hash__ = object.__hash__


class _Locals(dict):
    """The cell's top-level namespace: names the cell did not define are looked up in the
    kernel when read (``LOAD_NAME`` consults this mapping first); stores reach the globals."""

    def __init__(self, session, remote_names, globals_):
        super().__init__()
        self._session = session
        self._remote = remote_names
        self._globals = globals_

    def __getitem__(self, key):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        if key in self._remote:
            found, value = self._session.lookup(key)
            if found:
                return value
        raise KeyError(key)

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, value)
        self._globals[key] = value

    def __delitem__(self, key):
        dict.__delitem__(self, key)
        self._globals.pop(key, None)


# --- one test cell -----------------------------------------------------------------------------


class _Session:
    """The requests of one test cell to one kernel."""

    def __init__(self, runner, executor, cell, index):
        self.runner = runner
        self.executor = executor
        self.cell = cell
        self.index = index
        self.cache: dict = {}
        self.fatal: BaseException | None = None
        self.in_request = False  # the alarm must not interrupt the transport (see _time_limit)
        self.expired = False
        self._start_clock()

    def _start_clock(self) -> None:
        """The cell's time limit starts now (capped by the submission's budget)."""
        self.timeout = self.executor._get_timeout(self.cell)
        self.deadline = None if self.timeout is None else time.monotonic() + self.timeout

    # transport

    async def _execute(self, code: str, expressions: dict):
        from jupyter_core.utils import ensure_async
        from nbclient.exceptions import CellControlSignal, DeadKernelError

        ex = self.executor
        msg_id = await ensure_async(
            ex.kc.execute(
                code, store_history=False, stop_on_error=False, user_expressions=expressions
            )
        )
        timeout = None
        if self.deadline is not None:
            timeout = max(1.0, self.deadline - time.monotonic())
        alive = asyncio.ensure_future(ex._async_poll_kernel_alive())
        output = asyncio.ensure_future(ex._async_poll_output_msg(msg_id, self.cell, self.index))
        ex.task_poll_for_reply = asyncio.ensure_future(
            ex._async_poll_for_reply(msg_id, self.cell, timeout, output, alive)
        )
        try:
            return await ex.task_poll_for_reply
        except asyncio.CancelledError:
            output.cancel()
            raise DeadKernelError("Kernel died") from None
        except Exception as err:
            if not isinstance(err, CellControlSignal):
                output.cancel()
            raise

    def _run(self, code: str, expressions: dict):
        from jupyter_core.utils import run_sync
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        if self.fatal is not None:
            raise _Fatal()
        if self.expired or (self.deadline is not None and time.monotonic() >= self.deadline):
            raise _TrustedTimeout()  # no request starts after the time limit
        self._flush()
        self.in_request = True
        try:
            reply = run_sync(self._execute)(code, expressions)
        except (DeadKernelError, CellTimeoutError) as err:
            self.fatal = err
            raise _Fatal() from None
        finally:
            self.in_request = False
        if self.expired:
            raise _TrustedTimeout()
        content = reply.get("content", {})
        if content.get("status") == "error" and content.get("ename") == "CellTimeoutError":
            self.fatal = reply  # nbgrader's error_on_timeout reply (the kernel was interrupted)
            raise _Fatal()
        return content

    def install(self):
        """Install the agent, allowed :data:`INSTALL_SECONDS` (within the submission's
        budget) whatever the cell's limit, which starts once it is done."""
        modules = self.runner.tests.watched_modules
        budget = getattr(self.executor, "deadline", None)  # (the submission's, if any)
        self.deadline = time.monotonic() + INSTALL_SECONDS
        if budget:
            self.deadline = min(self.deadline, budget)
        try:
            content = self._run(_INSTALL.format(src=_AGENT_SOURCE, modules=modules), {})
        finally:
            self._start_clock()
        if content.get("status") != "ok":
            self.runner.flag("the kernel refused the grader's agent")
            raise SealedProtocolError("the kernel could not run the sealed-test agent")

    def request(self, request: dict):
        if request["op"] == "call":
            self.cache.clear()
        # the test's name travels with each request: the kernel's record of calls of
        # forbidden functions says which test was running (sandbox._watch_calls)
        text = base64.b64encode(json.dumps({**request, "cell": self.cell_name}).encode())
        text = text.decode("ascii")
        code = f"__import__('sys').modules['_rl_sealed'].handle({text!r})"
        content = self._run(code, {"r": _REPLY})
        try:
            data = content["user_expressions"]["r"]["data"]["text/plain"]
            if not isinstance(data, str) or len(data) > 2 * agent.MAX_BYTES + 16:
                raise ValueError("reply too large")
            answer = agent.loads(_one_string(data))
            if not isinstance(answer, dict):
                raise ValueError("not an object")
        except Exception:
            self.runner.flag(f"no valid answer to a request for {self.cell_name}")
            raise SealedProtocolError("the kernel gave no valid answer") from None
        if "changed" in answer and request["op"] == "call":
            self._write_back(request, answer["changed"])
        if "error" in answer:
            raise _remote_exception(answer["error"])
        if answer.get("missing"):
            return _MISSING
        try:
            if request["op"] == "getmany":
                return {
                    str(name): _MISSING
                    if entry == {"missing": True}
                    else agent.decode(entry["value"], self._remote)
                    if isinstance(entry, dict) and "value" in entry
                    else _UNREAD
                    for name, entry in dict(answer["values"]).items()
                }
            return agent.decode(answer["value"], self._remote)
        except (Exception, SystemExit) as err:  # whatever the reply holds, it is not data
            why = str(err)[:160] if isinstance(err, agent.Unsendable) else type(err).__name__
            self.runner.flag(f"malformed value for {self.cell_name}: {why}")
            raise SealedProtocolError(f"malformed value: {err}") from None

    @property
    def cell_name(self) -> str:
        return self.cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {self.index}")

    def _remote(self, tree):
        return Remote(self, int(tree["id"]), str(tree.get("type", "object")))

    def send(self, value):
        def handle(obj):
            if isinstance(obj, Remote):
                if obj._rl_session.executor is not self.executor:
                    raise TypeError("an object of another kernel")
                return obj._rl_ref()
            raise agent.Unsendable(f"a {type(obj).__name__} cannot be passed to the submission")

        try:
            return agent.encode(value, handle)
        except agent.Unsendable as err:
            raise TypeError(f"sealed test: {err}") from None

    # operations

    def prefetch(self, names) -> None:
        """Look up ``names`` in one request (each is read again after a call)."""
        names = sorted(n for n in names if n not in self.cache)
        if len(names) < 2:
            return
        try:
            values = self.request({"op": "getmany", "names": names})
        except (Exception, _Fatal) as err:
            if isinstance(err, _Fatal):
                raise
            return  # too large together, or an error: each name is looked up when read
        if isinstance(values, dict):
            for name, value in values.items():
                if name in names and value is not _UNREAD:
                    self.cache[name] = value

    def lookup(self, name: str):
        if name in self.cache:
            value = self.cache[name]
            return (False, None) if value is _MISSING else (True, value)
        value = self.request({"op": "get", "name": name})
        if value is _MISSING:
            return False, None
        self.cache[name] = value
        return True, value

    def call(self, target: Remote, args, kwargs):
        self._args = (args, kwargs)
        request = {
            "op": "call",
            "target": target._rl_ref(),
            "args": [self.send(a) for a in args],
            "kwargs": {str(k): self.send(v) for k, v in kwargs.items()},
        }
        return self.request(request)

    def _write_back(self, request, changed: dict):
        args, kwargs = self._args
        for key, tree in changed.items():
            try:
                original = args[int(key)] if key.isdigit() else kwargs[key]
                new = agent.decode(tree)
                _update_in_place(original, new)
            except Exception:
                continue

    # outputs of the trusted code

    def _flush(self):
        self.runner.flush_streams(self.cell)


_MISSING = object()
_UNREAD = object()  # a name a batched lookup could not send: read on its own when needed


class _TrustedTimeout(BaseException):
    """The test's code in the grader ran past the cell's time limit (or the submission's
    budget); not catchable by the test's ``except Exception``."""


@contextlib.contextmanager
def _time_limit(session: _Session):
    """Interrupt the trusted code of a cell at ``session.deadline`` (``SIGALRM``).

    A request to the kernel has its own time limit and is never interrupted half-way (the
    alarm then only marks the session expired, and the next step raises). Code that never
    returns to the interpreter (one long C call) is interrupted when it returns. Only in the
    main thread (signals), which is where a worker grades.
    """
    if (
        session.deadline is None
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def on_alarm(signum, frame):
        session.expired = True
        if not session.in_request:
            raise _TrustedTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(0.001, session.deadline - time.monotonic()))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _update_in_place(original, new) -> None:
    """Make ``original`` (an argument the test passed) equal to what the kernel made of it."""
    import numpy as np
    import pandas as pd

    if isinstance(original, (pd.DataFrame, pd.Series)) and type(new) is type(original):
        original._update_inplace(new)
    elif isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
        original.bit_generator.state = new.bit_generator.state
    elif isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
        if original.shape == new.shape and original.flags.writeable:
            original[...] = new
    elif type(original) is list and type(new) is list:
        original[:] = new
    elif type(original) in (dict, set) and type(new) is type(original):
        original.clear()
        original.update(new)


class _Stream(io.TextIOBase):
    def __init__(self, runner, name):
        self.runner, self.name = runner, name

    def writable(self):
        return True

    def write(self, text):
        self.runner.pending[self.name].append(text)
        return len(text)


class SealedTests:
    """The test cells of one notebook, compiled, and the trusted namespace of its setup.

    Parameters
    ----------
    snap : NotebookSnapshot
        The instructor's cells (from the gradebook).
    """

    _cache: ClassVar[dict] = {}

    def __init__(self, snap):
        self.cells: dict[str, tuple] = {}
        self.bound: dict[str, set[str]] = {}
        for cell in snap.source_cells:
            if (
                cell["cell_type"] == "code"
                and cell["name"] in snap.grade_cells
                and cell["name"] not in snap.solution_cells
            ):
                self.cells[cell["name"]] = self._compile(cell["name"], cell["source"])
                with contextlib.suppress(SyntaxError):  # names the test binds itself
                    self.bound[cell["name"]] = _bound_names(_python(cell["source"]))
        self._setup = setup_sources(snap)
        self._statements = None  # the setup, compiled statement by statement
        self.instructor: dict[str, tuple] = {}
        for gid, (source, names) in instructor_cells(snap).items():
            compiled = self._compile(gid, source)
            if compiled[-1] is None:
                self.instructor[gid] = (compiled, frozenset(names))
        # where each cell stands in the instructor's notebook (a submission may move cells)
        self.position = {cell["name"]: i for i, cell in enumerate(snap.source_cells)}
        self._imports: threading.Thread | None = None
        self.notes: list[str] = []
        # the modules of the library functions the answers declare (a method's: its class,
        # whose module the kernel imports instead): imported in the kernel when the agent is
        # installed, so the kernel wraps them before the notebook's first cell
        # (and pandas, whose classes the run-time check then compares from the start)
        self.watched_modules = sorted(
            {"pandas"} | {name.rpartition(".")[0]
             for names in forbidden_names(snap.source_cells).values() for name in names}
        )  # fmt: skip

    def prepare(self) -> None:
        """Import the modules of the setup in the background (once per worker), while the
        kernel starts: the setup then costs milliseconds per submission."""
        if self._imports is None:
            modules = _setup_imports(self._setup)

            def load():
                import importlib

                for module in modules:
                    with contextlib.suppress(Exception):
                        importlib.import_module(module)

            self._imports = threading.Thread(target=load, name="sealed-setup", daemon=True)
            self._imports.start()

    @classmethod
    def for_notebook(cls, snapshot, nb_name: str) -> SealedTests:
        """One instance per graded material and notebook, per process."""
        key = (snapshot.fingerprint(), nb_name)
        if key not in cls._cache:
            cls._cache[key] = cls(snapshot.notebooks[nb_name])
        return cls._cache[key]

    @staticmethod
    def _compile(name: str, source: str):
        filename = f"<test {name}>"
        try:
            code = _python(source)
            tree = ast.parse(code, filename)
        except SyntaxError as err:
            return (filename, None, None, set(), set(), err)
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = compile(ast.Expression(tree.body.pop().value), filename, "eval")
        body = compile(tree, filename, "exec")
        top, nested = free_names(code)
        return (filename, body, last, top, nested, None)

    def namespace(self) -> dict:
        """A new trusted namespace: the setup cells run again in the grader.

        Run for every submission (compiled once; the imports are already loaded, see
        :meth:`prepare`), so nothing one submission's tests did to a setup object (a table
        changed in place, a random generator drawn from, a helper's state) reaches the next.
        """
        if self._imports is not None:
            self._imports.join()
        if self._statements is None:
            self._statements = []
            for source in self._setup:
                try:
                    statements = ast.parse(_python(source)).body
                except SyntaxError as err:
                    self.notes.append(f"setup cell: {err}")
                    continue
                for statement in statements:
                    module = ast.Module(body=[statement], type_ignores=[])
                    self._statements.append(compile(module, "<setup>", "exec"))
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        for code in self._statements:  # a failing statement does not stop the rest
            try:
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    exec(code, namespace)  # the instructor's setup
            except Exception as err:
                note = f"setup cell: {type(err).__name__}: {err}"
                if note not in self.notes:
                    self.notes.append(note)
        namespace["display"] = _display
        return namespace

    def handles(self, cell) -> bool:
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        return (
            cell.get("cell_type") == "code"
            and bool(meta.get("grade"))
            and not meta.get("solution")
            and meta.get("grade_id") in self.cells
        )

    def defines(self, cell) -> bool:
        """Whether ``cell`` is an instructor's cell whose names the tests take from the
        grader (see :func:`instructor_cells`)."""
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        return (
            cell.get("cell_type") == "code"
            and not meta.get("solution")
            and not meta.get("grade")
            and meta.get("grade_id") in self.instructor
        )

    def runner(self) -> SealedRunner:
        return SealedRunner(self)


_DISPLAYED: list = []


def _display(*objects, **kwargs):
    _DISPLAYED.extend(objects)


class SealedRunner:
    """Runs the test cells of one notebook of one submission (one trusted namespace)."""

    def __init__(self, tests: SealedTests):
        self.tests = tests
        self._globals: dict | None = None  # built when the first test needs it
        self.trusted: set[str] = set()  # the setup's names and what earlier tests assigned
        self.flags: list[Flag] = []
        self.pending = {"stdout": [], "stderr": []}
        self._installed = None
        self._instructor_ran: set[str] = set()

    @property
    def globals(self) -> dict:
        if self._globals is None:
            self._globals = self.tests.namespace()
            self.trusted |= set(self._globals)
        return self._globals

    def flag(self, detail: str) -> None:
        self.flags.append(Flag("sealed_reply", detail))

    def handles(self, cell) -> bool:
        return self.tests.handles(cell)

    def defines(self, cell) -> bool:
        return self.tests.defines(cell)

    def flush_streams(self, cell) -> None:
        for name in ("stdout", "stderr"):
            text = "".join(self.pending[name])
            self.pending[name] = []
            if text:
                cell.outputs.append(NotebookNode(output_type="stream", name=name, text=text))
        while _DISPLAYED:
            value = _DISPLAYED.pop(0)
            cell.outputs.append(
                NotebookNode(
                    output_type="display_data", data={"text/plain": repr(value)}, metadata={}
                )
            )

    def ensure_installed(self, executor, index) -> None:
        """Install the agent in the kernel before it runs any cell of the notebook (and again
        after each restart): the first module the kernel runs under the agent's name is then
        the grader's, never one a student's cell ran first (the kernel's record of calls
        trusts the agent's code to say which test is running; the agent had been installed
        with the first test, after the student's cells above it)."""
        kernel = (id(executor.km), getattr(executor, "_kernel_starts", 0))
        if self._installed == kernel:
            return
        scratch = NotebookNode(cell_type="code", source="", metadata={"execution": {}}, outputs=[])
        try:
            _Session(self, executor, scratch, index).install()
        except (SealedProtocolError, _Fatal):
            return  # (tried again, and flagged, at the first test)
        self._installed = kernel

    def run_instructor_cell(self, executor, cell, index) -> None:
        """Run the instructor's own source of ``cell`` in the grader (after the kernel ran
        it): the names it defines become trusted for the tests that follow. Its outputs are
        discarded (the kernel's run of the cell is what the notebook shows)."""
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        gid = cell.metadata["nbgrader"]["grade_id"]
        self._instructor_ran.add(gid)
        (_filename, body, last, top, nested, _), names = self.tests.instructor[gid]
        # nbclient records the timing of each message in the cell's metadata: this run can be
        # the notebook's first request (the cell moved above every test), where the agent is
        # installed (without it: KeyError 'execution', the notebook scored 0)
        scratch = NotebookNode(cell_type="code", source="", metadata={"execution": {}}, outputs=[])
        session = _Session(self, executor, scratch, index)
        if self._installed != (id(executor.km), getattr(executor, "_kernel_starts", 0)):
            try:
                session.install()
            except (SealedProtocolError, _Fatal):
                return
            self._installed = (id(executor.km), getattr(executor, "_kernel_starts", 0))
        namespace = self.globals
        remote = (top | nested) - set(dir(builtins)) - self.trusted
        local = _Locals(session, remote, namespace)
        pending, self.pending = self.pending, {"stdout": [], "stderr": []}
        try:
            with (
                warnings.catch_warnings(),
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
                _time_limit(session),
            ):
                warnings.simplefilter("ignore")
                for name in nested & remote:
                    found, value = session.lookup(name)
                    if found:
                        self.globals[name] = value
                exec(body, self.globals, local)
                if last is not None:
                    eval(last, self.globals, local)
        except (_Fatal, _TrustedTimeout):
            pass
        except Exception as err:  # the trusted run stops where the kernel's would
            self.tests.notes.append(f"{gid}: {type(err).__name__}")
        finally:
            self.pending = pending
            with contextlib.suppress(Exception):
                import sys

                if "matplotlib.pyplot" in sys.modules:
                    sys.modules["matplotlib.pyplot"].close("all")
        for name in set(local) | (nested & remote):
            if name in names and name in self.globals:
                self.trusted.add(name)
            elif name not in self.trusted:
                self.globals.pop(name, None)
        if isinstance(session.fatal, (DeadKernelError, CellTimeoutError)):
            raise session.fatal

    def run_cell(self, executor, cell, index):
        """Run test cell ``cell`` in the grader against ``executor``'s kernel."""
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        gid = cell.metadata["nbgrader"]["grade_id"]
        # An instructor cell that stands before this test in the instructor's notebook runs
        # in the grader now if the submission has not reached it (a student who moved
        # load_panel below the test had had the test read a table of their own)
        position = self.tests.position.get(gid, -1)
        for earlier in sorted(self.tests.instructor, key=lambda g: self.tests.position[g]):
            if self.tests.position[earlier] < position and earlier not in self._instructor_ran:
                moved = NotebookNode(metadata={"nbgrader": {"grade_id": earlier}})
                self.run_instructor_cell(executor, moved, index)
        filename, body, last, top, nested, syntax = self.tests.cells[gid]
        cell.outputs = []
        self.pending = {"stdout": [], "stderr": []}
        if executor.record_timing:  # as nbclient does before it executes a cell
            cell.metadata["execution"] = {}
        session = _Session(self, executor, cell, index)
        result, error = None, None
        kernel = (id(executor.km), getattr(executor, "_kernel_starts", 0))
        with warnings.catch_warnings(record=True) as caught:
            warnings.resetwarnings()  # Python's defaults, and IPython's for __main__
            warnings.filterwarnings(
                "default", category=DeprecationWarning, module="__main__", append=True
            )
            for category in (
                DeprecationWarning,
                PendingDeprecationWarning,
                ImportWarning,
                ResourceWarning,
            ):
                warnings.filterwarnings("ignore", category=category, append=True)
            timed_out = False
            # the instructor's setup (built on a submission's first test) is trusted code:
            # its time is not charged to the student's test
            namespace = self.globals
            try:
                if syntax is None and self._installed != kernel:  # (before the test's clock)
                    session.install()
                    self._installed = kernel
                with _time_limit(session):
                    if syntax is not None:
                        raise syntax
                    remote = (top | nested) - set(dir(builtins)) - self.trusted
                    # One request for every name the cell reads, except the names it binds
                    # itself: those are read from the kernel only if read before being bound,
                    # so a hidden test's own variable names never reach the kernel.
                    session.prefetch(remote - self.tests.bound.get(gid, set()))
                    for name in nested & remote:  # read by nested scopes: fetched now
                        found, value = session.lookup(name)
                        if found:
                            self.globals[name] = value
                    local = _Locals(session, remote, namespace)
                    with (
                        contextlib.redirect_stdout(_Stream(self, "stdout")),
                        contextlib.redirect_stderr(_Stream(self, "stderr")),
                    ):
                        exec(body, self.globals, local)
                        if last is not None:
                            result = eval(last, self.globals, local)
                self.trusted |= set(local)
            except _Fatal:
                pass
            except _TrustedTimeout:
                timed_out = True
            except BaseException as err:  # the test failed: recorded as nbgrader would
                error = err
            # review 73 A: the time limit's exception raised inside code that clears it
            # (pandas, comparing labels of one hash) left the test to finish, 8 minutes late
            # and passed: a test that ran past its limit fails so, whatever it caught
            timed_out = timed_out or session.expired
            for item in caught:
                self.pending["stderr"].append(
                    warnings.formatwarning(
                        item.message, item.category, item.filename, item.lineno, line=""
                    )
                )
        if isinstance(session.fatal, (DeadKernelError, CellTimeoutError)):
            raise session.fatal
        self.flush_streams(cell)
        if timed_out:  # the test itself (in the grader) ran past its time: it fails
            executor.events.append(Flag("timeout", f"{gid} (in the grader)"))
            cell.outputs.append(
                NotebookNode(
                    output_type="error",
                    ename="TimeoutError",
                    evalue="",
                    traceback=[
                        f"TimeoutError: the test ran past its time limit ({session.timeout} s) "
                        "in the grader"
                    ],
                )
            )
        elif isinstance(session.fatal, dict):  # timed out and interrupted (nbgrader's reply)
            content = session.fatal["content"]
            cell.outputs.append(
                NotebookNode(
                    output_type="error",
                    ename=content.get("ename", "CellTimeoutError"),
                    evalue=content.get("evalue", ""),
                    traceback=list(content.get("traceback", [])),
                )
            )
        elif error is not None:
            cell.outputs.append(_error_output(error, filename))
        elif result is not None:
            try:
                text = repr(result)
            except (DeadKernelError, CellTimeoutError):
                raise
            except Exception as err:  # a student's object that cannot be shown: the test fails
                cell.outputs.append(_error_output(err, filename))
            else:
                cell.outputs.append(
                    NotebookNode(
                        output_type="execute_result",
                        data={"text/plain": text},
                        metadata={},
                        execution_count=None,
                    )
                )
        for output in cell.outputs:
            _writable(output)
        return cell


#: Characters each text of a test cell's output keeps (an ``assert`` message the instructor
#: built from a student's values had put 48 MB into the autograded notebook, twice, past
#: every output cap, and its feedback page had taken 126 s and 3.5 GB).
MAX_TEST_TEXT = 64 * 1024


def _cut(text: str) -> str:
    """``text`` cut to :data:`MAX_TEST_TEXT` characters, saying how many it lost.

    Examples
    --------
    >>> len(_cut("a" * (MAX_TEST_TEXT + 10))) < MAX_TEST_TEXT + 60
    True
    """
    if len(text) <= MAX_TEST_TEXT:
        return text
    return f"{text[:MAX_TEST_TEXT]}... ({len(text) - MAX_TEST_TEXT} characters not kept)"


def _writable(output) -> None:
    """Make the text of a test cell's output one nbformat can write and the feedback can
    show: what a student's values put into it (an exception's message, an ``assert``
    message, a printed value) may hold a lone surrogate, which had made the notebook
    unwritable (an ``ERROR`` that kept an earlier grade); each becomes ``?``; and each text
    keeps at most :data:`MAX_TEST_TEXT` characters."""
    from .kernel import _text

    for key in ("text", "ename", "evalue"):
        if key in output:
            output[key] = _text(_cut(str(output[key])))
    if "traceback" in output:
        output["traceback"] = [_text(_cut(str(line))) for line in output["traceback"]]
    data = output.get("data") or {}
    for mime, value in data.items():
        if isinstance(value, str):
            data[mime] = _text(_cut(value))


def _error_output(err: BaseException, filename: str) -> NotebookNode:
    """The error of a failed test. Its message is kept only for the test's own ``assert``
    (and ``NameError``); the full story goes to the traceback, for the instructor."""
    ename = type(err).__name__
    remote = getattr(err, "__rl_remote__", False)
    message = str(err)
    evalue = message if isinstance(err, _SHOWN) and not remote else ""
    frames = [
        f"  line {frame.lineno}: {(frame.line or '').strip()}"
        for frame in traceback.extract_tb(err.__traceback__)
        if frame.filename == filename
    ]
    origin = RAISED_BY_SUBMISSION if remote else "raised by the test"
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=evalue,
        traceback=[*frames, f"{ename} ({origin}): {message}"],
    )
