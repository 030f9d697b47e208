"""A small, fast fixture assignment and builders for adversarial submissions.

The fixture assignment ``01-fixture`` has two exercises and three test cells (5 points):

* ``answer_hill`` defines ``hill(dose, ec50, h)``; ``test_hill_values`` (2 points, hidden
  ``math.isclose``) and ``test_hill_array`` (1 point, hidden ``np.allclose``) test it;
* ``answer_ic50`` sets ``ic50``; ``test_ic50`` (2 points, hidden ``np.isclose``) tests it.

Submissions are built from the released student copy, the way a student would edit it.
"""

from __future__ import annotations

import shutil
import textwrap

import nbformat
from helpers import ROOT
from helpers import nbgrader_cell as _cell

from resistlab.course import run_nbgrader

NAME = "01-fixture"
MAX_SCORE = 5.0

HILL = '''def hill(dose, ec50, h):
    """Fraction of the maximal effect at ``dose`` (Hill equation)."""
    ### BEGIN SOLUTION
    dose = np.asarray(dose, dtype=float)
    return dose**h / (ec50**h + dose**h)
    ### END SOLUTION
'''
CORRECT_HILL = '''def hill(dose, ec50, h):
    """Fraction of the maximal effect at ``dose`` (Hill equation)."""
    dose = np.asarray(dose, dtype=float)
    return dose**h / (ec50**h + dose**h)
'''
WRONG_HILL = '''def hill(dose, ec50, h):
    """Fraction of the maximal effect at ``dose`` (Hill equation)."""
    return np.asarray(dose, dtype=float) / ec50
'''
HIDDEN_HINT = "At twice EC50 with h = 2 the effect should be 80% of the maximum"


def fixture_notebook():
    """The instructor's source notebook of ``01-fixture``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        _cell("markdown", "# 01 · Fixture\n", "intro"),
        _cell(
            "code",
            "import math\n\nimport numpy as np\nfrom resistlab import pharmacology\n",
            "setup",
        ),
        _cell("markdown", "## Exercise 1 — Hill (3 points)\n", "exercise_hill"),
        _cell("code", HILL, "answer_hill", solution=True, locked=False),
        _cell(
            "code",
            f'''\
            """hill(): literal values at fresh doses."""
            _check = float(hill(1.0, 1.0, 1.0))
            ### BEGIN HIDDEN TESTS
            assert math.isclose(float(hill(3.0, 1.5, 2.0)), 0.8, rel_tol=1e-9), (
                "{HIDDEN_HINT}; check the exponent."
            )
            ### END HIDDEN TESTS
            ''',
            "test_hill_values",
            grade=True,
            points=2,
        ),
        _cell(
            "code",
            """\
            _check = np.asarray(hill(np.array([1.0]), 1.0, 1.0), dtype=float)
            ### BEGIN HIDDEN TESTS
            _doses_fresh = np.array([0.5, 2.0])
            _hill_fresh = np.asarray(hill(_doses_fresh, 1.0, 1.0), dtype=float)
            assert np.allclose(_hill_fresh, [1 / 3, 2 / 3]), (
                "hill() must work element-wise on arrays."
            )
            ### END HIDDEN TESTS
            """,
            "test_hill_array",
            grade=True,
            points=1,
        ),
        _cell("markdown", "## Exercise 2 — IC50 (2 points)\n", "exercise_ic50"),
        _cell(
            "code",
            "### BEGIN SOLUTION\nic50 = 2.0 * 1.5\n### END SOLUTION\n",
            "answer_ic50",
            solution=True,
            locked=False,
        ),
        _cell(
            "code",
            """\
            _check = float(ic50)
            ### BEGIN HIDDEN TESTS
            assert np.isclose(float(ic50), 3.0), (
                "The IC50 is twice the EC50 here; check the factor."
            )
            ### END HIDDEN TESTS
            """,
            "test_ic50",
            grade=True,
            points=2,
        ),
        _cell("markdown", "## Summary\n", "summary"),
    ]
    return nb


def make_fixture_course(root, *, release=True):
    """A throwaway course holding ``01-fixture``, released (gradebook and student copy)."""
    (root / "notebooks" / NAME).mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    nbformat.write(fixture_notebook(), root / "notebooks" / NAME / f"{NAME}.ipynb")
    if release:
        run_nbgrader(["generate_assignment", NAME, "--force"], root=root)
    return root


def release_copy(course):
    return nbformat.read(course / "release" / NAME / f"{NAME}.ipynb", as_version=4)


def cell_by_id(nb, gid):
    return next(
        c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid
    )


def answer(nb, *, hill=CORRECT_HILL, ic50="ic50 = 3.0\n"):
    """Fill the two answer cells of a student copy (None leaves the stub)."""
    if hill is not None:
        cell_by_id(nb, "answer_hill").source = textwrap.dedent(hill)
    if ic50 is not None:
        cell_by_id(nb, "answer_ic50").source = textwrap.dedent(ic50)
    return nb


def submit(course, student, nb=None, *, raw=None, filename=f"{NAME}.ipynb", extra=None):
    """Put a submission in ``submitted/STUDENT/01-fixture/``."""
    folder = course / "submitted" / student / NAME
    folder.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        (folder / filename).write_text(raw, encoding="utf-8")
    elif nb is not None:
        nbformat.write(nb, folder / filename)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


#: Formgrader's *Manage Submissions* listing (``python -c FORMGRADER_LISTS COURSE NAME``):
#: the students it lists, as ``ascii()`` of the sorted list.
FORMGRADER_LISTS = """
import sys
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from resistlab.course.grading.runner import load_course_config

course, name = sys.argv[1:]
config = load_course_config(__import__("pathlib").Path(course))
api = NbGraderAPI(CourseDirectory(config=config, root=course), config=config)
print(ascii(sorted(s["student"] for s in api.get_submissions(name))))
"""
