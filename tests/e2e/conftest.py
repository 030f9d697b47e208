"""Fixtures of the browser tests: Debian's headless chromium driven by Playwright.

Playwright comes from PyPI (the ``e2e`` extra); its own browser download is never used: the
browser is the system's ``chromium`` (``make e2e`` installs it with apt-get). Outside ``make
e2e`` (which sets ``RESISTLAB_E2E=1``) a machine without chromium skips these tests; under it,
a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(what: str):
    if os.environ.get("RESISTLAB_E2E") == "1":
        pytest.fail(f"{what}; `make e2e` should have installed it")
    pytest.skip(f"{what} (run `make e2e`)")


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _missing("no chromium on PATH")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (the e2e extra)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
