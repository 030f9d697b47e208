"""Independent recomputation of every graded number in assignments 06 and 07.

Each expected literal in the hidden tests of ``06-drug-efflux`` and ``07-dna-repair`` is
recomputed here from first principles with numpy, scipy and pandas only: the course library
is never imported, the CSVs in ``data/`` are read directly, and wherever possible the value is
reached by a different route from the notebook's solution (a root of the flux balance instead
of the quadratic formula, a numerical integral of the adduct ODE instead of its closed form, a
solved steady state instead of the fold-resistance formula).

``LITERALS`` copies the literals the hidden tests assert; ``test_literals_are_the_notebooks``
checks that each one still stands in the hidden-test block of its graded cell, so a change to
a notebook's expected value or to a dataset makes this file fail until someone recomputes it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad, solve_ivp
from scipy.optimize import brentq, least_squares

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
NOTEBOOKS = {
    "06": ROOT / "notebooks" / "06-drug-efflux" / "06-drug-efflux.ipynb",
    "07": ROOT / "notebooks" / "07-dna-repair" / "07-dna-repair.ipynb",
}

# (notebook, grade_id) -> literals asserted in that cell's hidden tests, as written there.
LITERALS = {
    ("06", "test_steady_state_values"): ["0.1084953", "0.3722813", "5.0"],
    ("06", "test_steady_state_arrays"): ["0.2807764", "2.3507811"],
    ("06", "test_fold_resistance_levels"): ["5.5454545", "23.727273", "46.454545", "228.27273"],
    ("06", "test_expression_for_ten_fold"): ["2.2", "1.98"],
    ("06", "test_inhibitor_reversal_values"): ["33.467532", "34.333333", "1.8912656"],
    ("06", "test_inhibitor_decision"): ['"T"', "244.5"],
    ("06", "test_cross_resistance_table"): ["[3.0, 10.0]", "[30.0, 1.0]"],
    ("06", "test_substrate_calls"): [
        '["colchicine", "doxorubicin", "etoposide", "paclitaxel", "vinblastine"]'
    ],
    ("07", "test_survival_table_fresh"): ["[0.12, 0.4, 0.08]", "[0.5, 0.1]", "0.3"],
    ("07", "test_survival_table_course"): [
        "[0.7756, 0.6378, 0.4014, 0.2473, 0.1570]",
        "[0.5651, 0.2737, 0.0592, 0.0101, 0.0010]",
    ],
    ("07", "test_lq_fit_values"): ["2.352", "6.017", "2.558"],
    ("07", "test_half_kill_dose"): ["0.4332169878", "[0.6931472, 2.7725887]"],
    ("07", "test_ercc1_predictions"): [
        "[1.3862944, 2.7725887, 5.5451774, 8.3177662]",
        "3.0",
    ],
    ("07", "test_relative_viability"): ["0.03427", "1.8734"],
    ("07", "test_synthetic_lethal_decision"): [
        '("BRCA1-/-", "cisplatin")',
        '("BRCA1-/-", "olaparib")',
        '("BRCA2-/-", "cisplatin")',
        '("BRCA2-/-", "olaparib")',
        '["BRCA1-/-", "BRCA2-/-"]',
    ],
}


def _hidden_block(notebook: str, grade_id: str) -> str:
    cells = json.loads(NOTEBOOKS[notebook].read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == grade_id and meta.get("grade"):
            source = "".join(cell["source"])
            start = source.index("### BEGIN HIDDEN TESTS")
            return source[start : source.index("### END HIDDEN TESTS")]
    raise AssertionError(f"{notebook}: no graded cell {grade_id!r}")


@pytest.mark.parametrize(("notebook", "grade_id"), sorted(LITERALS))
def test_literals_are_the_notebooks(notebook, grade_id):
    """Every literal recomputed below is the one the notebook's hidden test asserts."""
    block = _hidden_block(notebook, grade_id)
    missing = [lit for lit in LITERALS[(notebook, grade_id)] if lit not in block]
    assert not missing, f"{notebook}/{grade_id}: hidden tests no longer contain {missing}"


def test_every_graded_cell_is_covered():
    """No graded cell of 06 or 07 escapes the recomputation."""
    for notebook, path in NOTEBOOKS.items():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        graded = {
            c["metadata"]["nbgrader"]["grade_id"]
            for c in cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        }
        covered = {gid for nb, gid in LITERALS if nb == notebook}
        assert graded == covered, f"{notebook}: graded {sorted(graded)}, covered {sorted(covered)}"


# --------------------------------------------------------------------------- 06: efflux model
def _flux(c_in, c_out, p, vmax, km):
    """dC/dt = P (C_out - C) - Vmax C / (Km + C)."""
    return p * (c_out - c_in) - vmax * c_in / (km + c_in)


def _steady_state(c_out, p, vmax, km):
    """Steady state found as the root of the flux balance on [0, C_out] (no quadratic)."""
    if c_out == 0:
        return 0.0
    if vmax == 0:
        return float(c_out)
    return brentq(_flux, 0.0, c_out, args=(c_out, p, vmax, km), xtol=1e-14, rtol=1e-14)


def _c_out_needed(c_target, p, vmax, km):
    """External level that holds the inside at c_target, solved numerically on C_out."""
    return brentq(lambda co: _steady_state(co, p, vmax, km) - c_target, c_target, 1e6, xtol=1e-13)


def _fold_numeric(c_target, p, vmax, km):
    """Fold-resistance as a ratio of solved external levels (pump vs no pump)."""
    return _c_out_needed(c_target, p, vmax, km) / _c_out_needed(c_target, p, 0.0, km)


def test_06_steady_state_values():
    """The literal steady states are roots of P(C_out - C) = Vmax C/(Km + C)."""
    assert math.isclose(_steady_state(0.5, 1.0, 4.0, 1.0), 0.1084953, rel_tol=1e-6)
    assert math.isclose(_steady_state(2.0, 0.5, 3.0, 1.0), 0.3722813, rel_tol=1e-6)
    assert math.isclose(_steady_state(5.0, 1.0, 0.0, 2.0), 5.0, rel_tol=1e-9)
    # the self-check example of the statement: sqrt(2) - 1
    assert math.isclose(_steady_state(1.0, 1.0, 2.0, 1.0), math.sqrt(2) - 1, rel_tol=1e-9)


def test_06_steady_state_is_stable_fixed_point():
    """The steady state is where an integrated ODE from C = 0 settles (a stable fixed point)."""
    sol = solve_ivp(
        lambda t, c: [_flux(c[0], 2.0, 0.5, 3.0, 1.0)], (0, 200), [0.0], rtol=1e-10, atol=1e-12
    )
    assert math.isclose(sol.y[0, -1], 0.3722813, rel_tol=1e-6)


def test_06_steady_state_array():
    """Array values: C_out = 0, 1, 4 with P = 1, Vmax = 2, Km = 0.5."""
    got = [_steady_state(c, 1.0, 2.0, 0.5) for c in (0.0, 1.0, 4.0)]
    assert np.allclose(got, [0.0, 0.2807764, 2.3507811], rtol=1e-6)


def test_06_fold_resistance_formula_matches_solved_steady_state():
    """FR = 1 + Vmax/(P(Km + c)) equals the ratio of solved external levels."""
    for vmax, p, km, c in [(5.0, 0.2, 0.5, 0.05), (2.0, 1.0, 1.0, 3.0), (60.0, 0.4, 1.0, 0.05)]:
        assert math.isclose(_fold_numeric(c, p, vmax, km), 1 + vmax / (p * (km + c)), rel_tol=1e-8)


def test_06_fold_at_levels():
    """Exercise 2: FR at E = 0, 1, 5, 10, 50 (Vmax = 0.5 E, P = 0.2, Km = 0.5, C_kill = 0.05)."""
    got = [1.0] + [_fold_numeric(0.05, 0.2, 0.5 * e, 0.5) for e in (1, 5, 10, 50)]
    assert np.allclose(got, [1.0, 5.5454545, 23.727273, 46.454545, 228.27273], rtol=1e-6)


def test_06_expression_for_ten_fold():
    """Exercise 2: FR = 10 at E = 1.98; the '10 instead of 10 - 1' mistake gives 2.2."""
    e10 = brentq(lambda e: _fold_numeric(0.05, 0.2, 0.5 * e, 0.5) - 10.0, 0.1, 50.0, xtol=1e-12)
    assert math.isclose(e10, 1.98, rel_tol=1e-6)
    assert math.isclose(10 * 0.2 * 0.55 / 0.5, 2.2, rel_tol=1e-12)


def test_06_inhibitor_fold_resistances():
    """Exercise 3: FR with competitive V (Km x 1.4) and non-competitive T (Vmax / 51)."""
    with_v = _fold_numeric(0.05, 0.2, 5.0, 0.5 * (1 + 2 / 5))
    with_t = _fold_numeric(0.05, 0.2, 5.0 / (1 + 1 / 0.02), 0.5)
    assert math.isclose(with_v, 34.333333, rel_tol=1e-6)
    assert math.isclose(with_t, 1.8912656, rel_tol=1e-6)
    # the coached mistake: V treated as non-competitive (Vmax / 1.4)
    assert math.isclose(_fold_numeric(0.05, 0.2, 5.0 / 1.4, 0.5), 33.467532, rel_tol=1e-6)
    # the decision: only T brings the line below 2-fold
    assert with_t < 2 < with_v


def test_06_v_needed_for_two_fold():
    """Exercise 3: competitive V must reach 244.5 µM for 2-fold, >100x its tolerated 2 µM."""
    i = brentq(lambda x: _fold_numeric(0.05, 0.2, 5.0, 0.5 * (1 + x / 5.0)) - 2.0, 0.0, 1e4)
    assert math.isclose(i, 244.5, rel_tol=1e-6)
    assert i / 2.0 > 100


def test_06_cross_resistance_fresh_table():
    """The hidden two-drug table: means 3 and 10 (parental), folds 30 and 1."""
    table = pd.DataFrame(
        {
            "drug": ["x"] * 6 + ["y"] * 4,
            "cell_line": ["parental"] * 3
            + ["P-gp line"] * 3
            + ["parental"] * 2
            + ["P-gp line"] * 2,
            "ic50_nM": [1.0, 2.0, 6.0, 30.0, 90.0, 150.0, 8.0, 12.0, 9.0, 11.0],
        }
    )
    means = table.pivot_table(index="drug", columns="cell_line", values="ic50_nM")
    assert np.allclose(means["parental"], [3.0, 10.0])
    assert np.allclose(means["P-gp line"] / means["parental"], [30.0, 1.0])
    # the coached 'mean of ratios' mistake gives a different x fold
    ratios = np.array([30.0, 90.0, 150.0]) / np.array([1.0, 2.0, 6.0])
    assert not math.isclose(ratios.mean(), 30.0)


def test_06_substrates_on_course_data():
    """Fold >= 3 on data/pgp_cross_resistance.csv picks exactly the five simulated substrates."""
    ic50 = pd.read_csv(DATA / "pgp_cross_resistance.csv")
    folds = {}
    for drug, rows in ic50.groupby("drug"):
        par = rows.loc[rows["cell_line"] == "parental", "ic50_nM"].to_numpy().mean()
        pgp = rows.loc[rows["cell_line"] == "P-gp line", "ic50_nM"].to_numpy().mean()
        folds[drug] = pgp / par
    assert sorted(d for d, f in folds.items() if f >= 3) == [
        "colchicine",
        "doxorubicin",
        "etoposide",
        "paclitaxel",
        "vinblastine",
    ]
    # the cut-off is not a knife edge: etoposide sits well above 3, non-substrates near 1
    assert 4 < folds["etoposide"] < 10
    assert all(0.7 < folds[d] < 1.3 for d in ("cisplatin", "5-fluorouracil", "methotrexate"))


# ------------------------------------------------------------------- 07: clonogenic survival
def _survival_by_dish_loop(df: pd.DataFrame) -> dict[str, dict[float, float]]:
    """PE = mean over untreated dishes; SF per dish, averaged per dose (plain Python loops)."""
    out: dict[str, dict[float, float]] = {}
    for line in sorted(set(df["cell_line"])):
        rows = df[df["cell_line"] == line]
        dishes = list(
            zip(rows["colonies"], rows["cells_seeded"], rows["cisplatin_uM"], strict=True)
        )
        untreated = [c / s for c, s, d in dishes if d == 0]
        pe = sum(untreated) / len(untreated)
        per_dose: dict[float, list[float]] = {}
        for c, s, d in dishes:
            if d > 0:
                per_dose.setdefault(float(d), []).append(c / (s * pe))
        out[line] = {d: sum(v) / len(v) for d, v in sorted(per_dose.items())}
    return out


def test_07_survival_fresh_table():
    """Hidden fresh table: line A SF 0.3 (PE 0.4), line B SF 0.5 and 0.1 (PE 0.8)."""
    table = pd.DataFrame(
        {
            "cell_line": ["A", "A", "A", "A", "B", "B", "B"],
            "cisplatin_uM": [0.0, 0.0, 5.0, 5.0, 0.0, 5.0, 10.0],
            "cells_seeded": [100, 200, 400, 1000, 100, 100, 1000],
            "colonies": [50, 60, 40, 140, 80, 40, 80],
        }
    )
    sf = _survival_by_dish_loop(table)
    # the coached 'no plating-efficiency correction' mistake: colonies / cells_seeded
    treated = table[table["cisplatin_uM"] > 0]
    raw = (
        (treated["colonies"] / treated["cells_seeded"])
        .groupby([treated["cell_line"], treated["cisplatin_uM"]])
        .mean()
    )
    assert np.allclose(raw.to_numpy(), [0.12, 0.4, 0.08])
    assert math.isclose(sf["A"][5.0], 0.3, rel_tol=1e-12)
    assert math.isclose(sf["B"][5.0], 0.5, rel_tol=1e-12)
    assert math.isclose(sf["B"][10.0], 0.1, rel_tol=1e-12)


def _course_survival():
    return _survival_by_dish_loop(pd.read_csv(DATA / "clonogenic_cisplatin.csv"))


def test_07_survival_course_data():
    """Course SFs from data/clonogenic_cisplatin.csv match the literals at the test's rtol."""
    sf = _course_survival()
    high = list(sf["ERCC1-high"].values())
    low = list(sf["ERCC1-low"].values())
    assert np.allclose(high, [0.7756, 0.6378, 0.4014, 0.2473, 0.1570], rtol=2e-3)
    assert np.allclose(low, [0.5651, 0.2737, 0.0592, 0.0101, 0.0010], rtol=2e-2)


def _lq_fit_log(dose, sf):
    """alpha, beta >= 0 minimising sum (ln SF + alpha D + beta D^2)^2, by bounded least squares."""
    d, y = np.asarray(dose, float), np.log(np.asarray(sf, float))
    res = least_squares(lambda p: y + p[0] * d + p[1] * d * d, x0=[0.1, 0.001],
                        bounds=([0, 0], [np.inf, np.inf]), xtol=1e-15, ftol=1e-15)  # fmt: skip
    return res.x


def _dose_for(alpha, beta, sf):
    return brentq(lambda d: alpha * d + beta * d * d + math.log(sf), 0.0, 1e4, xtol=1e-13)


def test_07_lq_d50_and_ratio():
    """LQ fit in log space (SF(0) = 1): D50 2.352 (low), 6.017 (high), ratio 2.558."""
    sf = _course_survival()
    d50 = {}
    for line, by_dose in sf.items():
        alpha, beta = _lq_fit_log(list(by_dose), list(by_dose.values()))
        d50[line] = _dose_for(alpha, beta, 0.5)
    assert math.isclose(d50["ERCC1-low"], 2.352, rel_tol=0.02)
    assert math.isclose(d50["ERCC1-high"], 6.017, rel_tol=0.02)
    assert math.isclose(d50["ERCC1-high"] / d50["ERCC1-low"], 2.558, rel_tol=0.03)
    # tighter than the test's tolerance: the literals are the fit's values, not approximations
    assert math.isclose(d50["ERCC1-low"], 2.352, rel_tol=1e-3)
    assert math.isclose(d50["ERCC1-high"], 6.017, rel_tol=1e-3)


def test_07_simulation_truth_d50():
    """The datasheet's true D50s (alpha 0.30, beta 0.008; /3 and /9 for ERCC1-high): 2.18, 6.55."""
    low = _dose_for(0.30, 0.008, 0.5)
    high = _dose_for(0.10, 0.008 / 9, 0.5)
    assert math.isclose(low, 2.18, abs_tol=0.005)
    assert math.isclose(high, 6.55, abs_tol=0.005)
    assert math.isclose(high / low, 3.0, rel_tol=1e-9)


# ------------------------------------------------------------------ 07: adduct repair model
def _adduct_area_ode(c, kf, kr, tau):
    """Integral of A(t) from solving dA/dt = kf C [t < tau] - kr A numerically."""
    rhs = lambda t, a: [kf * c * (t < tau) - kr * a[0]]  # noqa: E731
    during = solve_ivp(rhs, (0, tau), [0.0], rtol=1e-11, atol=1e-13, dense_output=True)
    area_during = quad(lambda t: during.sol(t)[0], 0, tau, epsabs=1e-12)[0]
    return area_during + during.y[0, -1] / kr  # after tau: A(tau) exp(-kr t) integrates to A/kr


def _c50_numeric(kf, kr, tau, gamma):
    """Concentration giving SF = exp(-gamma * area) = 1/2, by root finding on the ODE area."""
    per_uM = _adduct_area_ode(1.0, kf, kr, tau)  # the area is linear in C
    return brentq(lambda c: math.exp(-gamma * per_uM * c) - 0.5, 1e-9, 1e6, xtol=1e-14)


def test_07_adduct_area_closed_form():
    """The ODE's total adduct exposure equals kf C tau / kr (the Background's claim)."""
    for c, kf, kr, tau in [(10.0, 1.0, 0.5, 1.0), (3.0, 2.0, 0.1, 4.0), (1.0, 0.3, 2.0, 0.5)]:
        assert math.isclose(_adduct_area_ode(c, kf, kr, tau), kf * c * tau / kr, rel_tol=1e-8)


def test_07_half_kill_dose_values():
    """C50 at (kf 2, kr 0.5, tau 4, gamma 0.1) and at kr = 0.1, 0.4 (kf 1, tau 2, gamma 0.05)."""
    assert math.isclose(_c50_numeric(2.0, 0.5, 4.0, 0.1), 0.4332169878, rel_tol=1e-6)
    got = [_c50_numeric(1.0, kr, 2.0, 0.05) for kr in (0.1, 0.4)]
    assert np.allclose(got, [0.6931472, 2.7725887], rtol=1e-6)


def test_07_c50_by_ercc1_and_ratio():
    """C50 at ERCC1 0.5, 1, 2, 3 (kr = 0.2/h per unit); three-fold ERCC1 triples C50."""
    got = [_c50_numeric(1.0, 0.2 * e, 1.0, 0.05) for e in (0.5, 1, 2, 3)]
    assert np.allclose(got, [1.3862944, 2.7725887, 5.5451774, 8.3177662], rtol=1e-6)
    assert math.isclose(got[3] / got[1], 3.0, rel_tol=1e-6)


# ---------------------------------------------------------------- 07: synthetic lethality
def _relative_viability():
    screen = pd.read_csv(DATA / "parp_synthetic_lethality.csv")
    means = screen.groupby(["genotype", "drug"])["viability"].mean()
    wild = means.xs("wild type", level="genotype")
    return {(g, d): v / wild[d] for (g, d), v in means.items()}


def test_07_relative_viability_values():
    """BRCA2-/- olaparib 0.03427 and MLH1-/- temozolomide 1.8734 of wild type."""
    rv = _relative_viability()
    assert math.isclose(rv[("BRCA2-/-", "olaparib")], 0.03427, rel_tol=0.03)
    assert math.isclose(rv[("MLH1-/-", "temozolomide")], 1.8734, rel_tol=0.01)
    assert all(math.isclose(v, 1.0) for (g, _), v in rv.items() if g == "wild type")


def test_07_synthetic_lethal_pairs_and_decision():
    """Pairs at <= 0.25 are the BRCA1/2 x olaparib/cisplatin four; olaparib for BRCA1/2 only."""
    rv = _relative_viability()
    pairs = sorted(k for k, v in rv.items() if v <= 0.25)
    assert pairs == [
        ("BRCA1-/-", "cisplatin"),
        ("BRCA1-/-", "olaparib"),
        ("BRCA2-/-", "cisplatin"),
        ("BRCA2-/-", "olaparib"),
    ]
    treat = sorted(
        g for (g, d), v in rv.items() if d == "olaparib" and g != "wild type" and v <= 0.25
    )
    assert treat == ["BRCA1-/-", "BRCA2-/-"]
    # no pair sits at the cut-off, so the decision does not hinge on noise
    assert all(abs(v - 0.25) > 0.05 for v in rv.values())
