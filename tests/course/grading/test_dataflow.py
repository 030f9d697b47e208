"""What a cell binds in and reads from the notebook's namespace follows Python's scoping
rules, on every supported Python (the standard ``symtable`` reports a comprehension's
variables as the module's from 3.12)."""

from __future__ import annotations

import ast

import pytest

from resistlab.course.grading.dataflow import namespace_names, taint

CASES = [
    # (code, bound, read)
    ("y = [f(k) for k in x]", {"y"}, {"f", "x"}),
    ("[(y := f(x)) for x in z]", {"y"}, {"f", "z"}),
    ("def g(a):\n    global q\n    q = a + b\n    return [k for k in a]", {"g", "q"}, {"b"}),
    (
        "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n    return g",
        {"f"},
        set(),
    ),
    ("class K:\n    z = 1\n    w = z + t\n    def m(self):\n        return z", {"K"}, {"t", "z"}),
    ("for i in r:\n    s += i", {"i", "s"}, {"i", "r", "s"}),
    ("try:\n    pass\nexcept E as e:\n    pass", {"e"}, {"E"}),
    ("import a.b as c, d.e", {"c", "d"}, set()),
    ("lambda u: u + v", set(), {"v"}),
    ("def f(a=d0):\n    def h():\n        return a + e\n    return h", {"f"}, {"d0", "e"}),
    ("match p:\n    case {'k': v, **rest}:\n        pass", {"v", "rest"}, {"p"}),
    ("x[0].y = 1", {"x", "y"}, {"x"}),
    ("xs.append(v)\ndf.head()", {"xs"}, {"xs", "append", "v", "df", "head"}),
    ("setattr(m, 'c', v)", {"m", "c"}, {"setattr", "m", "v"}),
]


@pytest.mark.parametrize(("code", "bound", "read"), CASES)
def test_names_bound_and_read_follow_pythons_scopes(code, bound, read):
    assert namespace_names(ast.parse(code)) == (bound, read)


def test_a_value_is_carried_through_later_cells_and_functions_written_before_it():
    cells = [
        (0, ast.parse("def get():\n    return _s\n")),
        (1, ast.parse("_s = helper()\nunrelated = 1\n")),
        (2, ast.parse("_t = get()\n_u = [1]\n")),
        (3, ast.parse("_u.append(_t)\nnp.x = 2\n")),
    ]
    assert taint(cells, {1}) == {"_s", "unrelated", "get", "_t", "_u"}
    assert taint(cells, {1}, exclude={"unrelated", "get"}) == {"_s"}
    assert taint(cells, {3}) == {"_u", "np", "x"}
