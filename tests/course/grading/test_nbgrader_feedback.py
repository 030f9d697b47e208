"""The feedback page template: maths as MathML, no script from the network, a readable table.

Fast checks on a hand-made notebook (no kernel, no gradebook); the exchange round trip is in
``test_feedback_exchange.py``.
"""

from __future__ import annotations

import copy
import html
import re

import nbformat
import pytest
from traitlets.config import Config

from resistlab.course.grading.feedback import _exporter, _summary_cell
from resistlab.course.grading.nbgrader_feedback import (
    MAX_FORMULA_CHARS,
    MAX_PAGE_MATH_CHARS,
    RenderMathOffline,
    latex_to_mathml,
    render_math,
    safe_urls,
)

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


def test_a_coaching_message_is_text_in_the_score_table():
    """Review 32 #6: a message that quotes a student's value (02's index labels) was
    rendered as markdown inside the page's own score table: an image, a bold "Score: 16 /
    16" and a live link that looked like the page's own. Each message is literal text."""
    forged = (
        "index ['![Score: 16 / 16](data:image/png;base64,iVBORw0KGgo=)', "
        "'**Score: 16 / 16** [regrade](https://example.org/r) <b>x</b> a|b $x$ \\ `c`']"
    )
    rows = [{"test": "test_ld", "score": 0, "points": 2, "passed": False, "message": forged}]
    nb = nbformat.v4.new_notebook()
    resources = {"nbgrader": {"notebook": "nb", "score": 0, "max_score": 2, "late_penalty": 0}}
    nb.cells.insert(0, _summary_cell("02-x", resources, rows))
    nb, resources = RenderMathOffline()(nb, resources)
    page = _exporter(Config()).from_notebook_node(nb, resources=resources)[0]
    table = page[page.index("<table") : page.index("</table>")]
    for live in ("<img", "<strong>Score: 16", "<a ", "<b>", "<math"):
        assert live not in table, f"{live} in the score table"
    assert table.count("<code") == 1  # the test's name, not the message's `c`
    text = html.unescape(re.sub(r"<[^>]+>", "", table))
    assert forged in text, text


def test_render_math_leaves_code_and_prices_alone():
    """Dollars inside code spans, and a lone dollar, are not maths."""
    assert render_math("costs `$5` and $5") == "costs `$5` and $5"
    assert "<math" in render_math("a $x^2$ b")


@pytest.mark.parametrize(
    "tex",
    [
        r"\mbox{<script>alert(1)</script>}",
        r"\text{<img src=x onerror=alert(1)>}",
        r"\href{javascript:alert(1)}{\text{click}}",
        r"\text{</mtext></math><script>alert(1)</script>}",
    ],
)
def test_mathml_carries_no_html_and_no_link(tex):
    """Review 27 #2: latex2mathml copies \\mbox and \\text into <mtext> unescaped (a live
    script on nbgrader's feedback page) and keeps \\href as an attribute. The MathML is rebuilt
    from an allowlist: no element but MathML's, no href, no handler."""
    page = render_math(f"see ${tex}$ here")
    assert "<script" not in page and "<img" not in page
    assert "href" not in page and "javascript:" not in page.replace("javascript:alert", "")
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", page, re.IGNORECASE)


def test_honest_maths_is_still_mathml():
    """The allowlist keeps what the course's maths needs: fractions, roots, scripts, fonts."""
    page = render_math(r"$\frac{a}{b} + \sqrt{x^2} + \mathbf{v}_i + \operatorname{AUC}$")
    for tag in ("<mfrac>", "<msqrt>", "<msup>", "<msub>", "<mo>AUC</mo>"):
        assert tag in page, tag
    assert 'xmlns="http://www.w3.org/1998/Math/MathML"' in page


def test_aligned_equations_are_a_table():
    """09's model is written in an aligned environment, which latex2mathml leaves as a bare
    ``<mi>&</mi>`` (markup that is not XML, so the allowlist showed the source): it is laid out
    as split, the same right-left columns."""
    mathml = latex_to_mathml(r"\begin{aligned} \dot S &= k S \\ \dot P &= 2S - P \end{aligned}")
    assert mathml.startswith("<math") and mathml.count("<mtr>") == 2
    assert "&" not in mathml.replace("&#", "")


def test_a_pages_maths_is_converted_up_to_its_budget():
    """Review 27 #5: 1 MB of maths had cost 50 s and 1.5 GB for one page. A formula past
    MAX_FORMULA_CHARS, and what comes past MAX_PAGE_MATH_CHARS of TeX on a page, is left as
    written."""
    long = "a" * (MAX_FORMULA_CHARS + 1)
    assert "<math" not in render_math(f"${long}$")
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("$x^2$ " * 4000) for _ in range(8)]
    )
    nb, _ = RenderMathOffline()(nb, {})
    converted = sum(cell.source.count("<math") for cell in nb.cells)
    assert converted == MAX_PAGE_MATH_CHARS // 3, converted
    assert nb.cells[-1].source.count("$x^2$") == 4000


LINKS = """Q1 [plain](javascript:alert(1)) Q2 [$x$](javascript:alert(2))
Q5 [d](data:text/html,<script>alert(5)</script>) Q6 ![$x$](javascript:alert(6))
Q7 [$x$][r] Q9 [n](JaVaScRiPt:alert(9)) Q10 [e](&#106;avascript:alert(10))
Q11 [t](java\tscript:alert(11)) [ok](https://example.org) [here](#top)

[r]: javascript:alert(7)
"""


def test_markdown_links_cannot_run_script():
    """Review 29 #2: nbconvert sanitises a markdown cell's raw HTML, not the links markdown
    makes: [x](javascript:...) stayed a live link on both feedback commands. The page's
    markdown goes through safe_urls: no javascript:, no data: but a raster image."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(LINKS)])
    resources = {"nbgrader": {"notebook": "nb", "score": 2, "max_score": 4, "late_penalty": 0}}
    nb, resources = RenderMathOffline()(nb, resources)
    page, _ = _exporter(Config()).from_notebook_node(nb, resources=resources)
    assert not re.search(r"""\s(?:href|src)\s*=\s*["']?[^"'>]*(?:script|data):""", page, re.I)
    assert 'href="https://example.org"' in page and 'href="#top"' in page
    assert "<math" in page  # the maths in the links' text is still rendered


def test_safe_urls_keeps_what_cannot_run():
    """Relative and fragment links, http(s), mailto and raster data images stay; the rest of
    the markup is left byte for byte."""
    keep = (
        '<p><a href="x.html">a</a> <a href="mailto:t@e.org">m</a>\n'
        '<img src="data:image/png;base64,AA"/></p>'
    )
    assert safe_urls(keep) == keep
    assert safe_urls('<img src="data:image/svg+xml,<svg onload=x>">') == "<img>"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\r", "\x0b", "\x0c", "\x1c"])
def test_a_line_separator_cannot_move_an_edit_off_its_tag(separator):
    """Review 30 #1: safe_urls placed its edits by str.splitlines, which also breaks at
    U+2028 and other separators, while the parser counts "\\n" only: three U+2028 before the
    links had left [x](javascript:...) and [f](data:text/html,...) live on both commands."""
    markdown = (
        f"My notes{separator * 3} on resistance\n\n"
        + "Padding text of the student's notes, long enough. " * 4
        + "\n\n[Open](javascript:alert(document.domain))\n\n[f](data:text/html,<b>x</b>)\n"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown)])
    resources = {"nbgrader": {"notebook": "nb", "score": 0, "max_score": 4, "late_penalty": 0}}
    page, _ = _exporter(Config()).from_notebook_node(nb, resources=resources)
    assert not re.search(r"""\shref\s*=\s*["']?\s*(?:javascript|data):""", page, re.I)
    assert "Padding text of the student's notes" in page and ">Open</a>" in page


def test_the_page_loads_no_image_and_runs_no_script():
    """Review 30 #2: a markdown image from any host was fetched when the page opened (a
    beacon). Sources are only raster data URLs, and the page's Content-Security-Policy allows
    no script, no request, no form."""
    page = _page_of(
        "![fig](https://tracker.example.org/p.png?who=eve) ![r][t]\n\n[t]: //t.example/r.png"
    )
    assert not re.search(r"""<img[^>]*\ssrc\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    head = page.split("</head>")[0]
    meta = re.search(r"<meta[^>]*Content-Security-Policy[^>]*>", head).group()
    policy = re.search(r'content="([^"]+)"', meta).group(1)
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "img-src data:;" in policy and "form-action 'none'" in policy


def _page_of(markdown: str, attachments=None) -> str:
    cell = nbformat.v4.new_markdown_cell(markdown)
    if attachments is not None:
        cell.attachments = attachments
    nb = nbformat.v4.new_notebook(cells=[cell])
    resources = {"nbgrader": {"notebook": "nb", "score": 0, "max_score": 4, "late_penalty": 0}}
    return _exporter(Config()).from_notebook_node(nb, resources=resources)[0]


def test_attachments_are_inlined_up_to_the_pages_allowance(monkeypatch):
    """Review 30 #6: each ![a](attachment:x) writes the whole attachment, and 800 uses of a
    1 MB image had made a 1.07 GB page (6.4 GB, 110 s). A page inlines at most
    MAX_PAGE_ATTACHMENT_CHARS (lowered here), then shows empty images and says so; a missing
    attachment, or one with no raster image, is an empty image (it had stopped the page)."""
    from resistlab.course.grading import nbgrader_feedback

    monkeypatch.setattr(nbgrader_feedback, "MAX_PAGE_ATTACHMENT_CHARS", 1000)
    data = "iVBORw0KGgo" + "A" * 389  # 400 characters of base64
    page = _page_of(
        " ".join(["![a](attachment:x.png)"] * 5)
        + " ![m](attachment:missing.png) ![s](attachment:s)",
        {"x.png": {"image/png": data}, "s": {"image/svg+xml": "PHN2Zz4="}},
    )
    assert page.count(data) == 2
    assert page.count('src="data:image/png;base64,"') == 5
    assert nbgrader_feedback.ATTACHMENTS_NOT_SHOWN in page
    assert "PHN2Zz4" not in page
    honest = _page_of("![a](attachment:x.png)", {"x.png": {"image/png": data}})
    assert honest.count(data) == 1 and nbgrader_feedback.ATTACHMENTS_NOT_SHOWN not in honest


def test_the_course_config_leaves_formgraders_exporter_its_own_template():
    """Review 31 #6: the course set the feedback page's template on every HTMLExporter, and
    Formgrader's submission view, an HTMLExporter with its own 'formgrade' template, failed
    (HTTP 500, TemplateNotFound). The template is the feedback exporter's alone; HTML is
    sanitised on both."""
    from helpers import ROOT
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    from resistlab.course.grading.nbgrader_feedback import SafeHTMLExporter
    from resistlab.course.grading.runner import load_course_config

    config = load_course_config(ROOT)
    formgrader = Config(config)
    formgrader.HTMLExporter.template_name = "formgrade"  # as nbgrader's FormgradeExtension
    formgrader.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    plain = HTMLExporter(config=formgrader)
    assert plain.template_name == "formgrade" and plain.template_file != "feedback_page.html.j2"
    assert plain.sanitize_html
    feedback = SafeHTMLExporter(config=config)
    assert feedback.template_file == "feedback_page.html.j2" and feedback.sanitize_html


def test_formgraders_submission_view_runs_no_students_markup():
    """Review 32 #8: Formgrader's submission view (its own 'formgrade' template, on the
    instructor's Jupyter origin, no Content-Security-Policy) rendered a student's markdown
    unsanitised: an <img onerror> wrote a file into the course root through the Jupyter API
    when the instructor opened the submission. Under the course configuration the view's
    exporter makes the student's markup inert as the feedback pages do."""
    from helpers import ROOT
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    from resistlab.course.grading.runner import load_course_config

    formgrader = Config(load_course_config(ROOT))
    formgrader.HTMLExporter.template_name = "formgrade"  # as nbgrader's FormgradeExtension
    formgrader.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    attack = (
        "<img src=x onerror=\"fetch('/api/contents/pwned.txt', {method: 'PUT'})\">\n\n"
        '<style>body { display: none }</style><div style="position:fixed">12 / 12</div>\n\n'
        '<iframe srcdoc="<script>alert(1)</script>"></iframe> [x](javascript:alert(2))\n\n'
        # review 33 #4: an id of a student's took a grade's score box (scores not saved)
        '<span id="answer">a</span>\n\n# test_answer_heading\n'
    )
    # review 33 #1 #2: a tag with spaces put Bootstrap's classes on the cell itself, and an
    # output's metadata.filenames became the <img src> the instructor's browser fetched
    tagged = nbformat.v4.new_code_cell("display(...)")
    tagged.metadata["tags"] = ["x dropdown-backdrop navbar-default", "ok-tag"]
    tagged.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": "iVBORw0KGgo="},
            metadata={"filenames": {"image/png": "http://127.0.0.1:9/beacon.png"}},
        )
    ]
    # review 33 #4: a raw cell kept its ids and classes: Formgrader's widgets bound to them
    raw = nbformat.v4.new_raw_cell(
        '<div class="nbgrader_cell"><span id="answer"></span>'
        '<div class="full-credit dropdown-backdrop"></div></div>'
    )
    raw.metadata["raw_mimetype"] = "text/html"
    answer = nbformat.v4.new_code_cell("x = 1")
    answer.metadata.nbgrader = {"grade_id": "answer", "solution": True, "grade": False,
                                "locked": False, "schema_version": 3}  # fmt: skip
    intro = nbformat.v4.new_markdown_cell("# Exercise 1\n\nIntro.")
    intro.metadata.nbgrader = {"grade_id": "intro", "locked": True, "solution": False,
                               "grade": False, "schema_version": 3}  # fmt: skip
    nb = nbformat.v4.new_notebook(
        cells=[intro,
               nbformat.v4.new_markdown_cell(attack), raw, tagged, answer]
    )  # fmt: skip
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    resources = {
        "assignment_id": "a", "notebook_id": "nb", "submission_id": "s", "index": 0,
        "total": 1, "base_url": "", "student": "mallory", "last_name": None,
        "first_name": None, "notebook_path": "autograded/mallory/a/nb.ipynb",
    }  # fmt: skip
    page = HTMLExporter(config=formgrader).from_notebook_node(nb, resources=resources)[0]
    body = page.split("<body", 1)[1]
    live_markup = (
        r"<img[^>]*onerror", "<style", "<iframe", r"<div style", r"href=.javascript",
        r'<[a-z][^<>]*class="[^"]*dropdown-backdrop', r"src=.http", "unpkg", "widget-state",
        r'<span id="answer"', r'<div class="full-credit', r'id="test_answer_heading',
    )  # fmt: skip
    for live in live_markup:
        assert not re.search(live, body), f"{live} reached Formgrader's view"
    assert "celltag_ok-tag" in body
    assert 'id="Exercise-1"' in body and "pwned.txt" in body  # shown, as text


def test_a_students_markup_cannot_lay_bootstrap_over_the_page():
    """Review 31 #2: the sanitiser keeps class attributes and the page carries Bootstrap, so
    a markdown cell of <div class="dropdown-backdrop navbar-default"> laid a forged
    "Score: 12 / 12" over the whole page (and so could displayed HTML). Only the class names
    of highlighting, anchors, alerts and tables are kept."""
    from resistlab.course.grading.feedback import make_inert

    forged = '<div class="dropdown-backdrop navbar-default"><b>Score: 12 / 12</b></div>'
    code = nbformat.v4.new_code_cell("display(HTML(...))")
    code.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": '<div class="navbar-fixed-top">12 / 12</div>'
                  '<table class="dataframe"><tr><td>1</td></tr></table>'},
        )
    ]  # fmt: skip
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(forged),
            nbformat.v4.new_markdown_cell(
                '<div class="alert alert-block alert-info">Note</div>\n\n```python\nx = 1\n```'
            ),
            code,
        ]
    )
    make_inert(nb)
    resources = {"nbgrader": {"notebook": "nb", "score": 0, "max_score": 4, "late_penalty": 0}}
    page = _exporter(Config()).from_notebook_node(nb, resources=resources)[0]
    body = page.split("<body", 1)[1]
    for name in ("dropdown-backdrop", "navbar-default", "navbar-fixed-top"):
        assert name not in body, name
    assert "Score: 12 / 12" in body  # the text stays, as text
    assert 'class="alert alert-block alert-info"' in body
    assert 'class="dataframe"' in body and 'class="highlight' in body


def _displays():
    """A code cell that displays a pandas table and Markdown, and one that displays HTML an
    attacker wrote with the tags the pages now keep."""
    import pandas as pd

    honest = nbformat.v4.new_code_cell("display(df); display(Markdown(...))")
    honest.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            data={"text/html": pd.DataFrame({"ic50_uM": [0.1]})._repr_html_(), "text/plain": ""},
            execution_count=1,
        ),
        nbformat.v4.new_output(
            "display_data",
            data={"text/markdown": "## Verdict\n\nIt is *resistant*.\n\n|a|b|\n|-|-|\n|1|2|"},
        ),
    ]
    hostile = nbformat.v4.new_code_cell("display(HTML(...))")
    hostile.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": '<h1 id="test_answer" onclick="f()">Score: 12 / 12</h1>'
                '<p style="position:fixed">x</p><img src="http://127.0.0.1:9/b.png">'
                '<th class="navbar-fixed-top">t</th><script>alert(1)</script>'
                '<a href="javascript:alert(2)">y</a>'
            },
        )
    ]
    return nbformat.v4.new_notebook(cells=[honest, hostile])


def _formgrader_page(nb) -> str:
    from helpers import ROOT
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    from resistlab.course.grading.runner import load_course_config

    formgrader = Config(load_course_config(ROOT))
    formgrader.HTMLExporter.template_name = "formgrade"  # as nbgrader's FormgradeExtension
    formgrader.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {
        "assignment_id": "a", "notebook_id": "nb", "submission_id": "s", "index": 0,
        "total": 1, "base_url": "", "student": "ann", "last_name": None,
        "first_name": None, "notebook_path": "autograded/ann/a/nb.ipynb",
    }  # fmt: skip
    return HTMLExporter(config=formgrader).from_notebook_node(nb, resources=resources)[0]


def _feedback_page(nb) -> str:
    from resistlab.course.grading.feedback import make_inert

    make_inert(nb)
    resources = {"nbgrader": {"notebook": "nb", "score": 0, "max_score": 4, "late_penalty": 0}}
    return _exporter(Config()).from_notebook_node(nb, resources=resources)[0]


@pytest.mark.parametrize(
    "render", [_feedback_page, _formgrader_page], ids=["feedback", "formgrader"]
)
def test_displayed_tables_and_markdown_are_shown_as_markup(render):
    """Review 33 (observation): nbconvert's sanitiser escaped pandas' <thead>/<tbody> and the
    <h2>/<p> of displayed Markdown, so a DataFrame or a Markdown display showed its tags as
    text on the feedback page and in Formgrader. They are shown as tables and headings now,
    and displayed HTML with those tags still runs nothing, loads nothing and keeps no id,
    handler, style or page class."""
    body = render(_displays()).split("<body", 1)[1]
    assert "&lt;thead&gt;" not in body and "&lt;h2" not in body and "&lt;p&gt;" not in body
    assert re.search(r'<table[^>]*class="dataframe"[^>]*>\s*<thead>', body)
    assert re.search(r"<h2[^>]*>Verdict", body) and "<em>resistant</em>" in body
    assert "ic50_uM" in body and ".dataframe tbody" not in body  # pandas' <style> left out
    live_markup = (
        r'onclick="f', 'id="test_answer"', "position:fixed", r"src=.http://127", "<script>alert",
        r'navbar-fixed-top">t', r"href=.javascript",
    )  # fmt: skip
    for live in live_markup:
        assert not re.search(live, body), f"{live} reached the page"
    assert "&lt;script&gt;alert(1)" in body and "Score: 12 / 12" in body  # shown, as text


def test_cell_metadata_cannot_hide_cells_or_class_them_in_formgrader():
    """Round 34 #5 and #3: a cell's metadata ``transient.remove_source`` removed the cell, its
    score box and the student's code from Formgrader's view; a kernel that set its own
    language_info lexer to 'ipython3 dropdown-backdrop' put Bootstrap's overlay class on
    every code cell. Formgrader's view and the feedback pages drop both."""
    answer = nbformat.v4.new_code_cell("from resistlab.pharmacology import hill")
    answer.metadata.nbgrader = {"grade_id": "answer_hill", "solution": True, "grade": False,
                                "locked": False, "schema_version": 3}  # fmt: skip
    answer.metadata["transient"] = {"remove_source": True}
    nb = nbformat.v4.new_notebook(cells=[answer])
    nb.metadata["language_info"] = {
        "name": "python",
        "pygments_lexer": "ipython3 dropdown-backdrop",
        "codemirror_mode": {"name": "ipython x-overlay", "version": 3},
    }
    for render in (_formgrader_page, _feedback_page):
        body = render(copy.deepcopy(nb)).split("<body", 1)[1]
        assert "dropdown-backdrop" not in body and "x-overlay" not in body
        assert "resistlab.pharmacology" in body  # the student's code is shown


def test_markdown_a_students_code_displays_in_a_locked_cell_keeps_no_id():
    """Round 34 #1: markdown the student's function displayed while a read-only check cell
    or a sealed test called it kept ``id`` (the filter kept ids for locked cells, meant for
    the instructor's markdown): ``<span id=test_gr50_values>`` took that grade's score box
    in Formgrader and the scores typed there were not saved. Only the instructor's own
    locked markdown keeps its anchors."""
    test = nbformat.v4.new_code_cell("assert hill(1) == 1")
    test.metadata.nbgrader = {"grade_id": "test_hill_values", "grade": True, "solution": False,
                              "locked": True, "points": 1, "score": 1,
                              "schema_version": 3}  # fmt: skip
    test.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/markdown": "Shown <span id=test_gr50_values>here</span> "
                "<div id=answer_gr_values-comment>there</div> <a id=a_grade>link</a>"
            },
        )
    ]
    intro = nbformat.v4.new_markdown_cell('## Exercise 2\n\n<span id="ex2-anchor"></span>')
    intro.metadata.nbgrader = {"grade_id": "intro_ex2", "grade": False, "solution": False,
                               "locked": True, "schema_version": 3}  # fmt: skip
    nb = nbformat.v4.new_notebook(cells=[intro, test])
    for render in (_formgrader_page, _feedback_page):
        body = render(copy.deepcopy(nb)).split("<body", 1)[1]
        assert "here" in body and "there" in body  # control: the display is shown
        for name in ("test_gr50_values", "answer_gr_values-comment", "a_grade"):
            assert f'id="{name}"' not in body, f"{render.__name__}: {name}"
        assert 'id="ex2-anchor"' in body and 'id="Exercise-2"' in body  # the instructor's


@pytest.mark.parametrize(
    "render", [_feedback_page, _formgrader_page], ids=["feedback", "formgrader"]
)
def test_highlighting_is_bounded_and_never_in_a_language_the_student_names(render):
    """Round 41 (B) #1: a fence naming Pygments' ``easytrieve`` lexer over 3,200 tabs took
    121 s of CPU to render, and one 64,000-character line of ``a.a.a...`` in a code cell
    97 s, on the instructor's server (Formgrader's view answered nothing else meanwhile) and
    in ``nbgrader generate_feedback``. A fence is highlighted only in Python's languages, no
    line past MAX_HIGHLIGHT_LINE is highlighted, nor code past the page's allowance: such
    code is shown plain. Ordinary code keeps its colours."""
    from resistlab.course.grading import nbgrader_feedback as module

    notes = nbformat.v4.new_markdown_cell(
        "```easytrieve\nMACRO tabs\n```\n\n```python\ndef fenced():\n    pass\n```\n"
    )
    short = nbformat.v4.new_code_cell("dose_uM = 1.0\n")
    dotted = nbformat.v4.new_code_cell("a." * (module.MAX_HIGHLIGHT_LINE // 2 + 1) + "a\n")
    line = "tail_uM" + "_" * 50 + " = 2.0\n"  # 8 tokens: the character allowance counts
    lines = module.MAX_PAGE_HIGHLIGHT_CHARS // len(line) // 2 - 1  # two cells fit, not three
    bulk = [nbformat.v4.new_code_cell(line * lines) for _ in range(3)]
    nb = nbformat.v4.new_notebook(cells=[notes, short, dotted, *bulk])
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    body = render(nb).split("<body", 1)[1]
    assert "MACRO tabs" in body and not re.search(r"<span[^>]*>MACRO</span>", body)
    assert re.search(
        r'<span class="k">def</span>(<span class="w"> </span>|\s)*<span class="nf">fenced</span>',
        body,
    )
    assert re.search(r'<span class="n">dose_uM</span>', body)
    assert "a.a.a.a" in body and not re.search(r'<span class="n">a</span><span class="o">', body)
    # the first two bulk cells fit the page's allowance; the third is plain
    assert len(re.findall(r'<span class="n">tail_uM_+</span>', body)) == 2 * lines
    assert "tail_uM" + "_" * 50 + " = 2.0" in body


@pytest.mark.parametrize(
    "render", [_feedback_page, _formgrader_page], ids=["feedback", "formgrader"]
)
def test_code_is_lexed_as_python_whatever_the_cell_or_a_fence_says(render):
    """Round 42 (A) #1: IPython's lexer tries its cell-magic rules at every token, so it takes
    time with the square of a run of whitespace across lines: 20,000 blank lines in a code
    cell took 103 s of Formgrader's CPU, and 6,000 in an ``ipython3`` fence 66 s. And a cell
    whose metadata named ``magics_language: easytrieve`` was lexed in that language (four
    lines of 900 tabs: 168 s). Code cells and Python fences are lexed with Pygments' Python
    lexer, whichever lexer the notebook, the cell or the fence names: ``%%capture`` is
    Python's ``%%`` and a name, not IPython's magic nor easytrieve's variable. The Python
    lexer too takes time with the square of a run of whitespace (24,000 characters of
    ``"\\n \\t"``: 15 s): code with a run past MAX_HIGHLIGHT_SPACE is shown plain."""
    from resistlab.course.grading.nbgrader_feedback import MAX_HIGHLIGHT_SPACE

    named = nbformat.v4.new_code_cell("%%capture\nx = 1\n")
    named.metadata["magics_language"] = "easytrieve"
    fence = nbformat.v4.new_markdown_cell("```ipython3\n%%capture\ny = 2\n```\n")
    run = "\n \t" * (MAX_HIGHLIGHT_SPACE // 3 + 1)
    spaced = nbformat.v4.new_code_cell(f"w_uM = 4{run}v_uM = 5\n")
    spaced_fence = nbformat.v4.new_markdown_cell(f"```python\nq_uM = 6{run}q_uM\n```\n")
    indented = nbformat.v4.new_code_cell("def f():\n\n\n        return k_uM\n")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("%%capture\nz = 3\n"),
            named,
            fence,
            spaced,
            spaced_fence,
            indented,
        ]
    )
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    body = render(nb).split("<body", 1)[1]
    python = r'<span class="o">%%</span><span class="n">capture</span>'
    assert len(re.findall(python, body)) == 3, body[:2000]
    assert 'class="nv">%%capture' not in body and 'class="o">%%capture' not in body
    for name in ("w_uM", "v_uM", "q_uM"):
        assert name in body and f'<span class="n">{name}</span>' not in body, name
    assert '<span class="n">k_uM</span>' in body


@pytest.mark.parametrize(
    "render", [_feedback_page, _formgrader_page], ids=["feedback", "formgrader"]
)
def test_highlighting_stops_at_the_pages_token_allowance(render):
    """Round 42 (A) #1, continued: every token highlighted is an element of the page, and
    nbconvert parses the whole page again: 129,000 tokens of ``a.a.a`` in code cells took
    20 s, and 100,000 of ``a a a`` in a fence 23 s, each within the character bounds. Code
    cells highlight at most MAX_PAGE_HIGHLIGHT_TOKENS tokens a page, and fences as many
    apart; past it, code is shown plain."""
    from resistlab.course.grading.nbgrader_feedback import MAX_PAGE_HIGHLIGHT_TOKENS, code_tokens

    def lines(name):
        line = ".".join([name] * 100) + "\n"  # 200 tokens
        return line * (MAX_PAGE_HIGHLIGHT_TOKENS // 2 // code_tokens(line) - 1)

    cells = [nbformat.v4.new_code_cell(lines(f"c{i}")) for i in range(3)]
    fences = [nbformat.v4.new_markdown_cell(f"```python\n{lines(f'f{i}')}```\n") for i in range(3)]
    assert code_tokens(cells[0].source) * 2 <= MAX_PAGE_HIGHLIGHT_TOKENS
    nb = nbformat.v4.new_notebook(cells=[*cells, *fences])
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    body = render(nb).split("<body", 1)[1]
    for name, shown in [("c0", 1), ("c1", 1), ("c2", 0), ("f0", 1), ("f1", 1), ("f2", 0)]:
        assert f"{name}.{name}" in body or f'class="n">{name}<' in body, name
        assert (f'<span class="n">{name}</span>' in body) == bool(shown), name


@pytest.mark.parametrize(
    "render", [_feedback_page, _formgrader_page], ids=["feedback", "formgrader"]
)
def test_highlighted_elements_are_bounded_whatever_the_characters(render):
    """Round 44 (A) #2: the allowance counted a run of word characters as one token, but
    ``²`` is a word character that is no part of a Python name: the lexer makes ``a²a²...``
    one element a character (a 1 MiB fence held Formgrader's server 187 s; a code cell of
    128 K characters cost 20 s a view). Every character the lexer may split off counts
    alone, so a page's highlighted elements stay within twice the allowance, whatever the
    characters: numerals, accented letters, digits run into names."""
    from resistlab.course.grading.nbgrader_feedback import (
        MAX_HIGHLIGHT_LINE,
        MAX_PAGE_HIGHLIGHT_TOKENS,
    )

    cells = []
    for unit in ("a²", "1a", "é①", "a½_"):
        line = (unit * MAX_HIGHLIGHT_LINE)[: MAX_HIGHLIGHT_LINE - 1] + "\n"
        cells.append(nbformat.v4.new_code_cell(line * 60))
        cells.append(nbformat.v4.new_markdown_cell(f"```python\n{line * 60}```\n"))
    honest = "def hill(dose_uM, ec50_uM):\n    return 1 / (1 + dose_uM / ec50_uM)\n"
    cells.append(nbformat.v4.new_code_cell(honest))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    body = render(nb).split("<body", 1)[1]
    spans = body.count("<span")
    assert spans <= 2 * MAX_PAGE_HIGHLIGHT_TOKENS + 1000, spans
    assert '<span class="nf">hill</span>' in body  # an honest cell is still highlighted


def test_the_lexer_never_makes_more_elements_than_the_allowance_counts():
    """What the token allowance rests on: Pygments' Python lexer, through nbconvert's
    formatter, writes no more elements than ``code_tokens`` counts, on 20,000 seeded random
    strings of names, digits, punctuation, quotes, string prefixes, whitespace and non-ASCII
    letters, numerals and spaces (``a²a²...`` had counted 1 and made 400)."""
    import random

    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    from resistlab.course.grading.nbgrader_feedback import CODE_LEXER, code_tokens

    lexer, formatter = get_lexer_by_name(CODE_LEXER), HtmlFormatter()
    alphabet = list("aZ_1e0x.'\"#\\ \t\n()[]{}:=+-*/%@!<>,;`~$?|&^rbfuRBFU")
    alphabet += ["²", "é", "\u3000", "\u00a0", "\x0c", "\x1c", "\u2028", "ß", "①", "\ufeff"]
    rng = random.Random(44)
    worst = []
    for _ in range(20_000):
        if rng.random() < 0.5:
            unit = "".join(rng.choices(alphabet, k=rng.randint(1, 4)))
            code = (unit * 60)[: rng.randint(1, 240)]
        else:
            code = "".join(rng.choices(alphabet, k=rng.randint(1, 120)))
        elements = highlight(code, lexer, formatter).count("<span") - 1  # one empty opener
        if elements > code_tokens(code):
            worst.append(code)
    assert worst == [], worst[:5]
