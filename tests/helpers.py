"""Paths and parameters shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_PATHS = sorted(ROOT.glob("notebooks/[0-9][0-9]-*/[0-9][0-9]-*.ipynb"))


def assignment_params():
    """One pytest param per assignment, with the assignment's folder name as its id."""
    return [pytest.param(p, id=p.parent.name) for p in NOTEBOOK_PATHS]
