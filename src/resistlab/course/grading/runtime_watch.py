"""The run-time half of the ``monkeypatch`` and ``hook_override`` flags: what a notebook left
changed in the watched modules and the kernel's hooks when it ends.

The scan (:mod:`~resistlab.course.grading.integrity`) reads the source and follows the
shapes it knows; a patch made through a shape it does not follow (a name built at run time,
an object it cannot trace) was unflagged. This check looks at the result instead. When the
grader installs its agent in the kernel (before the notebook's first cell, and again after a
restart), :func:`watch` keeps

* the namespace of every module of ``numpy``, ``math``, ``builtins``, ``operator``,
  ``pandas``, ``scipy`` and ``resistlab`` already imported (a shallow copy: the same objects),
* the kernel's hooks: ``sys.excepthook``, ``sys.displayhook``, ``sys.breakpointhook``, the
  shell's ``showtraceback`` and custom exception handlers, its input and AST transformers and
  its event callbacks,

and at the notebook's end :func:`changed` lists what differs:

* a function or class of a watched module that is now another object, or deleted; a
  method (any callable attribute) of a class such a module defined at the start (of any
  metaclass) that is now another object, or deleted; such a function whose code or default
  arguments were changed in place, or whose closure holds another callable than it did; a
  watched module made of another class;
* a value defined by the notebook (code compiled from a cell, or from a file in the
  kernel's working folder or temporary folder) anywhere in a watched module, or among the
  attributes of a class a watched module defines (``pandas.DataFrame.equals``,
  ``resistlab.dna_repair.LQFit.dose_for``; there also an object of a class the notebook
  defined), including modules imported after the agent was installed;
* a hook that is another object, or a transformer or event callback added or removed, other
  than those IPython, ipykernel, ipywidgets and matplotlib install themselves.

Limits: it runs in the process the student's code controls, so a patch undone before the
notebook ends is not seen, nor one made by code that finds this module and changes what it
kept or answers; a module imported after the agent was installed is checked only for values
the notebook defined (a library's own function put in another's place there is not seen).

This file is standard library only: its source is executed inside the kernel, where it
defines the module ``_rl_watch``.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import types

__all__ = ["changed", "check", "preload", "watch"]

#: Packages whose modules are compared (the ``monkeypatch`` flag's list).
WATCHED = ("numpy", "math", "builtins", "operator", "pandas", "scipy", "resistlab")
#: Where the hooks a kernel's own libraries install come from.
OWN_HOOKS = ("IPython.", "ipykernel.", "ipywidgets.", "matplotlib", "matplotlib_inline.")
#: Most differences reported.
MAX_REPORTED = 20

_start: dict = {}
#: The name of the code of the kernel's wrappers of watched functions, and what the record
#: keeps in place of their keyword defaults.
_WRAPPER_NAMES = ("_watch_calls.<locals>.wrap.<locals>.watched_call", "watched_call")
_WRAPPER = object()


def _modules() -> dict:
    return {
        name: module
        for name, module in list(sys.modules.items())
        if isinstance(name, str)
        and name.partition(".")[0] in WATCHED
        and isinstance(module, types.ModuleType)
    }


def _shell():
    from IPython import get_ipython

    return get_ipython()


def _hooks() -> dict:
    """The kernel's hooks: one object each, or a tuple of objects for a list of them."""
    shell = _shell()
    hooks = {
        "sys.excepthook": sys.excepthook,
        "sys.displayhook": sys.displayhook,
        "sys.breakpointhook": sys.breakpointhook,
    }
    if shell is None:
        return hooks
    show = shell.showtraceback
    hooks["the shell's showtraceback"] = getattr(show, "__func__", show)
    hooks["the shell's custom exception handlers"] = tuple(shell.custom_exceptions)
    hooks["the shell's CustomTB"] = getattr(shell.CustomTB, "__func__", shell.CustomTB)
    for name in ("ast_transformers", "input_transformers_cleanup", "input_transformers_post"):
        hooks[f"the shell's {name}"] = tuple(getattr(shell, name, ()))
    for event, callbacks in shell.events.callbacks.items():
        hooks[f"the shell's {event} callbacks"] = tuple(callbacks)
    return hooks


def _roots() -> tuple[str, ...]:
    """Folders whose code counts as the notebook's: the working and temporary folders,
    unless the Python environment itself lies in one of them."""
    libraries = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    for name in WATCHED:
        path = getattr(sys.modules.get(name), "__file__", None)
        if path:
            libraries.add(os.path.dirname(os.path.dirname(os.path.realpath(path))))
    roots = ["<ipython-input"]
    for folder in (os.getcwd(), tempfile.gettempdir()):
        folder = os.path.realpath(folder)
        if not any(lib.startswith(folder + os.sep) or lib == folder for lib in libraries):
            roots.append(folder + os.sep)
    return tuple(roots)


def _function(value, roots) -> bool:
    """Whether ``value`` is a function (a method, a partial) whose code was compiled from a
    cell (IPython names a cell's code after a file in the temporary folder, or
    ``<ipython-input-...>``) or from a file under ``roots``. Types are read with ``type``,
    never an attribute an object could answer as it likes."""
    kind = type(value)
    if kind is functools.partial:
        value = value.func
        kind = type(value)
    if kind in (types.MethodType, classmethod, staticmethod):
        value = value.__func__
        kind = type(value)
    if kind is types.FunctionType:
        filename = value.__code__.co_filename
        return type(filename) is str and filename.startswith(roots)
    return False


def _notebook(value, roots) -> bool:
    """Whether ``value`` is code the notebook defined: such a function, or a class with such
    a method (a class that says it is a watched package's is taken at its word)."""
    if _function(value, roots):
        return True
    if not isinstance(value, type):
        return False
    module = type.__dict__["__module__"].__get__(value)
    if type(module) is str and module.partition(".")[0] in WATCHED:
        return False
    return any(
        _function(attr, roots) for attr in list(type.__dict__["__dict__"].__get__(value).values())
    )


def _planted(value, roots) -> bool:
    """Whether a class attribute is the notebook's: a function it defined, or an object of a
    class it defined (review 61: a callable object in ``DataFrame.equals``'s place)."""
    if _function(value, roots):
        return True
    if isinstance(value, type):
        return False
    kind = type(value)
    return type.__dict__["__module__"].__get__(kind) == "__main__" or _notebook(kind, roots)


def _own_hook(value) -> bool:
    value = getattr(value, "__func__", value)
    module = getattr(value, "__module__", None) or getattr(type(value), "__module__", "")
    return isinstance(module, str) and (module + ".").startswith(OWN_HOOKS)


def _held(cell):
    try:
        return cell.cell_contents
    except ValueError:  # emptied
        return None


def _descriptor(value) -> bool:
    """Whether ``value`` binds as a class attribute (a property, a classmethod)."""
    return hasattr(type(value), "__get__")


def _same(now, before) -> bool:
    """The same object, or a method of the same function and object (ipykernel binds
    ``builtins.input`` anew for each request)."""
    if now is before:
        return True
    if isinstance(now, types.MethodType) and isinstance(before, types.MethodType):
        return now.__func__ is before.__func__ and now.__self__ is before.__self__
    return False


def preload(names) -> None:
    """Import the modules ``names`` (a class's name: its module), where the library functions
    the grader watches live, then ask the kernel's audit hook to wrap them now: before the
    notebook's first cell, so that no cell can keep one unwrapped (review 62: a cell above
    the setup imported a module and kept its function in a list in one statement, before the
    hook's next event wrapped it, and called it unreported from then on)."""
    import importlib

    for name in names:
        for candidate in (name, name.rpartition(".")[0]):
            try:
                importlib.import_module(candidate)
            except ImportError:
                continue
            except Exception:  # a module that fails to import is the notebook's to find
                pass
            break
    sys.audit("resistlab.wrap")


def watch() -> None:
    """Keep the watched modules' namespaces, the attributes of the classes they define, the
    code and default arguments of their functions, and the hooks, as they are now."""
    _start.clear()
    watched = _modules()
    modules = {name: dict(vars(module)) for name, module in watched.items()}
    _start["modules"] = modules
    # review 64: a module's class swapped for one with a property in a function's place
    _start["module classes"] = {name: type(m) for name, m in watched.items()}
    attributes = type.__dict__["__dict__"].__get__
    _start["classes"] = [
        (f"{name}.{type.__dict__['__name__'].__get__(value)}", value, dict(attributes(value)))
        for name, namespace in modules.items()
        for value in namespace.values()
        if isinstance(value, type) and type.__dict__["__module__"].__get__(value) == name
    ]
    functions: dict = {}
    for name, namespace in sorted(modules.items()):  # (numpy.full before numpy._core...)
        for key, value in namespace.items():
            if type(value) is types.FunctionType and id(value) not in functions:
                code = value.__code__
                # a watched function's wrapper: its keyword defaults hold the function, which
                # no record here may hand out (review 66 B#1); the hook reports their reads
                wrapper = getattr(code, "co_qualname", code.co_name) in _WRAPPER_NAMES
                kept = _WRAPPER if wrapper else value.__kwdefaults__
                functions[id(value)] = (
                    f"{name}.{key}", value, code, value.__defaults__, kept,
                    _callable_cells(value),
                )  # fmt: skip
    _start["functions"] = list(functions.values())
    _start["hooks"] = _hooks()


def _callable_cells(function) -> tuple:
    """The cells of ``function``'s closure that hold a callable, with what each holds (review
    64: the cell of a decorator's wrapper that holds the function it calls, and the kernel's
    own wrappers' reporter, had been set through ``cell_contents``, unseen)."""
    kept = []
    for cell in function.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # empty
            continue
        if callable(value):
            kept.append((cell, value))
    return tuple(kept)


def check() -> None:
    """Keep :func:`changed`'s answer in ``found`` (the grader asks for it in the request that
    ends the notebook: run inside a request, as :func:`watch` was, so the shell's own
    builtins, which it puts in place for each request, are there both times)."""
    global found
    try:
        found = changed()
    except BaseException as err:  # a module or hook made to raise when read
        found = [f"hook_override: the run-time check failed ({type(err).__name__})"]


found: list[str] = []


def changed() -> list[str]:
    """What differs from :func:`watch`'s record: ``["monkeypatch: numpy.isclose replaced",
    "hook_override: sys.excepthook replaced", ...]`` (at most :data:`MAX_REPORTED`)."""
    if not _start:
        return []
    found: list[str] = []
    roots = _roots()
    before_modules = _start["modules"]
    for name, module in sorted(_modules().items()):
        now = vars(module)
        before = before_modules.get(name)
        if before is not None:
            for key, value in before.items():
                if key not in now:
                    if callable(value):
                        found.append(f"monkeypatch: {name}.{key} deleted")
                elif not _same(now[key], value) and (
                    callable(value) or _notebook(now[key], roots)
                ):
                    found.append(f"monkeypatch: {name}.{key} replaced")
            keys = now.keys() - before.keys()
        else:
            keys = now.keys()
        found += sorted(
            f"monkeypatch: {name}.{key} defined by the notebook"
            for key in keys
            if _notebook(now[key], roots)
        )
        # the classes the module defines (pandas.core.frame.DataFrame.equals, review 61:
        # resistlab's LQFit.dose_for), their attributes a function of the notebook's or an
        # object of a class it defined (a callable object in a method's place)
        for cls in [v for v in list(now.values()) if isinstance(v, type)]:
            if type.__dict__["__module__"].__get__(cls) != name:
                continue
            found += [
                f"monkeypatch: {name}.{cls.__name__}.{key} defined by the notebook"
                for key, value in list(type.__dict__["__dict__"].__get__(cls).items())
                if _planted(value, roots)
            ]
        if len(found) >= MAX_REPORTED:
            return found[:MAX_REPORTED]
    # review 62: a method of a class present at the start replaced by the library's own
    # objects (``DataFrame.equals = functools.partialmethod(operator.is_not)``), and a
    # function changed in place (its ``__code__`` or default arguments set), which the
    # comparisons of objects above do not see
    attributes = type.__dict__["__dict__"].__get__
    for where, cls, before in _start.get("classes", ()):
        now = attributes(cls)
        for key, value in before.items():
            if key not in now:
                if callable(value):
                    found.append(f"monkeypatch: {where}.{key} deleted")
            elif not _same(now[key], value) and (
                callable(value) or _descriptor(value) or _planted(now[key], roots)
            ):  # review 66 B#3: a property or a classmethod replaced
                found.append(f"monkeypatch: {where}.{key} replaced")
        # one a base class gives it, now set on the class itself (``DataFrame.equals`` is
        # ``NDFrame``'s)
        found += [
            f"monkeypatch: {where}.{key} replaced"
            for key in list(now.keys() - before.keys())
            if type(key) is str
            and (callable(now[key]) or _descriptor(now[key]))  # (partialmethod)
            and any(key in attributes(base) for base in type.__dict__["__mro__"].__get__(cls)[1:])
        ]
        if len(found) >= MAX_REPORTED:
            return found[:MAX_REPORTED]
    for where, function, code, defaults, kwdefaults, cells in _start.get("functions", ()):
        if (
            function.__code__ is not code
            or function.__defaults__ is not defaults
            or (kwdefaults is not _WRAPPER and function.__kwdefaults__ is not kwdefaults)
        ):
            found.append(f"monkeypatch: {where} changed in place (its code or defaults)")
        elif any(_held(cell) is not value for cell, value in cells):
            found.append(f"monkeypatch: {where} changed in place (what its closure calls)")
        if len(found) >= MAX_REPORTED:
            return found[:MAX_REPORTED]
    for name, module in _modules().items():
        before = _start.get("module classes", {}).get(name)
        if before is not None and type(module) is not before:
            found.append(f"monkeypatch: {name} made of another class")
    before_hooks = _start["hooks"]
    for key, value in _hooks().items():
        old = before_hooks.get(key, ())
        if isinstance(value, tuple):
            added = [v for v in value if not any(v is o for o in old) and not _own_hook(v)]
            removed = [o for o in old if not any(o is v for v in value) and not _own_hook(o)]
            if added or removed:
                found.append(f"hook_override: {key} changed")
        elif value is not old and not _own_hook(value):
            found.append(f"hook_override: {key} replaced")
    return found[:MAX_REPORTED]
