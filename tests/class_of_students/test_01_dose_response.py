"""01-dose-response: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "01-dose-response"

HILL_SIGNATURE = "def hill(dose, e0, emax, ec50, h):\n"

STUDENTS = [
    Student(
        "hill_loop",
        {
            "answer_hill_function": HILL_SIGNATURE
            + "    import numpy as np\n"
            + "    d = np.atleast_1d(np.asarray(dose, dtype=float))\n"
            + "    out = np.array([e0 + (emax - e0) / (1 + (ec50 / x) ** h) if x > 0 else e0"
            + " for x in d])\n"
            + "    return out if np.ndim(dose) else float(out[0])\n"
        },
        why="a loop over doses with the (EC50/d)^h form",
    ),
    Student(
        "hill_power",
        {
            "answer_hill_function": HILL_SIGNATURE
            + "    d = np.power(np.asarray(dose, float), h)\n"
            + "    return emax + (e0 - emax) * np.power(ec50, h) / (np.power(ec50, h) + d)\n"
        },
        why="writes the curve from the top plateau down",
    ),
    Student(
        "hill_no_power_on_ec50",
        {
            "answer_hill_function": HILL_SIGNATURE
            + "    d = np.asarray(dose, float)\n"
            + "    return e0 + (emax - e0) * d**h / (ec50 + d**h)\n"
        },
        fails={
            "test_hill_function_values": "check that both the dose and the EC50 are raised",
        },
        why="forgets to raise EC50 to the power h",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
