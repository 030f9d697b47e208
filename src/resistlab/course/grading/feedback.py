"""``resistlab feedback``: per-student HTML that explains the score without leaking the tests.

nbgrader's ``generate_feedback`` renders the autograded notebook, hidden tests included, and
their tracebacks show the failing hidden line (nbgrader issue #917). This module renders the
same page with nbgrader's own feedback template and ``GetGrades`` scores, after:

1. removing every hidden-test region (nbgrader's ``ClearHiddenTests``);
2. replacing every output of a test cell by one line: ``passed``, or the exception's name and,
   for an ``AssertionError`` or ``NameError``, the first line of its message, which for the
   course's tests is the coaching message of the failed ``assert`` (a failing
   ``numpy.testing`` comparison, whose message quotes the expected values, is reduced to its
   exception name; any other exception is reduced to its name, because its message may be
   text the student's code produced);
3. cutting the traceback of any other cell whose traceback quotes a hidden line;
4. adding a table at the top: total score, late penalty, and each test's points, result and
   message;
5. checking the result: if any line of a hidden test still appears anywhere in the notebook
   (sources or outputs), the page is not written and the command fails.

What a student wrote or displayed as HTML is sanitised (nbconvert's ``clean_html``), whose
time grows with the square of the nesting depth (30,000 nested ``<div>`` took 51 s) and
whose memory grows with the size (a 40 MiB markdown cell took 2.8 GB): HTML larger than
:data:`MAX_HTML_BYTES` or nested past :data:`MAX_HTML_DEPTH` is replaced by a note, and a
page that takes longer than :data:`PAGE_SECONDS` to render is not written (named in the
command's error, like a page that cannot be rendered, and an earlier run's page of that
notebook is removed), so no student's page holds up the others' for long. Text outputs are
cut to :data:`MAX_OUTPUT_TEXT` each and :data:`MAX_PAGE_TEXT` a page, and terminal colour
codes past :data:`MAX_ANSI_TEXT` are dropped.

Pages go to ``feedback/STUDENT/ASSIGNMENT/NOTEBOOK.html``, where ``nbgrader
release_feedback`` expects them, beside the submission's ``timestamp.txt`` and (for a
submission through nbgrader's exchange) ``submission_secret.txt``, which ``release_feedback``
reads. Maths is rendered to MathML and the page loads nothing from the network
(:mod:`resistlab.course.grading.nbgrader_feedback`).
"""

from __future__ import annotations

import ast
import contextlib
import glob
import html
import itertools
import os
import re
import signal
import string
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from resistlab.course import Course, CourseError

from .report import safe

__all__ = ["FeedbackLeak", "generate_feedback", "hidden_lines", "html_depth", "redact_notebook"]

_BEGIN, _END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
_QUOTES_VALUES = ("Not equal to tolerance", "Arrays are not", "ACTUAL:", "DESIRED:", "Mismatched")
#: Errors of a test cell whose message is shown: the test's own ``assert`` (its coaching
#: message), a missing name, and the grader's own notes. Any other exception may come from the
#: student's code, whose message is the student's text (it could carry the test's inputs).
_KEPT_ERRORS = (
    "AssertionError",
    "CellTimeoutError",
    "DeadKernelError",
    "KernelDied",
    "NameError",
)


class FeedbackLeak(CourseError):
    """A feedback page would have shown a line of a hidden test."""


#: Deepest HTML nesting of a student's markdown or displayed HTML that a page shows: deeper is
#: replaced by a note (sanitising takes time with the square of the depth).
MAX_HTML_DEPTH = 100
#: Most seconds one page may take to render (on the main thread; elsewhere unbounded).
PAGE_SECONDS = 120
#: Largest markdown cell or displayed HTML of a student's that a page shows: sanitising takes
#: about 250 MB of memory per MiB of HTML (a 40 MiB markdown cell took 2.8 GB); larger is
#: replaced by a note.
MAX_HTML_BYTES = 2**20
#: Most of a student's markdown and displayed HTML one page shows, all cells together; past
#: it, by a note (1 MB of ``*a* `` took 15 s and 700 MB to render, 60 cells of it held the
#: feedback command for the whole page budget and 938 MB, and the page was never written).
MAX_PAGE_HTML = 2**20
#: Most markup characters of a student's markdown and displayed HTML on one page, all cells
#: together: ``<`` in HTML, and in markdown every ASCII punctuation character and line break
#: (each may open an element); past it, by a note. Sanitising takes time with the square of
#: the count of unterminated tags (1 MB of ``<a `` had held the feedback command for its
#: whole page budget; 20,000 of them take 1.8 s, and 40,000 honest tags 1.3 s); markdown
#: makes elements without a ``<`` (400 KB of ``# a`` headings took 50 s), and unmatched
#: ``![`` take time with the square of their count (10,000 took 5.4 s, 20,000 took 18 s).
MAX_PAGE_MARKUP = 20_000
_MARKDOWN_MARKUP = string.punctuation + "\n\r"
#: Most characters that searches for a closing ``>``, ``]``, ``\)`` or ``\end`` may pass over
#: on one page: each ``<`` of a student's HTML or markdown, and each ``[``, ``\(`` and
#: ``\begin`` of markdown, counts the length of its text, all cells together; past it, by a
#: note (review 60: 6,600 ``\begin{}`` with no ``\end`` took 37 s of CPU a view). An unterminated
#: one is searched for through the rest of its text: 4,000 ``<a `` among 212 KB of displayed
#: HTML took 10 s to sanitise, and 4,000 ``[](`` among 212 KB of markdown 11 s to render
#: (both four times the time of half as many in half the text); this bound is about 1 s.
MAX_PAGE_SCAN = 2**26
#: Most characters of one text output (a stream, ``text/plain``, a traceback) a page shows,
#: and of all of them together; the rest is replaced by a note (30 MB of output, under the
#: grader's caps, made an 80 MB page).
MAX_OUTPUT_TEXT = 2**20
MAX_PAGE_TEXT = 4 * 2**20
#: Most characters of one code cell's source a page shows, and of all of them together; the
#: rest is replaced by a note (review 56: 50 MB of comments in one cell, under the notebook's
#: bounds, made a 110 MB page in 78 s and 2.5 GB, and Formgrader's view took as much at each
#: opening).
MAX_CODE_TEXT = 2**20
MAX_PAGE_CODE = 4 * 2**20
#: Most outputs one cell, and one page, shows; the rest of a cell's are replaced by a note.
#: Each output costs its page about 1.5 ms to render whatever its size: 99,000 one-line
#: outputs, alternating stdout and stderr (so not merged), took 142 s and 1 GB.
MAX_CELL_OUTPUTS, MAX_PAGE_OUTPUTS = 200, 2_000
#: Most characters of text with terminal colour codes a page renders in colour: past it the
#: codes are dropped (nbconvert turned 4 MiB of them into spans in 246 s and 1.3 GB; 30 MB
#: of them took 3.7 GB and no page was written).
MAX_ANSI_TEXT = 256 * 2**10
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_TOO_DEEP = (
    f"(HTML larger than {MAX_HTML_BYTES // 2**20} MiB, nested more than {MAX_HTML_DEPTH} "
    f"levels deep, or past {MAX_PAGE_HTML // 2**20} MiB, {MAX_PAGE_MARKUP:,} markup "
    f"characters or {MAX_PAGE_SCAN:,} characters searched for a closing bracket on this "
    "page: not shown.)"
)


def html_depth(text: str, limit: int | None = None) -> int:
    """How deeply the tags of ``text`` nest (an unclosed tag counts as open; void elements
    and self-closing tags do not), counting no further than ``limit``.

    Examples
    --------
    >>> html_depth("<div><p>a<br></p><b>c</b></div>")
    2
    >>> html_depth("<div>" * 500, limit=100)
    101
    """
    depth = deepest = 0
    # a tag ends at the next ">": past the last one no tag ends (searching there for each
    # "<" would take time with the square of the length)
    for match in _TAG.finditer(text, 0, text.rfind(">") + 1):
        closing, name = match.groups()
        if closing:
            depth = max(depth - 1, 0)
        elif not match.group().endswith("/>") and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
            if limit is not None and deepest > limit:
                break
    return deepest


_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)


def _longest_definition(text: str) -> int:
    """Characters of the longest link reference definition in the markdown ``text``: its
    target and title (a title may continue on later lines, up to a blank line), all of
    which each ``[text][ref]`` repeats."""
    starts = [m.start() for m in _LINK_DEFINITION.finditer(text)]
    longest = 0
    for start, following in itertools.pairwise([*starts, len(text)]):
        blank = text.find("\n\n", start, following)
        longest = max(longest, (following if blank < 0 else blank) - start)
    return longest


def _too_costly(text, markdown: bool = False) -> bool:
    """Whether ``text`` is too large (:data:`MAX_HTML_BYTES`) or nested too deeply
    (:data:`MAX_HTML_DEPTH`) to sanitise; for ``markdown``, also whether its link reference
    definitions could expand past :data:`MAX_HTML_BYTES` (each ``[text][ref]`` becomes a link
    holding the whole target and title: 50,000 uses of one 10 KB target made a 500 MB page,
    and 3,000 of a 300 KB title a 900 MB one)."""
    if not isinstance(text, str):
        return False
    if len(text) > MAX_HTML_BYTES or html_depth(text, MAX_HTML_DEPTH) > MAX_HTML_DEPTH:
        return True
    if markdown and text.count("]") * _longest_definition(text) > MAX_HTML_BYTES:
        return True
    return False


def _shallow_html(nb) -> None:
    """Replace a student's markdown or displayed HTML too large or nested too deeply to
    sanitise (:func:`_too_costly`), or past :data:`MAX_PAGE_HTML`, :data:`MAX_PAGE_MARKUP` or
    :data:`MAX_PAGE_SCAN` of it on the page, by a note (the instructor's locked cells are
    left as they are)."""
    shown = marked = scanned = 0

    def costly(text, markdown) -> bool:
        nonlocal shown, marked, scanned
        if not isinstance(text, str):
            return False
        openers = text.count("<")
        if markdown:
            markup = sum(map(text.count, _MARKDOWN_MARKUP))
            openers += text.count("[") + text.count("\\(") + text.count("\\begin")
        else:
            markup = openers
        scan = openers * len(text)
        if (
            _too_costly(text, markdown)
            or shown + len(text) > MAX_PAGE_HTML
            or marked + markup > MAX_PAGE_MARKUP
            or scanned + scan > MAX_PAGE_SCAN
        ):
            return True
        shown, marked, scanned = shown + len(text), marked + markup, scanned + scan
        return False

    for cell in nb.cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.cell_type in ("markdown", "raw") and not meta.get("locked"):
            if costly(cell.source, markdown=cell.cell_type == "markdown"):
                cell.source = f"*{_TOO_DEEP}*"
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data") or {}
            for mime in ("text/html", "text/markdown"):
                if costly(data.get(mime), markdown=mime == "text/markdown"):
                    del data[mime]
                    data.setdefault("text/plain", _TOO_DEEP)


_SIZE = re.compile(r"\d{1,6}(?:\.\d{1,6})?")


def safe_output_metadata(nb) -> None:
    """Drop an output's ``width`` or ``height`` that is not a plain number: nbconvert writes
    them into the ``<img>`` tag unquoted, so ``'1 onerror=alert(1)'`` became an event handler
    on the page (nbgrader's own feedback too); and its ``filenames``, which nbconvert writes
    as the image's source (a student's URL was fetched when Formgrader showed the
    submission). Every other metadata value the page shows is quoted and escaped.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell()
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBO"},
    ...     metadata={"image/png": {"width": "1 onerror=alert(1)", "height": 20}})]
    >>> safe_output_metadata(nbformat.v4.new_notebook(cells=[cell]))
    >>> dict(cell.outputs[0].metadata["image/png"])
    {'height': 20}
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            metadata = output.get("metadata")
            if not isinstance(metadata, dict):
                continue
            # a source nbconvert writes as the image's <img src> (a student's URL, fetched
            # when the page opens): only nbconvert's own extraction sets it
            metadata.pop("filenames", None)
            for holder in [metadata, *(v for v in metadata.values() if isinstance(v, dict))]:
                for key in ("width", "height"):
                    value = holder.get(key)
                    number = isinstance(value, (int, float)) and not isinstance(value, bool)
                    if key in holder and not (
                        number or (isinstance(value, str) and _SIZE.fullmatch(value))
                    ):
                        del holder[key]


def _bounded_outputs(nb) -> None:
    """Keep at most :data:`MAX_CELL_OUTPUTS` outputs of a cell and :data:`MAX_PAGE_OUTPUTS` of
    the page; a cell's outputs past either are replaced by one note."""
    left = MAX_PAGE_OUTPUTS
    for cell in nb.cells:
        outputs = cell.get("outputs") if cell.get("cell_type") == "code" else None
        if not isinstance(outputs, list):
            continue
        kept = max(min(MAX_CELL_OUTPUTS, left), 0)
        if len(outputs) > kept:
            note = (
                f"({len(outputs) - kept:,} more outputs of this cell: not shown; a page shows "
                f"at most {MAX_CELL_OUTPUTS:,} of a cell and {MAX_PAGE_OUTPUTS:,} in all.)\n"
            )
            del outputs[kept:]
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=note))
        left -= len(outputs)


def _bounded_text(nb) -> None:
    """Cut the text outputs of a page to :data:`MAX_OUTPUT_TEXT` each and
    :data:`MAX_PAGE_TEXT` together, with a note, and drop terminal colour codes past
    :data:`MAX_ANSI_TEXT` of coloured text."""
    seen = {"page": 0, "ansi": 0}

    def bound(text):
        if not isinstance(text, str):
            return text
        room = max(min(MAX_OUTPUT_TEXT, MAX_PAGE_TEXT - seen["page"]), 0)
        cut = len(text) - room
        text = text[:room] if cut > 0 else text
        if "\x1b" in text:
            if seen["ansi"] + len(text) > MAX_ANSI_TEXT:
                text = _ANSI.sub("", text).replace("\x1b", "")  # (one cut in two, too)
            else:
                seen["ansi"] += len(text)
        seen["page"] += len(text)
        return text + f"\n({cut:,} characters of output not shown)" if cut > 0 else text

    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if "text" in output:
                output["text"] = bound(output["text"])
            data = output.get("data")
            if isinstance(data, dict) and "text/plain" in data:
                data["text/plain"] = bound(data["text/plain"])
            if isinstance(output.get("traceback"), list):
                output["traceback"] = [bound(line) for line in output["traceback"]]


def _bounded_code(nb) -> None:
    """Cut the source of each code cell of a page to :data:`MAX_CODE_TEXT`, and all of them
    together to :data:`MAX_PAGE_CODE`, with a note (a comment line) in place of the rest."""
    left = MAX_PAGE_CODE
    for cell in nb.cells:
        source = cell.get("source")
        if cell.get("cell_type") != "code" or not isinstance(source, str):
            continue
        room = max(min(MAX_CODE_TEXT, left), 0)
        if len(source) > room:
            cut = len(source) - room
            cell.source = source[:room] + f"\n# ({cut:,} characters of code not shown)"
        left -= min(len(source), room)


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise ``TimeoutError`` in the block after ``seconds``, and every 0.05 s after that
    until it leaves the block (main thread, with SIGALRM)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def expired(signum, frame):
        raise TimeoutError(f"rendering took more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    # again every 0.05 s: an exception raised inside a weakref callback or a __del__ is
    # ignored, and the block must still stop
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def hidden_lines(sources, *, min_length: int = 12) -> set[str]:
    """Distinctive lines found only inside hidden-test regions of ``sources``.

    Examples
    --------
    >>> src = "f(1)\\n### BEGIN HIDDEN TESTS\\nassert f(2) == 4, 'twice'\\n### END HIDDEN TESTS"
    >>> sorted(hidden_lines([src]))
    ["assert f(2) == 4, 'twice'"]
    >>> table = 't = {"cell_count": [1, 2]}\\n### BEGIN HIDDEN TESTS\\n"cell_count": [\\n### END'
    >>> hidden_lines([table])  # part of a visible line: shown anyway
    set()
    """
    hidden, visible = set(), set()
    for source in sources:
        inside = False
        for line in source.splitlines():
            text = line.strip()
            if _BEGIN in text:
                inside = True
            elif _END in text:
                inside = False
            elif inside:
                hidden.add(text)
            else:
                visible.add(text)
    # A hidden line that is part of a visible one (``"cell_count": [`` of a visible table) is
    # shown to the student anyway: it is no secret, and matching it would refuse honest pages.
    shown = "\n".join(visible)
    return {
        line
        for line in hidden - visible
        if len(line) >= min_length and not _is_message(line) and line not in shown
    }


def _is_message(line: str) -> bool:
    """True for a line that is only a string literal: an assert's coaching message, which
    feedback is meant to show."""
    text = line.rstrip(",) ").lstrip("( ")
    try:
        return isinstance(ast.literal_eval(text), str)
    except (ValueError, SyntaxError):
        return False


def _strip_hidden(source: str) -> str:
    out, inside = [], False
    for line in source.split("\n"):
        if _BEGIN in line:
            inside = True
        elif _END in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _message(output) -> str:
    ename = output.get("ename", "Error")
    lines = [ln.strip() for ln in str(output.get("evalue", "")).splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    if any(marker in str(output.get("evalue", "")) for marker in _QUOTES_VALUES):
        first = ""
    return f"{ename}: {first}" if first else ename


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _contains_hidden(text: str, hidden: set[str]) -> bool:
    return any(line in text for line in hidden)


def redact_notebook(nb, hidden: set[str]) -> list[dict]:
    """Redact ``nb`` in place (steps 1-3 of the module doc); return one row per test cell.

    Each row is ``{"test", "score", "points", "passed", "message"}``.
    """
    rows = []
    for cell in nb.cells:
        meta = _meta(cell)
        if _BEGIN in cell.source:
            cell.source = _strip_hidden(cell.source)
        if cell.cell_type != "code":
            continue
        if meta.get("grade") and not meta.get("solution"):
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            stderr = any(
                o.get("output_type") == "stream" and o.get("name") == "stderr"
                for o in cell.outputs
            )
            results = [o for o in cell.outputs if o.get("output_type") == "execute_result"]
            if errors:
                message = _message(errors[-1])
                if errors[-1].get("ename") not in _KEPT_ERRORS:
                    message = errors[-1].get("ename", "Error")
                if _contains_hidden(message, hidden):
                    message = errors[-1].get("ename", "Error")
            elif stderr:
                message = "the test printed to stderr (output not shown), which fails it"
            else:
                message = ""
            new_outputs = (
                [
                    NotebookNode(
                        output_type="error",
                        ename=message.split(":")[0],
                        evalue="",
                        traceback=[message],
                    )
                ]
                if message
                else []
            )
            new_outputs += results  # a partial-credit score
            cell.outputs = new_outputs
            score, points = meta.get("score"), meta.get("points")
            passed = score is not None and points is not None and float(score) >= float(points)
            rows.append(
                {
                    "test": meta.get("grade_id", ""),
                    "score": score,
                    "points": points,
                    "passed": passed and not message,
                    "message": message,
                }
            )
        else:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and _contains_hidden(
                    "\n".join(output.get("traceback", [])), hidden
                ):
                    output["traceback"] = [_message(output)]
    return rows


def _leaks(nb, hidden: set[str]) -> list[str]:
    """Hidden lines found in the instructor's cells or in any output.

    The source of a cell the student wrote is not searched: it shows only their own work
    (which may well contain a line that happens to equal a hidden one). A cell's stream
    chunks are also read joined, per stream: a line printed half at a time arrives as two.
    """
    found = []
    for cell in nb.cells:
        meta = _meta(cell)
        student_wrote = meta.get("solution") or not meta.get("locked", meta.get("grade"))
        texts = [] if student_wrote else [cell.source]
        outputs = cell.get("outputs", [])
        for name in ("stdout", "stderr"):
            texts.append(
                "".join(
                    str(o.get("text", ""))
                    for o in outputs
                    if o.get("output_type") == "stream" and o.get("name") == name
                )
            )
        for output in outputs:
            texts.append(str(output.get("text", "")))
            texts.extend(output.get("traceback", []))
            texts.append(str(output.get("evalue", "")))
            texts.extend(str(v) for v in output.get("data", {}).values())
        for text in texts:
            found += [line for line in hidden if line in text]
    return sorted(set(found))


def _fmt(value) -> str:
    return "–" if value is None else f"{float(value):g}"


#: Every ASCII punctuation character: markdown shows each one preceded by a backslash as
#: itself, never as markup.
_PUNCTUATION = re.compile(r"""([!-/:-@\[-`{-~])""")


def _literal(text: str) -> str:
    r"""``text`` as markdown that shows it as written on one line of a table (a coaching
    message may quote a student's value: an image, bold text or a link there had looked like
    the page's own score).

    Examples
    --------
    >>> _literal("**Score: 16 / 16** [r](https://x.org)")
    '\\*\\*Score\\: 16 \\/ 16\\*\\* \\[r\\]\\(https\\:\\/\\/x\\.org\\)'
    """
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def _summary_cell(assignment: str, resources: dict, rows: list[dict]) -> NotebookNode:
    grades = resources["nbgrader"]
    lines = [
        f"## Feedback on {assignment}",
        "",
        f"**Score: {_fmt(grades.get('score'))} / {_fmt(grades.get('max_score'))}**"
        + (
            f" (late penalty: {_fmt(grades['late_penalty'])})"
            if grades.get("late_penalty")
            else ""
        ),
        "",
        "| test | points | result | message |",
        "|---|---|---|---|",
    ]
    for row in rows:
        result = "passed" if row["passed"] else "failed"
        message = _literal(row["message"]) or "–"
        lines.append(
            f"| `{row['test']}` | {_fmt(row['score'])} / {_fmt(row['points'])} | "
            f"{result} | {message} |"
        )
    return nbformat.v4.new_markdown_cell("\n".join(lines))


@dataclass
class FeedbackPage:
    """One written feedback page."""

    student: str
    path: Path
    score: float
    max_score: float


def make_inert(nb) -> None:
    """Make what a student wrote or displayed safe and bounded on a page: bounded outputs,
    shallow HTML, numeric image sizes, bounded text, sanitised markdown (both feedback
    commands)."""
    _bounded_outputs(nb)
    _shallow_html(nb)
    safe_output_metadata(nb)
    _safe_cell_metadata(nb)
    _bounded_text(nb)
    _bounded_code(nb)
    _sanitise_markdown(nb)
    _safe_html_outputs(nb)
    _bounded_highlighting(nb)


def _bounded_highlighting(nb) -> None:
    """Mark the code cells past the page's highlighting allowance
    (:data:`~.nbgrader_feedback.MAX_PAGE_HIGHLIGHT_CHARS` and
    :data:`~.nbgrader_feedback.MAX_PAGE_HIGHLIGHT_TOKENS`) to be shown plain."""
    from .nbgrader_feedback import (
        MAX_PAGE_HIGHLIGHT_CHARS,
        MAX_PAGE_HIGHLIGHT_TOKENS,
        PLAIN_CODE,
        code_tokens,
        highlightable,
    )

    left, tokens_left = MAX_PAGE_HIGHLIGHT_CHARS, MAX_PAGE_HIGHLIGHT_TOKENS
    for cell in nb.cells:
        metadata = cell.get("metadata")
        if cell.get("cell_type") != "code" or not isinstance(metadata, dict):
            continue
        source = cell.get("source") if isinstance(cell.get("source"), str) else ""
        fits = len(source) <= left and highlightable(source)
        tokens = code_tokens(source) if fits else 0
        if fits and tokens <= tokens_left:
            metadata.pop(PLAIN_CODE, None)
            left, tokens_left = left - len(source), tokens_left - tokens
        else:
            metadata[PLAIN_CODE] = True


#: A cell tag kept on a page: nbconvert writes each as the class ``celltag_TAG``, so a tag
#: with a space in it had put Bootstrap's ``dropdown-backdrop`` on a cell laid over the page.
_CELL_TAG = re.compile(r"[\w-]{1,100}")


def _safe_cell_metadata(nb) -> None:
    """Keep only cell tags that are one class name's worth of letters, digits, ``_`` and
    ``-``, and drop the notebook's widget state (the page template loads the widgets'
    script from a CDN for it), a cell's ``transient`` (``remove_source`` had hidden cells, their
    grading controls and the student's code, from Formgrader's view), and a kernel language's
    name or lexer that is not one class name (nbconvert writes the lexer into every code
    cell's class: a kernel had set it to ``ipython3 dropdown-backdrop``)."""
    for cell in nb.cells:
        metadata = cell.get("metadata")
        if isinstance(metadata, dict):
            metadata.pop("transient", None)
        tags = metadata.get("tags") if isinstance(metadata, dict) else None
        if tags is not None:
            kept = (
                [t for t in tags if isinstance(t, str) and _CELL_TAG.fullmatch(t)]
                if isinstance(tags, list)
                else []
            )
            metadata["tags"] = kept
    if isinstance(nb.get("metadata"), dict):
        nb.metadata.pop("widgets", None)
    safe_language_info(nb)


def safe_language_info(nb) -> None:
    """Drop a kernel language's name or lexer that is not one class name (nbconvert writes
    the lexer into every code cell's class)."""
    info = nb.get("metadata", {}).get("language_info") if isinstance(nb, dict) else None
    if isinstance(info, dict):
        for key in ("name", "pygments_lexer", "codemirror_mode"):
            value = info.get(key)
            value = value.get("name") if isinstance(value, dict) else value
            if key in info and not (isinstance(value, str) and _CELL_TAG.fullmatch(value)):
                del info[key]


def _safe_html_outputs(nb) -> None:
    """Displayed HTML keeps no URL that could run script or load something, and no class
    name but highlighting's, alerts' and tables' (:func:`nbgrader_feedback.safe_urls`: a
    student's ``<div class="navbar-fixed-top">`` had laid a forged score over the page)."""
    from .nbgrader_feedback import safe_urls

    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data") or {}
            if isinstance(data.get("text/html"), str):
                data["text/html"] = safe_urls(data["text/html"], ids=False)


def _sanitise_markdown(nb) -> None:
    """Sanitise the raw HTML of every markdown cell a student could write (nbconvert's
    ``clean_html``: disallowed tags are escaped, event handlers and scripts removed), and
    show every raw cell a student could write as text (nbconvert writes a raw cell's
    source as HTML through ``clean_html``, which keeps every ``class`` and ``id``: a raw
    cell had given Formgrader's grading widgets to the student's own elements, and one
    click of the instructor's gave every test full credit)."""
    from nbconvert.filters import clean_html

    for cell in nb.cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("locked"):
            continue
        if cell.cell_type == "markdown":
            cell.source = clean_html(cell.source)
        elif cell.cell_type == "raw":
            cell.source = html.escape(cell.source)


def _exporter(config):
    import nbgrader
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from traitlets.config import Config

    from .nbgrader_feedback import TEMPLATE_DIR, SafeHTMLExporter

    base = Path(nbgrader.__file__).parent
    c = Config(config)
    c.HTMLExporter.template_name = "resistlab_feedback"
    c.HTMLExporter.template_file = "feedback_page.html.j2"
    c.HTMLExporter.extra_template_basedirs = [
        str(TEMPLATE_DIR),
        str(base / "server_extensions" / "formgrader" / "templates"),
    ]
    c.HTMLExporter.extra_template_paths = [
        str(
            base
            / "server_extensions"
            / "formgrader"
            / "static"
            / "node_modules"
            / "bootstrap"
            / "dist"
            / "css"
        )
    ]
    # HTML that student code printed, or wrote in a markdown cell, is sanitised (nbconvert's
    # own bleach-based filter, as nbviewer uses it): no script, no event handler.
    c.HTMLExporter.sanitize_html = True
    exporter = SafeHTMLExporter(config=c)  # markdown links: no javascript:
    exporter.register_preprocessor(CSSHTMLHeaderPreprocessor, enabled=True)
    return exporter


def _copy_release_files(folder: Path, coursedir, student: str, assignment: str, dest: Path):
    """Put the submission's timestamp and exchange secret beside its feedback page.

    ``nbgrader release_feedback`` reads both (the secret names the released file, so only the
    student who submitted can fetch it). They come from the autograded folder, else from the
    submitted one (not through a linked folder: :func:`~.worker.unreadable_folder`), each a
    plain file of at most 1,000 bytes (:func:`~resistlab.course.exchange.small_file`); a
    submission without a timestamp gets none (it was not collected by nbgrader and its
    feedback is not released through the exchange).
    """
    from resistlab.course.exchange import small_file

    from .worker import unreadable_folder

    submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
    origins = [folder] if unreadable_folder(submitted) else [folder, submitted]
    for name in ("timestamp.txt", "submission_secret.txt"):
        for origin in origins:
            text = small_file(origin / name)
            if text is not None:
                (dest / name).write_bytes(text)
                break


def generate_feedback(
    course: Course, name: str, students=None, *, log=print
) -> list[FeedbackPage]:
    """Write the feedback pages of an assignment's autograded submissions.

    Parameters
    ----------
    course : Course
    name : str
        The assignment.
    students : list of str, optional
        Only these students (default: every autograded submission).
    """
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.coursedir import CourseDirectory

    from .runner import load_course_config

    assignment = course.select([name])[0].name
    config = load_course_config(course.root)
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course.root)
    pattern = coursedir.format_path(coursedir.autograded_directory, "*", assignment)
    folders = {Path(p).parent.name: Path(p) for p in sorted(glob.glob(pattern))}
    if students:
        missing = [s for s in students if s not in folders]
        if missing:
            raise CourseError(
                f"no autograded submission of {assignment} for {safe(', '.join(missing))}; "
                "run `resistlab grade` first."
            )
        folders = {s: folders[s] for s in students}
    if not folders:
        log(f"no autograded submissions of {assignment}; run `resistlab grade {assignment}`.")
        return []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            notebooks = gb.find_assignment(assignment).notebooks
        except MissingEntry as err:
            raise CourseError(f"{assignment} is not in the gradebook.") from err
        hidden = {nb.name: hidden_lines(c.source for c in nb.source_cells) for nb in notebooks}
    exporter = _exporter(config)
    pages, refused, failed, ungraded = [], [], [], []
    for student, folder in folders.items():
        for nb_name, hidden_set in hidden.items():
            path = folder / f"{nb_name}.ipynb"
            if not path.is_file():  # not graded (corrupted_notebook, missing_notebook): an
                # earlier page showed older work, and a score the gradebook no longer has
                _page_path(coursedir, student, assignment, nb_name).unlink(missing_ok=True)
                ungraded.append(safe(f"{student} ({nb_name})"))
                continue
            try:  # one student's notebook never stops the pages of the others
                with _time_limit(PAGE_SECONDS):
                    page = _feedback_page(
                        coursedir,
                        config,
                        exporter,
                        assignment,
                        student,
                        folder,
                        nb_name,
                        hidden_set,
                    )
            except Exception as err:
                why = str(err).splitlines()[0][:160] if str(err) else ""
                failed.append(safe(f"{student} ({nb_name}): {type(err).__name__}: {why}"))
                page = None
            if not isinstance(page, FeedbackPage):  # an earlier run's page shows older work
                _page_path(coursedir, student, assignment, nb_name).unlink(missing_ok=True)
                if isinstance(page, str):
                    refused.append(safe(f"{student} ({nb_name}): {page!r}"))
                continue
            pages.append(page)
            log(  # the student id is the folder name: a student controls it
                safe(
                    f"{student}: {page.path.relative_to(course.root)} "
                    f"({_fmt(page.score)} / {_fmt(page.max_score)})"
                )
            )
    if ungraded:
        log(
            "no page for these submissions, whose notebook was not graded (see their flags in "
            "the grading summary; an earlier page was removed):\n  " + "\n  ".join(ungraded)
        )
    if failed:
        raise CourseError(
            f"{len(pages)} page(s) written; none for these submissions, which could not be "
            "rendered (regrade them, or read their autograded notebooks):\n  "
            + "\n  ".join(failed + [f"{r} (would show a hidden-test line)" for r in refused])
        )
    if refused:
        raise FeedbackLeak(
            "no page was written for these submissions, because it would show a "
            "line of a hidden test:\n  " + "\n  ".join(refused)
        )
    return pages


def _page_path(coursedir, student, assignment, nb_name) -> Path:
    return (
        Path(coursedir.format_path(coursedir.feedback_directory, student, assignment))
        / f"{nb_name}.html"
    )


def _feedback_page(coursedir, config, exporter, assignment, student, folder, nb_name, hidden_set):
    """Write one student's page of one notebook: the :class:`FeedbackPage`, or the first
    hidden-test line the page would have shown (then nothing is written)."""
    from nbgrader.preprocessors import GetGrades

    from .nbgrader_feedback import RenderMathOffline

    path = folder / f"{nb_name}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    resources = {
        "nbgrader": {
            "student": student,
            "assignment": assignment,
            "notebook": nb_name,
            "db_url": coursedir.db_url,
        },
        "metadata": {"path": str(folder)},
        "unique_key": nb_name,
    }
    nb, resources = GetGrades(config=config)(nb, resources)
    rows = redact_notebook(nb, hidden_set)
    make_inert(nb)
    nb.cells.insert(0, _summary_cell(assignment, resources, rows))
    leaked = _leaks(nb, hidden_set)
    if leaked:
        return leaked[0]
    nb, resources = RenderMathOffline()(nb, resources)
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    out = _page_path(coursedir, student, assignment, nb_name)
    dest = out.parent
    dest.mkdir(parents=True, exist_ok=True)
    _copy_release_files(folder, coursedir, student, assignment, dest)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_text(body, encoding="utf-8")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    grades = resources["nbgrader"]
    return FeedbackPage(student, out, float(grades["score"]), float(grades["max_score"]))
