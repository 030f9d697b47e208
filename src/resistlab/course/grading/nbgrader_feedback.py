"""nbgrader's own feedback (``nbgrader generate_feedback``, Formgrader's *Generate Feedback*
button) made as safe as ``resistlab feedback``.

The course's ``nbgrader_config.py`` registers these preprocessors in
``GenerateFeedback.preprocessors``, after nbgrader's ``GetGrades``:

``RedactHiddenTests``
    removes every hidden-test region, reduces each test cell's output to ``passed`` or its
    coaching message, cuts tracebacks that quote a hidden line, adds the score table, and
    refuses the page (the command fails) if any hidden line is still in it, and drops an
    image's ``width``/``height`` that is not a number (written unquoted into the page); the
    same code as ``resistlab feedback``
    (:func:`resistlab.course.grading.feedback.redact_notebook`,
    :func:`~resistlab.course.grading.feedback.safe_output_metadata`).
``RenderMathOffline``
    renders ``$...$`` and ``$$...$$`` in Markdown cells to MathML, so the page shows the maths
    without loading MathJax from a CDN (the course's feedback template loads no script).

Limits: the hidden lines are those of the source notebook recorded in the gradebook; the
check looks for whole lines of 12 characters or more (see
:func:`resistlab.course.grading.feedback.hidden_lines`).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

__all__ = ["TEMPLATE_DIR", "RedactHiddenTests", "RenderMathOffline", "latex_to_mathml"]

#: The folder holding the ``resistlab_feedback`` nbconvert template.
TEMPLATE_DIR = Path(__file__).parent / "templates"

_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\$)")
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)


def latex_to_mathml(tex: str, *, display: bool = False) -> str:
    """MathML for the LaTeX ``tex``; the escaped source if it cannot be converted.

    Examples
    --------
    >>> latex_to_mathml(r"\\frac{a}{b}").startswith("<math")
    True
    """
    from latex2mathml.converter import convert

    try:
        return convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # an unsupported command: show the source rather than nothing
        return f"<code>{html.escape(tex)}</code>"


def render_math(markdown: str) -> str:
    """Replace ``$$...$$`` and ``$...$`` outside code spans by MathML.

    Examples
    --------
    >>> "<math" in render_math("the rate $\\\\mu$ per division")
    True
    >>> render_math("costs `$5` and $5")
    'costs `$5` and $5'
    """
    parts = _CODE.split(markdown)
    for i in range(0, len(parts), 2):  # even parts are outside code
        text = _DISPLAY.sub(lambda m: latex_to_mathml(m.group(1), display=True), parts[i])
        parts[i] = _INLINE.sub(lambda m: latex_to_mathml(m.group(1)), text)
    return "".join(parts)


class RenderMathOffline(Preprocessor):
    """Render the maths of every Markdown cell to MathML (no MathJax, no network)."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "markdown" and "$" in cell.source:
                cell.source = render_math(cell.source)
        return nb, resources


class RedactHiddenTests(Preprocessor):
    """Strip hidden tests and their traces from an autograded notebook (see module doc)."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        from .feedback import (
            FeedbackLeak,
            _leaks,
            _summary_cell,
            hidden_lines,
            redact_notebook,
            safe_output_metadata,
        )

        info = resources["nbgrader"]
        course_id = self.config.CourseDirectory.get("course_id", "") or "default_course"
        with Gradebook(info["db_url"], course_id) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            hidden = hidden_lines(cell.source for cell in notebook.source_cells)
        rows = redact_notebook(nb, hidden)
        safe_output_metadata(nb)
        if "score" in info:  # GetGrades ran first
            nb.cells.insert(0, _summary_cell(info["assignment"], resources, rows))
        leaked = _leaks(nb, hidden)
        if leaked:
            raise FeedbackLeak(
                f"no feedback page for {info['student']} ({info['notebook']}): it would "
                f"show a line of a hidden test: {leaked[0]!r}"
            )
        return nb, resources
