"""Fixtures of the browser tests: Debian's headless chromium driven by Playwright.

Playwright comes from PyPI (the ``e2e`` extra); its own browser download is never used: the
browser is the system's ``chromium`` (``make e2e`` installs it with apt-get). Outside ``make
e2e`` (which sets ``RESISTLAB_E2E=1``) a machine without chromium skips these tests; under it,
a missing browser is a failure. The ``chromium_path`` and ``browser`` fixtures live in
``tests/conftest.py``, so browser tests outside this folder use them too.
"""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
