"""The course website (``make site``) in headless chromium.

Every page loads; every internal link leads to a file of the site; every formula is rendered
(MathML, laid out by the browser: no MathJax, no CDN); every image has alt text
that describes it; and no request leaves localhost (each one is checked, and any other is
blocked and reported).
"""

from __future__ import annotations

import functools
import http.server
import threading
from urllib.parse import unquote, urljoin, urlparse

import pytest
from helpers import ROOT

pytestmark = pytest.mark.e2e

SITE = ROOT / "build" / "site" / "html"


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no website at {SITE}: run `make site` (make e2e does)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _pages():
    return sorted(
        str(p.relative_to(SITE))
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).parts[0].startswith("_")
    )


def test_the_site_has_every_part():
    """One page per assignment, the datasheets, the reference, the errata and the course map."""
    pages = set(_pages())
    notebooks = sorted(p.parent.name for p in ROOT.glob("notebooks/[0-9][0-9]-*/*.ipynb"))
    for name in notebooks:
        assert f"assignments/{name}.html" in pages
    for page in ("reference.html", "review-errata.html", "course-map.html",
                 "datasheets/index.html"):  # fmt: skip
        assert page in pages
    assert len([p for p in pages if p.startswith("datasheets/")]) > 3


def test_every_page_loads_offline_with_links_maths_and_alt_text(site, browser):
    pages = _pages()
    assert len(pages) >= 10
    outside, broken, problems, with_maths = [], [], [], 0
    context = browser.new_context()

    def route(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    for name in pages:
        response = page.goto(site + name, wait_until="load")
        if response is None or response.status != 200:
            problems.append(f"{name}: HTTP {response and response.status}")
            continue
        for href in page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.getAttribute('href'))"
        ):
            url = urljoin(site + name, href)
            if not url.startswith(site):
                continue
            target = SITE / unquote(urlparse(url).path[len(urlparse(site).path) :])
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{name} -> {href}")
        if page.query_selector(".math"):
            with_maths += 1
            unrendered = page.eval_on_selector_all(
                ".math", "els => els.filter(e => !e.querySelector('math')).length"
            )
            if unrendered:
                problems.append(f"{name}: {unrendered} formula(s) not rendered to MathML")
            height = page.eval_on_selector("math", "e => e.getBoundingClientRect().height")
            if not height:
                problems.append(f"{name}: the browser does not lay out the MathML")
            if "\\(" in page.inner_text("body") or page.query_selector("merror"):
                problems.append(f"{name}: raw or failed LaTeX on the page")
        for img in page.query_selector_all("main img, .body img, .document img"):
            alt = (img.get_attribute("alt") or "").strip()
            if len(alt) < 15 or alt.lower().endswith((".png", ".svg", ".jpg")):
                problems.append(f"{name}: image without a description (alt={alt!r})")
    context.close()
    assert not outside, f"requests left localhost: {sorted(set(outside))[:5]}"
    assert not broken, f"broken internal links: {broken[:10]}"
    assert not problems, "; ".join(problems[:10])
    assert with_maths >= 3, "the assignment pages should carry maths"
