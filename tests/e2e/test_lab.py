"""``make lab`` in a real browser: figures render inline, the course root is served, and a
notebook's markup loads nothing from another host.

The server is started by the Makefile's own ``lab`` target (on a free port, no browser, a
token), from an environment that has ``MPLBACKEND=Agg`` set as ``make e2e`` and ``make test``
do, so the test shows that ``make lab`` does not hand the Agg backend to its kernels.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import nbformat
import pytest
from helpers import ROOT

pytestmark = pytest.mark.e2e

TOKEN = "resistlab-e2e-token"
KERNEL_READY = """() => {
    const widget = window.jupyterapp.shell.currentWidget;
    const kernel = widget && widget.sessionContext && widget.sessionContext.session
        && widget.sessionContext.session.kernel;
    return !!kernel && kernel.connectionStatus === "connected" && kernel.status === "idle";
}"""


@pytest.fixture
def lab(free_port):
    scratch = ROOT / "build" / "e2e"
    scratch.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import matplotlib\nimport matplotlib.pyplot as plt\n"
                "print('backend:', matplotlib.get_backend())\n"
                "plt.plot([0, 1, 2], [0, 1, 4])\nplt.show()"
            )
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, scratch / "figure.ipynb")
    env = dict(os.environ, MPLBACKEND="Agg")
    args = (
        f"--no-browser --IdentityProvider.token={TOKEN} --LabApp.expose_app_in_browser=True "
        "--ServerApp.ip=127.0.0.1"
    )
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"PORT={free_port}", f"LAB_ARGS={args}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{free_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "make lab did not start:\n" + proc.stdout.read()
                    ) from None
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        for name in ("figure.ipynb", "beacon.ipynb"):
            (scratch / name).unlink(missing_ok=True)


def test_lab_serves_the_course_root_and_opens_on_the_notebooks(lab):
    """The server's root is the course root, and / leads to the notebooks folder."""
    with urllib.request.urlopen(f"{lab}/api/contents/?token={TOKEN}") as r:
        names = {item["name"] for item in json.load(r)["content"]}
    assert {"notebooks", "nbgrader_config.py", "data"} <= names, names
    with urllib.request.urlopen(f"{lab}/?token={TOKEN}") as r:
        assert r.url.split("?")[0].endswith("/lab/tree/notebooks"), r.url


def test_a_figure_cell_renders_an_inline_image(lab, browser):
    """Running a cell that calls plt.show() shows a PNG in the notebook's output area."""
    page = browser.new_page()
    try:
        page.goto(f"{lab}/lab/tree/build/e2e/figure.ipynb?token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
        page.wait_for_function(KERNEL_READY, timeout=180_000)
        for _attempt in range(3):  # a run request sent while the kernel connects can be lost
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            try:
                page.wait_for_selector(".jp-OutputArea-output", timeout=60_000)
                break
            except Exception:
                page.wait_for_function(KERNEL_READY, timeout=60_000)
        text = page.inner_text(".jp-OutputArea")
        image = page.wait_for_selector(
            ".jp-OutputArea-output img[src^='data:image/png']", timeout=60_000
        )
        assert image is not None, f"no inline image; output was: {text}"
        assert "backend: agg" not in page.inner_text(".jp-OutputArea").lower()
        box = image.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    finally:
        page.close()


@pytest.fixture
def beacon():
    """An HTTP server on loopback that records every path a browser asks it for."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def test_a_notebooks_markup_loads_nothing_from_another_host(lab, browser, beacon):
    """A student's markdown that names images on another host (markdown, HTML, a CSS
    background, a video) makes no request when the instructor opens the notebook: the
    server's Content-Security-Policy allows images and media from the server and data:/blob:
    only (without it, opening an autograded notebook had told the student when and from where
    it was read). The notebook's own inline images still render (the figure test)."""
    url, asked = beacon
    markdown = (
        f"![md]({url}/markdown.png)\n\n"
        f'<img src="{url}/html.png" width="20">\n\n'
        f'<div style="width:20px;height:20px;background-image:url({url}/css.png)">x</div>\n\n'
        f'<video src="{url}/video.mp4" autoplay muted></video>\n'
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown)])
    nbformat.write(nb, ROOT / "build" / "e2e" / "beacon.ipynb")
    page = browser.new_page()
    try:
        page.goto(f"{lab}/lab/tree/build/e2e/beacon.ipynb?token={TOKEN}")
        page.wait_for_selector(".jp-MarkdownOutput img", state="attached", timeout=90_000)
        page.wait_for_timeout(3000)
        rendered = page.inner_html(".jp-MarkdownOutput")
    finally:
        page.close()
    assert url + "/markdown.png" in rendered, rendered  # the markup was rendered as written
    assert asked == [], asked
