"""Shared fixtures: a throwaway course folder for grading tests."""

from __future__ import annotations

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
