"""Every assignment's title carries the same prefix: its number and a middle dot."""

from __future__ import annotations

import pytest
from helpers import assignment_params

from resistlab.course import Assignment


@pytest.mark.parametrize("path", assignment_params())
def test_title_starts_with_the_assignment_number(path):
    """``# NN · Title``, as in the course map and the student edition's README."""
    title = Assignment.from_path(path).title
    number = path.parent.name[:2]
    assert title.startswith(f"{number} · "), f"{path.name}: {title!r}"
    assert len(title) > len(number) + 10
