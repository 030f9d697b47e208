"""06-drug-efflux: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "06-drug-efflux"

SS = "def steady_state_intracellular(c_out, permeability, vmax, km):\n"
LEVELS = "levels = np.array([0, 1, 5, 10, 50])\n"
XR = "def cross_resistance_table(ic50s):\n"
XR_USE = (
    "cross_resistance = cross_resistance_table(ic50s)\n"
    "substrates = sorted(cross_resistance.index[cross_resistance['fold'] >= 3].tolist())\n"
)
REVERSAL_OK = (
    "fold_with_v = 1 + 5.0 / (0.2 * (0.5 * (1 + 2 / 5) + 0.05))\n"
    "fold_with_t = 1 + (5.0 / (1 + 1 / 0.02)) / (0.2 * 0.55)\n"
)

STUDENTS = [
    # ---- Exercise 1: steady state
    Student(
        "ss_stable_form",
        {
            "answer_steady_state": SS
            + "    c = np.asarray(c_out, dtype=float)\n"
            + "    b = km + vmax / permeability - c\n"
            + "    return 2 * c * km / (b + np.sqrt(b * b + 4 * c * km))\n"
        },
        why="the cancellation-free form 2 C Km / (b + sqrt)",
    ),
    Student(
        "ss_numerical_roots",
        {
            "answer_steady_state": SS
            + "    out = []\n"
            + "    for c in np.atleast_1d(np.asarray(c_out, dtype=float)):\n"
            + "        roots = np.roots([1.0, km + vmax / permeability - c, -c * km])\n"
            + "        out.append(max(r.real for r in roots))\n"
            + "    return np.array(out) if np.ndim(c_out) else out[0]\n"
        },
        why="a loop over np.roots of the quadratic",
    ),
    Student(
        "ss_forgets_permeability",
        {
            "answer_steady_state": SS
            + "    c = np.asarray(c_out, dtype=float)\n"
            + "    b = km + vmax - c\n"
            + "    return (-b + np.sqrt(b * b + 4 * c * km)) / 2\n"
        },
        fails={"test_steady_state_values": "Vmax divided by the permeability P"},
        why="writes b = Km + Vmax - C_out (no division by P)",
    ),
    Student(
        "ss_negative_root",
        {
            "answer_steady_state": SS
            + "    c = np.asarray(c_out, dtype=float)\n"
            + "    b = km + vmax / permeability - c\n"
            + "    return (-b - np.sqrt(b * b + 4 * c * km)) / 2\n"
        },
        fails={
            "test_steady_state_values": "take the one with + sqrt",
            "test_steady_state_arrays": "check the root formula",
        },
        why="takes the negative root",
    ),
    Student(
        "ss_sign_of_c_out",
        {
            "answer_steady_state": SS
            + "    c = np.asarray(c_out, dtype=float)\n"
            + "    b = km + vmax / permeability + c\n"
            + "    return (-b + np.sqrt(b * b + 4 * c * km)) / 2\n"
        },
        fails={
            "test_steady_state_values": "Check b = Km + Vmax/P - C_out",
            "test_steady_state_arrays": "check the root formula",
        },
        why="adds C_out in b instead of subtracting it",
    ),
    Student(
        "ss_math_sqrt",
        {
            "answer_steady_state": SS
            + "    import math\n"
            + "    b = km + vmax / permeability - c_out\n"
            + "    return (-b + math.sqrt(b * b + 4 * c_out * km)) / 2\n"
        },
        fails={"test_steady_state_arrays": "np.sqrt, not math.sqrt"},
        why="uses math.sqrt, which fails on arrays",
    ),
    # ---- Exercise 2: fold-resistance against expression
    Student(
        "fold_loop_and_brentq",
        {
            "answer_fold_resistance": LEVELS
            + "from scipy.optimize import brentq\n"
            + "def _fr(e):\n"
            + "    return 1 + 0.5 * e / (0.2 * (0.5 + 0.05))\n"
            + "fold_at_levels = np.array([_fr(e) for e in levels])\n"
            + "expression_for_ten_fold = brentq(lambda e: _fr(e) - 10, 0, 100, xtol=1e-12)\n"
        },
        why="a loop and a numerical root finder",
    ),
    Student(
        "fold_from_steady_state",
        {
            "answer_fold_resistance": LEVELS
            + "slope = 0.5 / (0.2 * 0.55)\n"
            + "fold_at_levels = 1 + slope * levels.astype(float)\n"
            + "expression_for_ten_fold = 9 / slope\n"
        },
        why="writes FR as 1 + slope * E and inverts it",
    ),
    Student(
        "fold_forgets_c_kill",
        {
            "answer_fold_resistance": LEVELS
            + "fold_at_levels = 1 + 0.5 * levels / (0.2 * 0.5)\n"
            + "expression_for_ten_fold = 9 * 0.2 * 0.5 / 0.5\n"
        },
        fails={
            "test_fold_resistance_levels": "Check the denominator",
            "test_expression_for_ten_fold": "Solve FR = 10 for E",
        },
        why="drops C_kill from the denominator (cascade stated in the notebook)",
    ),
    Student(
        "fold_forgets_one",
        {
            "answer_fold_resistance": LEVELS
            + "fold_at_levels = 0.5 * levels / (0.2 * 0.55)\n"
            + "expression_for_ten_fold = 10 * 0.2 * 0.55 / 0.5\n"
        },
        fails={
            "test_fold_resistance_levels": "keep the '1 +'",
            "test_expression_for_ten_fold": "not 10",
        },
        why="forgets the 1 + (no pump would mean zero-fold)",
    ),
    Student(
        "fold_solves_for_ten",
        {
            "answer_fold_resistance": LEVELS
            + "fold_at_levels = 1 + 0.5 * levels / (0.2 * 0.55)\n"
            + "expression_for_ten_fold = 10 * 0.2 * 0.55 / 0.5\n"
        },
        fails={"test_expression_for_ten_fold": "not 10"},
        why="right curve, but solves pump term = 10 instead of 9",
    ),
    Student(
        "fold_vmax_per_unit_missing",
        {
            "answer_fold_resistance": LEVELS
            + "fold_at_levels = 1 + levels / (0.2 * 0.55)\n"
            + "expression_for_ten_fold = 9 * 0.2 * 0.55\n"
        },
        fails={
            "test_fold_resistance_levels": "Vmax = 0.5 per unit",
            "test_expression_for_ten_fold": "Solve FR = 10 for E",
        },
        why="uses Vmax = E instead of 0.5 E",
    ),
    # ---- Exercise 3: reversal and the decision
    Student(
        "reversal_with_functions",
        {
            "answer_inhibitor_reversal": "def _fr(vmax, km):\n"
            + "    return 1 + vmax / (0.2 * (km + 0.05))\n"
            + "fold_with_v = _fr(5.0, 0.5 * (1 + 2.0 / 5.0))\n"
            + "fold_with_t = _fr(5.0 / (1 + 1.0 / 0.02), 0.5)\n"
            + "options = {'V': fold_with_v, 'T': fold_with_t}\n"
            + "below = [k for k, v in options.items() if v < 2]\n"
            + "chosen_inhibitor = below[0] if below else 'neither'\n"
            + "from scipy.optimize import brentq\n"
            + "v_needed_uM = brentq(lambda i: _fr(5.0, 0.5 * (1 + i / 5.0)) - 2, 0, 1e4,"
            + " xtol=1e-10)\n"
        },
        why="helper function, dict of options and a root finder",
    ),
    Student(
        "reversal_by_hand",
        {
            "answer_inhibitor_reversal": REVERSAL_OK
            + "chosen_inhibitor = 'T'\n"
            + "ki_ratio = (5.0 / 0.2 - 0.05) / 0.5 - 1\n"
            + "v_needed_uM = ki_ratio * 5\n"
        },
        why="closed forms typed by hand",
    ),
    Student(
        "reversal_v_as_noncompetitive",
        {
            "answer_inhibitor_reversal": "fold_with_v = 1 + (5.0 / (1 + 2 / 5)) / (0.2 * 0.55)\n"
            + "fold_with_t = 1 + (5.0 / (1 + 1 / 0.02)) / (0.2 * 0.55)\n"
            + "chosen_inhibitor = 'T'\n"
            + "v_needed_uM = 244.5\n"
        },
        fails={"test_inhibitor_reversal_values": "Agent V is competitive"},
        why="treats the competitive agent as lowering Vmax",
    ),
    Student(
        "reversal_ki_over_i",
        {
            "answer_inhibitor_reversal": "fold_with_v = 1 + 5.0 / (0.2 * (0.5 * 1.4 + 0.05))\n"
            + "fold_with_t = 1 + (5.0 / (1 + 0.02 / 1)) / (0.2 * 0.55)\n"
            + "chosen_inhibitor = 'T' if fold_with_t < 2 else 'neither'\n"
            + "v_needed_uM = 244.5\n"
        },
        fails={
            "test_inhibitor_reversal_values": "agent T is non-competitive",
            "test_inhibitor_decision": "Choose the agent whose fold-resistance",
        },
        why="uses Ki/I for agent T, so concludes 'neither' (cascade stated in the notebook)",
    ),
    Student(
        "reversal_wrong_choice",
        {
            "answer_inhibitor_reversal": REVERSAL_OK
            + "chosen_inhibitor = 'V'\n"
            + "v_needed_uM = 5.0 * ((5.0 / 0.2 - 0.05) / 0.5 - 1)\n"
        },
        fails={"test_inhibitor_decision": "Choose the agent whose fold-resistance"},
        why="picks the agent that lowers the fold-resistance least",
    ),
    Student(
        "reversal_needed_without_c_kill",
        {
            "answer_inhibitor_reversal": REVERSAL_OK
            + "chosen_inhibitor = 'T'\n"
            + "v_needed_uM = 5.0 * ((5.0 / 0.2) / 0.5 - 1)\n"
        },
        fails={"test_inhibitor_decision": "v_needed_uM: solve"},
        why="drops C_kill when solving for the competitive agent's level",
    ),
    # ---- Exercise 4: cross-resistance table
    Student(
        "xr_pivot_table",
        {
            "answer_cross_resistance": XR
            + "    t = ic50s.pivot_table(index='drug', columns='cell_line', values='ic50_nM',"
            + " aggfunc='mean')\n"
            + "    t['fold'] = t['P-gp line'] / t['parental']\n"
            + "    return t\n"
            + XR_USE
        },
        why="pivot_table",
    ),
    Student(
        "xr_dict_loops",
        {
            "answer_cross_resistance": XR
            + "    rows = {}\n"
            + "    for drug in sorted(set(ic50s['drug'])):\n"
            + "        sub = ic50s[ic50s['drug'] == drug]\n"
            + "        par = sub.loc[sub['cell_line'] == 'parental', 'ic50_nM'].mean()\n"
            + "        res = sub.loc[sub['cell_line'] == 'P-gp line', 'ic50_nM'].mean()\n"
            + "        rows[drug] = {'parental': par, 'P-gp line': res, 'fold': res / par}\n"
            + "    return pd.DataFrame.from_dict(rows, orient='index')\n"
            + "cross_resistance = cross_resistance_table(ic50s)\n"
            + "substrates = [d for d in sorted(cross_resistance.index)"
            + " if cross_resistance.loc[d, 'fold'] >= 3]\n"
        },
        why="a loop over drugs building a dict",
    ),
    Student(
        "xr_inverted_ratio",
        {
            "answer_cross_resistance": XR
            + "    t = ic50s.pivot_table(index='drug', columns='cell_line', values='ic50_nM')\n"
            + "    t['fold'] = t['parental'] / t['P-gp line']\n"
            + "    return t\n"
            + XR_USE
        },
        fails={
            "test_cross_resistance_table": "not the reverse",
            "test_substrate_calls": "No drug reaches the cut-off",
        },
        why="divides parental by resistant (cascade stated in the notebook)",
    ),
    Student(
        "xr_median",
        {
            "answer_cross_resistance": XR
            + "    t = ic50s.pivot_table(index='drug', columns='cell_line', values='ic50_nM',"
            + " aggfunc='median')\n"
            + "    t['fold'] = t['P-gp line'] / t['parental']\n"
            + "    return t\n"
            + XR_USE
        },
        fails={"test_cross_resistance_table": "is the MEAN parental IC50"},
        why="takes medians instead of means",
    ),
    Student(
        "xr_mean_of_ratios",
        {
            "answer_cross_resistance": XR
            + "    w = ic50s.pivot_table(index=['drug', 'replicate'], columns='cell_line',"
            + " values='ic50_nM')\n"
            + "    w['fold'] = w['P-gp line'] / w['parental']\n"
            + "    return w.groupby(level='drug').mean()\n"
            + XR_USE
        },
        fails={"test_cross_resistance_table": "a ratio of means"},
        why="averages per-replicate ratios",
    ),
    Student(
        "xr_strict_ten_fold",
        {
            "answer_cross_resistance": XR
            + "    t = ic50s.pivot_table(index='drug', columns='cell_line', values='ic50_nM')\n"
            + "    t['fold'] = t['P-gp line'] / t['parental']\n"
            + "    return t\n"
            + "cross_resistance = cross_resistance_table(ic50s)\n"
            + "substrates = sorted(cross_resistance.index[cross_resistance['fold'] > 10])\n"
        },
        fails={"test_substrate_calls": "use the cut-off"},
        why="uses a 10-fold cut-off and misses the weak substrate etoposide",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
