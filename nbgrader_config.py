"""nbgrader configuration of the resistlab course (the repository root is the course root).

Student copies, submissions, grades and feedback live in folders that git ignores:
release/, submitted/, autograded/, feedback/ and gradebook.db. The exchange (used only by
nbgrader's release/collect workflow on a shared machine) defaults to a folder in the
course root; point RESISTLAB_EXCHANGE at a world-writable folder on a JupyterHub.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

HERE = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "resistlab"
c.CourseDirectory.root = str(HERE)
c.CourseDirectory.source_directory = "notebooks"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.solution_directory = "solution"
# The gradebook: SQLite in the course root by default; any SQLAlchemy URL in RESISTLAB_DB_URL
# (e.g. postgresql+psycopg://grader@db.example/resistlab for a large course, docs/scaling.md).
c.CourseDirectory.db_url = (
    os.environ.get("RESISTLAB_DB_URL") or f"sqlite:///{HERE / 'gradebook.db'}"
)
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".ruff_cache",
    # a student's own web pages (and SVG, which runs script when opened) are neither
    # collected nor graded, in any case of letters: nbgrader's generate_feedback had copied
    # them beside the feedback page, and release_feedback publishes every .html there
    "*.[hH][tT][mM]",
    "*.[hH][tT][mM][lL]",
    "*.[xX][hH][tT][mM][lL]",
    "*.[xX][hH][tT]",
    "*.[sS][vV][gG]",
]

# Cell timeout in seconds: set on both keys (nbgrader's Execute subclasses nbconvert's
# ExecutePreprocessor; older releases honoured only one of them).
TIMEOUT = int(os.environ.get("RESISTLAB_CELL_TIMEOUT", "60"))
c.Execute.timeout = TIMEOUT
c.ExecutePreprocessor.timeout = TIMEOUT
c.Execute.interrupt_on_timeout = True

# A warning printed on stderr must not zero a test cell: nbgrader drops every stderr output
# that matches this pattern (DeprecationWarning, RuntimeWarning, UserWarning, ...) before grading.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\b\w*Warning\b"  # Pandas4Warning too: a digit in the name

# Re-add test cells a student deleted, from the copy saved at release time.
c.OverwriteCells.add_missing_cells = True

# Read-only cells stay read-only in the student copy.
c.LockCells.lock_readonly_cells = True
c.LockCells.lock_grade_cells = True

c.Exchange.root = os.environ.get("RESISTLAB_EXCHANGE", str(HERE / "exchange"))

# Feedback without hidden tests, whichever way it is made. `resistlab feedback` redacts its
# pages itself; these preprocessors make nbgrader's own `generate_feedback` (Formgrader's
# *Generate Feedback* button) redact the same way, refuse a page that would still show a
# hidden line, and render maths to MathML; the course's template loads nothing from a CDN.
try:
    import nbgrader as _nbgrader
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import GetGrades

    from resistlab.course.exchange import CheckedList, CheckedReleaseFeedback, NoFollowCollect
    from resistlab.course.grading.nbgrader_autograde import (
        StudentWorkKernelManager,
        UnsandboxedAutograde,
    )
    from resistlab.course.grading.nbgrader_feedback import (
        TEMPLATE_DIR,
        BoundedHighlight,
        MakeInert,
        RedactHiddenTests,
        RenderMathOffline,
        SafeHTMLExporter,
        clean_output_html,
        inert_markdown2html,
    )
    from resistlab.course.grading.zipcollect import BoundedExtractor, CheckedCollector
except ImportError:  # a student environment without nbgrader: nothing to configure
    pass
else:
    # `nbgrader collect` never follows a symbolic link a student put in the exchange (it had
    # copied the instructor's files they pointed at into the submission)
    c.ExchangeFactory.collect = NoFollowCollect
    # `nbgrader release_feedback` skips, and names, a student's folder it cannot release
    # (one missing submission_secret.txt had stopped the release for the class)
    c.ExchangeFactory.release_feedback = CheckedReleaseFeedback
    # `nbgrader list --inbound` leaves out, and names, a student's folder it would read past
    # a bound (a FIFO had hung the listing of the class, a 3 GB sparse secret failed it)
    c.ExchangeFactory.list = CheckedList
    # `nbgrader autograde` (Formgrader's *Autograde* button) runs student code unsandboxed, as
    # the instructor: it refuses unless told the submissions are trusted
    # (--UnsandboxedAutograde.allowed=True); `resistlab grade` is the sandboxed grader
    c.Autograde.autograde_preprocessors = [
        UnsandboxedAutograde,
        *Autograde.class_traits()["autograde_preprocessors"].default(),
    ]
    # ... and `nbgrader validate` (the live notebook's *Validate* button) runs no notebook of
    # the students' folders
    c.Execute.kernel_manager_class = StudentWorkKernelManager
    c.StudentWorkKernelManager.refused_folders = [
        str(HERE / "submitted"),
        str(HERE / "autograded"),
        str(HERE / "feedback"),
        str(HERE / "downloaded"),  # zip_collect's uploads and what it extracted from them
        c.Exchange.root,  # what students sent
    ]
    # `nbgrader zip_collect` (as `resistlab grade --zip-collect`) extracts with bounds and
    # reads each file's own name safely: with nbgrader's plugins, a student's file name had
    # replaced another student's submission, and one bad time had stopped the class's collect
    c.ZipCollectApp.extractor_plugin = BoundedExtractor
    c.ZipCollectApp.collector_plugin = CheckedCollector
    c.GenerateFeedback.preprocessors = [
        GetGrades,
        RedactHiddenTests,
        RenderMathOffline,
        CSSHTMLHeaderPreprocessor,
    ]
    # HTML that student code displayed is sanitised, as on `resistlab feedback`'s pages
    c.HTMLExporter.sanitize_html = True
    # Formgrader's submission view (its own template, on the instructor's origin) shows a
    # student's markdown and HTML made inert as on the feedback pages: an <img onerror> in
    # markdown had run there (the feedback exporter's RedactHiddenTests already does it)
    c.HTMLExporter.preprocessors = [MakeInert]
    c.HTMLExporter.filters = {
        "markdown2html": inert_markdown2html,  # javascript: links
        "clean_html": clean_output_html,  # displayed tables and headings shown, not escaped
        # the course's lexer, not the one the student's kernel wrote into language_info
        # (nbconvert writes it into every code cell's class: 'ipython3 dropdown-backdrop')
        # and bounded: a line past 1,000 characters, or code past the page's allowance, plain
        "highlight_code": BoundedHighlight(pygments_lexer="ipython3"),
    }
    c.SafeHTMLExporter.preprocessors = []
    c.SafeHTMLExporter.filters = {}
    c.GenerateFeedback.exporter_class = SafeHTMLExporter  # markdown links: no javascript:
    # the page's template on the feedback exporter only: set on every HTMLExporter, it had
    # replaced Formgrader's own, whose submission view then failed (HTTP 500)
    c.SafeHTMLExporter.template_name = "resistlab_feedback"
    c.SafeHTMLExporter.template_file = "feedback_page.html.j2"
    c.SafeHTMLExporter.extra_template_basedirs = [
        str(TEMPLATE_DIR),
        str(Path(_nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"),
    ]
