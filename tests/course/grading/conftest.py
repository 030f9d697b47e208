"""Fixtures of the grading tests (the builders are in ``course.grading.fixture_assignment``)."""

from __future__ import annotations

import shutil

import pytest
from course.grading.fixture_assignment import make_fixture_course


@pytest.fixture(scope="session")
def _released_fixture(tmp_path_factory):
    """``01-fixture`` released once per session (nbgrader's generate_assignment is slow)."""
    return make_fixture_course(tmp_path_factory.mktemp("released") / "course")


@pytest.fixture
def fixture_course(tmp_path, _released_fixture):
    """A fresh copy of the released ``01-fixture`` course (own gradebook, no submissions)."""
    course = tmp_path / "course"
    shutil.copytree(_released_fixture, course)
    return course
