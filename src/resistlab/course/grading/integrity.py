"""Integrity checks: flag what a submission does to the notebook, the kernel or the grader.

Flags are for a person to review; they never change a score, and since the tests are sealed
(:mod:`~resistlab.course.grading.sealed`) nothing student code does in its kernel changes one
either.
Independent sources, each producing :class:`~resistlab.course.grading.flags.Flag` objects:

:func:`structure_flags`
    the submitted notebook against the released one: graded or read-only cells edited,
    deleted, duplicated or retyped, nbgrader metadata changed;
:func:`code_flags`
    a static scan (``ast``, after IPython's own input transformation) of the code students
    wrote (answer cells and any cell they added): overridden IPython hooks, replaced or shadowed
    comparison functions (numpy, math, builtins, operator, resistlab; a re-import of the same
    module is not a patch), classes defining ``__eq__``, process exits, code built at run time,
    paths outside the submission, network modules;
:func:`shortcut_flags`
    answers that use the library function their exercise asks for (declared by the author
    with a ``# grader: forbid ...`` line in the answer cell);
:func:`call_flags`
    the same, from the kernel's record of the calls of those functions (where the code that
    called them was written);
:func:`audit_flags` / :func:`output_flags`
    what the sandbox's audit hook recorded (paths outside the sandbox, sockets, processes) and
    what the outputs show (``SystemExit``, ``MemoryError``).

The in-kernel probe of earlier versions is gone: it ran where the student's code runs and
could be forged, and with sealed tests what it looked for no longer affects a score.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import re
import types

from .bindings import Bindings, import_bindings, leaves
from .flags import Flag
from .sandbox import _INTROSPECTION, _TRACE_EVENTS, cell_name

__all__ = [
    "audit_flags",
    "call_flags",
    "code_flags",
    "forbidden_names",
    "import_aliases",
    "names_used_by_tests",
    "output_flags",
    "shortcut_flags",
    "structure_flags",
]

#: Library modules whose functions a test may rely on; replacing one of their attributes is
#: flagged.
WATCHED_MODULES = (
    "numpy",
    "math",
    "cmath",
    "builtins",
    "operator",
    "resistlab",
    "pandas",
    "scipy",
    "statistics",
    "decimal",
    "fractions",
)
_HOOK_ATTRS = frozenset(
    {
        "showtraceback",
        "_showtraceback",
        "showsyntaxerror",
        "showindentationerror",
        "set_custom_exc",
        "custom_exceptions",
        "excepthook",
        "displayhook",
        "display_formatter",
        "display_pub",
        "input_transformers_cleanup",
        "input_transformers_post",
        "input_transformer_manager",
        "ast_transformers",
        "run_cell",
        "run_ast_nodes",
        "run_code",
        "transform_cell",
        "register_magic_function",
        "InteractiveShell",
    }
)
#: Attributes that hold the IPython shell or hand it out (``sys.displayhook.shell``,
#: ``IPython.get_ipython``): every hook of ``_HOOK_ATTRS`` is one step away.
_SHELL_ATTRS = frozenset({"shell", "get_ipython"})
_TRACE_CALLS = frozenset(
    {
        "sys.settrace",
        "sys.setprofile",
        "sys.addaudithook",
        "threading.settrace",
        "threading.setprofile",
    }
)
_EXIT_CALLS = frozenset(
    {
        "sys.exit",
        "exit",
        "quit",
        "os._exit",
        "os.abort",
        "os.kill",
        "os.killpg",
        "signal.raise_signal",
        "signal.pthread_kill",
        "signal.alarm",
        "signal.setitimer",
    }
)
_DYNAMIC_CALLS = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "__import__",
        "importlib.import_module",
        "importlib.reload",
        "importlib.__import__",
        "runpy.run_path",
        "runpy.run_module",
        # frames (their locals, globals, builtins), objects taken out of the garbage
        # collector, functions made from code objects
        "sys._getframe",
        "inspect.currentframe",
        "inspect.stack",
        "inspect.trace",
        "gc.get_objects",
        "gc.get_referents",
        "gc.get_referrers",
        "types.FunctionType",
        "types.LambdaType",
        "types.CodeType",
        # a module made by hand, a module's code run again by its loader
        "types.ModuleType",
        "importlib.util.module_from_spec",
        "importlib.util.spec_from_file_location",
        "importlib.util.spec_from_loader",
        "importlib.machinery.SourceFileLoader",
        "importlib.machinery.SourcelessFileLoader",
        "zipimport.zipimporter",
        # the standard library's runners of code given as text (review 47 B#1: a file the
        # notebook wrote, read and run so, had defined an always-equal class, patched numpy
        # and set a trace function, unflagged)
        "code.InteractiveInterpreter",
        "code.InteractiveConsole",
        "code.interact",
        "code.compile_command",
        "codeop.compile_command",
        "codeop.Compile",
        "codeop.CommandCompiler",
        "timeit.timeit",
        "timeit.repeat",
        "timeit.Timer",
        "timeit.main",
        "profile.run",
        "profile.runctx",
        "profile.Profile",
        "cProfile.run",
        "cProfile.runctx",
        "cProfile.Profile",
        "trace.Trace",
        "doctest.testmod",
        "doctest.testfile",
        "doctest.run_docstring_examples",
        "doctest.DocTestRunner",
        "doctest.DebugRunner",
        "doctest.DocTestSuite",
        "doctest.DocFileSuite",
        "doctest.debug_src",
        "doctest.debug_script",
        "site.addsitedir",
        "site.addpackage",
        "site.main",
        "pdb.run",
        "pdb.runeval",
        "pdb.runctx",
        "pdb.runcall",
        "pdb.Pdb",
        "bdb.Bdb",
        "ctypes.PyDLL",
    }
)
#: Attributes of a function's or a module's internals: the kernel's wrapper of a forbidden
#: function holds the function in its closure; a function's code object carries its file
#: name, which the kernel's record of calls reads (``sandbox._watch_calls``); a module's
#: loader runs its code again into a module of the student's, where no wrapper is.
_INTERNAL_ATTRS = frozenset(
    {
        "__closure__",
        "cell_contents",
        "__code__",
        "co_filename",
        "__spec__",
        "__loader__",
        "exec_module",
        "load_module",
        "pythonapi",  # ctypes: the interpreter's C API (PyRun_SimpleString runs any text)
        "pydll",
        "PyDLL",
        # a frame hands out its caller's locals (the shell, from run_code's frame), globals
        # and the builtins' namespace (review 58 B: each changed in place, unflagged)
        "f_back",
        "f_locals",
        "f_globals",
        "f_builtins",
    }
)
_EQUALITY_DUNDERS = frozenset(
    {
        "__eq__",
        "__ne__",
        "__array_ufunc__",
        "__array_function__",
        "__instancecheck__",
        "__subclasscheck__",
        "__subclasshook__",  # review 58 B: isinstance answers yes, as __instancecheck__
        "__class__",  # a class whose __class__ is a property, or __class__ assigned
    }
)
_NETWORK_MODULES = frozenset(
    {
        "socket",
        "ssl",
        "urllib",
        "http",
        "requests",
        "httpx",
        "ftplib",
        "smtplib",
        "telnetlib",
        "aiohttp",
        "urllib3",
    }
)
_PROCESS_MODULES = frozenset({"subprocess", "pty", "multiprocessing"})
#: The library's display code (relative to ``resistlab.``): what it computes for a figure or
#: an explorer is not an answer (see :func:`call_flags`).
_DISPLAY_MODULES = ("plotting.", "widgets.")


def _draws(entry: str) -> bool:
    """Whether a library entry (``plotting.evolution.plot_goldie_coldman``) is a plot or an
    explorer: in the display modules and named ``plot_*`` or ``explore_*`` (the explorers'
    ``*_state`` functions return numbers: they are not)."""
    parts = entry.split(".")
    return entry.startswith(_DISPLAY_MODULES) and any(
        part.startswith(("plot_", "explore_")) for part in parts[2:]
    )


_SAFE_MAGICS = frozenset({"matplotlib", "timeit", "time", "who", "whos", "precision"})
#: Magics that run (or bring in to run) text no cell holds: a macro typed as a cell, a file
#: (``.py``, ``.ipy``, ``.ipynb``), earlier input, stored variables (review 50: a macro of
#: hidden text, and ``%run`` of an ``.ipy`` file, ran with only the ``magic`` info flag).
_TEXT_MAGICS = frozenset(
    {"macro", "run", "rerun", "recall", "load", "loadpy", "edit", "store", "paste", "cpaste"}
)
_SUSPICIOUS_PATH = re.compile(
    r"(\.ipynb\b|gradebook|(^|/)\.\.(/|$)|^/(?!dev/null)[\w.+-]+/|^~|"
    r"(^|/)(submitted|autograded|source|release|feedback|notebooks)/)"
)


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


# --- structure ---------------------------------------------------------------------------------


def _same_points(value, points) -> bool:
    """Whether a cell's ``points`` value (of any type a student may write) equals ``points``."""
    try:
        return float(value) == float(points)
    except (TypeError, ValueError, OverflowError):
        return False


def structure_flags(submitted, release_cells) -> list[Flag]:
    """Compare the submitted notebook's cells with the released ones.

    Parameters
    ----------
    submitted : nbformat.NotebookNode
        The notebook as the student submitted it (before any sanitising).
    release_cells : list of dict
        One entry per released cell with nbgrader metadata: ``grade_id``, ``cell_type``,
        ``source``, ``locked``, ``grade``, ``solution``, ``points``.

    Returns
    -------
    list of Flag
        ``deleted_cell``, ``duplicated_cell``, ``retyped_cell``, ``edited_cell`` (a locked
        cell whose source or metadata changed) and ``invalid_metadata``.
    """
    flags = []
    expected = {c["grade_id"]: c for c in release_cells}
    seen: dict[str, int] = {}
    for cell in submitted.cells:
        meta = _meta(cell)
        gid = meta.get("grade_id")
        if not gid:
            if meta:
                flags.append(Flag("invalid_metadata", "a cell without grade_id"))
            continue
        seen[gid] = seen.get(gid, 0) + 1
        original = expected.get(gid)
        if original is None:
            flags.append(Flag("invalid_metadata", f"unknown cell {gid}"))
            continue
        if cell.cell_type != original["cell_type"]:
            flags.append(Flag("retyped_cell", f"{gid}: {original['cell_type']}->{cell.cell_type}"))
        changed_meta = any(
            meta.get(key, False) is not bool(original[key])
            for key in ("locked", "grade", "solution")
        ) or (original["grade"] and not _same_points(meta.get("points"), original["points"]))
        if changed_meta:
            flags.append(Flag("edited_cell", f"{gid} (metadata)"))
        elif (original["locked"] or original["grade"]) and not original["solution"]:
            if cell.source.rstrip() != original["source"].rstrip():
                flags.append(Flag("edited_cell", gid))
    for gid in expected:
        if seen.get(gid, 0) == 0:
            flags.append(Flag("deleted_cell", gid))
        elif seen[gid] > 1:
            flags.append(Flag("duplicated_cell", gid))
    return flags


# --- static code scan --------------------------------------------------------------------------


#: Most characters of one cell the scan reads: the syntax tree of a cell can take a thousand
#: times its size (2 MB of ``a;a;a;…`` took 1.8 GB). A larger cell is not scanned but flagged
#: (``dynamic_code``) for a person to read.
MAX_SCAN_CHARS = 256 * 1024
#: Most characters of code the scan reads in one notebook (the student's cells, in order): a
#: cell just under MAX_SCAN_CHARS costs seconds of the worker's time (twenty of them kept a
#: worker busy for more than 300 s). The cells past it are not scanned but flagged.
MAX_SCAN_TOTAL = 512 * 1024


#: Line magics whose argument is Python they run in the notebook's namespace (after their
#: options: ``%timeit -n 10 f()``). A cell magic's body is read as Python whenever it is.
_CODE_LINE_MAGICS = frozenset({"time", "timeit", "prun", "debug"})
#: Magics inside magics the scan unfolds (``%time %time f()``); deeper ones stay strings.
_MAX_MAGIC_DEPTH = 8


def _python_source(source: str, depth: int = 0) -> str | None:
    """Turn cell source (magics included) into Python the way IPython would, with the code a
    magic runs written out where the magic stands (:class:`_MagicBodies`); None if invalid
    or longer than :data:`MAX_SCAN_CHARS`. Results are kept (a pure function of the text).

    Examples
    --------
    >>> print(_python_source("%time x = f(1)"))
    get_ipython().run_line_magic('time', '')
    x = f(1)
    """
    if len(source) <= _CACHED_SOURCE_CHARS:
        return _cached_source(source, depth)
    return _transformed(source, depth)


#: Sources :func:`_python_source` keeps what it made of (the instructor's cells come back
#: with every submission, several times each): at most 256 of at most 16 K characters.
_CACHED_SOURCE_CHARS = 2**14


@functools.lru_cache(maxsize=256)
def _cached_source(source: str, depth: int) -> str | None:
    return _transformed(source, depth)


def _transformed(source: str, depth: int) -> str | None:
    if len(source) > MAX_SCAN_CHARS or depth > _MAX_MAGIC_DEPTH:
        return None
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        code = TransformerManager().transform_cell(source)
    except Exception:
        code = source
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    except (RecursionError, MemoryError):  # the scan's own bounds flag the cell
        return code
    if "run_cell_magic" in code or "run_line_magic" in code:
        try:
            return ast.unparse(ast.fix_missing_locations(_MagicBodies(depth).visit(tree)))
        except (RecursionError, MemoryError, ValueError):
            return code
    return code


class _MagicBodies(ast.NodeTransformer):
    """Write out the code a magic runs: ``%%time`` (or any cell magic) is followed by its body
    and ``%time stmt`` by ``stmt``, each with the magic's own string emptied (the scan had read
    neither: ``exec``, patches and shortcuts behind ``%time`` went unflagged, and an author's
    ``# grader:`` line in a ``%%time`` cell became a string that named the function);
    ``x = %time f()`` becomes ``x = f()``. A body that is not Python stays a string."""

    def __init__(self, depth: int):
        self.depth = depth

    def _code(self, text, options: bool):
        """``text`` parsed as the cell's Python; for a line magic, also without its leading
        options (``-n 10``, ``-o``) until it parses."""
        candidates, rest = [text], text
        while options and len(candidates) < 8:
            match = re.match(r"\s*(?:-\S+|\d+)\s+(.*)", rest, re.S)
            if match is None:
                break
            rest = match.group(1)
            candidates.append(rest)
        for candidate in candidates:
            code = _python_source(candidate, self.depth + 1)
            if code is not None:
                return ast.parse(code)
        return None

    @staticmethod
    def _text(call, index=None):
        """The magic's code argument (its index) if it is a string written out."""
        if index is None:
            index = 2 if call.func.attr == "run_cell_magic" else 1
        if len(call.args) > index:
            arg = call.args[index]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
                return index, arg.value
        return None

    def visit_Expr(self, node):
        name = _magic_call(node.value)
        found = self._text(node.value) if name not in (None, "system") else None
        if found is not None and (
            node.value.func.attr == "run_cell_magic" or name in _CODE_LINE_MAGICS
        ):
            index, text = found
            tree = self._code(text, node.value.func.attr == "run_line_magic")
            if tree is not None:
                node.value.args[index] = ast.Constant("")
                found = self._text(node.value, 1) if index == 2 else None
                setup = self._code(found[1], True) if found and name in _CODE_LINE_MAGICS else None
                if setup is not None:  # ``%%timeit SETUP`` runs its line first
                    node.value.args[1] = ast.Constant("")
                return [node, *(setup.body if setup is not None else []), *tree.body]
        return self.generic_visit(node)

    def visit_Call(self, node):
        self.generic_visit(node)
        if _magic_call(node) in ("time", "timeit") and node.func.attr == "run_line_magic":
            found = self._text(node)
            tree = self._code(found[1], True) if found else None
            if tree is not None and len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
                return tree.body[0].value
        return node


def _imports(tree) -> dict[str, str]:
    """Map every imported alias to the dotted name it stands for."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node, aliases) -> str | None:
    """``np.testing.assert_allclose`` -> ``numpy.testing.assert_allclose`` (None if not a name)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        parts.append(node.func.id + "()")
    elif isinstance(node, ast.Name):
        parts.append(aliases.get(node.id, node.id))
    else:
        return None
    return ".".join(reversed(parts))


#: Settings meant to be assigned (``pd.options.display.max_rows = 10``) are not patches.
_SETTINGS = ("pandas.options.",)


def _watched(dotted: str) -> bool:
    root = dotted.split(".")[0]
    if dotted.startswith(_SETTINGS):
        return False
    return root in WATCHED_MODULES or root == "__builtins__"


#: ``unittest.mock``'s patchers (and the ``mock`` package's): each sets an attribute of
#: what it names, as ``setattr`` does (review 53: ``mock.patch('numpy.isclose', ...)``
#: patched numpy unflagged).
_PATCHERS = {
    f"{module}.{patcher}"
    for module in ("unittest.mock", "mock")
    for patcher in ("patch", "patch.object", "patch.dict", "patch.multiple")
}


def _mock_target(name: str, node, dotted_name) -> str | None:
    """What a call of a mock patcher patches when it is a watched module (its dotted name),
    or ``""`` when the target is not written out (a name built at run time); ``None`` when
    ``name`` is no patcher or the target is not watched."""
    if name not in _PATCHERS or not node.args:
        return None
    first = node.args[0]
    if name.endswith(("patch", "patch.dict", "patch.multiple")):
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            target = first.value
        else:
            target = dotted_name(first) or ""  # patch.dict(sys.modules, ...), or built
    else:  # patch.object(module, "name", ...)
        target = dotted_name(first) or ""
    if not target:
        return ""
    if _watched(target) or target.startswith("sys.modules"):
        return target
    return None


def _bound_names(stmt) -> list[str]:
    """Names a top-level statement binds in the notebook's namespace."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names]
    targets = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        targets = [stmt.target]
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in stmt.items if item.optional_vars is not None]
    names = []
    for target in targets:
        names += [leaf.id for leaf in leaves(target) if isinstance(leaf, ast.Name)]
    return names


#: IPython's display helpers (``IPython.core.display`` is their older home, still in many
#: tutorials); ``from IPython import display`` imports the first.
_DISPLAY_IMPORTS = frozenset({"IPython.display", "IPython.core.display"})


def _shows_every_output(tree, node) -> bool:
    """Whether ``node`` is the common tip ``from IPython.core.interactiveshell import
    InteractiveShell`` (show every expression's value), the name used in ``tree`` only to
    set ``InteractiveShell.ast_node_interactivity``."""
    if not (
        isinstance(node, ast.ImportFrom)
        and node.module == "IPython.core.interactiveshell"
        and [a.name for a in node.names] == ["InteractiveShell"]
    ):
        return False
    name = node.names[0].asname or "InteractiveShell"
    setting = set()
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Assign):
            for target in sub.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "ast_node_interactivity"
                    and isinstance(target.value, ast.Name)
                ):
                    setting.add(id(target.value))
    return all(
        id(sub) in setting
        for sub in ast.walk(tree)
        if isinstance(sub, ast.Name) and sub.id == name
    )


def _magic_call(node) -> str | None:
    """``get_ipython().run_line_magic('name', ...)`` -> ``'name'``; ``system`` for ``!cmd``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    base = node.func.value
    if not (
        isinstance(base, ast.Call)
        and isinstance(base.func, ast.Name)
        and base.func.id == "get_ipython"
    ):
        return None
    method = node.func.attr
    if method in ("system", "getoutput"):
        return "system"
    if method in ("run_line_magic", "run_cell_magic") and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _same_module(stmt, name: str, instructor: dict) -> bool:
    """True when an import binds ``name`` to what the instructor's code binds it to
    (``import numpy as np`` again): a harmless re-import, not a patch."""
    if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return False
    return name in instructor and _imports(stmt).get(name) == instructor[name]


#: Modules whose namespace holds the kernel's hooks (``sys.excepthook``, the shell): changing
#: their namespace (``vars(sys).update(excepthook=f)``) is a hook override, not a patch.
_HOOK_MODULES = ("sys", "IPython", "ipykernel")
#: Uses of a module's namespace (``vars(m)``, ``m.__dict__``) that only read it: a method of
#: these names called on it, a builtin that copies or counts it, ``in``, a loop over it.
_READ_METHODS = frozenset(
    {"get", "keys", "values", "items", "copy", "__getitem__", "__contains__"}
)
_READ_CALLS = frozenset({"len", "sorted", "list", "set", "tuple", "dict", "print", "repr", "str"})
#: Methods that change a mapping they are called on, and functions that change their first
#: argument's item: through a namespace, each sets or deletes an attribute no assignment names
#: (review 56: ``vars(numpy).update(isclose=f)``, ``operator.setitem(vars(m), "isclose", f)``).
_WRITE_METHODS = frozenset(
    {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__", "__ior__"}
)
_WRITE_CALLS = frozenset(
    {"operator.setitem", "operator.delitem", "operator.__setitem__", "operator.__delitem__"}
)
_ATTR_SETTERS = frozenset({"setattr", "delattr", "builtins.setattr", "builtins.delattr"})


def _folded(node) -> str | None:
    """The text a key written of constants spells (``"get_" + "ipython"``), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _folded(node.left), _folded(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = [_folded(value) for value in node.values]
        return None if None in parts else "".join(parts)
    if isinstance(node, ast.FormattedValue) and node.conversion == -1 and not node.format_spec:
        return _folded(node.value)  # f"{'except'}hook"
    return None


def _may_be_shell(key) -> bool:
    """Whether a name looked up on the builtins may be ``get_ipython``: it spells it, or it is
    built at run time, where the scan cannot tell (review 56: ``"get_" + "ipython"``)."""
    return _folded(key) in (None, "get_ipython")


def _namespace_owner(node, aliases) -> ast.AST | None:
    """The expression whose namespace ``node`` is: ``m`` for ``vars(m)`` and ``m.__dict__``."""
    if (
        isinstance(node, ast.Call)
        and _dotted(node.func, aliases) in ("vars", "builtins.vars")
        and len(node.args) == 1
        and not node.keywords
        and not isinstance(node.args[0], ast.Starred)
    ):
        return node.args[0]
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return node.value
    return None


def _namespace_use(node, parents, aliases) -> str:
    """How a namespace expression is used: ``"read"`` (a plain subscript that reads it, or a
    use of :data:`_READ_METHODS`, :data:`_READ_CALLS`, ``in``, a loop), ``"write"`` (a use
    that changes it: :data:`_WRITE_METHODS`, :data:`_WRITE_CALLS`, ``|=``), ``"item"`` (an
    item assigned or deleted), or ``"other"`` (bound to a name, passed on: what it does is
    unknown)."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Subscript) and parent.value is node:
        # an item assigned or deleted is flagged with the other assignments (``_scan``)
        return "read" if isinstance(parent.ctx, ast.Load) else "item"
    if isinstance(parent, ast.Attribute) and parent.value is node:
        call = parents.get(id(parent))
        if isinstance(call, ast.Call) and call.func is parent:
            if parent.attr in _READ_METHODS:
                return "read"
            if parent.attr in _WRITE_METHODS:
                return "write"
        return "other"
    if isinstance(parent, ast.Compare) and node in parent.comparators:
        return "read"
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is node:
        return "read"
    if isinstance(parent, ast.AugAssign) and parent.target is node:
        return "write"
    if isinstance(parent, ast.Call) and node in parent.args:
        name = _dotted(parent.func, aliases) or ""
        if name in _READ_CALLS and len(parent.args) == 1:
            return "read"
        if name in _WRITE_CALLS and parent.args[0] is node:
            return "write"
    return "other"


def _namespace_flags(tree, aliases, bindings, where) -> list[Flag]:
    """Review 56: a watched module's namespace (``vars(m)``, ``m.__dict__``) used other than
    to read it sets its attributes with no assignment the scan would see; the namespace of
    anything else, changed in place by a method or ``operator.setitem``, may be a module's.
    ``get_ipython`` read from the builtins' namespace, or any name built at run time there,
    reaches the shell and its hooks."""
    parents = {
        id(child): parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
    }
    flags = []
    for node in ast.walk(tree):
        owner = _namespace_owner(node, aliases)
        if owner is None:
            continue
        names = {_dotted(owner, aliases) or ""}
        if bindings is not None:
            names |= {d.removesuffix(".*") for d in bindings.refs(owner)}
        spelled = f"vars({_dotted(owner, aliases) or '...'})"
        use = _namespace_use(node, parents, aliases)
        hooked = sorted(n for n in names if n.split(".")[0] in _HOOK_MODULES)
        watched = sorted(n for n in names if n and _watched(n))
        if use in ("read", "item"):
            pass
        elif hooked:
            flags.append(Flag("hook_override", f"{where}: {spelled} changed or handed on"))
        elif watched:
            flags.append(Flag("monkeypatch", f"{where}: {spelled} changed or handed on"))
        elif use == "write" and not (isinstance(owner, ast.Name) and owner.id == "self"):
            flags.append(Flag("monkeypatch", f"{where}: {spelled} changed in place"))
        parent = parents.get(id(node))
        if (
            any(n.split(".")[0] in ("builtins", "__builtins__") for n in watched)
            and isinstance(parent, ast.Subscript)
            and parent.value is node
            and _may_be_shell(parent.slice)
        ):
            key = _folded(parent.slice)
            shown = repr(key) if key is not None else "a name built at run time"
            flags.append(Flag("hook_override", f"{where}: {spelled}[{shown}]"))
    return flags


def _setter_flags(tree, aliases, where) -> list[Flag]:
    """Review 56: ``setattr``/``delattr`` handed on as a value (``functools.partial(setattr,
    np)``, ``map(setattr, ...)``) or given its target by unpacking (``setattr(*args)``): the
    scan cannot tell what they set, so they count as a patch; so does a three-argument
    ``type(...)`` whose namespace is not a dict written out with constant string keys (a
    method name built at run time, ``{"__e" + "q__": f}``), as an equality override."""
    parents = {
        id(child): parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
    }
    flags = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
            name = _dotted(node, aliases) or ""
            parent = parents.get(id(node))
            if name in _ATTR_SETTERS and not (
                isinstance(parent, ast.Call) and parent.func is node
            ):
                flags.append(Flag("monkeypatch", f"{where}: {name} handed on as a value"))
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases) or ""
        if name in _ATTR_SETTERS and (
            not node.args or isinstance(node.args[0], ast.Starred) or node.keywords
        ):
            flags.append(Flag("monkeypatch", f"{where}: {name}(*...)"))
        if name in ("type", "builtins.type") and (len(node.args) == 3 or node.keywords):
            space = node.args[2] if len(node.args) == 3 else None
            if not (
                isinstance(space, ast.Dict)
                and all(
                    isinstance(key, ast.Constant) and isinstance(key.value, str)
                    for key in space.keys
                )
            ):
                flags.append(
                    Flag("always_equal", f"{where}: type(..., namespace built at run time)")
                )
        if name == "types.new_class":
            flags.append(Flag("always_equal", f"{where}: types.new_class(...)"))
    return flags


#: Text that names the shell, its hooks and events, or a setter of attributes and namespaces:
#: written as a string (``sys.__setattr__("excepthook", f)``, ``dict(vars(builtins)).get(
#: "get_ipython")``, ``getattr(m, "__dict__")``) it reaches what no attribute in the cell
#: names (review 57 B F3, F4).
_HOOK_TEXT = (_HOOK_ATTRS - {"run_cell", "run_code"}) | {
    "get_ipython",
    "IPKernelApp",
    "pre_execute",
    "pre_run_cell",
    "post_execute",
    "post_run_cell",
    "shell_initialized",
    "settrace",
    "setprofile",
    "addaudithook",
}
_SETTER_TEXT = frozenset(
    {"__setattr__", "__delattr__", "__getattribute__", "__dict__", "__globals__"}
    | {"setattr", "delattr"}
)
#: The shell's hooks read (not only assigned): ``sh.ast_transformers.append(t)``,
#: ``sh.events.register("post_run_cell", f)`` change them in place.
_HOOK_READS = _HOOK_ATTRS - {
    "InteractiveShell",
    "run_cell",
    "run_code",
    "excepthook",
    "displayhook",
}


def _self_setter(node, parents) -> bool:
    """``self.__setattr__(...)``, ``super().__setattr__(...)``, ``object.__setattr__(self,
    ...)``: a class setting its own instance's attribute (a frozen dataclass)."""
    value = node.value
    if isinstance(value, ast.Name) and value.id == "self":
        return True
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "super"
    ):
        return True
    call = parents.get(id(node))
    return (
        isinstance(value, ast.Name)
        and value.id == "object"
        and isinstance(call, ast.Call)
        and call.func is node
        and bool(call.args)
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id == "self"
    )


def _indirect_flags(tree, aliases, where) -> list[Flag]:
    """Review 57 B F2-F4: patches, equality overrides and hooks reached without the
    attribute or assignment :func:`_scan` reads: a module's or the shell's own
    ``__setattr__``/``__getattribute__``, ``sys.modules`` copied or handed on (``dict(
    sys.modules)["math"].isclose = f``), the shell's module looked up there, its hooks
    changed in place, their names written as text, an equality method assigned to a class
    after its body, a class made by a metaclass or ``make_dataclass`` from a namespace given
    as a value, and ``unittest.mock.ANY`` (an object equal to anything); reviews 58 and 59:
    numpy reached through another module's name for it, classes patched through ``type(x)``,
    mocks, ``__main__``, a module made a wrapper, ``type`` handed on, the shell among a
    class's subclasses."""
    parents = {
        id(child): parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
    }
    flags = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            parent = parents.get(id(node))
            name = _dotted(node, aliases) or ""
            if node.attr == "__call__" and (_dotted(node.value, aliases) or "") in (
                "type",
                "builtins.type",
            ):
                flags.append(Flag("always_equal", f"{where}: type.__call__"))
            elif node.attr == "_instance" or node.attr == "__subclasses__":
                # review 59: the shell found among a configurable class's subclasses
                flags.append(Flag("hook_override", f"{where}: .{node.attr}"))
            elif node.attr in ("__setattr__", "__delattr__", "__getattribute__"):
                if not _self_setter(node, parents):
                    flags.append(Flag("monkeypatch", f"{where}: .{node.attr}"))
            elif node.attr == "__globals__":
                flags.append(Flag("monkeypatch", f"{where}: a function's .__globals__"))
            elif isinstance(node.ctx, ast.Load) and node.attr in _HOOK_READS:
                flags.append(Flag("hook_override", f"{where}: .{node.attr}"))
            elif node.attr == "events" and isinstance(parent, ast.Attribute):
                flags.append(Flag("hook_override", f"{where}: .events.{parent.attr}"))
            elif isinstance(node.ctx, ast.Store) and node.attr in _EQUALITY_DUNDERS:
                flags.append(Flag("always_equal", f"{where}: .{node.attr} assigned"))
            elif isinstance(node.ctx, (ast.Store, ast.Del)) and _patches_a_library(
                node.value, aliases
            ):
                flags.append(Flag("monkeypatch", f"{where}: .{node.attr} of a library's object"))
            elif name.startswith(_ALWAYS_EQUAL_OBJECTS):
                flags.append(Flag("always_equal", f"{where}: {name}"))
            elif name == "sys.modules" and not _reads_one_module(node, parents):
                flags.append(Flag("monkeypatch", f"{where}: sys.modules copied or handed on"))
        elif isinstance(node, ast.Name) and (_dotted(node, aliases) or "").startswith(
            _ALWAYS_EQUAL_OBJECTS
        ):
            flags.append(Flag("always_equal", f"{where}: {_dotted(node, aliases)}"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [f"{node.module}.{a.name}" for a in node.names]
            )
            for module in modules:
                if module == "__main__" or module.startswith(_ALWAYS_EQUAL_OBJECTS):
                    code = "hook_override" if module == "__main__" else "always_equal"
                    flags.append(Flag(code, f"{where}: import {module}"))
        elif isinstance(node, ast.Subscript) and _dotted(node.value, aliases) == "sys.modules":
            key = _folded(node.slice)
            if key is None or key.split(".")[0] in ("IPython", "ipykernel", "__main__"):
                shown = repr(key) if key is not None else "a name built at run time"
                flags.append(Flag("hook_override", f"{where}: sys.modules[{shown}]"))
        elif isinstance(node, (ast.Constant, ast.BinOp, ast.JoinedStr)):
            text = _folded(node)  # written out, or of constants ("__set" + "attr__")
            if isinstance(node, ast.BinOp) and isinstance(parents.get(id(node)), ast.BinOp):
                text = None  # (the whole sum is read once, at its top)
            if text in _HOOK_TEXT:
                flags.append(Flag("hook_override", f"{where}: {text!r}"))
            elif text in _SETTER_TEXT:
                flags.append(Flag("monkeypatch", f"{where}: {text!r}"))
            elif text in _EQUALITY_DUNDERS and not isinstance(node, ast.Constant):
                flags.append(Flag("always_equal", f"{where}: {text!r}"))  # (constants: _scan)
        elif isinstance(node, ast.Call):
            name = _dotted(node.func, aliases) or ""
            if name in ("sys.modules.get", "sys.modules.pop", "sys.modules.setdefault"):
                key = _folded(node.args[0]) if node.args else None
                if key is None or key.split(".")[0] in ("IPython", "ipykernel", "__main__"):
                    shown = repr(key) if key is not None else "a name built at run time"
                    flags.append(Flag("hook_override", f"{where}: {name}({shown})"))
            wraps = isinstance(node.func, ast.Call) and (
                _dotted(node.func.func, aliases) or ""
            ).endswith("functools.wraps")
            if (name.endswith("functools.update_wrapper") or wraps) and node.args:
                # update_wrapper(np, f), wraps(f)(np): the module takes f's attributes
                wrapper = _dotted(node.args[0], aliases) or ""
                if _watched(wrapper):
                    flags.append(Flag("monkeypatch", f"{where}: {wrapper} made a wrapper"))
            if (
                name in ("functools.partial", "map")
                and any(
                    (_dotted(a, aliases) or "") in ("type", "builtins.type") for a in node.args[:1]
                )
                and (name == "functools.partial" or len(node.args) >= 4)
            ):
                flags.append(Flag("always_equal", f"{where}: {name}(type, ...)"))
            if isinstance(node.func, ast.Attribute) and node.func.attr == "__new__":
                if len(node.args) >= 4:  # mcs, name, bases, namespace: a class made
                    flags.append(Flag("always_equal", f"{where}: {name or '...'}(mcs, ...)"))
            elif len(node.args) == 3 and (
                _metaclass_of(node.func, aliases) or name.endswith(("Meta", "EnumType"))
            ):
                flags.append(Flag("always_equal", f"{where}: a metaclass called"))
            elif name.endswith("make_dataclass") and any(
                k.arg == "namespace" for k in node.keywords
            ):
                flags.append(Flag("always_equal", f"{where}: make_dataclass(namespace=...)"))
    return flags


#: Objects equal to anything, or made so with one call: ``unittest.mock``'s ``ANY`` and its
#: class, its mocks (``m.__eq__.return_value = True``, ``configure_mock``), CPython's test
#: helpers ``ALWAYS_EQ`` and ``NEVER_EQ`` (review 58 B).
_ALWAYS_EQUAL_OBJECTS = (
    "unittest.mock.ANY",
    "unittest.mock._ANY",
    "unittest.mock.MagicMock",
    "unittest.mock.Mock",
    "unittest.mock.NonCallableMagicMock",
    "unittest.mock.NonCallableMock",
    "unittest.mock.AsyncMock",
    "unittest.mock.create_autospec",
    "test.support",
)


def _patches_a_library(value, aliases) -> bool:
    """Whether an attribute assigned on ``value`` changes a library's object: a class taken
    with ``type(x)`` or ``x.__class__`` (``type(df).equals = f`` patches pandas), or an
    attribute of an imported module reached through another of its attributes
    (``plt.np.allclose = f`` patches numpy through pyplot's own name for it); review 58 B.
    ``pd.options.display.max_rows = 10`` sets an option."""
    if _metaclass_of(value, aliases) or (
        isinstance(value, ast.Attribute) and value.attr == "__class__"
    ):
        return True
    if not isinstance(value, ast.Attribute):
        return False
    dotted = _dotted(value, aliases) or ""
    root = dotted.split(".")[0]
    return (
        bool(root)
        and root in set(aliases.values()) | {m.split(".")[0] for m in aliases.values()}
        and not dotted.startswith(_SETTINGS)
    )


def _metaclass_of(node, aliases) -> bool:
    """``type(B)``: the metaclass of ``B``, called as a function to make a class."""
    return (
        isinstance(node, ast.Call)
        and _dotted(node.func, aliases) in ("type", "builtins.type")
        and len(node.args) == 1
        and not node.keywords
    )


def _reads_one_module(node, parents) -> bool:
    """``sys.modules[KEY]`` read, ``KEY in sys.modules``, ``sys.modules.get(KEY)``: one entry
    read by a name the scan follows (not a copy, not handed on)."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return True
    if isinstance(parent, ast.Compare) and node in parent.comparators:
        return True
    if isinstance(parent, ast.Attribute) and parent.attr in ("get", "__contains__"):
        call = parents.get(id(parent))
        return isinstance(call, ast.Call) and call.func is parent
    return False


def _scan(tree, aliases, test_names, where, instructor=None, bindings=None) -> list[Flag]:
    flags = []

    def dotted_name(node):  # np.isclose, or getattr(np, "testing") through the bindings
        found = bindings.dotted(node) if bindings is not None else None
        return found or _dotted(node, aliases)

    instructor = instructor or {}
    magic_nodes = set()
    for node in ast.walk(tree):
        magic = _magic_call(node)
        if magic is not None:
            magic_nodes.add(id(node.func.value))
            if magic == "system":
                flags.append(Flag("subprocess", f"{where}: !shell command"))
            elif magic not in _SAFE_MAGICS:
                flags.append(Flag("magic", f"{where}: %{magic}"))
            if magic in _TEXT_MAGICS:
                flags.append(Flag("dynamic_code", f"{where}: %{magic} runs text no cell holds"))
    for stmt in tree.body:  # top-level rebinding of names the tests rely on
        for name in _bound_names(stmt):
            if name in test_names and not _same_module(stmt, name, instructor):
                flags.append(Flag("monkeypatch", f"{where}: rebinds {name}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            for name in node.names:
                if name in test_names:
                    flags.append(Flag("monkeypatch", f"{where}: rebinds {name} (global)"))
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                for sub in leaves(target):
                    if isinstance(sub, ast.Attribute):
                        dotted = dotted_name(sub) or sub.attr
                        if sub.attr in _HOOK_ATTRS or dotted.startswith("sys.modules"):
                            flags.append(Flag("hook_override", f"{where}: {dotted}"))
                        elif _watched(dotted):
                            flags.append(Flag("monkeypatch", f"{where}: {dotted}"))
                    elif isinstance(sub, ast.Subscript):
                        base = _dotted(sub.value, aliases) or ""
                        if (
                            base.split(".")[0] == "__builtins__"
                            or base.endswith("__dict__")
                            or base in ("sys.modules", "globals()", "vars()", "builtins.__dict__")
                        ):
                            flags.append(Flag("monkeypatch", f"{where}: {base}[...]"))
        elif isinstance(node, ast.Call):
            name = _dotted(node.func, aliases) or ""
            if name == "getattr" and len(node.args) >= 2:
                target = dotted_name(node.args[0]) or ""
                if target in ("builtins", "__builtins__") and not isinstance(
                    node.args[1], ast.Constant
                ):  # exec or compile under a built name
                    flags.append(Flag("dynamic_code", f"{where}: getattr(builtins, ...)"))
                if target in ("builtins", "__builtins__") and _may_be_shell(node.args[1]):
                    # review 56: get_ipython under a built name, the shell's hooks one step on
                    flags.append(Flag("hook_override", f"{where}: getattr(builtins, ...)"))
            if name in ("setattr", "delattr") and node.args:
                target = dotted_name(node.args[0]) or ""
                if _watched(target) or "get_ipython()" in target:
                    flags.append(Flag("monkeypatch", f"{where}: {name}({target}, ...)"))
            patched = _mock_target(name, node, dotted_name)
            if patched is not None:
                flags.append(Flag("monkeypatch", f"{where}: {name}({patched or '...'})"))
            if name in _EXIT_CALLS:
                flags.append(Flag("process_exit", f"{where}: {name}()"))
            elif name in _DYNAMIC_CALLS:
                flags.append(Flag("dynamic_code", f"{where}: {name}()"))
            elif name in _TRACE_CALLS:
                flags.append(Flag("hook_override", f"{where}: {name}()"))
            elif (
                name.split(".")[0] in _PROCESS_MODULES
                or name in ("os.system", "os.popen")
                or name.startswith(("os.exec", "os.spawn", "os.posix_spawn"))
            ):
                flags.append(Flag("subprocess", f"{where}: {name}()"))
        elif isinstance(node, ast.Attribute) and node.attr in _INTERNAL_ATTRS:
            flags.append(Flag("dynamic_code", f"{where}: .{node.attr}"))
        elif isinstance(node, ast.Attribute) and node.attr in _SHELL_ATTRS:
            # review 47 B#2: the IPython shell reached without get_ipython (its hooks)
            flags.append(Flag("hook_override", f"{where}: .{node.attr}"))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in ("SystemExit", "KeyboardInterrupt"):
                flags.append(Flag("process_exit", f"{where}: raise {exc.id}"))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                names = _bound_names(item)
                for dunder in _EQUALITY_DUNDERS.intersection(names):
                    flags.append(Flag("always_equal", f"{where}: {node.name}.{dunder}"))
        elif isinstance(node, ast.Constant) and node.value in _EQUALITY_DUNDERS:
            # review 53: type('A', (), {'__eq__': f}), setattr(A, '__eq__', f), a class
            # body's locals()['__eq__'] = f
            flags.append(Flag("always_equal", f"{where}: {node.value!r}"))
        elif isinstance(node, ast.Name) and node.id == "get_ipython":
            pass  # judged below, once magics are known
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for module in modules:
                top = module.split(".")[0]
                if top in _NETWORK_MODULES:
                    flags.append(Flag("network", f"{where}: import {module}"))
                elif top in ("IPython", "ipykernel") and module not in _DISPLAY_IMPORTS:
                    if not _shows_every_output(tree, node) and not (
                        isinstance(node, ast.ImportFrom)
                        and module == "IPython"
                        and all(a.name == "display" for a in node.names)
                    ):
                        flags.append(Flag("hook_override", f"{where}: import {module}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
            if len(text) < 200 and "\n" not in text and _SUSPICIOUS_PATH.search(text):
                flags.append(Flag("file_access", f"{where}: {text!r}"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "get_ipython"
            and id(node) not in magic_nodes
        ):
            flags.append(Flag("hook_override", f"{where}: get_ipython()"))
    flags += _namespace_flags(tree, aliases, bindings, where)
    flags += _setter_flags(tree, aliases, where)
    flags += _indirect_flags(tree, aliases, where)
    return flags


def import_aliases(sources) -> dict[str, str]:
    """The import aliases defined by the instructor's code cells (``{"np": "numpy"}``)."""
    return dict(_aliases(tuple(sources)))


@functools.lru_cache(maxsize=64)  # the same setup comes with every submission
def _aliases(sources: tuple[str, ...]) -> dict[str, str]:
    aliases = {}
    for source in sources:
        code = _python_source(source)
        if code is not None:
            aliases.update(_imports(ast.parse(code)))
    return aliases


def names_used_by_tests(test_sources, aliases) -> set[str]:
    """Builtins and module aliases that the (hidden) test code refers to."""
    names = set()
    for source in test_sources:
        code = _python_source(source)
        if code is None:
            continue
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if hasattr(builtins, node.id) or node.id in aliases:
                    names.add(node.id)
    return names


def code_flags(nb, *, student_cells, aliases, test_names) -> list[Flag]:
    """Scan the code students wrote.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The sanitised notebook (read-only and test cells restored).
    student_cells : list of int
        Indices of the cells the student authored (answer cells and added cells).
    aliases : dict
        The instructor's import aliases (:func:`import_aliases`).
    test_names : set of str
        Builtins and aliases the tests rely on (:func:`names_used_by_tests`).
    """
    flags = []
    bindings = Bindings(aliases, through_calls=False)  # carried from cell to cell
    for _index, where, code in _scannable(nb, student_cells, flags):
        tree = ast.parse(code)
        try:
            bindings.add_cell(tree)
        except RecursionError:  # the cell's bindings are left out; the rest is scanned
            flags.append(Flag("dynamic_code", f"{where}: nested too deeply for the scan"))
        flags += _scan(tree, _alias_map(bindings.names), test_names, where, aliases, bindings)
    return flags


def _alias_map(view) -> dict[str, str]:
    """``{name: dotted}`` for the names a :class:`Bindings` view ties to a module or one of
    its attributes (of several, a watched one: ``q = np if c else math`` is ``numpy``)."""
    aliases = {}
    for name, refs in view.items():
        plain = sorted(d for d in refs if d[:1] not in "<[{")
        if plain and "." not in name:
            aliases[name] = min(plain, key=lambda d: (not _watched(d), d))
    return aliases


def _scannable(nb, student_cells, flags=None):
    """``(index, where, code)`` of each of ``student_cells`` the scan reads: code cells of
    valid Python within :data:`MAX_SCAN_CHARS` each and :data:`MAX_SCAN_TOTAL` in all. Why a
    cell is not read is appended to ``flags`` (``dynamic_code``, for a person to read)."""
    total = 0
    for index in student_cells:
        cell = nb.cells[index]
        if cell.cell_type != "code":
            continue
        where = _where(nb, index)
        size = len(cell.source)
        why = None
        if size > MAX_SCAN_CHARS:
            why = f"{where}: {size // 1024} KiB of code, too long for the scan"
        elif total + size > MAX_SCAN_TOTAL:  # this cell and every later one
            why = f"{where}: past the {MAX_SCAN_TOTAL // 1024} KiB of code the scan reads"
            total = MAX_SCAN_TOTAL + 1
        if why:
            if flags is not None:
                flags.append(Flag("dynamic_code", why))
            continue
        total += size
        code = _python_source(cell.source)
        if code is not None:
            yield index, where, code


# --- library shortcuts -------------------------------------------------------------------------

#: A comment line in the instructor's answer cell: the library functions this exercise asks the
#: student to write, which the answer must not simply import.
_FORBID = re.compile(r"^\s*#\s*grader:\s*forbid\s+(.+?)\s*$", re.MULTILINE)
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def forbidden_names(source_cells) -> dict[str, list[str]]:
    """``{answer grade_id: [dotted names]}`` declared by ``# grader: forbid a.b.c, d.e`` lines
    in the instructor's answer cells (words without a dot are prose, not names).

    Examples
    --------
    >>> forbidden_names([{"name": "answer_f", "source": "# grader: forbid resistlab.x.f\\n"}])
    {'answer_f': ['resistlab.x.f']}
    """
    found = {}
    for cell in source_cells:
        names = [
            name
            for match in _FORBID.finditer(cell.get("source", ""))
            for name in _DOTTED.findall(match.group(1))
        ]
        if names:
            found[cell["name"]] = names
    return found


@functools.lru_cache(maxsize=4096)
def _library_object(dotted: str):
    """The object ``resistlab.x.y`` names in the installed library's science modules (None
    if none; the course platform, ``resistlab.course``, and private modules are not imported)."""
    parts = dotted.split(".")
    if parts[0] != "resistlab" or len(parts) < 2 or parts[1] == "course":
        return None
    if any(part.startswith("_") for part in parts[1:-1]):
        return None
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except Exception:
            continue
        for attr in parts[split:]:
            try:
                obj = getattr(obj, attr)
            except Exception:
                return None
        return obj
    return None


def _reaches(dotted: str, name: str) -> bool:
    """Whether ``dotted`` is the forbidden ``name``, an attribute of it, the same object
    under another module of the library (``resistlab.widgets.survival.kaplan_meier``), or
    an attribute named at run time (``m.*``) of a module that holds it."""
    if dotted == name or dotted.startswith(name + "."):
        return True
    if dotted.endswith(".*"):  # some attribute of a module, named at run time
        owner = dotted[:-2]
        if name.startswith(owner + "."):
            return True
        module, target = _library_object(owner), _library_object(name)
        return (
            target is not None
            and isinstance(module, types.ModuleType)
            and any(value is target for value in vars(module).values())
        )
    leaf = name.rsplit(".", 1)[-1]
    if not dotted.startswith("resistlab.") or dotted.rsplit(".", 1)[-1] != leaf:
        return False
    target = _library_object(name)
    return target is not None and _library_object(dotted) is target


def _named_in_text(texts, used, name: str) -> bool:
    """Whether a string of the cell names the forbidden function where the cell could look it
    up: with its module in the same string (``pydoc.locate("m.f")``, ``"m:f"``, a pickle's
    ``b"cm\\nf\\n."``), or anywhere in a cell that reaches its module or a function of
    that module (``reduce(getattr, ["f"], m)``, ``g.__globals__["f"]``,
    ``Formatter().get_field("0.f", [m], {})``)."""
    module, _, leaf = name.rpartition(".")
    word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(leaf)}(?![A-Za-z0-9_])")
    named = [text for text in texts if len(text) < 100_000 and word.search(text)]
    if not named:
        return False
    if any(module in text for text in named):
        return True
    for d in used:
        while d.startswith(("[]", "{}")):
            d = d[2:]
        d = d.removesuffix(".*")
        if not d.startswith("resistlab"):
            continue
        owners = [d, d.rpartition(".")[0]] if d.count(".") >= 2 else [d]  # f: its module
        for owner in owners:
            if module == owner or module.startswith(owner + ".") or _reaches(owner + ".*", name):
                return True
    return False


def _forbidden_cells(nb, student_cells, source_cells):
    """``(declared, every, where, setup_aliases, anywhere)``: each answer cell's declared
    names (:func:`forbidden_names`), all of them, ``{cell index: names forbidden there}`` for
    the student's cells (the declaring answer cell's own names and, in every answer cell,
    the names the locked setup does not import: imported in one answer cell and called in
    another is still the shortcut; all of them in a cell the student added), the setup's
    imports and the names that count in every answer cell (:func:`_anywhere`)."""
    forbidden = forbidden_names(source_cells)
    if not forbidden:
        return {}, [], {}, {}, set()
    setup = [
        cell["source"]
        for cell in source_cells
        if cell.get("locked") and cell.get("cell_type", "code") == "code"
    ]
    setup_aliases = import_aliases(setup)
    every = sorted({name for names in forbidden.values() for name in names})
    anywhere = _anywhere(every, setup_aliases)
    where = {}
    for index in student_cells:
        gid = _meta(nb.cells[index]).get("grade_id")
        where[index] = sorted({*forbidden.get(gid, []), *anywhere}) if gid else every
    return forbidden, every, where, setup_aliases, anywhere


def _anywhere(names, setup_aliases) -> set[str]:
    """The forbidden ``names`` that count in every answer cell, and when a hidden test calls
    them: those the locked setup does not import, but a method (``dna_repair.LQFit.dose_for``),
    which the student reaches through an object a setup function returns (a fit) and may use
    where no answer cell declares it."""
    imported = set(setup_aliases.values())
    return {
        name
        for name in names
        if name not in imported and not isinstance(_library_object(name.rpartition(".")[0]), type)
    }


def shortcut_flags(nb, student_cells, source_cells) -> list[Flag]:
    """``library_shortcut`` flags: an answer that uses a library function its exercise asks
    the student to implement (declared with :func:`forbidden_names`).

    The declaring answer cell and every cell the student added are searched for the name,
    and so is every other answer cell unless the locked setup imports that name itself.
    What each name and expression stands for is followed through the notebook's cells in
    order (:class:`~resistlab.course.grading.bindings.Bindings`): imports of every form,
    assignments, containers, ``getattr`` with a constant name, the library's other modules
    that hold the same function. A name the setup imports counts where it is forbidden
    (``kaplan_meier(t, e)`` in the declaring cell) unless a student cell bound it again.
    Each forbidden name is flagged once, in the first cell that reaches it.
    """
    declared, every, forbidden_at, setup_aliases, _ = _forbidden_cells(
        nb, student_cells, source_cells
    )
    if not every:
        return []
    # an answer cell that forbids a function may use of the library what the setup imports
    # and what its own solution imports, nothing else (:func:`_undeclared_library_calls`)
    own = {cell["name"]: cell.get("source", "") for cell in source_cells}
    declaring = {
        gid: set(setup_aliases.values()) | set(import_aliases([own.get(gid, "")]).values())
        for gid in declared
    }
    flags = []
    bindings = Bindings(setup_aliases)
    reached: set[str] = set()
    for index, where, code in _scannable(nb, student_cells):
        tree = ast.parse(code)
        gid = _meta(nb.cells[index]).get("grade_id")
        names = forbidden_at[index]
        used, texts = set(), []
        try:
            bindings.add_cell(tree)
            if names:  # what the cell bound (a match pattern's capture is in no expression)
                used |= {d for name in bindings.bound for d in bindings.names.get(name, ())}
            for node in ast.walk(tree) if names else ():
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    used |= {d for refs in import_bindings(node).values() for d in refs}
                elif isinstance(node, ast.expr):
                    used |= bindings.refs(node)
                if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
                    value = node.value
                    texts.append(value.decode("latin-1") if isinstance(value, bytes) else value)
        except RecursionError:  # a person reads it instead
            flags.append(Flag("dynamic_code", f"{where}: nested too deeply for the scan"))
        for name in names:
            if name in reached:
                continue
            if any(_reaches(d, name) for d in used) or _named_in_text(texts, used, name):
                reached.add(name)  # where it is first reached (later cells inherit it)
                flags.append(Flag("library_shortcut", f"{gid or f'cell {index}'}: {name}"))
        if gid in declaring or not gid:  # review 59: a cell the student added too
            allowed = declaring.get(gid, set(setup_aliases.values()))
            for dotted in _undeclared_library_calls(used, allowed, reached):
                reached.add(dotted)
                flags.append(
                    Flag(
                        "library_shortcut",
                        f"{gid or f'cell {index}'}: {dotted} (not imported by the setup)",
                    )
                )
    return flags


def _not_an_answer(target) -> bool:
    """Whether a library object is the course's display code or data: a public function or
    class defined in ``plotting``, ``widgets`` or ``datasets`` (figures, explorers and their
    ``*_state`` functions, data loaders), the ``datasets`` module, or an exception class.
    Judged by where the object is defined, not by the name it was reached through (review
    60: ``widgets.dna_repair.adduct_area`` is ``dna_repair``'s function, imported there)."""
    if isinstance(target, type) and issubclass(target, BaseException):
        return True
    if isinstance(target, types.ModuleType):
        return target.__name__ == "resistlab.datasets"
    module = getattr(target, "__module__", None) or ""
    name = getattr(target, "__name__", None) or ""
    display = module == "resistlab.datasets" or module.startswith(
        ("resistlab.plotting.", "resistlab.widgets.")
    )
    return display and not name.startswith("_")


def _unmarked(dotted: str) -> str:
    """``dotted`` without the marks of a container or namespace holding it (``[]``, ``{}``)."""
    while dotted.startswith(("[]", "{}")):
        dotted = dotted[2:]
    return dotted


def _undeclared_library_calls(used, allowed: set, reached: set) -> list[str]:
    """The library's functions, classes and modules ``used`` reaches that are not ``allowed``
    (what the setup imports, the modules it imports, and what the instructor's own answer
    cell imports) and not already flagged: in an answer cell that asks the student to write a
    formula, any other function of the library computes part of the answer for them, and
    reviews kept finding twins under other signatures (review 58: ``pk.auc_iv`` for 07's
    ``plating_efficiency``, ``pk.half_life`` for ``dose_for_half_kill``, ...). A module
    counts when the cell uses none of its attributes by name (review 60: one handed through a
    call, ``next(iter([pk])).half_life``, is where the scan loses it); what it names of the
    module is judged on its own."""
    used = {_unmarked(d) for d in used}
    named = {d for d in used if not d.endswith(".*")}
    taken = [_library_object(r) for r in reached]
    found = []
    for dotted in sorted(used):
        if not dotted.startswith("resistlab.") or dotted.endswith(".*"):
            continue
        if dotted in reached or dotted in found:
            continue
        target = _library_object(dotted)
        if not isinstance(target, (types.FunctionType, type, types.ModuleType)):
            continue
        if _not_an_answer(target) or any(t is target for t in taken):
            continue
        if isinstance(target, types.ModuleType) and any(d.startswith(dotted + ".") for d in named):
            continue
        if any(dotted == a or dotted.startswith(a + ".") for a in allowed) or any(
            _library_object(a) is target for a in allowed
        ):
            continue
        found.append(dotted)
    return found


def _answer_of(test: str, gids: dict, forbidden_at: dict, nb) -> int | None:
    """The answer cell a test cell checks: the nearest answer cell above it."""
    index = gids.get(test)
    for answer in range(index - 1, -1, -1) if index is not None else ():
        if answer in forbidden_at and _meta(nb.cells[answer]).get("grade_id"):
            return answer
    return None


def call_flags(calls, nb, student_cells, source_cells, flagged=()) -> list[Flag]:
    """``library_shortcut`` flags from the kernel's record of the forbidden functions' calls.

    ``calls``: ``(dotted name, place)`` pairs as the kernel reported them: the file of the
    cell whose code made the call (a function the student defined in a cell counts where it
    was written, whoever called it), ``test`` (a hidden test called the function as the
    student's answer), ``copy`` (the module's code run again, which makes a copy of the
    function no wrapper reaches: flagged wherever the name is forbidden), ``?`` (no cell
    on the way: a thread, a callback) or ``!`` (called from more places than the kernel
    records); ``PLACE+RUNNING`` when cell ``RUNNING`` ran code written at ``PLACE``;
    ``PLACE+in:NAME`` when the call was made inside the call of the watched ``NAME``;
    ``via:ENTRY:PLACE`` when the library's ``ENTRY`` (``HillFit.predict``) made the call for
    code at ``PLACE``; ``PLACE@TEST`` while hidden test ``TEST`` ran. A call
    made while a test ran counts where the test's exercise (the answer cell above it)
    forbids the name, wherever the calling code was written (a helper written in another
    answer cell and bound as the answer is still the shortcut); otherwise a call from a
    cell counts where :func:`shortcut_flags` would forbid the name; from a test or from no
    cell, when the setup does not import the name. A call through the library counts only
    where a test's exercise or an answer cell (where the code was written, or the one
    running) declares the name, in a cell only when the entry is not a plot or an explorer
    (:func:`_draws`), and not inside a forbidden function already flagged; made for the
    student's code anywhere else before the last test of an exercise that declares the
    name (:func:`_graded_by`), it counts for that exercise: whatever carries the numbers to
    the answer, they were computed before it was graded. A thread with no cell on its
    stack (``?+RUNNING``) counts for the cell the kernel was running. Names in
    ``flagged`` (already flagged by the scan) and calls from the setup are not flagged.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("f = g")])
    >>> source = [{"name": "x", "source": "# grader: forbid resistlab.m.f"}]
    >>> [str(f) for f in call_flags([("resistlab.m.f", cell_name("f = g"))], nb, [0], source)]
    ['library_shortcut(cell 0: resistlab.m.f (called))']
    """
    # declared: a cell's own names, what the library may not do
    # anywhere: a test calls the setup's own functions by name: only a name the setup does
    # not import can be the student's answer when a test calls it
    declared, every, forbidden_at, setup_aliases, anywhere = _forbidden_cells(
        nb, student_cells, source_cells
    )
    files: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and calls:
            files.setdefault(cell_name(cell.source), index)
    gids = {_meta(cell).get("grade_id"): index for index, cell in enumerate(nb.cells)}

    def forbids(index, entry, test=None):
        """What cell ``index`` forbids. Through the library, only the names its answer cell
        declares (``estimate_m_mle`` computes ``estimate_m_p0``, which 02 forbids in another
        answer; a cell the student added explores with the setup's helpers), and outside a
        test not through the plots and explorers (``plot_occupancy`` computes
        ``fraction_inhibited`` for a figure that checks an answer)."""
        if entry is None:
            return forbidden_at.get(index, ())
        if test is None and _draws(entry):
            return ()
        return declared.get(_meta(nb.cells[index]).get("grade_id"), ())

    done, flags = set(flagged), []
    early: dict[str, list] = {}  # name: [(position, where, how, entry, within)] counted nowhere
    students = set(student_cells)
    first = min(students, default=len(nb.cells))  # the setup's cells come before
    for name, place in calls:
        if name in done or name not in every:
            continue
        place, _, test = place.partition("@")
        entry = None
        if place.startswith("via:"):  # through a library function, for code at PLACE
            _, entry, place = place.split(":", 2) if place.count(":") >= 2 else ("", "", "")
            if f"resistlab.{entry}" in done:
                continue  # computed inside a forbidden function already flagged
        cells = place.split("+")  # where the calling code was written, and the cell running
        made = "made" in cells  # code of no cell and no installed module ran on the way
        within = next((cell[3:] for cell in cells if cell.startswith("in:")), None)
        if within in done:
            continue  # computed inside a forbidden function already flagged (review 56: its
            # helper, ``_occupancy`` in ``hill``, is declared with it)
        cells = [cell for cell in cells if cell != "made" and not cell.startswith("in:")]
        place = cells[0]
        how = f"called by {entry}" if entry else "called"
        answer = _answer_of(test, gids, forbidden_at, nb) if test else None
        found = [files[cell] for cell in cells if cell in files]
        if answer is not None and name in forbids(answer, entry, test):  # the test's exercise
            where = f"{_meta(nb.cells[answer]).get('grade_id')} (by {test})"
        elif counted := [i for i in found if name in forbids(i, entry, test or None)]:
            where = _where(nb, counted[0])
        else:
            mine = [i for i in found if i in students]
            # the library computed it for the student's code (a direct call is counted, or
            # allowed by the setup's own import, above): written in the student's cell, or
            # run by a thread with no cell on its stack (the library starts none)
            if (mine or (place == "?" and found)) and entry and (test or not _draws(entry)):
                at = gids.get(test, -1) if test else max(found)
                there = f"in {_where(nb, mine[-1])}" if mine else "in a thread"
                there = f"during {test}" if test else there
                early.setdefault(name, []).append((at, there, how, entry, within))
            elif not mine and not test and not (entry and _draws(entry)):
                # under an instructor's cell, code of no cell and no installed module, or no
                # student code on the stack and a cell that does not call it: the student's
                under = [
                    i for i in found if _callback(nb, i, first, name, made, setup_aliases, entry)
                ]
                if under:
                    by = f"{how} by code of no cell and no installed module" if made else how
                    early.setdefault(name, []).append(
                        (max(found), f"under {_where(nb, under[-1])}", by, entry, within)
                    )
            if found and (mine or place != "?"):
                continue  # the setup, or a cell where the call is allowed
            if entry is not None:
                continue  # the library's own use, with no forbidding cell or test on the way
            if place == "copy":  # the module's code run again: never needed for an answer
                where = "a copy of its module"
            elif place == "!":  # called from more places than the kernel records
                where = "more places than the kernel records"
            elif name in anywhere:
                where = "a hidden test" if place == "test" else "code run outside the cells"
            else:
                continue
        done.add(name)
        flags.append(Flag("library_shortcut", f"{where}: {name} ({how})"))
    for name, made in early.items():  # before an exercise that forbids it was graded
        if name in done:
            continue
        for answer in sorted(students):
            gid = _meta(nb.cells[answer]).get("grade_id")
            graded = _graded_by(nb, answer)
            before = [
                (at, there, how)
                for at, there, how, entry, within in made
                if at <= graded and f"resistlab.{entry}" not in done and within not in done
            ]
            if name in declared.get(gid, ()) and before:
                _, there, how = min(before)
                flags.append(
                    Flag(
                        "library_shortcut", f"{gid}: {name} ({how} {there}, before it was graded)"
                    )
                )
                done.add(name)
                break
    return flags


def _where(nb, index) -> str:
    """How a flag names cell ``index``: its grade id, or ``cell N`` for a cell the student
    added."""
    return _meta(nb.cells[index]).get("grade_id") or f"cell {index}"


def _callback(nb, index, first, called, made=False, aliases=None, entry=None) -> bool:
    """Whether a call of the forbidden function ``called``, made under the instructor's cell
    ``index`` (after the setup) with no cell of the student's on the stack, was the
    student's: ``made``, when code of no cell and no installed module ran on the way (a
    function from a ``.pyc`` the student wrote, or made to carry another cell's file name);
    else unless the cell names the function through the instructor's own imports
    (``aliases``: ``binding.fraction_inhibited``, or a name the locked cells import): a
    finalizer or ``__del__`` the student left, fired by the cell rebinding a name. A name the
    student's answer defines is not the library's (``03``'s check cell calls the student's
    ``fraction_inhibited``, and a finalizer had run the library's under it), and neither is a
    library entry's name (a student's function run as the library's, named ``float``, had
    passed under a check cell calling ``float``). A call the library's ``entry`` made is the
    cell's own when the cell names that entry (``15``'s ``background_example`` calls the
    setup's ``explain``, which computes ``recommend``: a scratch cell the student added above
    it had made that call the student's)."""
    if index < first or index >= len(nb.cells) or nb.cells[index].cell_type != "code":
        return False
    if made:
        return True
    code = _python_source(nb.cells[index].source)
    try:
        tree = ast.parse(code) if code is not None else None
    except SyntaxError:
        tree = None
    if tree is None:
        return True
    aliases = {**(aliases or {}), **_imports(tree)}
    named = {called, *([f"resistlab.{entry}"] if entry else [])}
    return not any(
        _dotted(node, aliases) in named
        for node in ast.walk(tree)
        if isinstance(node, (ast.Name, ast.Attribute))
    )


def _graded_by(nb, answer: int) -> int:
    """The index of the last test cell of the exercise whose answer cell is ``answer`` (the
    graded cells up to the next answer cell), or ``answer`` if it has none."""
    last = answer
    for index in range(answer + 1, len(nb.cells)):
        meta = _meta(nb.cells[index])
        if meta.get("solution"):
            break
        if meta.get("grade"):
            last = index
    return last


# --- audit log and outputs ---------------------------------------------------------------------

_BENIGN_PROCESSES = ("'uname'", "'fc-list'", "'fc-match'")


def audit_flags(events) -> list[Flag]:
    """Turn the sandbox's audit events into flags (``call`` events: :func:`call_flags`)."""
    flags = []
    for event, detail in events:
        if event == "call":
            continue
        if event in ("socket.connect", "socket.bind", "socket.sendto"):
            flags.append(Flag("network", detail))
        elif event == "socket.__new__":
            flags.append(Flag("network", f"an {detail} socket (refused)"))
        elif event in ("os.kill", "os.killpg"):
            flags.append(Flag("process_exit", f"{event} {detail}"))
        elif event in (
            "subprocess.Popen",
            "os.system",
            "os.exec",
            "os.posix_spawn",
            "os.spawn",
            "os.fork",
            "os.forkpty",
        ):
            if detail not in _BENIGN_PROCESSES:
                flags.append(Flag("subprocess", detail))
        elif event == "sys.addaudithook" or event in _TRACE_EVENTS:
            flags.append(Flag("hook_override", f"{event} ({detail})" if detail else event))
        elif event == "cpython.PyInterpreterState_New":
            flags.append(Flag("dynamic_code", "a sub-interpreter, which no audit hook watches"))
        elif event == "exec.text":
            flags.append(Flag("dynamic_code", "ran code given as text (while the notebook ran)"))
        elif event == "ctypes.dlsym" and detail in ("socket", "socketpair"):
            flags.append(Flag("network", f"libc's {detail} through ctypes"))
        elif event == "ctypes.dlsym" and detail == "syscall":
            flags.append(Flag("dynamic_code", "a system call by number through ctypes"))
        elif event == "ctypes.dlsym":
            flags.append(Flag("dynamic_code", f"the interpreter's C API through ctypes: {detail}"))
        elif event in _INTROSPECTION:
            what = f"{event} {detail}" if detail else event
            flags.append(Flag("dynamic_code", f"{what} (while the notebook ran)"))
        elif event == "exec.own_file":
            flags.append(
                Flag(
                    "dynamic_code",
                    f"ran {detail}, a Python file of its folder the scan did not read",
                )
            )
        elif event == "native.load":
            flags.append(
                Flag("dynamic_code", f"loaded native code from {detail}, which no audit sees run")
            )
        elif event == "native.loader":
            flags.append(
                Flag("dynamic_code", f"imported {detail}, a loader of native code no audit sees")
            )
        elif event == "frames.taken":  # review 67: a wrapper's or the hook's frame
            flags.append(Flag("dynamic_code", f"{detail} taken (while the notebook ran)"))
        elif event == "grader.entered":  # review 68: code run inside the audit hook
            flags.append(Flag("dynamic_code", f"{detail} (while the notebook ran)"))
        elif event == "audit.garbled":
            flags.append(Flag("hook_override", "audit log tampered with"))
        elif event == "audit.unread":  # review 65: made to raise by what the code handed it
            flags.append(Flag("hook_override", f"the audit hook could not read {detail}"))
        else:
            flags.append(Flag("file_access", f"{event} {detail}"))
    return flags


#: What an import or a system call says when the address-space limit refused it memory (a
#: library's segments that could not be mapped, ``ENOMEM``): review 56's honest kernels lost
#: points so under ``--memory 1024``, with no ``MemoryError`` to flag
_OUT_OF_MEMORY = ("failed to map segment", "cannot allocate memory", "[errno 12]")


def output_flags(nb) -> list[Flag]:
    """Flags visible in the executed notebook's outputs."""
    flags = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = _where(nb, index)
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "SystemExit":
                flags.append(Flag("process_exit", f"{where}: SystemExit"))
            elif output.get("ename") == "MemoryError" or (
                output.get("ename") in ("ImportError", "ModuleNotFoundError", "OSError")
                and any(t in str(output.get("evalue", "")).lower() for t in _OUT_OF_MEMORY)
            ):
                flags.append(Flag("memory_error", where))
    return flags
