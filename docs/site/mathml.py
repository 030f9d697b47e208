"""Sphinx extension: render maths to MathML when the site is built (no JavaScript, no CDN).

Browsers display MathML Core natively; the conversion is latex2mathml's, the same as the
feedback pages' (:mod:`resistlab.course.grading.nbgrader_feedback`).
"""

from __future__ import annotations

from docutils import nodes

from resistlab.course.grading.nbgrader_feedback import latex_to_mathml


def visit_math(self, node):
    self.body.append(self.starttag(node, "span", "", CLASS="math"))
    self.body.append(latex_to_mathml(node.astext()) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node):
    self.body.append(self.starttag(node, "div", CLASS="math"))
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    for part in parts:
        if ("&" in part or "\\\\" in part) and "\\begin" not in part:
            part = f"\\begin{{split}}{part}\\end{{split}}"  # as Sphinx wraps it for MathJax
        self.body.append(latex_to_mathml(part, display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer(
        "mathml", inline_renderers=(visit_math, None), block_renderers=(visit_displaymath, None)
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
