"""Feedback goes through nbgrader's exchange, and nbgrader's own feedback leaks nothing.

The whole cycle in a temporary folder, with nbgrader's exchange: the instructor generates and
releases ``01-fixture``; two students fetch it, answer (one correctly, one with a mistake that
fails a hidden test) and submit; the instructor collects, autogrades, writes the feedback with
``resistlab feedback``, releases it with ``nbgrader release_feedback``; each student fetches
their own page with ``nbgrader fetch_feedback``. A second run of the feedback step uses
nbgrader's ``generate_feedback`` (Formgrader's *Generate Feedback* button) under the course
configuration. No page shows a hidden test or loads anything from the network, and maths is
rendered (MathML).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import nbformat
import pytest
from course.grading.fixture_assignment import (
    NAME,
    WRONG_HILL,
    answer,
    fixture_notebook,
    make_fixture_course,
)
from helpers import autograde, nbgrader_cell

from resistlab.course import cli, nbgrader_env, run_nbgrader

pytestmark = pytest.mark.slow

#: Fragments of the fixture's hidden tests that must never reach a student.
HIDDEN = ["hill(3.0, 1.5, 2.0)", "_doses_fresh", "[1 / 3, 2 / 3]", "float(ic50), 3.0"]
STUDENTS = {"alice": {}, "bob": {"hill": WRONG_HILL, "ic50": "ic50 = 1.0\n"}}


def _student(args, home, user, exchange):
    """Run ``nbgrader ARGS`` as the student ``user`` (their own home, cache and exchange).

    The test runs as one Linux user, so the student id is given explicitly (nbgrader's
    ``--student``, which the exchange honours instead of the login name)."""
    env = nbgrader_env({"USER": user, "LOGNAME": user, "HOME": str(home)})
    cmd = [
        sys.executable, "-m", "nbgrader", *args, "--course=resistlab",
        f"--Exchange.root={exchange}", f"--Exchange.cache={home / 'cache'}",
        f"--CourseDirectory.student_id={user}",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=home, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    base = tmp_path_factory.mktemp("exchange-cycle")
    exchange = base / "exchange"
    exchange.mkdir()
    course = make_fixture_course(base / "course", release=False)
    nb = fixture_notebook()
    nb.cells.insert(
        1,
        nbgrader_cell(
            "markdown",
            "The Hill equation, $E = d^h / (EC_{50}^h + d^h)$, and\n\n$$P_0 = e^{-m}$$\n",
            "maths",
        ),
    )
    nbformat.write(nb, course / "notebooks" / NAME / f"{NAME}.ipynb")
    old = os.environ.get("RESISTLAB_EXCHANGE")
    os.environ["RESISTLAB_EXCHANGE"] = str(exchange)
    try:
        run_nbgrader(["generate_assignment", NAME, "--force"], root=course)
        run_nbgrader(["release_assignment", NAME, "--force"], root=course)
        homes = {}
        for user, mistakes in STUDENTS.items():
            home = base / user
            home.mkdir()
            homes[user] = home
            _student(["fetch_assignment", NAME], home, user, exchange)
            path = home / NAME / f"{NAME}.ipynb"
            submission = answer(nbformat.read(path, as_version=4), **mistakes)
            if user == "bob":  # review 23 #1: written unquoted into the <img> tag
                submission.cells.append(nbformat.v4.new_code_cell(IMAGE_WITH_HANDLER))
                submission.cells.append(nbformat.v4.new_markdown_cell(MATHS_WITH_SCRIPT))
                # review 31 #5: nbgrader's generate_feedback copied a student's own .html
                # beside the page, and release_feedback published every .html there
                for page in ("notes.html", "NOTES.HTML", "page.xhtml", "pic.svg"):
                    (home / NAME / page).write_text(OWN_PAGE)
            nbformat.write(submission, path)
            _student(["submit", NAME], home, user, exchange)
        # one Linux user plays both students: nbgrader's owner check is off (a machine with
        # a user of a student's name would leave that folder out; tests/course/test_exchange.py)
        run_nbgrader(["collect", NAME, "--CollectApp.check_owner=False"], root=course)
        autograde(NAME, "--force", root=course)
        assert cli.main(["--course", str(course), "feedback", NAME]) == 0
        released = run_nbgrader(["release_feedback", NAME], root=course, check=False)
        fetched = {
            user: _student(["fetch_feedback", NAME], home, user, exchange)
            for user, home in homes.items()
        }
        pages = {
            user: sorted((home / NAME / "feedback").rglob("*.html"))
            for user, home in homes.items()
        }
        nbgrader_pages = nbgrader_files = None
        if released.returncode == 0:
            run_nbgrader(["generate_feedback", NAME, "--force"], root=course)
            nbgrader_pages = {
                user: (course / "feedback" / user / NAME / f"{NAME}.html").read_text()
                for user in STUDENTS
            }
            nbgrader_files = {
                user: sorted(p.name for p in (course / "feedback" / user / NAME).iterdir())
                for user in STUDENTS
            }
    finally:
        if old is None:
            os.environ.pop("RESISTLAB_EXCHANGE", None)
        else:
            os.environ["RESISTLAB_EXCHANGE"] = old
    return {
        "course": course,
        "released": released,
        "fetched": fetched,
        "pages": pages,
        "nbgrader_pages": nbgrader_pages,
        "nbgrader_files": nbgrader_files,
    }


OWN_PAGE = "<html><body><script>alert(1)</script><h1>Score: 5 / 5</h1></body></html>"


IMAGE_WITH_HANDLER = (
    "from IPython.display import display\n"
    "display({'image/png': 'iVBORw0KGgo='}, raw=True,\n"
    "        metadata={'image/png': {'width': '1 onerror=alert(1)', 'height': 30}})\n"
)


# review 27 #2: latex2mathml copied \mbox into <mtext> unescaped (a live script on the page
# nbgrader's generate_feedback wrote) and kept \href as an attribute (both commands)
MATHS_WITH_SCRIPT = (
    # review 30 #1, #2: line separators had moved safe_urls' edits off their tags; an image
    # from another host was fetched as the page opened
    "Notes\u2028\u2028\u2028 on resistance ![t](https://tracker.example.org/p.png)\n\n"
    + "Padding of the student's notes, long enough. " * 4
    + "\n\n"
    "See $\\mbox{<script>alert('mtext')</script>}$, $\\href{javascript:alert(2)}{x}$ and "
    "<script>alert('markdown')</script>; review 29 #2: markdown's own links "
    "[q](javascript:alert(3)), ![i](JaVaScRiPt:alert(4)) and [d](data:text/html,<b>5</b>)."
)


def _offline_and_clean(page: str) -> None:
    for script in ("alert('mtext')</script>", "alert('markdown')</script>"):
        assert script not in page, f"{script} reached the page"
    link = re.search(
        r"""<[a-z][^>]*\s(?:href|src)\s*=\s*["']?\s*(?:javascript|data:text):""",
        page,
        re.IGNORECASE,
    )
    assert link is None, f"a javascript: link reached the page: {link.group()[:200]}"
    handler = re.search(r"<[a-z][^>]*\son\w+\s*=", page, re.IGNORECASE)
    assert handler is None, f"an event handler reached the page: {handler.group()[:200]}"
    for fragment in HIDDEN:
        assert fragment not in page, f"hidden test {fragment!r} in a feedback page"
    assert "BEGIN HIDDEN TESTS" not in page
    external = re.findall(r"""(?:src|href)=["'](?:https?:)?//[^"']+""", page)
    assert not external, f"the page loads from the network: {external[:3]}"
    assert "<math" in page, "the maths was not rendered to MathML"
    assert not re.search(r"<img[^>]*tracker", page), "an image from another host"
    head = page[: page.find("</head>")]
    policy = re.search(r"<meta[^>]*Content-Security-Policy[^>]*>", head)
    assert policy and "default-src 'none'" in policy.group(), "no Content-Security-Policy"


def test_resistlab_feedback_writes_what_release_feedback_needs(cycle):
    """resistlab feedback leaves timestamp.txt and submission_secret.txt beside each page."""
    for user in STUDENTS:
        folder = cycle["course"] / "feedback" / user / NAME
        assert (folder / "timestamp.txt").read_text().strip()
        assert (folder / "submission_secret.txt").read_text().strip()


def test_release_and_fetch_feedback_through_the_exchange(cycle):
    """release_feedback succeeds and each student fetches exactly their own page."""
    released = cycle["released"]
    assert released.returncode == 0, released.stderr[-2000:]
    for user, pages in cycle["pages"].items():
        assert len(pages) == 1, f"{user} fetched {pages}"
        page = pages[0].read_text()
        _offline_and_clean(page)
    alice, bob = (cycle["pages"][u][0].read_text() for u in ("alice", "bob"))
    assert "Score: 5 / 5" in alice
    assert "Score: 5 / 5" not in bob and "Score: " in bob
    assert 'height="30"' in bob or "height=30" in bob, "the image is shown"


def test_nbgraders_own_feedback_strips_hidden_tests(cycle):
    """nbgrader generate_feedback (Formgrader's button) under the course configuration shows
    no hidden test, the score table, and no CDN."""
    pages = cycle["nbgrader_pages"]
    assert pages is not None, "release_feedback failed, so this step did not run"
    for page in pages.values():
        _offline_and_clean(page)
    assert "test_hill_values" in pages["bob"] and "failed" in pages["bob"]
    html = {
        user: [n for n in files if n.lower().endswith((".html", ".xhtml", ".svg"))]
        for user, files in cycle["nbgrader_files"].items()
    }
    assert html == {user: [f"{NAME}.html"] for user in STUDENTS}, (
        f"pages beside the feedback: {html}"
    )
    assert 'height="30"' in pages["bob"] or "height=30" in pages["bob"], "the image is shown"
