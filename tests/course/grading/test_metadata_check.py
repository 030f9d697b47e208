"""The worker checks nbgrader's cell metadata as nbgrader's ``CheckCellMetadata`` does, with
the schema's validator made once (``jsonschema.validate`` checks the schema itself at every
cell): the same notebooks pass, the same ones fail, with the same error."""

from __future__ import annotations

import copy

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.preprocessors import CheckCellMetadata

from resistlab.course.grading.worker import _CheckCellMetadata, _MetadataOnce


def _cell(**nbgrader):
    meta = {"grade": True, "solution": False, "locked": True, "grade_id": "test_a"}
    meta.update(points=1, schema_version=3)
    meta.update(nbgrader)
    return nbformat.v4.new_code_cell("assert True", metadata={"nbgrader": meta})


BROKEN = {
    "points_text": _cell(points="two"),
    "grade_text": _cell(grade="yes"),
    "no_grade_id": _cell(grade_id=None),
    "locked_number": _cell(locked=1.5),
    "old_schema": _cell(schema_version=1),
    "new_schema": _cell(schema_version=9),
}


def _outcome(validator, cells):
    """What ``validator`` says of a notebook of ``cells``: its error's type and text, or None."""
    nb = nbformat.v4.new_notebook(cells=copy.deepcopy(cells))
    try:
        validator().validate_nb(nb)
    except Exception as err:
        return type(err).__name__, str(err)
    return None


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_cell_fails_as_nbgrader_fails_it(case):
    theirs = _outcome(MetadataValidator, [BROKEN[case]])
    assert theirs is not None
    assert _outcome(_MetadataOnce, [BROKEN[case]]) == theirs
    raised = []
    for check in (_CheckCellMetadata, CheckCellMetadata):
        nb = nbformat.v4.new_notebook(cells=[copy.deepcopy(BROKEN[case])])
        with pytest.raises(Exception) as err:
            check()(nb, {})
        raised.append((type(err.value), str(err.value)))
    assert raised[0] == raised[1]
    assert raised[0][0] is not ValidationError or "may be corrupted" in raised[0][1]


def test_sound_cells_pass_and_duplicate_ids_fail_both():
    sound = [_cell(), _cell(grade_id="test_b", points=2.5), nbformat.v4.new_code_cell("x = 1")]
    assert _outcome(_MetadataOnce, sound) is None
    assert _outcome(MetadataValidator, sound) is None
    twice = [_cell(), _cell()]
    assert _outcome(_MetadataOnce, twice) == _outcome(MetadataValidator, twice) is not None
