"""nbgrader's own feedback (``nbgrader generate_feedback``, Formgrader's *Generate Feedback*
button) made as safe as ``resistlab feedback``.

The course's ``nbgrader_config.py`` registers these preprocessors in
``GenerateFeedback.preprocessors``, after nbgrader's ``GetGrades``:

``RedactHiddenTests``
    removes every hidden-test region, reduces each test cell's output to ``passed`` or its
    coaching message, cuts tracebacks that quote a hidden line, adds the score table, and
    refuses the page (the command fails) if any hidden line is still in it; and makes what
    the student wrote or displayed inert and bounded (sanitised markdown and HTML, numeric
    image sizes, bounded text); the same code as ``resistlab feedback``
    (:func:`resistlab.course.grading.feedback.redact_notebook`,
    :func:`~resistlab.course.grading.feedback.make_inert`).
``MakeInert`` (on every ``HTMLExporter`` but the feedback pages' own, which
``RedactHiddenTests`` already makes inert)
    the same inert markup on Formgrader's submission view.
``RenderMathOffline``
    renders ``$...$`` and ``$$...$$`` in Markdown cells to MathML, so the page shows the maths
    without loading MathJax from a CDN (the course's feedback template loads no script). The
    MathML is rebuilt from an allowlist (MathML elements and layout attributes; any other
    element becomes its escaped text, ``href``, ``style`` and event attributes are dropped),
    and a page converts at most :data:`MAX_PAGE_MATH_CHARS` characters of TeX, each formula at
    most :data:`MAX_FORMULA_CHARS`: past either, the TeX is left as written (text).

Limits: the hidden lines are those of the source notebook recorded in the gradebook; the
check looks for whole lines of 12 characters or more (see
:func:`resistlab.course.grading.feedback.hidden_lines`).
"""

from __future__ import annotations

import copy
import functools
import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

__all__ = [
    "MAX_FORMULA_CHARS",
    "MAX_PAGE_ATTACHMENT_CHARS",
    "MAX_PAGE_MATH_CHARS",
    "TEMPLATE_DIR",
    "MakeInert",
    "RedactHiddenTests",
    "RenderMathOffline",
    "SafeHTMLExporter",
    "clean_output_html",
    "inert_markdown2html",
    "latex_to_mathml",
    "safe_urls",
]

#: The folder holding the ``resistlab_feedback`` nbconvert template.
TEMPLATE_DIR = Path(__file__).parent / "templates"

_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\$)")
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)

#: Longest formula converted to MathML (characters of TeX; the course's longest is about 200).
MAX_FORMULA_CHARS = 4096
#: Most TeX one page converts (characters; a course notebook holds about 1,100). A megabyte
#: of student maths had cost 50 s and 1.5 GB to render.
MAX_PAGE_MATH_CHARS = 16 * 1024

#: Characters of markdown attachments a page inlines (base64 data URLs; each reference to an
#: attachment writes all of it: 800 references to one 1 MB image had made a 1.07 GB page,
#: 6.4 GB of memory and 110 s). A cell past what is left of it shows no attachment.
MAX_PAGE_ATTACHMENT_CHARS = 16 * 2**20
ATTACHMENTS_NOT_SHOWN = (
    "(This cell's images are not shown: the page holds at most 16 MiB of attached images.)"
)

_MATHML = "http://www.w3.org/1998/Math/MathML"
_MATHML_TAGS = frozenset(
    "math mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mstyle merror "
    "mpadded mphantom menclose mover munder munderover mtable mtr mtd mlabeledtr "
    "mmultiscripts mprescripts none semantics annotation mfenced".split()
)
_MATHML_ATTRIBUTES = frozenset(
    "display displaystyle scriptlevel mathvariant mathsize stretchy fence separator "
    "separators lspace rspace accent accentunder movablelimits largeop symmetric form "
    "minsize maxsize open close columnalign columnlines columnspacing columnspan rowalign "
    "rowlines rowspacing rowspan frame framespacing equalrows equalcolumns align width "
    "height depth voffset linethickness notation encoding".split()
)


def _allowed(element: ET.Element) -> ET.Element:
    """A copy of ``element`` with MathML elements and layout attributes only: any other
    element becomes its text, every other attribute (``href``, ``style``, events) is dropped."""
    tag = element.tag.rpartition("}")[2]
    out = ET.Element(tag, {k: v for k, v in element.attrib.items() if k in _MATHML_ATTRIBUTES})
    out.text = element.text
    for child in element:
        if child.tag.rpartition("}")[2] in _MATHML_TAGS:
            out.append(_allowed(child))
            out[-1].tail = child.tail
        else:  # HTML the converter copied from \text or \mbox: keep it as text
            words = "".join(child.itertext()) + (child.tail or "")
            if len(out):
                out[-1].tail = (out[-1].tail or "") + words
            else:
                out.text = (out.text or "") + words
    return out


_ALIGNED = re.compile(r"\\(begin|end)\{aligned\}")


def _escaped(tex: str) -> str:
    return f"<code>{html.escape(tex)}</code>"


def latex_to_mathml(tex: str, *, display: bool = False) -> str:
    """MathML for the LaTeX ``tex``, rebuilt from an allowlist; the escaped source if it is
    longer than :data:`MAX_FORMULA_CHARS` or cannot be converted.

    Examples
    --------
    >>> latex_to_mathml(r"\\frac{a}{b}").startswith("<math")
    True
    >>> "<script" in latex_to_mathml(r"\\mbox{<script>alert(1)</script>}")
    False
    >>> "<mtable" in latex_to_mathml(r"\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}")
    True
    """
    from latex2mathml.converter import convert

    if len(tex) > MAX_FORMULA_CHARS:
        return _escaped(tex)
    # latex2mathml lays out split but not aligned (it leaves each & as a bare <mi>&</mi>,
    # markup that is not XML); both align alternate columns right and left.
    source = _ALIGNED.sub(r"\\\1{split}", tex.strip())
    try:
        markup = convert(source, display="block" if display else "inline")
        root = ET.fromstring(markup)
    except Exception:  # an unsupported command, or markup that is not XML: show the source
        return _escaped(tex)
    if root.tag != f"{{{_MATHML}}}math":
        return _escaped(tex)
    clean = _allowed(root)
    clean.set("xmlns", _MATHML)
    return ET.tostring(clean, encoding="unicode", short_empty_elements=False)


def render_math(markdown: str, budget: list[int] | None = None) -> str:
    """Replace ``$$...$$`` and ``$...$`` outside code spans by MathML.

    ``budget`` (a one-item list, shared by the cells of a page) is the TeX still to convert;
    a formula past it, or longer than :data:`MAX_FORMULA_CHARS`, is left as written (text).

    Examples
    --------
    >>> "<math" in render_math("the rate $\\\\mu$ per division")
    True
    >>> render_math("costs `$5` and $5")
    'costs `$5` and $5'
    >>> render_math("$a$ and $b$", budget=[1]).endswith("</math> and $b$")
    True
    """
    budget = [MAX_PAGE_MATH_CHARS] if budget is None else budget

    def convert(match, display):
        tex = match.group(1)
        if len(tex) > MAX_FORMULA_CHARS:
            return match.group(0)
        if len(tex) > budget[0]:
            budget[0] = 0
            return match.group(0)
        budget[0] -= len(tex)
        return latex_to_mathml(tex, display=display)

    parts = _CODE.split(markdown)
    for i in range(0, len(parts), 2):  # even parts are outside code
        text = _DISPLAY.sub(lambda m: convert(m, True), parts[i])
        parts[i] = _INLINE.sub(lambda m: convert(m, False), text)
    return "".join(parts)


_URL_ATTRIBUTES = frozenset(
    "href src xlink:href action formaction poster background cite srcset data ping".split()
)
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)


#: Class names a student's markup keeps: syntax highlighting (Pygments' short token names,
#: ``highlight``, ``hl-*``, ``language-*``), heading anchors, Jupyter's alert boxes and
#: pandas' tables. Any other (Bootstrap's ``navbar-fixed-top``, ``dropdown-backdrop``, ...)
#: had let a student lay a forged score over the whole page.
_CLASS = re.compile(
    r"[a-z]{1,3}[0-9]?|highlight|hl-[\w-]+|language-[\w-]+|anchor-link|dataframe"
    r"|alert(?:-(?:block|info|warning|danger|success))?"
)


def _kept(tag: str, attribute: str, value: str | None, ids: bool = True) -> str | None:
    """The value an attribute keeps (None: the attribute is removed): a URL only where
    :func:`_safe_url` allows it, a ``class`` only its allowed names (:data:`_CLASS`)."""
    if attribute == "id" and not ids:
        return None
    if attribute == "class":
        names = [n for n in (value or "").split() if _CLASS.fullmatch(n)]
        return " ".join(names) if names else None
    return value if _safe_url(tag, attribute, value) else None


class _Misplaced(Exception):
    """A tag to edit was not found where the parser said it was."""


def _safe_url(tag: str, attribute: str, value: str | None) -> bool:
    """Whether an attribute may stay: not a URL; a link (``href``) that cannot run script
    (relative, a fragment, http(s), mailto); or, as a source, only a raster image's data URL
    on an ``<img>`` (the page loads nothing, from the network or from the server showing it).
    """
    if attribute not in _URL_ATTRIBUTES:
        return True
    url = re.sub(r"[\x00-\x20\x7f]", "", value or "")  # browsers drop them in a scheme
    if attribute == "src":
        return tag == "img" and _IMAGE_DATA.match(url) is not None
    if attribute != "href":
        return False
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in ("http", "https", "mailto")


def safe_urls(markup: str, ids: bool = True) -> str:
    """``markup`` with every URL attribute that could run script or load something removed
    (a link other than relative, a fragment, http(s) or mailto; a source other than a raster
    image's data URL on an ``<img>``), however it is written, and every class name but
    those of highlighting, anchors, alerts and tables (:data:`_CLASS`); with ``ids=False``
    every ``id`` too (a student's element with a grade's id had taken that grade's score box
    in Formgrader: scores typed there were not saved).

    Examples
    --------
    >>> safe_urls('<a href="jav&#x61;script:alert(1)">x</a> <a href="#t">t</a>')
    '<a>x</a> <a href="#t">t</a>'
    >>> safe_urls('<img alt="beacon" src="https://example.org/p.png">')
    '<img alt="beacon">'
    >>> safe_urls('<div class="navbar-fixed-top alert alert-info">Score: 12 / 12</div>')
    '<div class="alert alert-info">Score: 12 / 12</div>'
    """
    from html.parser import HTMLParser

    # HTMLParser counts lines at "\n" only (str.splitlines also breaks at "\u2028", "\x85",
    # "\r" and others: one of them had moved every later edit off its tag)
    starts = [0, *(m.end() for m in re.finditer("\n", markup))]
    edits: list[tuple[int, int, str]] = []

    class Tags(HTMLParser):
        def _tag(self, tag, attrs, closed):
            values = [(k, v, _kept(tag, k, v, ids)) for k, v in attrs]
            if all(v == new for _, v, new in values):
                return
            text = self.get_starttag_text() or ""
            line, column = self.getpos()
            begin = starts[line - 1] + column
            kept = "".join(
                f" {k}" if v is None else f' {k}="{html.escape(new)}"'
                for k, v, new in values
                if v is None or new is not None
            )
            edits.append((begin, begin + len(text), f"<{tag}{kept}{' /' if closed else ''}>"))
            if not text or markup[begin : begin + len(text)] != text:
                raise _Misplaced

        def handle_starttag(self, tag, attrs):
            self._tag(tag, attrs, False)

        def handle_startendtag(self, tag, attrs):
            self._tag(tag, attrs, True)

    parser = Tags(convert_charrefs=True)
    try:
        parser.feed(markup)
        parser.close()
    except _Misplaced:  # never leave a tag unedited: the whole markup as text instead
        return html.escape(markup)
    pieces, at = [], 0  # joined once: splicing each edit into the string had copied it
    for begin, end, text in edits:  # once per edit (0.9 s for 19,000 edits of 1 MB)
        pieces += [markup[at:begin], text]
        at = end
    return "".join([*pieces, markup[at:]])


#: Tags displayed HTML and Markdown keep (nbconvert's sanitiser's, and those of headings,
#: paragraphs, whole tables and images): nbconvert's own list escaped pandas' ``<thead>`` and
#: rendered Markdown's ``<h1>`` and ``<p>``, so honest displays showed their tags as text.
_OUTPUT_TAGS = frozenset(
    "a abbr acronym b blockquote code em i li ol strong ul div pre span table tr td "
    "h1 h2 h3 h4 h5 h6 p br hr thead tbody tfoot th caption img sup sub del s dl dt dd kbd".split()
)
_OUTPUT_ATTRIBUTES = {
    "*": ["class"],
    "a": ["href", "title"],
    "abbr": ["title"],
    "acronym": ["title"],
    "img": ["src", "alt", "title"],
    "th": ["colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
    "table": ["border"],
}
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)


def clean_output_html(markup) -> str:
    """The ``clean_html`` filter of every page made of a submission under the course's
    configuration: nbconvert's sanitiser (bleach; script, handlers and ``style`` removed,
    other tags escaped) with the tags of :data:`_OUTPUT_TAGS`, then :func:`safe_urls`
    without ids; a ``<style>`` block (pandas writes one) is left out rather than shown.

    Examples
    --------
    >>> clean_output_html('<style>th {}</style><table><thead><tr><th>a</th></tr></thead></table>')
    '<table><thead><tr><th>a</th></tr></thead></table>'
    >>> clean_output_html('<h1 id="x" onclick="f()">T</h1><img src=x onerror=f()>')
    '<h1>T</h1><img>'
    """
    import bleach

    markup = markup.decode() if isinstance(markup, bytes) else str(markup)
    cleaned = bleach.clean(
        _STYLE_BLOCK.sub("", markup),
        tags=_OUTPUT_TAGS,
        attributes=_OUTPUT_ATTRIBUTES,
        protocols=["http", "https", "mailto", "data"],
    )
    return safe_urls(cleaned, ids=False)


#: Longest line of code a page highlights (code cells and fenced code in markdown): Pygments'
#: lexers take time with the square of a line (the IPython lexer on ``a.a.a...``: 64,000
#: characters took 97 s of CPU in Formgrader's view, which answered nothing else meanwhile;
#: the Python lexer, 19 ms a line of 1,000). A longer line's code is shown plain.
MAX_HIGHLIGHT_LINE = 400
#: Longest run of whitespace, across lines, in code a page highlights: Pygments' Python lexer
#: takes time with the square of one (24,000 characters of ``"\n \t"`` took 15 s, the IPython
#: lexer 20,000 blank lines 103 s). Code with a longer run is shown plain.
MAX_HIGHLIGHT_SPACE = 100
_SPACE_RUN = re.compile(rf"\s{{{MAX_HIGHLIGHT_SPACE + 1},}}")
#: Most characters of code cells one page highlights; the cells past it are shown plain.
MAX_PAGE_HIGHLIGHT_CHARS = 128 * 1024
#: Most tokens of code cells one page highlights, and of fenced code in its markdown (each
#: counted apart); past it, code is shown plain. Each token is an element of the page, and
#: nbconvert parses the whole page again when it is rendered: 100,000 tokens of a fence took
#: 23 s. Counted by :func:`code_tokens`.
MAX_PAGE_HIGHLIGHT_TOKENS = 20_000
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[ \t\n\r\f\v]+|[^ \t\n\r\f\v]", re.ASCII)
#: The languages a fence in markdown may name for highlighting (nbconvert takes any of
#: Pygments' 600: ``easytrieve`` on 3,200 tabs took 121 s of CPU); any other fence is plain.
FENCE_LEXERS = frozenset({"python", "py", "python3", "py3", "ipython", "ipython3", "pycon"})
#: The lexer of every highlighted code cell and Python fence: Pygments' own. IPython's lexer
#: tries its cell-magic rules (``\s*%%capture`` and others) at every token, so it takes time
#: with the square of a run of whitespace across lines (20,000 blank lines took 103 s of
#: Formgrader's CPU); and nbconvert lexes a cell in whatever language its metadata's
#: ``magics_language`` names (``easytrieve`` on four lines of 900 tabs took 168 s).
CODE_LEXER = "python3"
#: A code cell's metadata key set by :func:`~.feedback.make_inert` on a cell past the page's
#: highlighting allowance (set or removed on every code cell: a student cannot choose it).
PLAIN_CODE = "resistlab_plain_code"


def highlightable(code: str) -> bool:
    """Whether ``code`` has no line longer than :data:`MAX_HIGHLIGHT_LINE` and no run of
    whitespace longer than :data:`MAX_HIGHLIGHT_SPACE`.

    Examples
    --------
    >>> highlightable("dose_uM = 1.0"), highlightable("a." * 1000), highlightable(" " * 200)
    (True, False, False)
    """
    return not _SPACE_RUN.search(code) and all(
        len(line) <= MAX_HIGHLIGHT_LINE for line in code.split("\n")
    )


def code_tokens(code: str) -> int:
    """The tokens of ``code`` as :data:`MAX_PAGE_HIGHLIGHT_TOKENS` counts them: ASCII names
    (a letter or ``_``, then letters, digits and ``_``), runs of ASCII digits, runs of ASCII
    whitespace and every other character alone. Pygments' Python lexer never writes more
    elements than this counts (checked on 20,000 random strings of names, digits,
    punctuation, quotes and non-ASCII letters, numerals and spaces). Each non-ASCII
    character counts alone because the lexer may make it one: ``²`` is a word character to
    regular expressions but no part of a name, and ``a²a²...`` had counted as one token and
    become one element a character.

    Examples
    --------
    >>> code_tokens("dose_uM = 1.0"), code_tokens("a²a²")
    (7, 4)
    """
    return sum(1 for _ in _TOKEN.finditer(code))


class BoundedHighlight(Highlight2HTML):
    """nbconvert's code-cell highlighter, lexing with :data:`CODE_LEXER` whatever the cell's
    metadata or the kernel name, and showing plain (escaped, unlexed) a cell that is not
    :func:`highlightable` or is marked :data:`PLAIN_CODE`."""

    def __call__(self, source, language=None, metadata=None):
        if (isinstance(metadata, dict) and metadata.get(PLAIN_CODE)) or not highlightable(source):
            lexer = html.escape(str(language or self.pygments_lexer))
            return f'<div class=" highlight hl-{lexer}"><pre>{html.escape(source)}\n</pre></div>'
        return super().__call__(source, CODE_LEXER, None)


class _BoundedRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, highlighting fenced code only in the languages of
    :data:`FENCE_LEXERS` (IPython's with :data:`CODE_LEXER`), only :func:`highlightable`
    code, and only while the page's fences have tokens left (``tokens_left``, a one-item list
    shared by the renderers of one page)."""

    def __init__(self, *args, tokens_left: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.tokens_left = tokens_left

    def block_code(self, code: str, info: str | None = None) -> str:
        words = info.split(maxsplit=1) if isinstance(info, str) else []
        language = words[0].lower() if words else ""
        tokens = code_tokens(code) if language in FENCE_LEXERS and highlightable(code) else None
        if tokens is not None and tokens <= self.tokens_left[0]:
            self.tokens_left[0] -= tokens
            info = "pycon" if language == "pycon" else CODE_LEXER
        else:
            info = None
        return super().block_code(code, info=info)


def _markdown2html(exporter: HTMLExporter, context, source) -> str:
    """``HTMLExporter.markdown2html`` with :class:`_BoundedRenderer` (the page's fences
    share the allowance kept in its ``resources``)."""
    cell = context.get("cell", {})
    resources = context.get("resources")
    resources = resources if isinstance(resources, dict) else {}
    renderer = _BoundedRenderer(
        tokens_left=resources.setdefault(_FENCE_TOKENS_LEFT, [MAX_PAGE_HIGHLIGHT_TOKENS]),
        escape=False,
        attachments=cell.get("attachments", {}),
        embed_images=exporter.embed_images,
        path=context.get("resources", {}).get("metadata", {}).get("path", ""),
        anchor_link_text=exporter.anchor_link_text,
        exclude_anchor_links=exporter.exclude_anchor_links,
        **exporter.lexer_options,
    )
    return MarkdownWithMath(renderer=renderer).render(source)


class SafeHTMLExporter(HTMLExporter):
    """nbconvert's ``HTMLExporter`` whose markdown is rendered by :func:`inert_markdown2html`:
    a markdown link ``[x](javascript:...)`` or image ``![x](javascript:...)`` becomes inert
    on the page (nbconvert sanitises only a markdown cell's raw HTML). Both feedback commands
    use it (``GenerateFeedback.exporter_class`` in the course's ``nbgrader_config.py``)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = dict(resources or {})
        resources.pop(_ATTACHMENTS_LEFT, None)  # each page its own allowances
        resources.pop(_FENCE_TOKENS_LEFT, None)
        from .feedback import safe_language_info

        nb = copy.copy(nb)  # the lexer is read before the preprocessors run; nbconvert copies
        nb.metadata = copy.deepcopy(nb.get("metadata", {}))  # the cells itself
        safe_language_info(nb)
        if "highlight_code" not in self.filters:  # else HTMLExporter builds nbconvert's own
            self.filters = {
                **self.filters,
                "highlight_code": BoundedHighlight(pygments_lexer="ipython3", parent=self),
            }
        return super().from_notebook_node(nb, resources, **kw)

    @pass_context
    def markdown2html(self, context, source):
        return _inert_markdown(self, context, source)

    def default_filters(self):
        yield from super().default_filters()
        yield ("clean_html", clean_output_html)


#: The key, in a page's ``resources``, of the attachment characters it may still inline.
_ATTACHMENTS_LEFT = "resistlab_attachments_left"
#: The key, in a page's ``resources``, of the fenced-code tokens it may still highlight.
_FENCE_TOKENS_LEFT = "resistlab_fence_tokens_left"


@pass_context
def inert_markdown2html(context, source):
    """nbconvert's ``markdown2html`` filter, then :func:`safe_urls`, with a page's
    attachments inlined up to :data:`MAX_PAGE_ATTACHMENT_CHARS`; the course's
    ``nbgrader_config.py`` sets it as every ``HTMLExporter``'s filter, so Formgrader's
    submission view (its own template, on the instructor's Jupyter origin) renders a
    student's markdown link as the feedback pages do (a ``javascript:`` link had stayed
    live there)."""
    return _inert_markdown(_plain_exporter(), context, source)


@functools.cache
def _plain_exporter() -> HTMLExporter:
    return HTMLExporter()


def _inert_markdown(exporter: HTMLExporter, context, source) -> str:
    resources = context.get("resources")
    resources = resources if isinstance(resources, dict) else {}
    left = resources.setdefault(_ATTACHMENTS_LEFT, [MAX_PAGE_ATTACHMENT_CHARS])
    cell = context.get("cell") or {}
    attachments = _Attachments(cell.get("attachments"), left)
    inner = {"cell": {"attachments": attachments}, "resources": resources}
    # ids stay only in the instructor's own locked markdown cells: this filter renders the
    # markdown a code cell displayed too, and a locked code cell (a check or a test cell,
    # which calls the student's function) had kept the id of a <span> the student's code
    # displayed: it took a grade's score box in Formgrader
    locked = ((cell.get("metadata") or {}).get("nbgrader") or {}).get("locked")
    instructors = cell.get("cell_type") == "markdown" and locked is True
    markup = safe_urls(_markdown2html(exporter, inner, source), ids=instructors)
    if attachments.withheld:
        markup += f"\n<p><em>{ATTACHMENTS_NOT_SHOWN}</em></p>\n"
    return markup


class _Attachments:
    """A markdown cell's attachments as nbconvert's renderer reads them, one image per use:
    a raster image's base64 data while the page's :data:`MAX_PAGE_ATTACHMENT_CHARS` last,
    else an empty image (a missing attachment, or one with no raster image, had stopped the
    whole page)."""

    _RASTER = ("image/png", "image/jpeg", "image/gif", "image/webp")
    _BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")

    def __init__(self, attachments, left: list[int]):
        self._attachments = attachments if isinstance(attachments, dict) else {}
        self._left = left  # the page's allowance, shared by its cells
        self.withheld = 0

    def __contains__(self, name) -> bool:
        return True

    def __getitem__(self, name) -> dict[str, str]:
        bundle = self._attachments.get(name)
        for mime in self._RASTER if isinstance(bundle, dict) else ():
            data = bundle.get(mime)
            if isinstance(data, str) and self._BASE64.fullmatch(data):
                if len(data) <= self._left[0]:
                    self._left[0] -= len(data)
                    return {mime: data}
                self.withheld += 1
                break
        return {"image/png": ""}


class RenderMathOffline(Preprocessor):
    """Render the maths of every Markdown cell to MathML (no MathJax, no network)."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        budget = [MAX_PAGE_MATH_CHARS]
        for cell in nb.cells:
            if cell.cell_type == "markdown" and "$" in cell.source:
                cell.source = render_math(cell.source, budget)
        return nb, resources


class MakeInert(Preprocessor):
    """Make what a student wrote or displayed inert and bounded, as on the feedback pages
    (:func:`~resistlab.course.grading.feedback.make_inert`), on any other page nbconvert's
    ``HTMLExporter`` makes of a submission under the course's configuration: Formgrader's
    submission view, whose own template rendered a student's markdown unsanitised on the
    instructor's Jupyter origin (an ``<img onerror>`` wrote a file through the Jupyter API)."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        from .feedback import make_inert

        make_inert(nb)
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
            make_inert,
            redact_notebook,
        )

        info = resources["nbgrader"]
        course_id = self.config.CourseDirectory.get("course_id", "") or "default_course"
        with Gradebook(info["db_url"], course_id) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            hidden = hidden_lines(cell.source for cell in notebook.source_cells)
        rows = redact_notebook(nb, hidden)
        make_inert(nb)
        if "score" in info:  # GetGrades ran first
            nb.cells.insert(0, _summary_cell(info["assignment"], resources, rows))
        leaked = _leaks(nb, hidden)
        if leaked:
            raise FeedbackLeak(
                f"no feedback page for {info['student']} ({info['notebook']}): it would "
                f"show a line of a hidden test: {leaked[0]!r}"
            )
        return nb, resources
