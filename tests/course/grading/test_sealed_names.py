"""The kernel is asked only for names a test cell reads and does not bind itself
(ATTACK_REPORT #9 against issue 9: a hidden test's own variables read inside a comprehension,
``_want``, ``_fits``, ``_lines``, were requested from the kernel, which learned their names)."""

from __future__ import annotations

import builtins

from resistlab.course.grading.sealed import free_names

HIDDEN = """\
import math
_lines = ("parental", "resistant")
_got = {k: float(ic50_uM[k]) for k in _lines}
_fits = {k: fit_hill(w["dose_uM"], w["viability"]) for k, w in viability.groupby("cell_line")}
_want = {k: _fits[k].ic50("absolute") for k in _lines}


def _same(a, b):
    return all(math.isclose(a[k], b[k], rel_tol=0.01) for k in _lines)


assert _same(_got, _want), "ic50_uM does not match"
assert all(helper(k) for k in _lines)
"""


def test_names_the_cell_binds_are_never_fetched_for_its_nested_scopes():
    top, nested = free_names(HIDDEN)
    fetched = top | nested
    assert not {"_lines", "_got", "_fits", "_want", "_same", "math"} & nested, nested
    assert nested - set(dir(builtins)) == {"ic50_uM", "fit_hill", "helper"}, nested
    # what the student defines (or the setup does) is still looked up where it is read
    assert {"viability", "ic50_uM", "fit_hill", "helper"} <= fetched
