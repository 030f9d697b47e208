"""03-target-mutations: every graded number, re-derived by independent code.

numpy and the standard library only (no resistlab): the occupancy scenario of Exercise 2, the
literal values of the hidden tests, and the results on the shipped `bcr_abl_ic50` rows with a
stated source (Exercises 3-5). The numbers are also looked up in the notebook's test cells,
so a change to either side that breaks agreement fails here.
"""

from __future__ import annotations

import csv
import json
import math
import re

import numpy as np
from helpers import ROOT

NOTEBOOK = ROOT / "notebooks" / "03-target-mutations" / "03-target-mutations.ipynb"
LEVELS_nM = {"imatinib": 2000.0, "dasatinib": 25.0, "ponatinib": 40.0}
GENERATION = {"imatinib": 1, "dasatinib": 2, "ponatinib": 3}


def occupancy(i, ki, atp, km):
    return np.asarray(i, float) / (np.asarray(i, float) + ki * (1.0 + atp / km))


def cell(grade_id: str) -> str:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            src = c["source"]
            return src if isinstance(src, str) else "".join(src)
    raise KeyError(grade_id)


def literals(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"(?<![\w.])\d+\.\d{6,}", text)]


def rows():
    with open(ROOT / "data" / "bcr_abl_ic50.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def attributed():
    return [r for r in rows() if r["source_quality"] != "unattributed"]


def test_fraction_inhibited_literals():
    """The hidden literals of Exercise 1 are I / (I + Ki (1 + ATP/Km)) at the stated inputs."""
    expected = {
        0.909090909: occupancy(30.0, 3.0, 0.0, 50.0),
        0.476190476: occupancy(20.0, 2.0, 1000.0, 100.0),
        0.047393365: occupancy(5.0, 0.5, 2000.0, 10.0),
    }
    found = literals(cell("test_fraction_inhibited_values"))
    for literal, value in expected.items():
        assert math.isclose(literal, float(value), rel_tol=1e-8)
        assert literal in found
    # the specific-mistake guards differ from the right answer by far more than the tolerance
    assert abs(float(occupancy(20.0, 2.0, 1000.0, 100.0)) - 20.0 / 22.0) > 0.1
    assert abs(float(occupancy(20.0, 2.0, 1000.0, 100.0)) - 0.5) > 0.01
    assert abs(float(occupancy(5.0, 0.5, 2000.0, 10.0)) - 5.0 / (5.0 + 0.5 * 1.005)) > 0.5


def test_t790m_scenario():
    """Exercise 2: 90.09% -> 33.22%, a loss of 56.87 points (63.12% relative), x 18.27 drug."""
    ref, mut = (
        float(occupancy(100.0, 1.0, 1000.0, 100.0)),
        float(occupancy(100.0, 1.0, 1000.0, 5.0)),
    )
    assert math.isclose(ref, 100.0 / 111.0) and math.isclose(mut, 100.0 / 301.0)
    points = 100.0 * (ref - mut)
    relative = 100.0 * (ref - mut) / ref
    fold = (1.0 + 1000.0 / 5.0) / (1.0 + 1000.0 / 100.0)
    assert round(points, 1) == 56.9 and abs(round(points, 1) - points) < 0.051
    assert abs(relative - points) > 6.0  # the relative mistake is told apart from the answer
    assert math.isclose(fold, 18.2727273, rel_tol=1e-8)
    assert abs(round(fold, 1) - fold) < 0.051 and abs(20.0 - fold) > 1.0
    # a fold of 18.27 restores the reference occupancy exactly
    assert math.isclose(float(occupancy(100.0 * fold, 1.0, 1000.0, 5.0)), ref, rel_tol=1e-12)
    assert 18.2727273 in literals(cell("test_t790m_fold"))


def test_fold_table_literals():
    """Exercise 3's fresh table: folds 3, 50, 1, 0.5, 250, 1 (sorted by drug, mutant)."""
    table = [
        ("X1", "a", 30.0),
        ("wild type", "a", 10.0),
        ("X2", "a", 500.0),
        ("wild type", "b", 4.0),
        ("X1", "b", 2.0),
        ("X2", "b", 1000.0),
    ]
    wt = {d: v for m, d, v in table if m == "wild type"}
    folds = sorted(((d, m), v / wt[d]) for m, d, v in table)
    assert [f for _, f in folds] == [3.0, 50.0, 1.0, 0.5, 250.0, 1.0]
    assert "[3.0, 50.0, 1.0, 0.5, 250.0, 1.0]" in cell("test_add_fold_resistance_table")


def test_unattributed_rows_and_what_the_exercises_use():
    """Four genotypes are unattributed; the exercises' 21 rows have 3 censored values."""
    unattributed = {r["mutant"] for r in rows() if r["source_quality"] == "unattributed"}
    assert unattributed == {"Y253H", "G250E/T315I", "Y253H/T315I", "E255V/T315I"}
    used = attributed()
    assert len(used) == 21 and {r["source_quality"] for r in used} == {"secondary"}
    assert sum(r["qualifier"] == ">=" for r in used) == 3
    assert "_rows = 21" in cell("test_fold_resistance_results")


def test_fold_resistance_results():
    """T315I imatinib 17.497-fold; the top single mutant for ponatinib is the largest fold."""
    used = attributed()
    wt = {r["drug"]: float(r["ic50_nM"]) for r in used if r["mutant"] == "wild type"}
    fold = {(r["mutant"], r["drug"]): float(r["ic50_nM"]) / wt[r["drug"]] for r in used}
    assert math.isclose(fold[("T315I", "imatinib")], 9221.0 / 527.0)
    singles = {
        m: f
        for (m, d), f in fold.items()
        if d == "ponatinib" and m != "wild type" and "/" not in m
    }
    top = max(singles, key=singles.get)
    assert top == "T315M" and math.isclose(singles[top], 577.5 / 2.1)
    assert min(singles, key=singles.get) == "T315I"  # the 'smallest' mistake is T315I
    # T315I vs ponatinib: ~3-fold in this table, ~20-fold (11 / 0.5 nM) in O'Hare et al. 2009
    assert math.isclose(fold[("T315I", "ponatinib")], 3.0)
    assert 15.0 <= 11.0 / 0.5 <= 25.0


def classify(ic50, level, censored):
    r = ic50 / level
    if censored:
        return "resistant" if r > 1 else "indeterminate"
    return "sensitive" if r <= 0.5 else "intermediate" if r <= 1 else "resistant"


def test_calls_and_treatment_plan():
    """Exercises 4-5 on the attributed rows: calls, and the plan for the five patients."""
    used = attributed()
    calls = {
        (r["mutant"], r["drug"]): (
            classify(float(r["ic50_nM"]), LEVELS_nM[r["drug"]], r["qualifier"] == ">="),
            float(r["ic50_nM"]) / LEVELS_nM[r["drug"]],
        )
        for r in used
    }
    assert math.isclose(calls[("wild type", "imatinib")][1], 0.2635)
    assert calls[("Y253H/E255V", "dasatinib")] == ("intermediate", 18.1 / 25.0)

    def choose(mutant):
        mine = {d: c for (m, d), c in calls.items() if m == mutant}
        sens = [d for d, (c, _) in mine.items() if c == "sensitive"]
        if sens:
            return min(sens, key=GENERATION.get)
        inter = [d for d, (c, _) in mine.items() if c == "intermediate"]
        return min(inter, key=lambda d: mine[d][1]) if inter else "none"

    patients = {
        "patient 1": "E255K",
        "patient 2": "T315I",
        "patient 3": "Y253H/E255V",
        "patient 4": "T315M",
        "patient 5": "wild type",
    }
    plan = {p: choose(m) for p, m in patients.items()}
    assert plan == {
        "patient 1": "dasatinib",
        "patient 2": "ponatinib",
        "patient 3": "dasatinib",
        "patient 4": "none",
        "patient 5": "imatinib",
    }
    assert all(m in {r["mutant"] for r in used} for m in patients.values())
    assert '"patient 4": "T315M"' in cell("patients_mutations")


def test_two_thirds_of_the_maximal_effect():
    """At a level of twice the IC50 a Hill curve of slope 1 gives 2/3 of the maximal effect."""
    ic50, level = 1.0, 2.0
    assert math.isclose(level / (level + ic50), 2.0 / 3.0)
