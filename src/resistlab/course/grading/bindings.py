"""What a name in a notebook may stand for: modules and their attributes, followed statically
through every way Python binds a name.

The integrity scan (:mod:`~resistlab.course.grading.integrity`) asks two questions of the code
a student wrote: does it replace a function the tests rely on (``np.isclose = ...`` through
any alias of ``numpy``), and does an answer use the library function its exercise asks the
student to write (``resistlab.pharmacology.hill``, however it is reached). Both need to know
what a name or an expression may evaluate to. This module answers with a set of dotted names
per expression (``{"resistlab.pharmacology"}`` for ``[_p][0]`` after ``_p = pharmacology``),
an over-approximation: an expression that may evaluate to a module or one of its attributes
gets that dotted name, whichever branch, container or call carries it.

Followed: imports (``import``, ``from ... import``, ``from resistlab.x import *`` for the
library's science modules), assignment in every form (several targets, unpacking, ``:=``,
annotated assignment, ``for``, ``with``, comprehension and ``match`` targets, default
arguments, class attributes), containers, conditionals, lambdas, what a function or method
the student wrote returns and what its parameters are given at a call, ``getattr`` and
``operator.attrgetter`` with constant names, ``vars(m)[...]``, ``m.__dict__[...]``,
``globals()[...]``, ``sys.modules[...]``, ``importlib.import_module`` and ``__import__`` with
a constant name, and a call's arguments (``functools.partial(f)``, ``identity(m)``). A name
computed at run time on a module (``getattr(m, "hi" + "ll")``, ``vars(m).values()``) stands
for ``m.*``: some attribute of ``m``. Bindings carry from cell to cell in notebook order (a
later binding replaces an earlier one; within a cell they accumulate). Not followed: a module
named at run time (``importlib.import_module("resistlab." + x)``), an instance's methods,
generators, ``exec``/``eval`` (flagged on their own).
"""

from __future__ import annotations

import ast
import importlib

__all__ = ["Bindings", "import_bindings", "leaves"]

#: Pseudo-names for the namespace mappings: ``globals()[k]`` is the binding of ``k``.
_NAMESPACE = "<namespace>"
_GETTER = "<attrgetter>:"
_ITEM = "[]"  # an item of: [m] is {"[]m"}
_SPACE = "{}"  # the namespace mapping of: vars(m) is {"{}m"}
_CALLS = "()"  # a function the student wrote, by key: calling it gives what it returns
_MARKS = (_NAMESPACE, _GETTER, _ITEM, _SPACE, _CALLS)
#: Some attribute of: ``getattr(m, name)`` with a name computed at run time is ``m.*``.
_ANY = ".*"
#: Builtins that reach names by a string: known by their own name until rebound.
_BUILTINS = {
    name: frozenset({name}) for name in ("getattr", "globals", "locals", "vars", "__import__")
}
_GETATTR_CALLS = frozenset({"getattr", "__getattribute__", "__getattr__", "getattr_static"})
_ITEM_CALLS = frozenset({"get", "__getitem__", "pop", "setdefault"})
_IMPORT_CALLS = frozenset({"importlib.import_module", "__import__", "importlib.__import__"})
_RESOLVE_CALLS = frozenset({"pydoc.locate", "pkgutil.resolve_name", "pydoc.resolve"})
#: The passes over a cell's bindings: in source order a chain resolves in one, and nested
#: bindings come out of order.
_PASSES = 4


def _public_names(module: str) -> list[str]:
    """The names ``from module import *`` binds, for the library's science modules (importing
    them in the grader is safe: they are the installed package, not the submission; the
    course platform and private modules are not imported for a submission)."""
    parts = module.split(".")
    if parts[0] != "resistlab" or parts[1:2] == ["course"]:
        return []
    if any(part.startswith("_") for part in parts[1:]):
        return []
    try:
        mod = importlib.import_module(module)
    except Exception:
        return []
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [name for name in vars(mod) if not name.startswith("_")]
    return [name for name in names if isinstance(name, str)]


def import_bindings(node) -> dict[str, frozenset]:
    """The names an ``import`` statement binds and the dotted names they stand for.

    Examples
    --------
    >>> import_bindings(ast.parse("import numpy.testing as npt").body[0])
    {'npt': frozenset({'numpy.testing'})}
    >>> import_bindings(ast.parse("from resistlab import binding").body[0])
    {'binding': frozenset({'resistlab.binding'})}
    """
    bound = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                bound[alias.asname] = frozenset({alias.name})
            else:
                top = alias.name.split(".")[0]
                bound[top] = frozenset({top})
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            if alias.name == "*":
                for name in _public_names(node.module):
                    bound[name] = frozenset({f"{node.module}.{name}"})
            else:
                bound[alias.asname or alias.name] = frozenset({f"{node.module}.{alias.name}"})
    return bound


def leaves(target):
    """What an assignment target binds: names, attributes and items (through tuples)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from leaves(element)
    elif isinstance(target, ast.Starred):
        yield from leaves(target.value)
    else:
        yield target


def _spelling(node) -> str | None:
    """``f`` for a name, ``K.f`` for an attribute of a name (a class attribute), else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _constant(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class Bindings:
    """Bindings of a notebook, cell after cell.

    Parameters
    ----------
    initial : dict, optional
        ``{name: dotted}`` known before the first cell (the setup's imports).
    through_calls : bool
        Whether a call may return what it is given (``identity(m)``, ``partial(f)``) and an
        item of anything its owner (``x[0]`` of ``x``): right for finding a library function
        however it is reached, too loose for judging what an attribute assignment patches
        (``df = pd.DataFrame(datasets.TABLE)`` is not ``datasets.TABLE``).

    Examples
    --------
    >>> b = Bindings({"np": "numpy"})
    >>> b.add_cell(ast.parse("_q = _r = [np][0]"))
    >>> sorted(b.names["_r"])
    ['numpy']
    >>> tree = ast.parse("f = getattr(_q, 'isclose')")
    >>> b.add_cell(tree)
    >>> sorted(b.refs(tree.body[0].value))
    ['numpy.isclose']
    """

    def __init__(self, initial: dict[str, str] | None = None, *, through_calls: bool = True):
        self.names: dict[str, frozenset] = dict(_BUILTINS)
        self.names.update({name: frozenset({d}) for name, d in (initial or {}).items()})
        self.through_calls = through_calls
        self._returns: dict[str, list] = {}  # function key -> the nodes it returns
        self._params: dict[str, list[str]] = {}  # function name -> its parameters
        self._made: list = []  # nodes made for match patterns
        self.bound: set[str] = set()  # the names the last cell bound
        self._view = self.names
        self._memo: dict[int, frozenset] = {}

    # --- what an expression stands for ---------------------------------------------------------

    def refs(self, node) -> frozenset:
        """The dotted names ``node`` may evaluate to (empty for data and unknown names).
        Marked names stand for a container holding it (``[]numpy``) and for a module's
        namespace mapping (``{}numpy``, what ``vars(np)`` returns)."""
        key = id(node)
        if key not in self._memo:
            self._memo[key] = frozenset()
            self._memo[key] = frozenset(self._refs(node))
        return self._memo[key]

    def dotted(self, node) -> str | None:
        """The dotted name ``node`` stands for when there is exactly one, else None."""
        found = [d for d in self.refs(node) if not d.startswith(_MARKS) and not d.endswith(_ANY)]
        return found[0] if len(found) == 1 else None

    def _refs(self, node):
        if isinstance(node, ast.Name):
            return self._view.get(node.id, ())
        if isinstance(node, ast.Attribute):
            owners = self.refs(node.value)
            found = {self._attr(d, node.attr) for d in owners}
            if node.attr == "args":  # an exception's arguments: raise E(m) ... e.args[0]
                found |= {_ITEM + d for d in owners if not d.startswith(_MARKS)}
            if isinstance(node.value, ast.Name):  # a class attribute: K.f
                found |= self._view.get(f"{node.value.id}.{node.attr}", set())
            return found - {None}
        if isinstance(node, ast.Subscript):
            owners = self.refs(node.value)
            found = {d[2:] for d in owners if d.startswith(_ITEM)}  # [m][0], {"k": m}["k"]
            if self.through_calls:
                found |= {d for d in owners if not d.startswith(_MARKS)}
            key = _constant(node.slice)
            if key is not None:
                found |= self._items(owners, key)
            else:  # vars(m)[name]: some attribute of m; sys.modules[name]: any module
                found |= {d[len(_SPACE) :] + _ANY for d in owners if d.startswith(_SPACE)}
                if "sys.modules" in owners:
                    found.add("resistlab" + _ANY)
                if self.through_calls:  # dict(getmembers(m))[name]
                    found |= {d + _ANY for d in owners if not d.startswith(_MARKS)}
            return found
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return {d for element in node.elts for d in self._element(element)}
        if isinstance(node, ast.Dict):
            found = set()
            for key, value in zip(node.keys, node.values, strict=True):
                found |= self.refs(value) if key is None else self._element(value)
            return found
        if isinstance(node, ast.Starred):
            return self.refs(node.value)
        if isinstance(node, ast.IfExp):
            return self.refs(node.body) | self.refs(node.orelse)
        if isinstance(node, ast.BoolOp):
            return {d for value in node.values for d in self.refs(value)}
        if isinstance(node, ast.NamedExpr):
            return self.refs(node.value)
        if isinstance(node, ast.Lambda):
            return {_CALLS + self._function(node, [node.body])}
        if isinstance(node, ast.Call):
            return self._call(node)
        return ()

    def _element(self, node):
        if isinstance(node, ast.Starred):  # [*xs]: the items of xs
            return self.refs(node.value)
        return {_ITEM + d for d in self.refs(node)}

    def _function(self, node, returns) -> str:
        """The key of a function the student wrote (a ``def`` or a lambda), whose calls give
        what ``returns`` (nodes) stand for."""
        key = f"{getattr(node, 'name', 'lambda')}@{id(node)}"
        self._returns[key] = returns
        return key

    @staticmethod
    def _attr(dotted: str, attr: str) -> str | None:
        if dotted.startswith(_SPACE):  # vars(m).values(), vars(m).get: anything of m
            return dotted[len(_SPACE) :] + _ANY
        if dotted.startswith(_MARKS):
            return None
        if dotted.endswith(_ANY):
            return dotted
        if attr == "__globals__":  # a function's module namespace: f.__globals__["g"]
            return _SPACE + dotted.rpartition(".")[0] if "." in dotted else None
        return _SPACE + dotted if attr == "__dict__" else f"{dotted}.{attr}"

    def _items(self, owners, key: str) -> set:
        """What ``owner[key]`` is for the mappings that hold names."""
        found = set()
        for d in owners:
            if d == "sys.modules":
                found.add(key)
            elif d == _NAMESPACE:
                found |= self._view.get(key, set())
            elif d.startswith(_SPACE):
                found.add(f"{d[len(_SPACE) :]}.{key}")
        return found

    def _call(self, node):
        func = node.func
        dotted = self.dotted(func) or getattr(func, "id", None) or getattr(func, "attr", "")
        last = dotted.rsplit(".", 1)[-1]
        consts = [_constant(arg) for arg in node.args]
        found = set()
        if dotted in ("globals", "locals", "vars") and not node.args:
            found.add(_NAMESPACE)
        elif dotted == "vars" and len(node.args) == 1:
            found |= {_SPACE + d for d in self.refs(node.args[0]) if not d.startswith(_MARKS)}
        elif dotted == "inspect.getmodule" and node.args:  # a function's module
            owners = {d for d in self.refs(node.args[0]) if not d.startswith(_MARKS)}
            found |= owners | {d.rpartition(".")[0] for d in owners if "." in d}
        elif dotted in _IMPORT_CALLS and consts and consts[0]:
            found |= {consts[0], consts[0].split(".")[0]}
        elif dotted in _RESOLVE_CALLS and consts and consts[0]:  # "m.f" or "m:f"
            found.add(consts[0].replace(":", "."))
        elif dotted == "operator.attrgetter" and consts and consts[0]:
            found.add(_GETTER + consts[0])
        elif last in _GETATTR_CALLS:
            where = next((i for i, c in enumerate(consts) if c), None)
            owners, attr = frozenset(), None
            if where is not None:
                attr = consts[where]
                if where > 0:
                    owners = self.refs(node.args[where - 1])
                elif isinstance(func, ast.Attribute):
                    owners = self.refs(func.value)
            elif node.args:  # getattr(m, name): a name computed at run time
                owners = self.refs(node.args[0] if len(node.args) > 1 else func)
                if isinstance(func, ast.Attribute) and len(node.args) == 1:
                    owners = self.refs(func.value)
            if attr is not None:
                found |= {self._attr(d, attr) for d in owners} - {None}
            else:
                found |= {
                    d + _ANY if not d.endswith(_ANY) else d
                    for d in owners
                    if not d.startswith(_MARKS)
                }
        elif last in _ITEM_CALLS and isinstance(func, ast.Attribute) and consts and consts[0]:
            found |= self._items(self.refs(func.value), consts[0])
        elif self.through_calls:  # partial(f), identity(m), list([m])
            found |= {d for arg in node.args for d in self.refs(arg)}
            found |= {d for k in node.keywords for d in self.refs(k.value)}
        for d in self.refs(func):
            if d.startswith(_GETTER):  # attrgetter("a.b")(m)
                path = d[len(_GETTER) :]
                for arg in node.args[:1]:
                    owners = self.refs(arg)
                    found |= {f"{o}.{path}" for o in owners if not o.startswith(_MARKS)}
            elif d.startswith(_CALLS):  # a function the student wrote: what it returns
                for value in self._returns.get(d[len(_CALLS) :], ()):
                    found |= self.refs(value)
            elif d.endswith(_ANY):  # vars(m).values(): anything of m
                found.add(d)
        return found

    # --- what a cell binds ---------------------------------------------------------------------

    def _pairs(self, tree):
        """``(name, value, items)`` for every binding in ``tree``: the name is bound to what
        ``value`` (a node, or a set of dotted names) stands for, or to one of its items."""
        functions = (ast.FunctionDef, ast.AsyncFunctionDef)
        nodes = list(ast.walk(tree))
        raises = [n.exc for n in nodes if isinstance(n, ast.Raise) and n.exc is not None]

        def positional(function):
            return [a.arg for a in (*function.args.posonlyargs, *function.args.args)]

        for node in nodes:  # parameters first: a call may come before its def
            if isinstance(node, functions):
                self._params[node.name] = positional(node)
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, functions):
                        self._params[f"{node.name}.{item.name}"] = positional(item)
        for node in nodes:
            if isinstance(node, ast.expr) and not isinstance(node, (ast.Call, ast.Lambda)):
                if not isinstance(node, ast.NamedExpr):
                    continue  # binds nothing
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name, refs in import_bindings(node).items():
                    yield name, refs, False
            elif isinstance(node, functions):
                yield node.name, self._def(node), False  # the student's own: what it returns
                yield from self._defaults(node.args)
            elif isinstance(node, ast.ClassDef):
                yield node.name, frozenset(), False
                for item in node.body:
                    if isinstance(item, functions):
                        yield f"{node.name}.{item.name}", self._def(item), False
                    for name, value, items in self._statement(item):
                        yield f"{node.name}.{name}", value, items
            elif isinstance(node, ast.Lambda):
                yield from self._defaults(node.args)
            elif isinstance(node, ast.ExceptHandler) and node.name:  # what the cell raises
                for raised in raises:
                    yield node.name, raised, 0
            elif isinstance(node, ast.Call):
                yield from self._arguments(node)
                yield from self._stored(node)
            else:
                yield from self._statement(node)

    def _def(self, node) -> frozenset:
        returns = [
            sub.value
            for sub in ast.walk(node)
            if isinstance(sub, (ast.Return, ast.Yield)) and sub.value is not None
        ]
        return frozenset({_CALLS + self._function(node, returns)})

    def _stored(self, call):
        """What a method call stores into a container named by the student: ``x.append(v)``,
        ``x.insert(i, v)``, ``x.add(v)``, ``d.setdefault(k, v)``, ``d.__setitem__(k, v)``
        (``v`` becomes an item of ``x``), ``x.extend(vs)``, ``d.update(vs, k=v)``."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        owner, method = func.value.id, func.attr
        if method in ("append", "add", "insert", "setdefault", "__setitem__"):
            for arg in call.args[-1:]:
                yield owner, arg, -1
        elif method in ("extend", "update", "__iadd__", "__ior__"):
            for arg in call.args:
                yield owner, arg, 0
            for keyword in call.keywords:
                yield owner, keyword.value, -1

    def _arguments(self, call):
        """A call of a function the student wrote binds its parameters to the arguments
        (``get(m, "hill")`` makes ``get``'s first parameter ``m``)."""
        name = _spelling(call.func)
        params = self._params.get(name) if name else None
        if not params:
            return
        for param, arg in zip(params, call.args, strict=False):
            if not isinstance(arg, ast.Starred):
                yield param, arg, 0
        for keyword in call.keywords:
            if keyword.arg in params:
                yield keyword.arg, keyword.value, 0

    def _statement(self, node):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                yield from self._unpack(target, node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            yield node.target.id, node.value, 0  # xs += [v]
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            yield from self._unpack(node.target, node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            yield from self._unpack(node.target, node.iter, items=True)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    yield from self._unpack(item.optional_vars, item.context_expr)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                yield from self._pattern(case.pattern, node.subject)

    def _pattern(self, pattern, subject):
        """What a ``match`` pattern binds: a capture of the subject, of its items, of its
        attributes (``case M(f=g)``: ``g`` is ``subject.f``) and of its keys."""
        if isinstance(pattern, (ast.MatchAs, ast.MatchStar)) and pattern.name:
            yield pattern.name, subject, False
            yield pattern.name, subject, True
        if isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
            yield from self._pattern(pattern.pattern, subject)
        elif isinstance(pattern, ast.MatchOr):
            for option in pattern.patterns:
                yield from self._pattern(option, subject)
        elif isinstance(pattern, ast.MatchSequence):
            for item in pattern.patterns:
                yield from self._pattern(item, subject)
        elif isinstance(pattern, ast.MatchClass):
            for item in pattern.patterns:
                yield from self._pattern(item, subject)
            for attr, item in zip(pattern.kwd_attrs, pattern.kwd_patterns, strict=True):
                node = self._synthetic(ast.Attribute(value=subject, attr=attr, ctx=ast.Load()))
                yield from self._pattern(item, node)
        elif isinstance(pattern, ast.MatchMapping):
            for key, item in zip(pattern.keys, pattern.patterns, strict=True):
                node = self._synthetic(ast.Subscript(value=subject, slice=key, ctx=ast.Load()))
                yield from self._pattern(item, node)
            if pattern.rest:
                yield pattern.rest, subject, False

    def _synthetic(self, node):
        """A node made for a binding (kept alive: the memo is keyed by node identity)."""
        self._made.append(node)
        return node

    def _unpack(self, target, value, items=False):
        if (
            not items
            and isinstance(target, (ast.Tuple, ast.List))
            and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
            and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))
        ):
            for t, v in zip(target.elts, value.elts, strict=True):
                yield from self._unpack(t, v)
            return
        # a, b = xs: each is an item of xs (of each item, for loop targets that unpack)
        depth = int(items) + int(isinstance(target, (ast.Tuple, ast.List)))
        for leaf in leaves(target):
            if isinstance(leaf, ast.Subscript):  # x[i] = v: v is an item of x
                root = leaf.value
                while isinstance(root, (ast.Subscript, ast.Attribute)):
                    root = root.value
                if isinstance(root, ast.Name):
                    yield root.id, value, -1
                continue
            name = _spelling(leaf)
            if name is None:
                continue
            for level in range(1, depth + 1) if depth else (0,):
                yield name, value, level

    @staticmethod
    def _defaults(args):
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(
            positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
        ):
            yield arg.arg, default, 0
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if default is not None:
                yield arg.arg, default, 0

    def _bound(self, value, items: int) -> frozenset:
        refs = value if isinstance(value, frozenset) else self.refs(value)
        if items < 0:  # stored into a container: x[i] = v, x.append(v)
            return frozenset(_ITEM + d for d in refs)
        for _ in range(int(items)):
            refs = frozenset(d[len(_ITEM) :] for d in refs if d.startswith(_ITEM)) | (
                frozenset(d for d in refs if not d.startswith(_MARKS))
                if self.through_calls
                else frozenset()
            )
        return refs

    def cell_view(self, tree) -> dict[str, frozenset]:
        """What each name stands for while ``tree`` runs: the cell's own bindings (all of
        them, whatever their order) over what earlier cells left."""
        pairs = list(self._pairs(tree))
        # the cell's names start unbound and gather what each binding gives them; a pass
        # sees what earlier bindings of the same pass gave (a chain in order resolves in one)
        self.bound = {name for name, _, _ in pairs}
        view = {**self.names, **{name: frozenset() for name in self.bound}}
        self._view = view
        for _ in range(_PASSES):
            self._memo = {}
            changed = False
            for name, value, items in pairs:
                refs = self._bound(value, items)
                if not refs <= view[name]:
                    view[name] = view[name] | refs
                    changed = True
            if not changed:
                break
        self._memo = {}
        return view

    def add_cell(self, tree) -> None:
        """Take ``tree``'s bindings: later cells see them, and :meth:`refs` sees them now."""
        self.names = self.cell_view(tree)
