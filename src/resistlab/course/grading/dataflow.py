"""What a notebook cell's code binds in, and reads from, the notebook's namespace.

Python's own scoping rules decide: a name assigned at the top of a cell, imported, defined
with ``def`` or ``class``, or declared ``global`` in a function and assigned there is bound
in the namespace; a name read at the top, or read in a function, lambda, class body or
comprehension without being local there, is read from it. Comprehension variables and a
function's own locals are neither (the standard ``symtable`` module is not used: from
Python 3.12 it reports a comprehension's variables as the module's).

:func:`taint` follows values through the cells: what a cell binds from a value another cell
bound (``_state`` computed in one cell, ``_state[0.0]`` copied in the next) carries that
value on. This is what :func:`~resistlab.course.grading.integrity.call_flags` uses to tell
an answer that copies numbers a forbidden function computed in another cell.
"""

from __future__ import annotations

import ast

__all__ = ["namespace_names", "taint"]

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _root(node) -> ast.Name | None:
    """``x`` of ``x.a[0].b``."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


def _own_nodes(scope):
    """The nodes of ``scope``'s own code: not those of the functions, lambdas, classes and
    comprehensions nested in it (their defaults, decorators and a comprehension's first
    iterable, which the enclosing scope evaluates, are its own)."""
    if isinstance(scope, ast.Module):
        todo = list(scope.body)
    elif isinstance(scope, _FUNCTIONS):
        body = scope.body if isinstance(scope.body, list) else [scope.body]
        todo = list(body)
    elif isinstance(scope, ast.ClassDef):
        todo = list(scope.body)
    else:  # a comprehension
        todo = [scope.elt] if not isinstance(scope, ast.DictComp) else [scope.key, scope.value]
        for index, gen in enumerate(scope.generators):
            todo += [gen.target, *gen.ifs] + ([gen.iter] if index else [])
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, _FUNCTIONS):
            args = node.args
            todo += [d for d in [*args.defaults, *args.kw_defaults] if d is not None]
            if not isinstance(node, ast.Lambda):
                todo += [*node.decorator_list, *([node.returns] if node.returns else [])]
        elif isinstance(node, ast.ClassDef):
            todo += [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
        elif isinstance(node, _COMPREHENSIONS):
            todo.append(node.generators[0].iter)
        else:
            todo += list(ast.iter_child_nodes(node))


def _nested(scope):
    """The scopes nested directly in ``scope``."""
    for node in _own_nodes(scope):
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef, *_COMPREHENSIONS)):
            yield node


def _binds(scope) -> tuple[set[str], set[str]]:
    """(names ``scope`` binds itself, names it declares ``global``)."""
    bound, declared = set(), set()
    if isinstance(scope, _FUNCTIONS):
        args = scope.args
        bound |= {
            a.arg
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            if a is not None
        }
    for node in _own_nodes(scope):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        elif isinstance(node, ast.Global):  # (nonlocal names a function's own)
            declared |= set(node.names)
    return bound, declared


def namespace_names(tree) -> tuple[set[str], set[str]]:
    """``(bound, read)``: the names the code of ``tree`` (a module or one of its statements)
    binds in the namespace it runs in, and the names it reads from it.

    ``bound`` also holds the object the code at the top may change in place: by an
    assignment (``results["x"] = v``, ``np.cache = v``: ``results``, ``np``, and the
    attribute so set, ``cache``), by a method given something (``results.append(v)``,
    ``d.update(k=v)``; ``data.head()`` is given nothing) or by ``setattr(obj, "name", v)``;
    ``read`` holds the attributes the code reads (``np.cache``: ``np`` and ``cache``), so a
    value parked on an object is followed by its attribute's name.

    Examples
    --------
    >>> import ast
    >>> bound, read = namespace_names(ast.parse("y = [f(k) for k in x]\\ndef g(): return z"))
    >>> sorted(bound), sorted(read)
    (['g', 'y'], ['f', 'x', 'z'])
    >>> sorted(namespace_names(ast.parse("np.cache = v\\nw = np.cache"))[0])
    ['cache', 'np', 'w']
    >>> sorted(namespace_names(ast.parse("xs.append(v)\\nsetattr(m, 'c', v)\\ndf.head()"))[0])
    ['c', 'm', 'xs']
    """
    if not isinstance(tree, ast.Module):
        tree = ast.Module(body=[tree], type_ignores=[])
    bound, read = set(), set()

    def visit(scope, enclosing: frozenset, top: bool) -> set[str]:
        """Visit ``scope``; return the names its ``:=`` bind in the scope around it (a
        comprehension's walrus binds in the function or namespace that holds it)."""
        own, declared = _binds(scope)
        comprehension = isinstance(scope, _COMPREHENSIONS)
        walrus = {
            node.target.id
            for node in _own_nodes(scope)
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name)
        }
        # what the scopes inside bind here with :=, from comprehensions
        inner_walrus = set()
        local = set() if top else own - declared
        hidden = enclosing if isinstance(scope, ast.ClassDef) else enclosing | local
        for inner in _nested(scope):
            inner_walrus |= visit(inner, frozenset(hidden), False)
        if comprehension:
            leaked = (walrus | inner_walrus) - (own - walrus)
            own, local = own - leaked, local - leaked
        else:
            own, local, leaked = own | inner_walrus, local | (inner_walrus - declared), set()
        if top:
            bound.update(own)
        else:
            bound.update(own & declared)  # global x; x = ...
        for node in _own_nodes(scope):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if (
                    top
                    or node.id in declared
                    or (node.id not in local and node.id not in enclosing)
                ):
                    read.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                read.add(node.attr)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                name = node.target.id  # s += v reads s
                if top or name in declared or (name not in local and name not in enclosing):
                    read.add(name)
            elif top and isinstance(node, (ast.Attribute, ast.Subscript)):
                if (
                    isinstance(node.ctx, (ast.Store, ast.Del))
                    and (root := _root(node)) is not None
                ):
                    bound.add(root.id)
                    if isinstance(node, ast.Attribute):
                        bound.add(node.attr)
            elif top and isinstance(node, ast.Call) and (node.args or node.keywords):
                func, target = node.func, None
                if isinstance(func, ast.Attribute):  # xs.append(v)
                    target = _root(func.value)
                elif isinstance(func, ast.Name) and func.id == "setattr" and node.args:
                    target = _root(node.args[0])
                    name = node.args[1] if len(node.args) > 1 else None
                    if isinstance(name, ast.Constant) and isinstance(name.value, str):
                        bound.add(name.value)
                if target is not None:
                    bound.add(target.id)
        return leaked

    visit(tree, frozenset(), True)
    return bound, read


def taint(cells, sources: set[int], exclude=frozenset()) -> set[str]:
    """The names of the namespace that may hold a value bound by cells ``sources``.

    ``cells``: ``[(index, tree)]`` in the order the notebook runs them. Every name the
    source cells bind starts tainted; a statement of any cell that reads a tainted name
    taints what it binds, until nothing changes (a function defined before the value
    existed reads it when called later). Names in ``exclude`` (what the locked setup binds:
    its modules and data, which every cell reads) are never tainted.

    Examples
    --------
    >>> import ast
    >>> cells = [ast.parse("s = h()"), ast.parse("t = s[0]\\nu = 2"), ast.parse("v = t")]
    >>> sorted(taint(list(enumerate(cells)), {0}))
    ['s', 't', 'v']
    """
    tainted: set[str] = set()
    statements = []
    for index, tree in cells:
        if index in sources:
            tainted |= namespace_names(tree)[0] - set(exclude)
        else:
            statements += [namespace_names(stmt) for stmt in tree.body]
    changed = True
    while changed:
        changed = False
        for bound, read in statements:
            bound = bound - set(exclude)
            if read & tainted and not bound <= tainted:
                tainted |= bound
                changed = True
    return tainted - set(exclude)
