"""Shared fixtures: a throwaway course folder for grading tests."""

from __future__ import annotations

import os
import shutil

import pytest
from helpers import ROOT


@pytest.fixture
def make_course(tmp_path):
    """Build a throwaway course folder holding the named assignments' sources.

    Returns a function ``make_course(*names) -> Path``; the copy has its own
    nbgrader_config.py, so nothing touches the repository's course state.
    """

    def _make(*names: str):
        course = tmp_path / "course"
        (course / "notebooks").mkdir(parents=True)
        shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
        for name in names:
            shutil.copytree(ROOT / "notebooks" / name, course / "notebooks" / name)
        return course

    return _make


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


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Headless Chromium for one test module. Not for the session: while Playwright's sync
    API is open, its event loop counts as running in the main thread, and a later test's
    ``asyncio.run`` (the kernel watch) failed in the same process."""
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
