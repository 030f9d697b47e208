"""The feedback page template: maths as MathML, no script from the network, a readable table.

Fast checks on a hand-made notebook (no kernel, no gradebook); the exchange round trip is in
``test_feedback_exchange.py``.
"""

from __future__ import annotations

import re

import nbformat
from traitlets.config import Config

from resistlab.course.grading.feedback import _exporter, _summary_cell
from resistlab.course.grading.nbgrader_feedback import RenderMathOffline, render_math

ROWS = [
    {
        "test": "test_hill",
        "score": 0,
        "points": 2,
        "passed": False,
        "message": "AssertionError: x",
    },
    {"test": "test_ic50", "score": 2, "points": 2, "passed": True, "message": ""},
]


def _page():
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("The rate $\\mu$ and\n\n$$P_0 = e^{-m}$$\n")]
    )
    resources = {"nbgrader": {"notebook": "nb", "score": 2, "max_score": 4, "late_penalty": 0}}
    nb.cells.insert(0, _summary_cell("01-x", resources, ROWS))
    nb, resources = RenderMathOffline()(nb, resources)
    body, _ = _exporter(Config()).from_notebook_node(nb, resources=resources)
    return body


def test_maths_is_mathml_and_nothing_loads_from_the_network():
    """No MathJax from a CDN: the maths is already MathML; no src/href leaves the page."""
    page = _page()
    assert page.count("<math") == 2
    assert "$\\mu$" not in page
    assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", page)
    assert "cdnjs" not in page and "<script src" not in page


def test_score_table_has_a_header_row_and_spaced_cells():
    """The table's header cells are separate <th> and the page styles them with padding
    (they ran together as 'testpointsresultmessage')."""
    page = _page()
    headers = re.findall(r"<th[^>]*>\s*([^<]+?)\s*</th>", page)
    assert headers[:4] == ["test", "points", "result", "message"]
    assert re.search(r"\.rendered_html th,[^{]*\{[^}]*padding:\s*0\.3em", page)


def test_render_math_leaves_code_and_prices_alone():
    """Dollars inside code spans, and a lone dollar, are not maths."""
    assert render_math("costs `$5` and $5") == "costs `$5` and $5"
    assert "<math" in render_math("a $x^2$ b")
